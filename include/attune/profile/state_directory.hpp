// attune/profile/state_directory.hpp: a directory that keeps state without losing acknowledged
// changes: the latest snapshot plus a journal of every change since it.
//
// Contents (generation g counts checkpoints; a new directory starts at g = 0 with no snapshot):
//   snapshot-<g>.bin   the state as of the start of generation g (snapshot.hpp), absent for g = 0
//   journal-<g>.log    every record appended since that snapshot (journal.hpp)
//   LOCK               flock()ed exclusively while a StateDirectory is open
// File names carry g as 20 zero-padded decimal digits so they sort by generation.
//
// Open: takes the lock (a second opener, in this or another process, gets state_error), removes
// stale *.tmp files, picks the newest snapshot whose checksum verifies, passes it to the snapshot
// callback, replays journals g.. in order through the record callback, and reports what it did.
// Only the last journal may have a torn tail; it is truncated when options.journal.repair is set
// (else format_error). A newest snapshot that fails its checksum is skipped only if the older
// snapshot and every journal since it are still present (so no acknowledged record is lost);
// otherwise open fails. The lock is advisory (flock): it excludes attune processes, not other
// programs; on NFS flock may not be reliable, so keep state directories on local disks.
//
// Checkpoint (the only way the journal shrinks), in this order; a crash at any step leaves a
// directory that opens to the same state:
//   1. fdatasync journal-g (complete even under FsyncPolicy::none)
//   2. write snapshot-(g+1).bin atomically (temp file, fsync, rename, fsync directory)   <- commit
//   3. create journal-(g+1).log (temp file, fsync, rename, fsync directory)
//   4. switch appends to journal-(g+1)
//   5. unlink journal-g.log and snapshot-g.bin, fsync directory (on a background thread with
//      OldGeneration::background: the call returns after step 4; the next checkpoint, close() and
//      wait_for_removal() wait for it)
// Crash before 2: snapshot g + journal g are intact (a stale .tmp is removed on open). Between 2
// and 3: open sees snapshot g+1 without its journal and creates an empty one. Between 3 and 5:
// open uses snapshot g+1 and removes the older files.
//
// Erasure: records and snapshots are append-only files, so data a host erases (the engine's
// `forget`) stays on disk until the next checkpoint writes a snapshot without it and step 5
// unlinks the older files. The engine therefore journals a tombstone and then checkpoints (or
// calls compact(), the same operation) to erase, with step 5 done before it returns (the default,
// or wait_for_removal() after a background removal). Unlinking removes the data from the file system;
// physical overwrite of the blocks is up to the file system/SSD (use an encrypted volume when that
// matters).
//
// Thread-safety: append() and sync() may be called concurrently from any threads; checkpoint()
// excludes appends while it runs (they wait), so the snapshot and the journal switch are
// consistent with the records appended before it, provided the state the snapshot writer reads
// already contains them: apply each change inside append(type, payload, apply) (or serialize
// appends and checkpoints yourself). open/close/move are not concurrent with others.
#pragma once

#include "attune/profile/journal.hpp"
#include "attune/profile/snapshot.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attune::profile {

struct StateDirectoryOptions {
  /// Fsync policy of the journal and whether open() truncates a torn journal tail (repair).
  JournalOptions journal;
  /// Create the directory (one level) when it does not exist; otherwise open() throws not_found.
  bool create = true;
  /// Fault injection for tests: called with a step name at each point of checkpoint(); it may
  /// throw (or kill the process) to simulate a crash there. Points, in order:
  /// "checkpoint:journal_synced", "checkpoint:snapshot_before_rename",
  /// "checkpoint:snapshot_committed", "checkpoint:journal_created", "checkpoint:switched",
  /// "checkpoint:old_journal_removed", "checkpoint:done".
  std::function<void(std::string_view point)> fault_hook;
};

/// What open() found and did.
struct OpenReport {
  std::uint64_t generation = 0;          ///< generation now appended to
  bool created = false;                  ///< the directory held no state: a new, empty store
  bool snapshot_loaded = false;          ///< a snapshot was passed to the snapshot callback
  std::uint64_t snapshot_generation = 0;
  std::uint64_t snapshot_bytes = 0;      ///< payload bytes of that snapshot
  std::uint64_t journals_replayed = 0;   ///< journal files read (more than 1 only after a fallback)
  std::uint64_t records_replayed = 0;    ///< records passed to the record callback
  std::uint64_t bytes_replayed = 0;      ///< their payload bytes
  ReplayReport last_journal;             ///< scan of the journal now appended to (torn tail, repair)
  bool torn_tail = false;                ///< same as last_journal.torn_tail
  bool repaired = false;                 ///< the torn tail was truncated
  std::vector<std::string> notes;        ///< everything else done: stale files removed, fallbacks
  double seconds = 0;                    ///< wall time of open()
};

