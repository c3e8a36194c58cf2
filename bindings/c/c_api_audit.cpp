// C ABI of the audit log: verification and pseudonyms.
#include "c_api_support.hpp"

#include "attune/ethics/audit_log.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>

using namespace attune;

namespace {

// Older callers pass a smaller struct: only the members that fit in struct_size are written.
#define ATTUNE_AUDIT_FITS(result, member) \
  ((result)->struct_size >= offsetof(attune_audit_verify_result, member) + sizeof((result)->member))

void copy_truncated(char* dst, size_t capacity, const std::string& src) {
  size_t n = std::min(src.size(), capacity - 1);
  // Never cut a UTF-8 sequence in half.
  while (n > 0 && n < src.size() && (static_cast<unsigned char>(src[n]) & 0xC0) == 0x80) --n;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

void verify_into(const char* path, const std::optional<ethics::AuditHead>& anchor, attune_audit_verify_result* result) {
  capi::require(result, "result");
  if (!ATTUNE_AUDIT_FITS(result, first_bad_line))
    throw invalid_argument("result->struct_size is too small; call attune_audit_verify_result_init()");
  const std::string file(capi::cstr_arg(path, "path"));
  const ethics::AuditVerifyResult r = ethics::AuditLog::verify(file, anchor);
  result->ok = r.ok;
  result->lines = r.lines;
  result->first_bad_line = r.first_bad_line;
  if (ATTUNE_AUDIT_FITS(result, head_seq)) result->head_seq = r.head.seq;
  if (ATTUNE_AUDIT_FITS(result, head_hash)) copy_truncated(result->head_hash, sizeof result->head_hash, r.head.hash);
  if (ATTUNE_AUDIT_FITS(result, reason)) copy_truncated(result->reason, sizeof result->reason, r.reason);
}

/// Largest salt attune_audit_pseudonymize accepts (a 256-bit secret needs 32 bytes).
constexpr size_t kMaxSaltBytes = 4096;

}  // namespace

extern "C" {

ATTUNE_API void attune_audit_verify_result_init(attune_audit_verify_result* result) {
  if (result == nullptr) return;
  std::memset(result, 0, sizeof *result);
  result->struct_size = sizeof *result;
  result->ok = true;
}

ATTUNE_API int attune_audit_verify(const char* path, attune_audit_verify_result* result) {
  return capi::guarded([&] { verify_into(path, std::nullopt, result); });
}

ATTUNE_API int attune_audit_verify_anchored(const char* path, uint64_t anchor_seq, const char* anchor_hash,
                                            attune_audit_verify_result* result) {
  return capi::guarded([&] {
    ethics::AuditHead anchor;
    anchor.seq = anchor_seq;
    anchor.hash = std::string(capi::cstr_arg(anchor_hash, "anchor_hash"));
    if (anchor_seq == 0) throw invalid_argument("anchor_seq must be >= 1");
    verify_into(path, anchor, result);
  });
}

ATTUNE_API int attune_audit_pseudonymize(const char* salt, size_t salt_len, const char* customer_id, size_t id_len,
                                         char* out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    // The salt is a key, not data: bound it so a hostile length is refused before it is hashed.
    if (salt_len > kMaxSaltBytes)
      throw invalid_argument("salt is " + std::to_string(salt_len) + " bytes, above the limit of " +
                                 std::to_string(kMaxSaltBytes),
                             status::limit_exceeded);
    const std::string p = ethics::pseudonymize(capi::text_arg(salt, salt_len, "salt"),
                                               capi::text_arg(customer_id, id_len, "customer_id"));
    std::memcpy(out, p.data(), p.size());
    out[p.size()] = '\0';
  });
}

}  // extern "C"
