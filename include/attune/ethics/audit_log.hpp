// attune/ethics/audit_log.hpp: the tamper-evident audit log of every adaptation.
//
// An append-only file of JSON lines, one record per observation, decision, reward, correction,
// consent change, erasure, ... (see AuditLog::kinds()). docs/audit.md is the full reference;
// in short, every line is
//
//   {"seq":N,"time":MS,"kind":"K","prev":"<64 hex>",<caller fields, sorted>,"hash":"<64 hex>"}\n
//
// - `seq`: 1-based, consecutive. `time`: milliseconds since the Unix epoch as given by the caller
//   (not checked for monotonicity: concurrent callers may stamp slightly out of order).
// - `prev`: hex SHA-256 of the previous line's exact bytes (without its newline); 64 zeros on the
//   first line. This is the chain: changing, inserting, removing or reordering any line breaks
//   the link at that point.
// - `hash`: hex SHA-256 of the line itself without its `hash` field (the bytes up to the caller's
//   last field, closed by `}`). It lets verify() pin a naive edit to the edited line, including the
//   last line, which no `prev` covers. It is not a secret: someone who edits a line and recomputes
//   both hashes of every later line is detected only through an anchored head (see head()).
// - Caller fields follow the leading four, in nlohmann::json's key order (sorted by bytes), each
//   serialized by nlohmann::json::dump() (compact, UTF-8 kept, deterministic). The serialization
//   is canonical: verify() re-serializes every line and rejects any other spelling.
//
// No raw text, no raw ids (enforced on every append; violations throw and write nothing):
// - fields named text, message, raw, body or content (at any depth, any case) are refused;
// - every string value is at most kMaxStringBytes (256) bytes of valid UTF-8; keys are 1-64
//   characters of [A-Za-z0-9_.-]; nesting at most kMaxDepth (8); the whole line at most
//   kMaxLineBytes (64 KiB); numbers must be finite;
// - fields named customer, customer_id, user, user_id or userid (any case, any depth) must hold a
//   pseudonym: exactly 32 lower-case hex characters, as returned by pseudonymize().
// - top-level keys seq, time, kind, prev and hash are reserved.
//
// Pseudonyms: pseudonymize(id) = first 32 hex characters (128 bits) of HMAC-SHA-256(salt, id).
// The salt is the operator's secret: AuditOptions::salt (at least 16 bytes, used as given), or,
// when empty, the 32 random bytes kept as 64 hex characters in "<log path>.salt" (created with
// mode 0600 on first open). Whoever holds the salt can test a guessed id against the log; whoever
// does not cannot, so keep the salt file away from log readers.
//
// Opening: an existing log is verified from its first line to its last (O(size); SHA-256 runs at
// a few hundred MB/s) and continued after its head. A log that fails verification is refused
// (status::format_error) unless AuditOptions::on_broken says otherwise. A second AuditLog on the
// same file, in this or another process, is refused (status::state_error; an advisory flock).
//
// Thread-safety and ordering: append(), head(), sync() and close() may be called from any thread;
// one mutex serializes the writes, so the order of `seq` is the order of lines in the file and the
// order in which appends took the mutex. When append() returns N, line N is written (and, with
// AuditFsync::every_record, on stable storage) and head() reports at least N; head() may also
// include lines of appends still in progress. With every_record, concurrent appends share fsyncs
// (group commit: one fsync covers every line written before it), so durability costs one fsync per
// batch rather than per record. pseudonymize() is lock-free (the salt is immutable). Moving or
// destroying an AuditLog while another thread uses it is undefined.
//
// Failures: an append that fails to write removes its partial line (ftruncate) and throws
// status::io_error; if that repair or an fsync fails, the log refuses further appends
// (status::state_error) until it is reopened, which re-verifies the file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::ethics {

/// When appends reach stable storage.
enum class AuditFsync {
  every_record,  ///< fsync after every line (and the directory after creating the file): default
  none,          ///< leave it to the OS (fast; a crash may lose the last records)
};

/// What opening does with an existing file that fails verification.
enum class AuditOnBroken {
  fail,                ///< throw attune::error(status::format_error) naming the line and reason
  truncate_torn_tail,  ///< if the only fault is a last line without its newline (a write torn by a
                       ///< crash; never an acknowledged record), move those bytes to
                       ///< "<path>.torn-N" and continue; any other fault throws as `fail`
  start_new,           ///< rename the file to "<path>.broken-N" (first free N >= 1), keep it as
                       ///< evidence, and start a new chain at seq 1 in `path`
};

struct AuditOptions {
  AuditFsync fsync = AuditFsync::every_record;
  /// The operator's secret for pseudonyms (>= 16 bytes, used as given). Empty: load or create
  /// "<path>.salt".
  std::string salt;
  AuditOnBroken on_broken = AuditOnBroken::fail;
};

