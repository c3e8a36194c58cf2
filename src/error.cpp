#include "attune/error.hpp"
#include "attune/version.hpp"

#include <new>

namespace attune {

const char* version_string() noexcept { return ATTUNE_VERSION_STRING; }
int version_number() noexcept { return ATTUNE_VERSION_NUMBER; }

const char* status_name(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::invalid_argument: return "invalid_argument";
    case status::invalid_utf8: return "invalid_utf8";
    case status::out_of_range: return "out_of_range";
    case status::not_found: return "not_found";
    case status::duplicate: return "duplicate";
    case status::limit_exceeded: return "limit_exceeded";
    case status::buffer_too_small: return "buffer_too_small";
    case status::parse_error: return "parse_error";
    case status::io_error: return "io_error";
    case status::format_error: return "format_error";
    case status::version_mismatch: return "version_mismatch";
    case status::consent_required: return "consent_required";
    case status::state_error: return "state_error";
    case status::internal: return "internal";
    case status::out_of_memory: return "out_of_memory";
  }
  return "unknown";
}

const char* status_description(status s) noexcept {
  switch (s) {
    case status::ok: return "success";
    case status::invalid_argument: return "invalid argument";
    case status::invalid_utf8: return "text is not well-formed UTF-8";
    case status::out_of_range: return "number is NaN, infinite or out of range";
    case status::not_found: return "unknown id or missing file";
    case status::duplicate: return "operation already applied";
    case status::limit_exceeded: return "input exceeds a documented resource limit";
    case status::buffer_too_small: return "output buffer too small";
    case status::parse_error: return "malformed JSON or CSV";
    case status::io_error: return "input/output error";
    case status::format_error: return "corrupt or truncated file";
    case status::version_mismatch: return "unsupported format version";
    case status::consent_required: return "consent required";
    case status::state_error: return "object not in a state that allows this call";
    case status::internal: return "internal error";
    case status::out_of_memory: return "out of memory";
  }
  return "unknown status";
}

status status_of(const std::exception& e) noexcept {
  if (auto* a = dynamic_cast<const invalid_argument*>(&e)) return a->code();
  if (auto* r = dynamic_cast<const error*>(&e)) return r->code();
  if (dynamic_cast<const std::bad_alloc*>(&e)) return status::out_of_memory;
  if (dynamic_cast<const std::invalid_argument*>(&e)) return status::invalid_argument;
  if (dynamic_cast<const std::out_of_range*>(&e)) return status::out_of_range;
  return status::internal;
}

}  // namespace attune
