#pragma once
// Errors are values: every reader returns Result<T>, which holds either a value or
// an Error naming the file, where in it, and what was expected.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace scalpel {

struct Error {
    std::string file;     // path of the offending file (may be empty for in-memory data)
    std::string message;  // "at offset 120: expected ..., found ..."

    // One line, as printed by the CLI: "<file>: <message>".
    std::string what() const { return file.empty() ? message : file + ": " + message; }
};

// Thrown inside parsers only; public entry points convert it into an Error with
// catchError(). Keeps deep parsing code free of error plumbing.
struct FormatError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& message) { throw FormatError(message); }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Runs fn(), turning FormatError and allocation failures into an Error for `file`.
template <class Fn>
auto catchError(const std::string& file, Fn&& fn) -> Result<decltype(fn())> {
    try {
        return fn();
    } catch (const FormatError& e) {
        return Error{file, e.what()};
    } catch (const std::bad_alloc&) {
        return Error{file, "out of memory while reading (sizes in the file are implausible?)"};
    } catch (const std::length_error& e) {
        return Error{file, std::string("size out of range: ") + e.what()};
    }
}

}  // namespace scalpel
