// attune/profile/journal.hpp: an append-only, checksummed log of typed records.
//
// The journal holds every acknowledged change since the last snapshot (see state_directory.hpp);
// replaying it over the snapshot restores the state. Format (little-endian; docs/persistence.md):
//
//   file header, 32 bytes: "ATJOURNL" | u32 format version (1) | u32 header size (32)
//                          | u64 generation | u32 flags (0) | u32 CRC32C of bytes 0..27
//   record:  u32 magic 0xA77E4A52 | u32 payload length | u8 type | 3 zero bytes
//            | u32 CRC32C of (bytes 0..11 of this header + payload) | payload
//
// Acknowledged. `append()` returning means the record is acknowledged; what survives depends on
// the FsyncPolicy:
//   - every_record: fdatasync before append() returns. Survives process crash (SIGKILL), kernel
//     crash and power loss (as far as the disk honours flushes). Concurrent appenders share one
//     fdatasync (group commit).
//   - batched: the record is written to the OS (page cache) before append() returns and a
//     background thread fdatasyncs at most every `batch_interval`; sync() forces it. Survives a
//     process crash/SIGKILL; on power loss or kernel crash at most the last `batch_interval` of
//     acknowledged records can be lost.
//   - none: written to the OS, never synced by the journal (the kernel writes back within ~30 s;
//     sync() and checkpoints still force it). Survives a process crash only.
// docs/persistence.md lists the measured cost of each (benchmarks/bench_persistence.cpp).
//
// Replay and damage. Reading validates every record. A damaged record after which no valid record
// follows is a *torn tail* (a crash during an append: an incomplete record, or one whose CRC does
// not match): it is reported in ReplayReport, never returned to the caller. A damaged record that
// is followed by a valid one is corruption in the middle of the log and an error
// (attune::error format_error naming the offset), because dropping it would silently lose
// acknowledged data. Opening a journal for append with a torn tail truncates the tail only when
// JournalOptions::repair is set (and reports it); otherwise it throws format_error.
//
// Errors: attune::error io_error / not_found (file system), format_error (bad header, corruption),
// version_mismatch (newer format); attune::invalid_argument limit_exceeded (payload larger than
// kMaxJournalPayload). A failed append leaves the file as it was (a partial write is truncated
// away); if even that fails the journal refuses further appends (state_error).
// Thread-safety: append() and sync() may be called from any number of threads; records from
// concurrent appenders are serialized. Construction/close/move are not concurrent with them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace attune::profile {

/// When a journal forces its records to stable storage (see the header comment).
enum class FsyncPolicy : std::uint8_t { every_record, batched, none };

/// "every_record", "batched", "none".
const char* fsync_policy_name(FsyncPolicy policy) noexcept;
/// Inverse of fsync_policy_name; throws attune::invalid_argument for anything else.
FsyncPolicy parse_fsync_policy(std::string_view name);

/// Largest payload of one record (64 MiB): a bound on the memory a damaged length field can claim.
inline constexpr std::uint32_t kMaxJournalPayload = 64u << 20;
/// Size of the file header and of each record header, in bytes.
inline constexpr std::uint32_t kJournalFileHeaderSize = 32;
inline constexpr std::uint32_t kJournalRecordHeaderSize = 16;
/// Format version written by this library.
inline constexpr std::uint32_t kJournalFormatVersion = 1;

struct JournalOptions {
  FsyncPolicy fsync = FsyncPolicy::every_record;
  /// batched only: longest time an acknowledged record stays unsynced (> 0).
  std::chrono::milliseconds batch_interval{10};
  /// Journal::open: truncate a torn tail instead of failing with format_error.
  bool repair = false;
};

/// What a scan of a journal found.
struct ReplayReport {
  std::uint64_t generation = 0;  ///< from the file header
  std::uint64_t records = 0;     ///< valid records passed to the callback
  std::uint64_t bytes = 0;       ///< payload bytes of those records
  std::uint64_t tail_offset = 0; ///< file offset just past the last valid record (where appends go)
  std::uint64_t file_size = 0;   ///< size of the file when it was scanned
  bool torn_tail = false;        ///< bytes after tail_offset were rejected as an incomplete/bad last record
  std::string reason;            ///< why the tail was rejected (empty when !torn_tail)
  bool repaired = false;         ///< Journal::open truncated the torn tail (JournalOptions::repair)
};

class Journal {
 public:
  /// Receives each valid record in order. `payload` is only valid during the call.
  using RecordCallback = std::function<void(std::uint8_t type, std::string_view payload)>;

  /// Reads a journal without modifying it: calls `callback` (may be empty) for each valid record.
  /// A torn tail is reported, corruption in the middle or a bad file header throws format_error.
  /// Exceptions from the callback stop the scan and propagate.
  static ReplayReport for_each(const std::string& path, const RecordCallback& callback);

  /// Creates a new, empty journal (written under a temporary name, synced, renamed into place,
  /// directory synced), then opens it for append. Throws io_error if `path` already exists.
  static Journal create(const std::string& path, std::uint64_t generation, const JournalOptions& options = {});

  /// Opens an existing journal for append: scans it (records go to `callback`, which may be
  /// empty), handles a torn tail per `options.repair`, and fills `*report` when given.
  static Journal open(const std::string& path, const JournalOptions& options, const RecordCallback& callback = {},
                      ReplayReport* report = nullptr);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  /// Closes like close() but never throws (a final sync error is lost; call close() to see it).
  ~Journal();

  /// Appends one record; acknowledged when this returns (see FsyncPolicy).
  /// Throws invalid_argument(limit_exceeded) for payload.size() > kMaxJournalPayload, io_error
  /// when the write or sync fails, state_error after close() or an unrecoverable failure.
  void append(std::uint8_t type, std::string_view payload);

  /// Makes every record appended so far durable (fdatasync), whatever the policy.
  void sync();

  /// Syncs (unless the policy is none), stops the batch thread, closes the file. Idempotent.
  void close();

  const std::string& path() const noexcept;
  std::uint64_t generation() const noexcept;
  FsyncPolicy policy() const noexcept;
  /// Records in the file (replayed + appended) and its size in bytes (header included).
  std::uint64_t records() const noexcept;
  std::uint64_t size() const noexcept;
  bool is_open() const noexcept;

  struct Impl;

 private:
  explicit Journal(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune::profile
