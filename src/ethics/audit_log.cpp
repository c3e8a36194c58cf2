// The tamper-evident audit log: record validation, canonical serialization, the chain verifier
// and the appending writer. The format is specified in audit_log.hpp and docs/audit.md.
#include "attune/ethics/audit_log.hpp"

#include "attune/detail/sha256.hpp"
#include "attune/error.hpp"
#include "attune/text/utf8.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <utility>

namespace attune::ethics {
namespace {

using nlohmann::json;

const std::string kZeroHash(64, '0');

// Reasons reported by verify(); docs/audit.md lists them. The torn-tail one is also matched by
// AuditOnBroken::truncate_torn_tail, so it is a constant.
constexpr const char* kReasonTruncated = "truncated last line";

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool is_forbidden_key(std::string_view key) noexcept {
  // Names under which hosts habitually put raw customer text.
  for (const char* name : {"text", "message", "raw", "body", "content"}) {
    if (iequals(key, name)) return true;
  }
  return false;
}

bool is_customer_key(std::string_view key) noexcept {
  for (const char* name : {"customer", "customer_id", "user", "user_id", "userid"}) {
    if (iequals(key, name)) return true;
  }
  return false;
}

bool is_reserved_key(std::string_view key) noexcept {
  return key == "seq" || key == "time" || key == "kind" || key == "prev" || key == "hash";
}

// `path` names the field being checked ("states.anxiety", "items[2]"); it is a buffer grown and
// shrunk during the walk so valid records cost no allocations for it.
void validate_key(const std::string& key, const std::string& path) {
  if (key.empty() || key.size() > AuditLog::kMaxKeyBytes)
    throw invalid_argument("audit field name at '" + path + "' must be 1-" + std::to_string(AuditLog::kMaxKeyBytes) +
                           " characters");
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok)
      throw invalid_argument("audit field names may only use [A-Za-z0-9_.-] (free text is not allowed in keys)");
  }
  if (is_forbidden_key(key))
    throw invalid_argument("audit field '" + path + "' is refused: the audit log never holds raw text (fields named "
                           "text, message, raw, body or content)");
}

void validate_value(const json& value, size_t depth, std::string& path) {
  if (depth > AuditLog::kMaxDepth)
    throw invalid_argument("audit fields nest deeper than " + std::to_string(AuditLog::kMaxDepth) + " levels at '" +
                               path + "'",
                           status::limit_exceeded);
  switch (value.type()) {
    case json::value_t::object:
      for (auto it = value.begin(); it != value.end(); ++it) {
        const size_t mark = path.size();
        if (!path.empty()) path += '.';
        path += it.key().substr(0, AuditLog::kMaxKeyBytes);
        validate_key(it.key(), path);
        if (is_customer_key(it.key())) {
          const json& v = it.value();
          if (!v.is_string() || !detail::is_lower_hex(v.get_ref<const std::string&>(), AuditLog::kPseudonymChars))
            throw invalid_argument("audit field '" + path +
                                   "' must hold a pseudonym (32 lower-case hex characters from pseudonymize()), "
                                   "never a raw customer id");
        }
        validate_value(it.value(), depth + 1, path);
        path.resize(mark);
      }
      break;
    case json::value_t::array: {
      size_t i = 0;
      for (const auto& element : value) {
        const size_t mark = path.size();
        path += '[';
        path += std::to_string(i++);
        path += ']';
        validate_value(element, depth + 1, path);
        path.resize(mark);
      }
      break;
    }
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (s.size() > AuditLog::kMaxStringBytes)
        throw invalid_argument("audit field '" + path + "' holds a string of " + std::to_string(s.size()) +
                                   " bytes; the limit is " + std::to_string(AuditLog::kMaxStringBytes) +
                                   " so that raw text cannot enter the log",
                               status::limit_exceeded);
      text::require_utf8(s, "audit field string");
      break;
    }
    case json::value_t::number_float:
      if (!std::isfinite(value.get<double>()))
        throw invalid_argument("audit field '" + path + "' is not a finite number", status::out_of_range);
      break;
    case json::value_t::binary:
      throw invalid_argument("audit field '" + path + "' is binary; only JSON values are allowed");
    default:
      break;  // null, boolean, integers
  }
}

