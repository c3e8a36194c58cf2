// Fuzz the audit log verifier (arbitrary bytes as a log file) and the record validator.
// Invariants: verify never throws on any content; its result is self-consistent (ok => the head
// is the last line and every byte verified; not ok => the bad line lies within the file); the
// verified prefix verifies on its own with the same head; validate_fields either accepts or
// throws attune::invalid_argument; pseudonyms are 32 lower-case hex characters.
#include "attune/detail/sha256.hpp"
#include "attune/error.hpp"
#include "attune/ethics/audit_log.hpp"

#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using attune::ethics::AuditLog;
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::istringstream in(input);
  const attune::ethics::AuditVerifyResult r = AuditLog::verify(in);
  if (r.valid_bytes > size) std::abort();
  if (r.ok) {
    if (r.first_bad_line != 0 || !r.reason.empty() || r.head.seq != r.lines || r.valid_bytes != size) std::abort();
  } else {
    if (r.first_bad_line == 0 || r.first_bad_line > r.lines + 1 || r.reason.empty()) std::abort();
    if (r.head.seq + 1 > r.first_bad_line) std::abort();
    std::istringstream prefix(input.substr(0, static_cast<size_t>(r.valid_bytes)));
    const attune::ethics::AuditVerifyResult p = AuditLog::verify(prefix);
    if (!p.ok || p.head.seq != r.head.seq || p.head.hash != r.head.hash) std::abort();
  }
  const nlohmann::json fields = nlohmann::json::parse(input, nullptr, false);
  if (!fields.is_discarded()) {
    try {
      AuditLog::validate_fields(fields);
    } catch (const attune::invalid_argument&) {
    }
  }
  try {
    const std::string p = attune::ethics::pseudonymize("fuzz-salt-0123456789", input);
    if (!attune::detail::is_lower_hex(p, AuditLog::kPseudonymChars)) std::abort();
  } catch (const attune::invalid_argument&) {
  }
  return 0;
}
