// StateDirectory: snapshot + journal generations in one locked directory. See state_directory.hpp
// for the protocol (checkpoint order, recovery rules) and docs/persistence.md.
#include "attune/profile/state_directory.hpp"

#include "attune/error.hpp"
#include "state_dir_io.hpp"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attune::profile {
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "snapshot-00000000000000000012.bin" -> 12 when `name` is prefix + digits + suffix.
std::optional<std::uint64_t> parse_generation(const std::string& name, std::string_view prefix, std::string_view suffix) {
  if (name.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 20) return std::nullopt;
  std::uint64_t g = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (g > (UINT64_MAX - d) / 10) return std::nullopt;
    g = g * 10 + d;
  }
  return g;
}

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// Unlinks `path`; true when it is gone (ENOENT counts as gone).
bool remove_file(const std::string& path) { return ::unlink(path.c_str()) == 0 || errno == ENOENT; }

}  // namespace

std::string StateDirectory::snapshot_name(std::uint64_t generation) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "snapshot-%020" PRIu64 ".bin", generation);
  return buf;
}

std::string StateDirectory::journal_name(std::uint64_t generation) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "journal-%020" PRIu64 ".log", generation);
  return buf;
}

struct StateDirectory::Impl {
  std::string dir;
  StateDirectoryOptions options;
  io::Fd lock_fd;
  OpenReport report;

  mutable std::shared_mutex rw;  // shared: append/sync; exclusive: checkpoint/close
  std::optional<Journal> journal;
  std::uint64_t generation = 0;
  bool closed = false;
  bool broken = false;  // a checkpoint failed past its commit point (or a simulated crash)
  std::string broken_reason;

  // Step 5 of the last checkpoint when it runs in the background (OldGeneration::background).
  std::mutex remover_mutex;  // guards remover and remover_ok against concurrent waiters
  std::thread remover;
  bool remover_ok = true;  // written by the remover before it ends, read after the join

  // Unlinks the files of generation `g` and syncs the directory; false if any of it failed (the
  // next open() removes what is left). `faults`: call the fault hook (only on the caller's thread).
  bool remove_generation(std::uint64_t g, bool faults) {
    bool removed = remove_file(join(dir, StateDirectory::journal_name(g)));
    if (faults) fault("checkpoint:old_journal_removed");
    removed = remove_file(join(dir, StateDirectory::snapshot_name(g))) && removed;
    try {
      io::fsync_directory(dir);
    } catch (const error&) {
      removed = false;
    }
    return removed;
  }

  // Waits for a background removal; true when none was pending or it removed everything.
  bool join_remover() noexcept {
    std::lock_guard<std::mutex> lock(remover_mutex);
    if (remover.joinable()) remover.join();
    return remover_ok;
  }

  void check_usable() const {
    if (closed) throw error(status::state_error, "state directory '" + dir + "' is closed");
    if (broken)
      throw error(status::state_error, "state directory '" + dir + "' must be reopened: " + broken_reason);
  }

  void fault(std::string_view point) {
    if (!options.fault_hook) return;
    try {
      options.fault_hook(point);
    } catch (...) {
      broken = true;
      broken_reason = "simulated crash at " + std::string(point);
      throw;
    }
  }
};