void validate_object(const json& value) {
  std::string path;
  validate_value(value, 0, path);
}

// The caller's fields as they appear after the leading four: ,"k":v for each key in order.
std::string serialize_fields(const json& fields) {
  std::string out;
  if (fields.is_null()) return out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    out += ',';
    out += json(it.key()).dump();
    out += ':';
    out += it.value().dump();
  }
  return out;
}

// The line without its hash field: {"seq":..,"time":..,"kind":..,"prev":..<fields>}
std::string serialize_body(std::uint64_t seq, std::int64_t time_ms, std::string_view kind, std::string_view prev,
                           std::string_view fields) {
  std::string body;
  body.reserve(96 + kind.size() + prev.size() + fields.size());
  body += "{\"seq\":";
  body += std::to_string(seq);
  body += ",\"time\":";
  body += std::to_string(time_ms);
  body += ",\"kind\":";
  body += json(std::string(kind)).dump();
  body += ",\"prev\":\"";
  body += prev;
  body += '"';
  body += fields;
  body += '}';
  return body;
}

constexpr std::string_view kHashKey = ",\"hash\":\"";
constexpr size_t kHashSuffixSize = kHashKey.size() + 64 + 2;  // ,"hash":"<64>"}

// The full line (without newline): the body with ,"hash":"H(body)" inserted before its '}'.
std::string make_line(const std::string& body) {
  std::string line = body.substr(0, body.size() - 1);
  line += kHashKey;
  line += detail::sha256_hex(body);
  line += "\"}";
  return line;
}

// --- reading lines ---------------------------------------------------------------------------

struct RawLine {
  std::string bytes;      // without the newline; a prefix only when too_long
  bool terminated = false;
  bool too_long = false;
  std::uint64_t end = 0;  // offset just past the line (and its newline)
};

// Streams lines without ever holding more than one (capped) line, so a hostile file with a huge
// line cannot exhaust memory.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in), buf_(1 << 16) {}

  bool next(RawLine& line) {
    line.bytes.clear();
    line.terminated = false;
    line.too_long = false;
    bool any = false;
    for (;;) {
      if (pos_ == end_ && !fill()) {
        line.end = offset_;
        return any;
      }
      any = true;
      const char* start = buf_.data() + pos_;
      const size_t avail = end_ - pos_;
      const void* nl = std::memchr(start, '\n', avail);
      const size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : avail;
      if (!line.too_long) {
        if (line.bytes.size() + take > AuditLog::kMaxLineBytes) {
          line.too_long = true;
        } else {
          line.bytes.append(start, take);
        }
      }
      pos_ += take;
      offset_ += take;
      if (nl) {
        ++pos_;
        ++offset_;
        line.terminated = true;
        line.end = offset_;
        return true;
      }
    }
  }

 private:
  bool fill() {
    if (eof_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    const std::streamsize n = in_.gcount();
    if (in_.bad()) throw error(status::io_error, "error while reading the audit log");
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    pos_ = 0;
    end_ = static_cast<size_t>(n);
    return true;
  }

  std::istream& in_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  std::uint64_t offset_ = 0;
  bool eof_ = false;
};

// One line checked on its own: well-formed, canonical, self-hash intact, fields within policy.
struct Checked {
  bool ok = false;
  std::string reason;
  std::uint64_t seq = 0;
  std::string prev;
  std::string line_hash;  // SHA-256 of the line's bytes: what the next line's prev must be
};

