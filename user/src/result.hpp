// SPDX-License-Identifier: GPL-2.0
// Error values: a Result<T> holds a T or an Error (errno and a sentence).
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace rz
{

struct Error {
	int code = 0;	     // errno, or 0 when none applies
	std::string message; // one sentence, no trailing newline
};

namespace detail
{
// strerror_r(3) is the GNU one (returns the text) or the XSI one (fills buf).
inline const char *strerror_text(const char *text, const char *)
{
	return text;
}
inline const char *strerror_text(int rc, const char *buf)
{
	return rc == 0 ? buf : nullptr;
}
} // namespace detail

// strerror(3) without its shared buffer: safe from several threads.
inline std::string errno_text(int e)
{
	char buf[128];
	const char *t =
	    detail::strerror_text(::strerror_r(e, buf, sizeof(buf)), buf);
	return t ? t : "error " + std::to_string(e);
}

template <class T> class Result
{
public:
	Result(T value) : v_(std::move(value)) {}
	Result(Error err) : v_(std::move(err)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() { return std::get<0>(v_); }
	const T &value() const { return std::get<0>(v_); }
	T &operator*() { return value(); }
	const T &operator*() const { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	const Error &error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

} // namespace rz
