// SPDX-License-Identifier: GPL-2.0
// A small JSON writer: objects and arrays built in order, strings escaped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rz
{

std::string json_quote(std::string_view s);

class Json
{
public:
	Json &begin_object(std::string_view key = {});
	Json &end_object();
	Json &begin_array(std::string_view key = {});
	Json &end_array();
	Json &value(std::string_view key, std::string_view s);
	Json &value(std::string_view key, const char *s)
	{
		return value(key, std::string_view(s));
	}
	Json &value(std::string_view key, long long n);
	Json &value(std::string_view key, int n)
	{
		return value(key, static_cast<long long>(n));
	}
	Json &value(std::string_view key, double d);
	Json &value(std::string_view key, bool b);
	Json &null(std::string_view key);
	std::string str() const { return out_ + "\n"; }

private:
	void key(std::string_view k);
	std::string out_;
	std::vector<bool> first_{true};
};

} // namespace rz