Checked check_line(const RawLine& raw) {
  Checked c;
  if (raw.too_long) {
    c.reason = "line too long";
    return c;
  }
  const std::string& line = raw.bytes;
  if (line.empty()) {
    c.reason = "empty line";
    return c;
  }
  json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) {
    c.reason = "malformed JSON";
    return c;
  }
  // Take the leading fields and the hash out of the record; what remains are the caller's fields.
  const auto take = [&](const char* name, json& out) {
    auto it = record.find(name);
    if (it == record.end()) return false;
    out = std::move(*it);
    record.erase(it);
    return true;
  };
  json seq, time, kind, prev, hash;
  if (!take("seq", seq) || !seq.is_number_unsigned() || seq.get<std::uint64_t>() == 0) {
    c.reason = "missing or invalid field 'seq'";
    return c;
  }
  if (!take("time", time) || !time.is_number_integer() ||
      (time.is_number_unsigned() &&
       time.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) ||
      time.get<std::int64_t>() < 0) {
    c.reason = "missing or invalid field 'time'";
    return c;
  }
  if (!take("kind", kind) || !kind.is_string()) {
    c.reason = "missing or invalid field 'kind'";
    return c;
  }
  if (!take("prev", prev) || !prev.is_string() || !detail::is_lower_hex(prev.get_ref<const std::string&>(), 64)) {
    c.reason = "missing or invalid field 'prev'";
    return c;
  }
  if (!take("hash", hash) || !hash.is_string() || !detail::is_lower_hex(hash.get_ref<const std::string&>(), 64)) {
    c.reason = "missing or invalid field 'hash'";
    return c;
  }
  // Self-hash over the exact bytes before the hash field (checked before canonical form, so a
  // flipped byte reads as what it is).
  const std::string& stated = hash.get_ref<const std::string&>();
  if (line.size() <= kHashSuffixSize ||
      line.compare(line.size() - kHashSuffixSize, kHashKey.size(), kHashKey.data(), kHashKey.size()) != 0 ||
      line.compare(line.size() - kHashSuffixSize + kHashKey.size(), 64, stated) != 0 ||
      line.compare(line.size() - 2, 2, "\"}") != 0) {
    c.reason = "non-canonical line (hash is not the last field)";
    return c;
  }
  // The body and the whole line share everything up to the hash field: absorb it once.
  const std::string_view prefix(line.data(), line.size() - kHashSuffixSize);
  detail::Sha256 prefix_state;
  prefix_state.update(prefix);
  detail::Sha256 line_state = prefix_state;
  prefix_state.update("}");
  if (detail::to_hex(prefix_state.final()) != stated) {
    c.reason = "hash mismatch (the line's content was altered)";
    return c;
  }
  if (!AuditLog::is_known_kind(kind.get_ref<const std::string&>())) {
    c.reason = "unknown kind";
    return c;
  }
  try {
    for (auto it = record.begin(); it != record.end(); ++it) {
      if (is_reserved_key(it.key())) throw invalid_argument("reserved field '" + it.key() + "'");
    }
    validate_object(record);
  } catch (const std::exception& e) {
    c.reason = std::string("invalid field: ") + e.what();
    return c;
  }
  const std::string canonical =
      serialize_body(seq.get<std::uint64_t>(), time.get<std::int64_t>(), kind.get_ref<const std::string&>(),
                     prev.get_ref<const std::string&>(), serialize_fields(record));
  if (canonical.size() != prefix.size() + 1 || canonical.compare(0, prefix.size(), prefix) != 0) {
    c.reason = "non-canonical line";
    return c;
  }
  c.ok = true;
  c.seq = seq.get<std::uint64_t>();
  c.prev = prev.get<std::string>();
  line_state.update(line.data() + prefix.size(), kHashSuffixSize);
  c.line_hash = detail::to_hex(line_state.final());
  return c;
}

struct Link {
  std::uint64_t seq = 0;
  std::string hash = kZeroHash;
  std::uint64_t end = 0;  // file offset after this line
};