/// When checkpoint() removes the files of the generation it replaces (step 5).
enum class OldGeneration {
  remove_now,  ///< before checkpoint() returns (what erasure needs)
  background,  ///< on a background thread; appends and the caller go on meanwhile
};

struct CheckpointReport {
  std::uint64_t generation = 0;          ///< the new generation
  std::uint64_t snapshot_bytes = 0;      ///< payload bytes written
  std::uint64_t records_folded = 0;      ///< journal records the snapshot replaces
  bool old_generation_removed = true;    ///< false if unlinking the old files failed (retried at open)
                                         ///< or runs in the background (removal_in_background)
  bool removal_in_background = false;    ///< step 5 runs on a thread: see wait_for_removal()
  double seconds = 0;
};

class StateDirectory {
 public:
  using SnapshotCallback = std::function<void(SnapshotReader&)>;
  using RecordCallback = Journal::RecordCallback;
  using SnapshotWriterFn = std::function<void(SnapshotWriter&)>;

  /// Opens (or creates) the state in `dir`: loads the snapshot through `on_snapshot` (not called
  /// when there is none; it must read the whole payload), then replays the journal through
  /// `on_record`. If a callback throws, open() fails with that exception and the directory is
  /// left as it was (apart from stale .tmp files). When open() throws after calling a callback
  /// (a callback failed, a torn tail without repair, a damaged older journal), the caller must
  /// discard what the callbacks loaded. See the header comment for everything else.
  static StateDirectory open(const std::string& dir, const StateDirectoryOptions& options,
                             const SnapshotCallback& on_snapshot, const RecordCallback& on_record);

  StateDirectory(StateDirectory&&) noexcept;
  StateDirectory& operator=(StateDirectory&&) noexcept;
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;
  ~StateDirectory();  ///< close() without throwing

  /// Journals one record (type and payload are the caller's; see Journal::append). Acknowledged
  /// when it returns, per options.journal.fsync.
  void append(std::uint8_t type, std::string_view payload);

  /// Journals one record, then runs `apply` (typically: the same change applied to the in-memory
  /// state) before any checkpoint can start. Use this form when appends and checkpoints run on
  /// different threads: a checkpoint then sees every change whose record went into the journal it
  /// replaces, so no change is in neither the new snapshot nor the new journal. `apply` runs
  /// concurrently with other appends (guard the state yourself) and should not throw: the record
  /// is already acknowledged and will be replayed at the next open regardless.
  void append(std::uint8_t type, std::string_view payload, const std::function<void()>& apply);

  /// Forces every appended record to stable storage.
  void sync();

  /// Writes the next snapshot with `write_state` (which must serialize the state including every
  /// record appended so far) and starts a new, empty journal; see the header comment for the order.
  /// If `write_state` or the snapshot write fails, nothing changed and appends continue. If a later
  /// step fails (after the commit point) the object may refuse further calls (state_error): close
  /// it and open the directory again, which completes the checkpoint.
  /// With OldGeneration::background, step 5 (unlinking the replaced generation) runs on a
  /// thread owned by this object, and the report says removal_in_background.
  CheckpointReport checkpoint(const SnapshotWriterFn& write_state, OldGeneration old_files = OldGeneration::remove_now);

  /// Waits for the background removal of the last checkpoint, if any. Returns false when it
  /// failed to unlink a file (the next open() removes it), true otherwise. Thread-safe.
  bool wait_for_removal();

  /// Same as checkpoint(): named for erasure (removes from disk what `write_state` leaves out).
  CheckpointReport compact(const SnapshotWriterFn& write_state) { return checkpoint(write_state); }

  /// Closes the journal (synced unless the policy is none) and releases the lock. Idempotent.
  void close();

  const OpenReport& open_report() const;
  const std::string& path() const;
  std::uint64_t generation() const;
  /// Records and bytes (file size) of the current journal.
  std::uint64_t journal_records() const;
  std::uint64_t journal_bytes() const;

  /// File names used in a state directory.
  static std::string snapshot_name(std::uint64_t generation);
  static std::string journal_name(std::uint64_t generation);

  struct Impl;

 private:
  explicit StateDirectory(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune::profile
