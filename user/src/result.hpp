// SPDX-License-Identifier: GPL-2.0
// Error values: a Result<T> holds a T or an Error (errno and a sentence).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rz
{

struct Error {
	int code = 0;	     // errno, or 0 when none applies
	std::string message; // one sentence, no trailing newline
};

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
