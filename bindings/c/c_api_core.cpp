// Version, status strings and the thread-local last error of the C ABI.
#include "c_api_support.hpp"

#include "attune/version.hpp"

namespace attune::capi {
namespace {
thread_local std::string last_error_message;
}

int fail(int code, std::string_view message) noexcept {
  try {
    last_error_message.assign(message.data(), message.size());
  } catch (...) {
    // Out of memory while recording the message: keep the code, drop the text.
  }
  return code;
}

void clear_error() noexcept { last_error_message.clear(); }

void copy_out(const std::string& value, char* out, size_t capacity, size_t* needed) {
  require(needed, "needed");
  *needed = value.size() + 1;
  if (out == nullptr || capacity < value.size() + 1)
    throw error(status::buffer_too_small, "output buffer holds " + std::to_string(capacity) +
                                              " bytes, " + std::to_string(value.size() + 1) + " needed");
  std::memcpy(out, value.data(), value.size());
  out[value.size()] = '\0';
}

}  // namespace attune::capi

extern "C" {

ATTUNE_API const char* attune_version(void) { return attune::version_string(); }
ATTUNE_API int attune_version_number(void) { return attune::version_number(); }

ATTUNE_API const char* attune_status_string(int status) {
  return attune::status_description(static_cast<attune::status>(status));
}

ATTUNE_API const char* attune_last_error(void) { return attune::capi::last_error_message.c_str(); }

}  // extern "C"
