// Reading a verified audit log for the KPIs (see attune/metrics/audit_records.hpp).
#include "attune/metrics/audit_records.hpp"

#include "attune/error.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>

namespace attune::metrics {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool all_digits(const std::string& s, size_t from, size_t len) {
  if (from + len > s.size()) return false;
  for (size_t i = from; i < from + len; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::int64_t parse_time_bound(const std::string& text) {
  const auto bad = [&]() {
    return invalid_argument("time '" + text.substr(0, 64) +
                            "' is neither milliseconds since the epoch nor YYYY-MM-DD[THH:MM[:SS]][Z]");
  };
  if (text.empty()) throw bad();
  if (text.find('-', 1) == std::string::npos) {  // plain integer milliseconds
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(text, &used, 10);
    } catch (const std::exception&) {
      throw bad();
    }
    if (used != text.size() || v < 0) throw bad();
    return v;
  }
  if (!all_digits(text, 0, 4) || text[4] != '-' || !all_digits(text, 5, 2) || text.size() < 10 || text[7] != '-' ||
      !all_digits(text, 8, 2))
    throw bad();
  const int y = std::stoi(text.substr(0, 4));
  const unsigned mo = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(text.substr(8, 2)));
  if (mo < 1 || mo > 12 || d < 1 || d > 31) throw bad();
  std::int64_t ms = days_from_civil(y, mo, d) * 86400000LL;
  size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (!all_digits(text, pos + 1, 2) || pos + 3 >= text.size() || text[pos + 3] != ':' || !all_digits(text, pos + 4, 2))
      throw bad();
    const int hh = std::stoi(text.substr(pos + 1, 2)), mm = std::stoi(text.substr(pos + 4, 2));
    int ss = 0;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!all_digits(text, pos + 1, 2)) throw bad();
      ss = std::stoi(text.substr(pos + 1, 2));
      pos += 3;
    }
    if (hh > 23 || mm > 59 || ss > 60) throw bad();
    ms += (hh * 3600LL + mm * 60LL + ss) * 1000LL;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) throw bad();
  return ms;
}

std::string utc_day(std::int64_t time_ms) {
  std::int64_t days = time_ms / 86400000LL;
  if (time_ms < 0 && time_ms % 86400000LL != 0) --days;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

AuditRecords read_audit_log(const std::string& path, const AuditReadOptions& options) {
  if (options.from_ms && options.to_ms && *options.from_ms >= *options.to_ms)
    throw invalid_argument("the window is empty: --from must be before --to", status::out_of_range);
  AuditRecords out;
  out.path = path;
  out.from_ms = options.from_ms;
  out.to_ms = options.to_ms;
  out.verify = ethics::AuditLog::verify(path);
  if (!out.verify.ok && !options.allow_broken) {
    throw error(status::format_error, "audit log '" + path + "' is broken at line " +
                                          std::to_string(out.verify.first_bad_line) + ": " + out.verify.reason +
                                          " (" + std::to_string(out.verify.first_bad_line - 1) +
                                          " lines before it verify; --allow-broken uses them)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot open audit log '" + path + "'");
  // Only the verified prefix is read: valid_bytes ends after the last good line's newline.
  std::uint64_t remaining = out.verify.valid_bytes;
  std::string line;
  while (remaining > 0 && std::getline(in, line)) {
    const std::uint64_t used = line.size() + 1;
    remaining = used > remaining ? 0 : remaining - used;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) throw error(status::internal, "audit log line changed while it was read: '" + path + "'");
    AuditRecord r;
    r.seq = j.at("seq").get<std::uint64_t>();
    r.time_ms = j.at("time").get<std::int64_t>();
    r.kind = j.at("kind").get<std::string>();
    for (const char* k : {"seq", "time", "kind", "prev", "hash"}) j.erase(k);
    r.fields = std::move(j);
    ++out.verified_records;
    if (options.from_ms && r.time_ms < *options.from_ms) continue;
    if (options.to_ms && r.time_ms >= *options.to_ms) continue;
    out.records.push_back(std::move(r));
  }
  if (in.bad()) throw error(status::io_error, "reading audit log '" + path + "' failed");
  return out;
}

}  // namespace attune::metrics

namespace attune::metrics {

nlohmann::json summary_json(const AuditRecords& log) {
  nlohmann::json j = {{"path", log.path},
                      {"complete", log.complete()},
                      {"lines", log.verify.lines},
                      {"verified_records", log.verified_records},
                      {"records_in_window", log.records.size()}};
  if (!log.complete()) {
    j["first_bad_line"] = log.verify.first_bad_line;
    j["reason"] = log.verify.reason;
    j["note"] = "the log is broken: KPIs use only the " + std::to_string(log.verified_records) +
                " records before line " + std::to_string(log.verify.first_bad_line);
  }
  j["window"] = {{"from_ms", log.from_ms ? nlohmann::json(*log.from_ms) : nlohmann::json()},
                 {"to_ms", log.to_ms ? nlohmann::json(*log.to_ms) : nlohmann::json()}};
  return j;
}

}  // namespace attune::metrics
