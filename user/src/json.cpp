// SPDX-License-Identifier: GPL-2.0
#include "json.hpp"

#include <cmath>
#include <cstdio>

namespace rz
{

std::string json_quote(std::string_view s)
{
	std::string o = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"':
			o += "\\\"";
			break;
		case '\\':
			o += "\\\\";
			break;
		case '\n':
			o += "\\n";
			break;
		case '\t':
			o += "\\t";
			break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				o += buf;
			} else {
				o += static_cast<char>(c);
			}
		}
	}
	return o + "\"";
}

void Json::key(std::string_view k)
{
	if (!first_.back())
		out_ += ",";
	first_.back() = false;
	if (!k.empty())
		out_ += json_quote(k) + ":";
}

Json &Json::begin_object(std::string_view k)
{
	key(k);
	out_ += "{";
	first_.push_back(true);
	return *this;
}

Json &Json::end_object()
{
	out_ += "}";
	first_.pop_back();
	return *this;
}

Json &Json::begin_array(std::string_view k)
{
	key(k);
	out_ += "[";
	first_.push_back(true);
	return *this;
}

Json &Json::end_array()
{
	out_ += "]";
	first_.pop_back();
	return *this;
}

Json &Json::value(std::string_view k, std::string_view s)
{
	key(k);
	out_ += json_quote(s);
	return *this;
}

Json &Json::value(std::string_view k, long long n)
{
	key(k);
	out_ += std::to_string(n);
	return *this;
}

Json &Json::value(std::string_view k, double d)
{
	key(k);
	if (!std::isfinite(d)) {
		out_ += "null";
		return *this;
	}
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.3f", d);
	out_ += buf;
	return *this;
}

Json &Json::value(std::string_view k, bool b)
{
	key(k);
	out_ += b ? "true" : "false";
	return *this;
}

Json &Json::null(std::string_view k)
{
	key(k);
	out_ += "null";
	return *this;
}

} // namespace rz
