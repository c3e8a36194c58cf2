// attune/error.hpp: the one error model shared by C++, C and Python.
//
// Every failure carries a `status` from the table below. The C ABI returns the same numbers
// (ATTUNE_E_* in attune.h; a static_assert keeps the two in step) and Python maps them to
// `ValueError` (argument errors) or `attune.AttuneError` (everything else).
//
// C++ callers catch:
//   - attune::invalid_argument (derives from std::invalid_argument): the caller passed something
//     wrong (malformed UTF-8, NaN, unknown id, bad JSON, out-of-range value). Nothing changed.
//   - attune::error (derives from std::runtime_error): the environment failed (I/O, corrupt file,
//     version mismatch, resource limit). Nothing changed unless the function documents otherwise.
// Both expose `code()`; `attune::status_of(const std::exception&)` reads it from either.
#pragma once

#include <stdexcept>
#include <string>

namespace attune {

/// Status codes. 0 is success; failures are negative and never change meaning once released.
enum class status : int {
  ok = 0,
  invalid_argument = -1,   ///< a parameter is malformed or out of its documented domain
  invalid_utf8 = -2,       ///< text is not well-formed UTF-8 (message names the byte offset)
  out_of_range = -3,       ///< a number is NaN, infinite or outside its documented range
  not_found = -4,          ///< an id (customer, decision, variant, label, file) is unknown
  duplicate = -5,          ///< the operation was already applied (e.g. a second reward)
  limit_exceeded = -6,     ///< input larger than a documented resource limit
  buffer_too_small = -7,   ///< caller-provided output buffer too small (C two-call pattern)
  parse_error = -8,        ///< malformed JSON or CSV
  io_error = -9,           ///< a file could not be read or written
  format_error = -10,      ///< a model/snapshot/journal file is corrupt or truncated
  version_mismatch = -11,  ///< a file's format version is not supported by this library
  consent_required = -12,  ///< the operation needs a consent the customer has not given
  state_error = -13,       ///< the object is not in a state that allows the call
  internal = -14,          ///< a bug in attune; please report it
  out_of_memory = -15,     ///< allocation failed
};

/// Short English name of a status ("invalid_utf8"); "unknown" for numbers outside the table.
const char* status_name(status s) noexcept;

/// One-line English description of a status, as returned by attune_status_string() in C.
const char* status_description(status s) noexcept;

/// Errors of the environment or of the library's state. Thrown by value, caught by reference.
class error : public std::runtime_error {
 public:
  error(status code, const std::string& message) : std::runtime_error(message), code_(code) {}
  status code() const noexcept { return code_; }

 private:
  status code_;
};

/// Errors caused by the caller's arguments; Python sees them as ValueError.
class invalid_argument : public std::invalid_argument {
 public:
  explicit invalid_argument(const std::string& message, status code = status::invalid_argument)
      : std::invalid_argument(message), code_(code) {}
  status code() const noexcept { return code_; }

 private:
  status code_;
};

/// The status carried by an exception: its code() for attune exceptions, invalid_argument for
/// other std::invalid_argument / std::out_of_range, out_of_memory for std::bad_alloc, internal
/// otherwise.
status status_of(const std::exception& e) noexcept;

}  // namespace attune