StateDirectory StateDirectory::open(const std::string& dir, const StateDirectoryOptions& options,
                                    const SnapshotCallback& on_snapshot, const RecordCallback& on_record) {
  const auto t0 = std::chrono::steady_clock::now();
  if (dir.empty()) throw invalid_argument("state directory path is empty");
  if (options.journal.fsync == FsyncPolicy::batched && options.journal.batch_interval.count() <= 0)
    throw invalid_argument("journal batch_interval must be positive", status::out_of_range);

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  OpenReport& report = impl->report;

  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw error(status::io_error, "cannot access state directory '" + dir + "': " + ec.message());
  if (!fs::exists(st)) {
    if (!options.create) throw error(status::not_found, "state directory '" + dir + "' does not exist");
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) io::throw_errno("cannot create directory", dir, errno);
    io::fsync_directory(io::parent_directory(dir));
  } else if (!fs::is_directory(st)) {
    throw error(status::io_error, "'" + dir + "' exists and is not a directory");
  }

  // The lock first: everything below may modify the directory.
  impl->lock_fd = io::open_file(join(dir, "LOCK"), O_RDWR | O_CREAT);
  if (::flock(impl->lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw error(status::state_error, "state directory '" + dir + "' is in use (its LOCK is held by another open)");
    io::throw_errno("cannot lock", join(dir, "LOCK"), errno);
  }

  std::map<std::uint64_t, std::string> snapshots, journals;
  bool removed_any = false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
        (name.rfind("snapshot-", 0) == 0 || name.rfind("journal-", 0) == 0)) {
      if (!remove_file(join(dir, name))) io::throw_errno("cannot remove", join(dir, name), errno);
      report.notes.push_back("removed unfinished " + name);
      removed_any = true;
    } else if (auto g = parse_generation(name, "snapshot-", ".bin")) {
      snapshots[*g] = name;
    } else if (auto jg = parse_generation(name, "journal-", ".log")) {
      journals[*jg] = name;
    }
  }
  if (ec) throw error(status::io_error, "cannot list state directory '" + dir + "': " + ec.message());

  // The newest snapshot whose checksum verifies.
  std::optional<std::uint64_t> chosen;
  std::vector<std::pair<std::uint64_t, std::string>> rejected;
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    try {
      const SnapshotInfo info = Snapshot::verify(join(dir, it->second));
      if (info.generation != it->first)
        throw error(status::format_error, it->second + " holds generation " + std::to_string(info.generation));
      chosen = it->first;
      break;
    } catch (const error& e) {
      if (e.code() == status::io_error) throw;
      rejected.emplace_back(it->first, e.what());
    }
  }
  const std::uint64_t base = chosen.value_or(0);
  const bool fresh = snapshots.empty() && journals.empty();
  if (!chosen && !snapshots.empty() && journals.count(0) == 0) {
    throw error(status::format_error, "state directory '" + dir + "' has no valid snapshot: " + rejected.front().second);
  }
  std::uint64_t top = base;
  if (!journals.empty()) top = std::max(top, journals.rbegin()->first);
  for (std::uint64_t k = base; k < top; ++k) {
    if (journals.count(k) == 0)
      throw error(status::format_error, "state directory '" + dir + "' cannot be recovered without losing data: " +
                                            journal_name(k) + " is missing" +
                                            (rejected.empty() ? std::string() : " (" + rejected.front().second + ")"));
  }
  for (const auto& [g, why] : rejected) {
    if (g > base) report.notes.push_back("skipped snapshot generation " + std::to_string(g) + ": " + why);
  }

  // Load: snapshot, complete journals, then the journal that stays open for appends.
  if (chosen) {
    const std::string path = join(dir, snapshots[base]);
    const SnapshotInfo info = Snapshot::read(path, [&](SnapshotReader& r) {
      if (on_snapshot) {
        on_snapshot(r);
      } else {
        while (!r.at_end()) r.read_view(static_cast<std::size_t>(std::min<std::uint64_t>(r.remaining(), 1u << 20)));
      }
    });
    report.snapshot_loaded = true;
    report.snapshot_generation = base;
    report.snapshot_bytes = info.payload_bytes;
  }
  const auto count = [&report, &on_record](std::uint8_t type, std::string_view payload) {
    if (on_record) on_record(type, payload);
    ++report.records_replayed;
    report.bytes_replayed += payload.size();
  };
  for (std::uint64_t k = base; k < top; ++k) {
    const std::string path = join(dir, journals[k]);
    const ReplayReport r = Journal::for_each(path, count);
    if (r.generation != k)
      throw error(status::format_error, "journal '" + path + "' holds generation " + std::to_string(r.generation));
    if (r.torn_tail)
      throw error(status::format_error, "journal '" + path + "' is not the newest but has a damaged tail (" +
                                            r.reason + "); it was complete when the next snapshot was written");
    ++report.journals_replayed;
  }
  const std::string last_path = join(dir, journal_name(top));
  if (journals.count(top)) {
    ReplayReport r;
    impl->journal.emplace(Journal::open(join(dir, journals[top]), options.journal, count, &r));
    if (r.generation != top)
      throw error(status::format_error, "journal '" + last_path + "' holds generation " + std::to_string(r.generation));
    ++report.journals_replayed;
    report.last_journal = r;
    report.torn_tail = r.torn_tail;
    report.repaired = r.repaired;
    if (r.repaired)
      report.notes.push_back("truncated a torn journal tail at offset " + std::to_string(r.tail_offset) + ": " + r.reason);
  } else {
    impl->journal.emplace(Journal::create(last_path, top, options.journal));
    report.last_journal.generation = top;
    report.last_journal.tail_offset = kJournalFileHeaderSize;
    report.last_journal.file_size = kJournalFileHeaderSize;
    if (!fresh) report.notes.push_back("created missing " + journal_name(top) + " (a checkpoint was interrupted after its snapshot)");
  }

  // Older generations are no longer needed (an interrupted checkpoint's step 5).
  for (const auto& [g, name] : journals) {
    if (g >= base) break;
    if (!remove_file(join(dir, name))) io::throw_errno("cannot remove", join(dir, name), errno);
    report.notes.push_back("removed obsolete " + name);
    removed_any = true;
  }
  for (const auto& [g, name] : snapshots) {
    if (g >= base) break;
    if (!remove_file(join(dir, name))) io::throw_errno("cannot remove", join(dir, name), errno);
    report.notes.push_back("removed obsolete " + name);
    removed_any = true;
  }
  if (removed_any) io::fsync_directory(dir);

  impl->generation = top;
  report.generation = top;
  report.created = fresh;
  report.seconds = seconds_since(t0);
  return StateDirectory(std::move(impl));
}

