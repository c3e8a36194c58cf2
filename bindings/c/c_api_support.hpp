// Internal glue shared by the C ABI translation units (not installed, not API).
//
// Every exported function body runs inside guarded(): exceptions become status codes and the
// thread-local message read by attune_last_error(). Nothing here may throw across extern "C".
#pragma once

#include "attune.h"
#include "attune/error.hpp"

#include <cstring>
#include <new>
#include <string>
#include <string_view>

namespace attune::capi {

static_assert(static_cast<int>(status::invalid_argument) == ATTUNE_E_INVALID_ARGUMENT &&
                  static_cast<int>(status::invalid_utf8) == ATTUNE_E_INVALID_UTF8 &&
                  static_cast<int>(status::out_of_range) == ATTUNE_E_OUT_OF_RANGE &&
                  static_cast<int>(status::not_found) == ATTUNE_E_NOT_FOUND &&
                  static_cast<int>(status::duplicate) == ATTUNE_E_DUPLICATE &&
                  static_cast<int>(status::limit_exceeded) == ATTUNE_E_LIMIT_EXCEEDED &&
                  static_cast<int>(status::buffer_too_small) == ATTUNE_E_BUFFER_TOO_SMALL &&
                  static_cast<int>(status::parse_error) == ATTUNE_E_PARSE &&
                  static_cast<int>(status::io_error) == ATTUNE_E_IO &&
                  static_cast<int>(status::format_error) == ATTUNE_E_FORMAT &&
                  static_cast<int>(status::version_mismatch) == ATTUNE_E_VERSION &&
                  static_cast<int>(status::consent_required) == ATTUNE_E_CONSENT &&
                  static_cast<int>(status::state_error) == ATTUNE_E_STATE &&
                  static_cast<int>(status::internal) == ATTUNE_E_INTERNAL &&
                  static_cast<int>(status::out_of_memory) == ATTUNE_E_NO_MEMORY,
              "attune.h status codes must match attune::status");

/// Record the message for attune_last_error() on this thread and return `code`.
int fail(int code, std::string_view message) noexcept;

/// Clear the thread's last error (successful call).
void clear_error() noexcept;

/// Run `body` (returning void), translating exceptions into status codes.
template <class Body>
int guarded(Body&& body) noexcept {
  try {
    body();
    clear_error();
    return ATTUNE_OK;
  } catch (const std::exception& e) {
    return fail(static_cast<int>(status_of(e)), e.what());
  } catch (...) {
    return fail(ATTUNE_E_INTERNAL, "unknown exception");
  }
}

/// Throws invalid_argument naming `what` when `p` is null.
inline void require(const void* p, const char* what) {
  if (p == nullptr) throw invalid_argument(std::string(what) + " must not be NULL");
}

/// A borrowed (pointer, length) text; NULL with length 0 is the empty string.
inline std::string_view text_arg(const char* text, size_t len, const char* what) {
  if (text == nullptr && len != 0) throw invalid_argument(std::string(what) + " is NULL but its length is not 0");
  return text == nullptr ? std::string_view() : std::string_view(text, len);
}

/// A NUL-terminated string argument that must be present.
/// The longest NUL-terminated argument the C ABI reads (above every documented limit of a string
/// argument, docs/limits.md): longer ones are refused after scanning only this far, so a 100 MB
/// string costs a bounded scan, not a pass over all of it.
inline constexpr size_t kMaxCStringBytes = size_t{16} << 20;

inline std::string_view cstr_arg(const char* s, const char* what) {
  require(s, what);
  const size_t n = strnlen(s, kMaxCStringBytes + 1);
  if (n > kMaxCStringBytes)
    throw invalid_argument(std::string(what) + " is longer than " + std::to_string(kMaxCStringBytes) + " bytes",
                           status::limit_exceeded);
  return std::string_view(s, n);
}

/// Two-call pattern: store the size needed (with NUL) in *needed; copy when it fits, otherwise
/// throw buffer_too_small. `needed` must not be NULL.
void copy_out(const std::string& value, char* out, size_t capacity, size_t* needed);

}  // namespace attune::capi