std::string system_message(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

std::string dirname_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void fsync_directory(const std::string& path) {
  const int dir = ::open(dirname_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;  // best effort: some file systems do not allow opening directories
  (void)::fsync(dir);
  ::close(dir);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string first_free(const std::string& base) {
  for (unsigned n = 1;; ++n) {
    std::string candidate = base + std::to_string(n);
    if (!exists(candidate)) return candidate;
    if (n > 100000) throw error(status::io_error, "too many set-aside files named " + base + "N");
  }
}

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error(status::io_error, std::string("write to the audit log failed: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(out.data(), static_cast<std::streamsize>(n)))
    throw error(status::io_error, "cannot read /dev/urandom to generate the audit salt");
  return out;
}

std::string load_or_create_salt(const std::string& log_path, bool durable) {
  const std::string file = AuditLog::salt_path(log_path);
  if (exists(file)) return read_salt_file(file);
  const std::string salt = random_bytes(32);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_salt_file(file);  // another opener won the race
    throw error(status::io_error, system_message("cannot create the audit salt file", file));
  }
  const std::string hex = detail::to_hex(reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size()) + "\n";
  try {
    write_all(fd, hex.data(), hex.size());
    if (durable && ::fsync(fd) != 0) throw error(status::io_error, system_message("cannot fsync", file));
  } catch (...) {
    ::close(fd);
    ::unlink(file.c_str());
    throw;
  }
  ::close(fd);
  if (durable) fsync_directory(file);
  return salt;
}

}  // namespace

// --- public free functions --------------------------------------------------------------------

std::string pseudonymize(std::string_view salt, std::string_view customer_id) {
  if (salt.size() < AuditLog::kMinSaltBytes)
    throw invalid_argument("the pseudonymization salt must be at least " + std::to_string(AuditLog::kMinSaltBytes) +
                           " bytes");
  if (customer_id.empty()) throw invalid_argument("customer id must not be empty");
  if (customer_id.size() > AuditLog::kMaxIdBytes)
    throw invalid_argument("customer id longer than " + std::to_string(AuditLog::kMaxIdBytes) + " bytes",
                           status::limit_exceeded);
  text::require_utf8(customer_id, "customer id");
  return detail::hmac_sha256_hex(salt, customer_id).substr(0, AuditLog::kPseudonymChars);
}

std::string read_salt_file(const std::string& salt_file_path) {
  std::ifstream in(salt_file_path, std::ios::binary);
  if (!in) throw error(exists(salt_file_path) ? status::io_error : status::not_found,
                       "cannot read the audit salt file '" + salt_file_path + "'");
  std::string content(1025, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' || content.back() == ' '))
    content.pop_back();
  std::string salt;
  if (content.size() > 1024 || !detail::from_hex(content, salt) || salt.size() < AuditLog::kMinSaltBytes)
    throw error(status::format_error, "audit salt file '" + salt_file_path +
                                          "' must hold one line of hexadecimal (at least 32 characters)");
  return salt;
}

// --- AuditLog: static parts -------------------------------------------------------------------

const std::vector<std::string>& AuditLog::kinds() {
  static const std::vector<std::string> k = {"observation", "decision", "reward",  "correction", "consent",
                                             "erasure",     "review",   "mode",    "log_start"};
  return k;
}

bool AuditLog::is_known_kind(std::string_view kind) noexcept {
  for (const auto& k : kinds()) {
    if (k == kind) return true;
  }
  return false;
}

void AuditLog::validate_fields(const nlohmann::json& fields) {
  if (fields.is_null()) return;
  if (!fields.is_object()) throw invalid_argument("audit fields must be a JSON object");
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (is_reserved_key(it.key()))
      throw invalid_argument("audit field '" + it.key() + "' is reserved (seq, time, kind, prev and hash are set by the log)");
  }
  validate_object(fields);
}

AuditVerifyResult AuditLog::verify(const std::string& path, const std::optional<AuditHead>& anchor) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(exists(path) ? status::io_error : status::not_found, "cannot open audit log '" + path + "'");
  return verify(in, anchor);
}

AuditVerifyResult AuditLog::verify(std::istream& in, const std::optional<AuditHead>& anchor) {
  if (anchor && anchor->seq > 0 && !detail::is_lower_hex(anchor->hash, 64))
    throw invalid_argument("anchor hash must be 64 lower-case hex characters");

  LineReader reader(in);
  std::optional<RawLine> peeked;
  const auto next_raw = [&](RawLine& out) {
    if (peeked) {
      out = std::move(*peeked);
      peeked.reset();
      return true;
    }
    return reader.next(out);
  };
  // The line after the current one, checked on its own; nullopt at the end of the file.
  const auto peek_checked = [&]() -> std::optional<Checked> {
    if (!peeked) {
      RawLine r;
      if (!reader.next(r)) return std::nullopt;
      peeked = std::move(r);
    }
    if (!peeked->terminated) return Checked{};  // torn: present but not ok
    return check_line(*peeked);
  };

  AuditVerifyResult result;
  std::optional<Link> before2;  // the line two back (virtual start once past line 1)
  Link before1;                 // the line before (virtual start: seq 0, zero hash)
  std::uint64_t pos = 0;
  RawLine raw;
  const auto fail = [&](std::uint64_t line, const std::string& reason, const Link& last_good) {
    result.ok = false;
    result.first_bad_line = line;
    result.reason = reason;
    result.head = AuditHead{last_good.seq, last_good.hash};
    result.valid_bytes = last_good.end;
  };

  while (next_raw(raw)) {
    ++pos;
    if (!raw.terminated) {
      fail(pos, kReasonTruncated, before1);
      break;
    }
    const Checked c = check_line(raw);
    if (!c.ok) {
      fail(pos, c.reason, before1);
      break;
    }
    if (c.seq == before1.seq + 1 && c.prev == before1.hash) {
      if (anchor && anchor->seq == c.seq && anchor->hash != c.line_hash) {
        fail(pos, "anchor mismatch (this line or an earlier one was rewritten and the chain recomputed)", before1);
        break;
      }
      before2 = before1;
      before1 = Link{c.seq, c.line_hash, raw.end};
      continue;
    }
    // The chain breaks between the previous line and this one. Find the line that is not what
    // the writer wrote, assuming a single tampering (see docs/audit.md, "Locating the damage").
    if (c.line_hash == before1.hash) {
      fail(pos, "duplicate line", before1);
    } else if (before2 && c.seq == before2->seq + 1 && c.prev == before2->hash) {
      // This line follows the one two back: the line in between was inserted.
      fail(pos - 1, "inserted line", *before2);
    } else if (c.seq == before1.seq + 1) {
      // Only `prev` disagrees: either the previous line was altered (and its own hash recomputed)
      // or this line's prev was. If the next line confirms this one, the previous line is the odd
      // one out; at the end of the file the earlier candidate is reported.
      if (pos == 1) {
        fail(pos, "hash mismatch (the first line's prev is not 64 zeros)", before1);
      } else {
        const std::optional<Checked> after = peek_checked();
        const bool confirmed = after && after->ok && after->seq == c.seq + 1 && after->prev == c.line_hash;
        if (confirmed || !after) {
          fail(pos - 1, "hash mismatch (the line was altered: the next line's prev does not match it)", *before2);
        } else {
          fail(pos, "hash mismatch (prev does not match the previous line)", before1);
        }
      }
    } else if (c.seq > before1.seq + 1) {
      const std::optional<Checked> after = peek_checked();
      if (after && after->ok && after->seq == before1.seq + 1) {
        fail(pos, "lines out of order", before1);
      } else {
        fail(pos, "sequence gap (lines removed)", before1);
      }
    } else {
      fail(pos, "sequence out of order (seq repeats or goes back)", before1);
    }
    break;
  }
  if (result.ok) {
    result.head = AuditHead{before1.seq, before1.hash};
    result.valid_bytes = before1.end;
    if (anchor && anchor->seq > before1.seq) {
      result.ok = false;
      result.first_bad_line = pos + 1;
      result.reason = "log ends before the anchor (lines removed from the end)";
    }
    result.lines = pos;
    return result;
  }
  // Count the remaining lines so `lines` always describes the whole file.
  std::uint64_t lines = pos;
  if (peeked) ++lines;
  while (reader.next(raw)) ++lines;
  result.lines = lines;
  return result;
}

// --- AuditLog: the writer ---------------------------------------------------------------------

struct AuditLog::Impl {
  std::string path;
  AuditFsync fsync = AuditFsync::every_record;
  std::string salt;
  OpenReport report;

  // Group commit: appends write under `mutex`, then make their line durable under `sync_mutex`;
  // one fsync covers every line written before it, so concurrent appenders share fsyncs. Lock
  // order: sync_mutex before mutex. close() takes both, so fsync never races a close.
  std::mutex sync_mutex;
  std::uint64_t synced_seq = 0;  // guarded by sync_mutex: every line up to it is on stable storage

  mutable std::mutex mutex;  // guards everything below
  int fd = -1;
  AuditHead head{0, kZeroHash};
  std::uint64_t size = 0;
  bool failed = false;

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  // Open (creating if needed) and lock the file. Returns false with fd closed when `exclusive`
  // and the file exists.
  void open_locked(bool exclusive) {
    const int flags = O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (exclusive ? O_EXCL : 0);
    fd = ::open(path.c_str(), flags, 0640);
    if (fd < 0) throw error(status::io_error, system_message("cannot open audit log", path));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      fd = -1;
      if (err == EWOULDBLOCK)
        throw error(status::state_error, "audit log '" + path + "' is already open by another AuditLog");
      errno = err;
      throw error(status::io_error, system_message("cannot lock audit log", path));
    }
  }

  std::uint64_t file_size() const {
    struct stat st;
    if (::fstat(fd, &st) != 0) throw error(status::io_error, system_message("cannot stat audit log", path));
    return static_cast<std::uint64_t>(st.st_size);
  }

  // Make every line up to `seq` durable (all written lines for seq = max). Throws io_error when
  // fsync fails (and refuses later appends), state_error when closed before the line was synced.
  void sync_through(std::uint64_t seq) {
    std::lock_guard<std::mutex> sync_lock(sync_mutex);
    if (seq != std::numeric_limits<std::uint64_t>::max() && synced_seq >= seq) return;  // a peer's fsync covered it
    int file = -1;
    std::uint64_t target = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (fd < 0) throw error(status::state_error, "audit log '" + path + "' was closed before its records were synced");
      // A failed fsync is reported once; a second one may "succeed" with the data lost.
      if (failed) throw error(status::io_error, "audit log '" + path + "' failed to sync earlier; reopen it");
      file = fd;
      target = head.seq;  // everything written so far; this fsync covers it
    }
    // fd stays open: close() needs sync_mutex, which this thread holds.
    if (::fsync(file) != 0) {
      const std::string message = system_message("fsync failed for audit log", path);
      std::lock_guard<std::mutex> lock(mutex);
      // After a failed fsync the page cache can no longer be trusted: stop, let a reopen verify.
      failed = true;
      throw error(status::io_error, message);
    }
    synced_seq = target;
  }

  void close_fd() noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  void open(AuditOnBroken on_broken) {
    open_locked(false);
    try {
      const std::uint64_t existing = file_size();
      if (existing == 0) {
        if (fsync == AuditFsync::every_record) fsync_directory(path);
        return;
      }
      report.existed = true;
      report.verify = AuditLog::verify(path);
      const AuditVerifyResult& v = report.verify;
      if (v.ok) {
        head = v.head;
        size = v.valid_bytes;
        return;
      }
      const std::string problem = "audit log '" + path + "' is broken at line " + std::to_string(v.first_bad_line) +
                                  ": " + v.reason;
      if (on_broken == AuditOnBroken::truncate_torn_tail && v.reason == kReasonTruncated) {
        set_aside_torn_tail(v.valid_bytes, existing);
        head = v.head;
        size = v.valid_bytes;
      } else if (on_broken == AuditOnBroken::start_new) {
        const std::string aside = first_free(path + ".broken-");
        if (::rename(path.c_str(), aside.c_str()) != 0)
          throw error(status::io_error, system_message("cannot set the broken audit log aside as", aside));
        report.set_aside_path = aside;
        close_fd();
        open_locked(true);
        if (fsync == AuditFsync::every_record) fsync_directory(path);
      } else {
        throw error(status::format_error, problem);
      }
    } catch (...) {
      close_fd();
      throw;
    }
  }

  // Keep the torn bytes as evidence in "<path>.torn-N", then cut them off the log.
  void set_aside_torn_tail(std::uint64_t keep, std::uint64_t total) {
    std::string torn(static_cast<size_t>(total - keep), '\0');
    size_t got = 0;
    while (got < torn.size()) {
      const ssize_t n = ::pread(fd, torn.data() + got, torn.size() - got, static_cast<off_t>(keep + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw error(status::io_error, system_message("cannot read the torn tail of", path));
      got += static_cast<size_t>(n);
    }
    const std::string aside = first_free(path + ".torn-");
    const int out = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (out < 0) throw error(status::io_error, system_message("cannot create", aside));
    try {
      write_all(out, torn.data(), torn.size());
      if (::fsync(out) != 0) throw error(status::io_error, system_message("cannot fsync", aside));
    } catch (...) {
      ::close(out);
      throw;
    }
    ::close(out);
    if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fsync(fd) != 0)
      throw error(status::io_error, system_message("cannot truncate the torn tail of", path));
    fsync_directory(path);
    report.set_aside_path = aside;
  }
};