StateDirectory::StateDirectory(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
StateDirectory::StateDirectory(StateDirectory&&) noexcept = default;
StateDirectory& StateDirectory::operator=(StateDirectory&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {  // as in the destructor
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}
StateDirectory::~StateDirectory() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() reports errors to callers who ask
  }
}

void StateDirectory::append(std::uint8_t type, std::string_view payload) {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  impl_->check_usable();
  impl_->journal->append(type, payload);
}

void StateDirectory::append(std::uint8_t type, std::string_view payload, const std::function<void()>& apply) {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  impl_->check_usable();
  impl_->journal->append(type, payload);
  if (apply) apply();
}

void StateDirectory::sync() {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  impl_->check_usable();
  impl_->journal->sync();
}

CheckpointReport StateDirectory::checkpoint(const SnapshotWriterFn& write_state, OldGeneration old_files) {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  Impl& d = *impl_;
  std::unique_lock<std::shared_mutex> lock(d.rw);
  d.check_usable();
  d.join_remover();  // the previous generation is gone (or left for open()) before the next goes
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t g = d.generation;
  CheckpointReport rep;
  rep.generation = g + 1;
  rep.records_folded = d.journal->records();

  // 1. the journal being replaced is complete on disk (the fallback chain relies on it).
  d.journal->sync();
  d.fault("checkpoint:journal_synced");

  // 2. commit point: the new snapshot is in place.
  const std::string snap_next = join(d.dir, snapshot_name(g + 1));
  SnapshotWriteOptions so;
  so.before_rename = [&d] { d.fault("checkpoint:snapshot_before_rename"); };
  const SnapshotInfo info = Snapshot::write(snap_next, g + 1, write_state, so);
  rep.snapshot_bytes = info.payload_bytes;
  d.fault("checkpoint:snapshot_committed");

  // 3. the new journal. If it cannot be created, undo the commit so appends can go on to journal g.
  const std::string journal_next = join(d.dir, journal_name(g + 1));
  std::optional<Journal> next;
  try {
    next.emplace(Journal::create(journal_next, g + 1, d.options.journal));
  } catch (...) {
    const bool undone = remove_file(snap_next) && [&] {
      try {
        io::fsync_directory(d.dir);
        return true;
      } catch (...) {
        return false;
      }
    }();
    if (!undone) {
      d.broken = true;
      d.broken_reason = "a checkpoint failed after writing " + snapshot_name(g + 1) + " and could not be undone";
    }
    throw;
  }
  d.fault("checkpoint:journal_created");

  // 4. switch.
  std::optional<Journal> old = std::move(d.journal);
  d.journal = std::move(next);
  d.generation = g + 1;
  d.fault("checkpoint:switched");
  try {
    old->close();
  } catch (...) {  // already synced in step 1; nothing of it is needed any more
  }

  // 5. the old generation goes (this is what erases data left out of the new snapshot).
  if (old_files == OldGeneration::background) {
    // The files are no longer read, and a crash from here on leaves them for open() to remove,
    // so appends need not wait: unlinking a journal of gigabytes takes ~0.5 s on a file system
    // mounted with `discard`. No fault points here (a throwing hook has no caller to reach).
    Impl* di = &d;  // stable across moves of the StateDirectory
    try {
      std::lock_guard<std::mutex> remover_lock(d.remover_mutex);
      d.remover_ok = false;
      d.remover = std::thread([di, g] { di->remover_ok = di->remove_generation(g, false); });
      rep.old_generation_removed = false;
      rep.removal_in_background = true;
    } catch (const std::system_error&) {  // no thread to be had: remove them here
      rep.old_generation_removed = d.remover_ok = d.remove_generation(g, true);
    }
  } else {
    rep.old_generation_removed = d.remove_generation(g, true);
  }
  rep.seconds = seconds_since(t0);
  d.fault("checkpoint:done");
  return rep;
}

bool StateDirectory::wait_for_removal() {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  return impl_->join_remover();
}

void StateDirectory::close() {
  if (!impl_) return;
  Impl& d = *impl_;
  std::unique_lock<std::shared_mutex> lock(d.rw);
  if (d.closed) return;
  d.closed = true;
  d.join_remover();  // before the lock goes: another opener must not see files being removed
  std::exception_ptr failure;
  if (d.journal) {
    try {
      d.journal->close();
    } catch (...) {
      failure = std::current_exception();
    }
    d.journal.reset();
  }
  d.lock_fd = io::Fd();  // releases the flock
  if (failure) std::rethrow_exception(failure);
}

const OpenReport& StateDirectory::open_report() const {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  return impl_->report;
}
const std::string& StateDirectory::path() const {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  return impl_->dir;
}
std::uint64_t StateDirectory::generation() const {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  return impl_->generation;
}
std::uint64_t StateDirectory::journal_records() const {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  return impl_->journal ? impl_->journal->records() : 0;
}
std::uint64_t StateDirectory::journal_bytes() const {
  if (!impl_) throw error(status::state_error, "state directory is closed");
  std::shared_lock<std::shared_mutex> lock(impl_->rw);
  return impl_->journal ? impl_->journal->size() : 0;
}

}  // namespace attune::profile