/// The latest line of a chain: what a host records elsewhere to anchor the log.
struct AuditHead {
  std::uint64_t seq = 0;  ///< 0 for an empty log
  std::string hash;       ///< hex SHA-256 of that line's bytes (64 zeros for an empty log)
};

/// Outcome of verify().
struct AuditVerifyResult {
  bool ok = true;
  std::uint64_t lines = 0;           ///< lines in the file (a last line without newline counts)
  std::uint64_t first_bad_line = 0;  ///< 1-based; 0 when ok
  std::string reason;                ///< "" when ok; see docs/audit.md for the list
  AuditHead head;                    ///< last line of the verified prefix (the whole log when ok)
  std::uint64_t valid_bytes = 0;     ///< bytes of the lines before first_bad_line (all when ok)
};

class AuditLog {
 public:
  static constexpr size_t kMaxStringBytes = 256;
  static constexpr size_t kMaxKeyBytes = 64;
  static constexpr size_t kMaxDepth = 8;
  static constexpr size_t kMaxLineBytes = size_t(1) << 16;
  static constexpr size_t kMinSaltBytes = 16;
  static constexpr size_t kPseudonymChars = 32;
  static constexpr size_t kMaxIdBytes = 4096;

  /// Open or create the log at `path` (see the header comment). Throws attune::invalid_argument
  /// for bad options (short salt), attune::error with io_error (cannot create/read/write),
  /// format_error (broken log, malformed salt file) or state_error (already open elsewhere).
  explicit AuditLog(std::string path, AuditOptions options = AuditOptions());
  ~AuditLog();
  AuditLog(AuditLog&&) noexcept;
  AuditLog& operator=(AuditLog&&) noexcept;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Append one record and return its seq. `kind` must be one of kinds(); `time_ms` >= 0;
  /// `fields` an object (or null for none) obeying the rules above. Throws attune::invalid_argument
  /// (status invalid_argument, invalid_utf8, out_of_range or limit_exceeded) with nothing written,
  /// attune::error(io_error) when writing fails, state_error when closed or failed.
  std::uint64_t append(std::string_view kind, std::int64_t time_ms,
                       const nlohmann::json& fields = nlohmann::json::object());

  /// The pseudonym of a customer id under this log's salt (32 lower-case hex characters). `id`:
  /// non-empty UTF-8, at most kMaxIdBytes. Stable for one salt; unrelated across salts.
  std::string pseudonymize(std::string_view customer_id) const;

  /// {seq, hash} of the last line written (seq 0 for an empty log). Record it outside the log's
  /// reach (another system, a signed message) and later pass it to verify() as an anchor.
  AuditHead head() const;

  /// fsync now (useful with AuditFsync::none; throws io_error on failure, state_error if closed).
  void sync();

  /// Release the file and its lock (fsync first with AuditFsync::every_record); later appends
  /// throw state_error. Idempotent.
  void close() noexcept;
  bool is_open() const noexcept;

  const std::string& path() const noexcept;

  /// What opening found: the verification of the existing file and, when it was repaired or set
  /// aside, where the removed bytes or the old file went.
  struct OpenReport {
    bool existed = false;                 ///< the file existed and was not empty
    AuditVerifyResult verify;             ///< result of verifying it (ok for a new file)
    std::string set_aside_path;           ///< "<path>.broken-N" or "<path>.torn-N"; "" if none
  };
  const OpenReport& open_report() const noexcept;

  /// Verify the log at `path` (see AuditVerifyResult). A broken log is a result, not an error;
  /// throws attune::error(not_found / io_error) only when the file cannot be read. With `anchor`,
  /// the line with anchor->seq must exist and hash to anchor->hash (detects a chain recomputed
  /// after an edit, and lines removed from the end). Thread-safe; reads only.
  static AuditVerifyResult verify(const std::string& path, const std::optional<AuditHead>& anchor = std::nullopt);
  /// The same for a log held elsewhere (a stream positioned at its first byte).
  static AuditVerifyResult verify(std::istream& in, const std::optional<AuditHead>& anchor = std::nullopt);

  /// The record kinds, documented in docs/audit.md: observation, decision, reward, correction,
  /// consent, erasure, review, mode, log_start.
  static const std::vector<std::string>& kinds();
  static bool is_known_kind(std::string_view kind) noexcept;

  /// Throws as append() would for these fields (lets a caller check a record without writing it).
  static void validate_fields(const nlohmann::json& fields);

  /// "<log path>.salt": where a generated salt is kept.
  static std::string salt_path(const std::string& log_path) { return log_path + ".salt"; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Pseudonym of `customer_id` under `salt` (>= AuditLog::kMinSaltBytes bytes): the first 32 hex
/// characters of HMAC-SHA-256(salt, customer_id). Thread-safe.
std::string pseudonymize(std::string_view salt, std::string_view customer_id);

/// Read the salt kept in "<log path>.salt" (the 32 bytes its 64 hex characters encode). Throws
/// attune::error(not_found / io_error / format_error).
std::string read_salt_file(const std::string& salt_file_path);

}  // namespace attune::ethics