AuditLog::AuditLog(std::string path, AuditOptions options) : impl_(std::make_unique<Impl>()) {
  if (path.empty()) throw invalid_argument("audit log path must not be empty");
  if (!options.salt.empty() && options.salt.size() < kMinSaltBytes)
    throw invalid_argument("audit salt must be at least " + std::to_string(kMinSaltBytes) + " bytes");
  impl_->path = std::move(path);
  impl_->fsync = options.fsync;
  impl_->salt = options.salt.empty() ? load_or_create_salt(impl_->path, options.fsync == AuditFsync::every_record)
                                     : std::move(options.salt);
  impl_->open(options.on_broken);
}

AuditLog::~AuditLog() = default;
AuditLog::AuditLog(AuditLog&&) noexcept = default;
AuditLog& AuditLog::operator=(AuditLog&&) noexcept = default;

std::uint64_t AuditLog::append(std::string_view kind, std::int64_t time_ms, const nlohmann::json& fields) {
  if (!impl_) throw error(status::state_error, "audit log was moved from");
  if (!is_known_kind(kind)) {
    std::string known;
    for (const auto& k : kinds()) known += (known.empty() ? "" : ", ") + k;
    throw invalid_argument("unknown audit record kind '" + std::string(kind.substr(0, 64)) + "' (known: " + known + ")");
  }
  if (time_ms < 0) throw invalid_argument("audit time must be milliseconds since the epoch (>= 0)", status::out_of_range);
  validate_fields(fields);
  const std::string tail = serialize_fields(fields);  // outside the lock: it depends on no state

  Impl& s = *impl_;
  std::uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.fd < 0) throw error(status::state_error, "audit log '" + s.path + "' is closed");
    if (s.failed)
      throw error(status::state_error, "audit log '" + s.path + "' refused further appends after a failed write; reopen it");
    seq = s.head.seq + 1;
    std::string line = make_line(serialize_body(seq, time_ms, kind, s.head.hash, tail));
    if (line.size() > kMaxLineBytes)
      throw invalid_argument("audit record of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                                 std::to_string(kMaxLineBytes),
                             status::limit_exceeded);
    const std::string line_hash = detail::sha256_hex(line);
    line += '\n';
    try {
      write_all(s.fd, line.data(), line.size());
    } catch (...) {
      // Remove the partial line so the file stays a valid chain; if even that fails, stop.
      if (::ftruncate(s.fd, static_cast<off_t>(s.size)) != 0) s.failed = true;
      throw;
    }
    s.size += line.size();
    s.head = AuditHead{seq, line_hash};
  }
  if (s.fsync == AuditFsync::every_record) s.sync_through(seq);
  return seq;
}

