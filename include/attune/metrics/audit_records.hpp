// attune/metrics/audit_records.hpp: reading an audit log (attune::ethics::AuditLog) for analysis.
//
// The KPIs are computed from the audit log, the one record of every adaptation that a reviewer
// can trust: the file is verified with AuditLog::verify() before any record is used, and a
// broken log (truncated line, altered line, wrong hash, malformed JSON, missing lines) is never
// silently skipped past. By default reading a broken log throws attune::error(format_error)
// naming the first bad line and its reason; with AuditReadOptions::allow_broken the records of
// the verified prefix (the lines before the first bad one) are returned and AuditRecords::verify
// says what was left out, so every consumer can report it.
//
// Window: records with from_ms <= time < to_ms are kept (either bound optional). The window is
// applied after verification (the whole file is always verified). Records keep file order.
//
// Thread-safety: the functions are reentrant; AuditRecords is a plain value.
#pragma once

#include "attune/ethics/audit_log.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune::metrics {

/// One verified line of the log: its leading fields and the caller's fields (everything except
/// seq, time, kind, prev and hash).
struct AuditRecord {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;  ///< milliseconds since the Unix epoch, as stamped by the writer
  std::string kind;          ///< observation, decision, reward, correction, consent, erasure, ...
  nlohmann::json fields = nlohmann::json::object();
};

struct AuditReadOptions {
  bool allow_broken = false;           ///< use the verified prefix of a broken log instead of throwing
  std::optional<std::int64_t> from_ms; ///< inclusive lower bound on `time`
  std::optional<std::int64_t> to_ms;   ///< exclusive upper bound on `time`
};

struct AuditRecords {
  std::string path;
  std::vector<AuditRecord> records;   ///< the verified records inside the window, in file order
  ethics::AuditVerifyResult verify;   ///< the verification of the whole file
  std::uint64_t verified_records = 0; ///< records of the verified prefix (before windowing)
  std::optional<std::int64_t> from_ms, to_ms;  ///< the window that was applied
  /// True when the whole file verified (false: only the prefix was read; see verify.first_bad_line).
  bool complete() const noexcept { return verify.ok; }
};

/// Verify and read the log at `path` (see the header comment). Throws attune::error(not_found /
/// io_error) when the file cannot be read, attune::error(format_error) for a broken log without
/// allow_broken, attune::invalid_argument when from_ms >= to_ms.
AuditRecords read_audit_log(const std::string& path, const AuditReadOptions& options = AuditReadOptions());

/// Parse a time bound given on a command line: integer milliseconds since the Unix epoch, or an
/// ISO-8601 UTC date "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]". Throws attune::invalid_argument.
std::int64_t parse_time_bound(const std::string& text);

/// "YYYY-MM-DD" of a UTC time in milliseconds.
std::string utc_day(std::int64_t time_ms);

}  // namespace attune::metrics

namespace attune::metrics {

/// What was read, for reports: {"path","complete","lines","verified_records","records_in_window",
/// "first_bad_line","reason","window":{"from_ms","to_ms"}} (first_bad_line/reason only when
/// broken; window bounds null when absent).
nlohmann::json summary_json(const AuditRecords& log);

}  // namespace attune::metrics
