#pragma once
// Result<T>: a value or an Error, for failures that come from outside the program
// (untrusted input, the file system, configuration). Expected failures are returned,
// never thrown (see STYLE.md "Errors").

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace flowlens {

// An error with a human-readable message that already names what is at fault
// (file, byte offset, flag, field). `offset` is the byte offset inside the input
// when the error concerns a position in it, else -1.
struct Error {
  std::string message;
  int64_t offset = -1;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(implicit)
  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace flowlens