std::string AuditLog::pseudonymize(std::string_view customer_id) const {
  if (!impl_) throw error(status::state_error, "audit log was moved from");
  return ethics::pseudonymize(impl_->salt, customer_id);
}

AuditHead AuditLog::head() const {
  if (!impl_) throw error(status::state_error, "audit log was moved from");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->head;
}

void AuditLog::sync() {
  if (!impl_) throw error(status::state_error, "audit log was moved from");
  impl_->sync_through(std::numeric_limits<std::uint64_t>::max());
}

void AuditLog::close() noexcept {
  if (!impl_) return;
  std::lock_guard<std::mutex> sync_lock(impl_->sync_mutex);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->fd >= 0 && impl_->fsync == AuditFsync::every_record && !impl_->failed && ::fsync(impl_->fd) == 0)
    impl_->synced_seq = impl_->head.seq;
  impl_->close_fd();
}

bool AuditLog::is_open() const noexcept {
  if (!impl_) return false;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->fd >= 0;
}

const std::string& AuditLog::path() const noexcept {
  static const std::string empty;
  return impl_ ? impl_->path : empty;
}

const AuditLog::OpenReport& AuditLog::open_report() const noexcept {
  static const OpenReport none;
  return impl_ ? impl_->report : none;
}

}  // namespace attune::ethics
