// Journal: append-only log of typed, CRC32C-framed records. See journal.hpp for the contract and
// docs/persistence.md for the format.
#include "attune/profile/journal.hpp"

#include "attune/detail/crc32c.hpp"
#include "attune/error.hpp"
#include "state_dir_io.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

namespace attune::profile {
namespace {

constexpr unsigned char kFileMagic[8] = {'A', 'T', 'J', 'O', 'U', 'R', 'N', 'L'};
constexpr std::uint32_t kRecordMagic = 0xA77E4A52u;

std::string offset_str(std::uint64_t off) { return std::to_string(off); }

// Read-only mapping of a whole file; an empty file maps to nothing.
class Mapping {
 public:
  Mapping(int fd, std::size_t size, const std::string& path) : size_(size) {
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) io::throw_errno("cannot map", path, errno);
    data_ = static_cast<const unsigned char*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
  }
  const unsigned char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

void encode_file_header(unsigned char* h, std::uint64_t generation) {
  std::memset(h, 0, kJournalFileHeaderSize);
  std::memcpy(h, kFileMagic, 8);
  io::put_u32(h + 8, kJournalFormatVersion);
  io::put_u32(h + 12, kJournalFileHeaderSize);
  io::put_u64(h + 16, generation);
  io::put_u32(h + 24, 0);
  io::put_u32(h + 28, detail::crc32c(h, 28));
}

std::uint64_t decode_file_header(const unsigned char* data, std::size_t size, const std::string& path) {
  if (size < kJournalFileHeaderSize)
    throw error(status::format_error, "journal '" + path + "' is truncated: " + std::to_string(size) +
                                          " bytes, shorter than its 32-byte header");
  if (std::memcmp(data, kFileMagic, 8) != 0)
    throw error(status::format_error, "'" + path + "' is not an attune journal (bad magic)");
  if (io::get_u32(data + 28) != detail::crc32c(data, 28))
    throw error(status::format_error, "journal '" + path + "' has a corrupt header (CRC mismatch)");
  const std::uint32_t version = io::get_u32(data + 8);
  if (version != kJournalFormatVersion)
    throw error(status::version_mismatch, "journal '" + path + "' has format version " + std::to_string(version) +
                                              "; this library reads version " +
                                              std::to_string(kJournalFormatVersion));
  if (io::get_u32(data + 12) != kJournalFileHeaderSize || io::get_u32(data + 24) != 0)
    throw error(status::format_error, "journal '" + path + "' has an unexpected header size or flags");
  return io::get_u64(data + 16);
}

// Size of the valid record at `off`, or 0 with `why` explaining what is wrong with it.
std::size_t valid_record_at(const unsigned char* data, std::size_t size, std::size_t off, std::string* why) {
  const std::size_t left = size - off;
  if (left < kJournalRecordHeaderSize) {
    if (why) *why = "incomplete record header (" + std::to_string(left) + " of 16 bytes)";
    return 0;
  }
  const unsigned char* h = data + off;
  if (io::get_u32(h) != kRecordMagic) {
    if (why) *why = "bad record magic";
    return 0;
  }
  const std::uint32_t length = io::get_u32(h + 4);
  if (h[9] != 0 || h[10] != 0 || h[11] != 0 || length > kMaxJournalPayload) {
    if (why) *why = "bad record header";
    return 0;
  }
  if (left - kJournalRecordHeaderSize < length) {
    if (why)
      *why = "incomplete record (" + std::to_string(left - kJournalRecordHeaderSize) + " of " +
             std::to_string(length) + " payload bytes)";
    return 0;
  }
  std::uint32_t crc = detail::crc32c(h, 12);
  crc = detail::crc32c_extend(crc, h + kJournalRecordHeaderSize, length);
  if (crc != io::get_u32(h + 12)) {
    if (why) *why = "record checksum mismatch";
    return 0;
  }
  return kJournalRecordHeaderSize + length;
}

struct Scan {
  std::uint64_t generation = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t tail = 0;
  bool torn = false;
  std::string reason;
};

// Validates the whole mapping first (so a callback never sees records of a file that then turns
// out to be corrupt in the middle), classifying a damaged record as torn tail or corruption.
Scan validate(const Mapping& m, const std::string& path) {
  Scan s;
  s.generation = decode_file_header(m.data(), m.size(), path);
  std::size_t off = kJournalFileHeaderSize;
  const unsigned char* data = m.data();
  const std::size_t size = m.size();
  while (off < size) {
    std::string why;
    const std::size_t n = valid_record_at(data, size, off, &why);
    if (n == 0) {
      // Is there any valid record after the damage? Then this is not a torn tail.
      const unsigned char first = static_cast<unsigned char>(kRecordMagic & 0xFFu);
      for (std::size_t q = off + 1; q + kJournalRecordHeaderSize <= size;) {
        const void* hit = std::memchr(data + q, first, size - q);
        if (!hit) break;
        q = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - data);
        if (q + kJournalRecordHeaderSize > size) break;
        if (io::get_u32(data + q) == kRecordMagic && valid_record_at(data, size, q, nullptr) != 0)
          throw error(status::format_error, "journal '" + path + "' is corrupt at offset " + offset_str(off) + " (" +
                                                why + ") and a valid record follows at offset " +
                                                offset_str(q) + "; refusing to skip acknowledged data");
        ++q;
      }
      s.torn = true;
      s.reason = why + " at offset " + offset_str(off) + ", " + std::to_string(size - off) + " bytes to end of file";
      break;
    }
    ++s.records;
    s.bytes += n - kJournalRecordHeaderSize;
    off += n;
  }
  s.tail = off;  // == size unless the tail is torn
  return s;
}

void deliver(const Mapping& m, std::uint64_t tail, const Journal::RecordCallback& callback) {
  if (!callback) return;
  std::size_t off = kJournalFileHeaderSize;
  while (off < tail) {
    const unsigned char* h = m.data() + off;
    const std::uint32_t length = io::get_u32(h + 4);
    callback(h[8], std::string_view(reinterpret_cast<const char*>(h + kJournalRecordHeaderSize), length));
    off += kJournalRecordHeaderSize + length;
  }
}

ReplayReport to_report(const Scan& s, std::uint64_t file_size) {
  ReplayReport r;
  r.generation = s.generation;
  r.records = s.records;
  r.bytes = s.bytes;
  r.tail_offset = s.tail;
  r.file_size = file_size;
  r.torn_tail = s.torn;
  r.reason = s.reason;
  return r;
}

}  // namespace

const char* fsync_policy_name(FsyncPolicy policy) noexcept {
  switch (policy) {
    case FsyncPolicy::every_record: return "every_record";
    case FsyncPolicy::batched: return "batched";
    case FsyncPolicy::none: return "none";
  }
  return "unknown";
}

FsyncPolicy parse_fsync_policy(std::string_view name) {
  if (name == "every_record") return FsyncPolicy::every_record;
  if (name == "batched") return FsyncPolicy::batched;
  if (name == "none") return FsyncPolicy::none;
  throw invalid_argument("unknown fsync policy '" + std::string(name) + "' (expected every_record, batched or none)");
}

struct Journal::Impl {
  std::string path;
  std::uint64_t generation = 0;
  JournalOptions options;
  io::Fd fd;

  std::mutex mutex;  // guards end, records, buffer, broken, closed, the write itself
  std::uint64_t end = 0;
  std::uint64_t records = 0;
  std::string buffer;
  bool broken = false;
  std::string broken_reason;
  bool closed = false;

  std::mutex sync_mutex;  // one fdatasync at a time; followers piggyback on the leader's
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> synced{0};
  std::uint64_t dropped = 0;  // bytes before this were handed back to the OS (sync_mutex)

  std::thread flusher;
  std::mutex flusher_mutex;
  std::condition_variable flusher_cv;
  bool stop = false;

  void mark_broken(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex);
    broken = true;
    broken_reason = why;
  }

  // Makes every byte up to `target` durable. Whoever takes sync_mutex syncs all bytes written so
  // far, so concurrent callers need one fdatasync between them (group commit).
  void sync_to(std::uint64_t target) {
    if (synced.load(std::memory_order_acquire) >= target) return;
    std::lock_guard<std::mutex> lock(sync_mutex);
    if (synced.load(std::memory_order_acquire) >= target) return;
    const std::uint64_t w = written.load(std::memory_order_acquire);
    if (::fdatasync(fd.get()) != 0) {
      const int err = errno;
      // After a failed fdatasync the kernel may have dropped the dirty pages: nothing written
      // since the last good sync can be trusted, so the journal accepts no more appends.
      mark_broken(std::string("fdatasync failed: ") + std::strerror(err));
      io::throw_errno("cannot fdatasync", path, err);
    }
    synced.store(std::max(w, target), std::memory_order_release);
    drop_synced_pages(w);
  }

  // The journal is written once and read only by a recovery, so its durable pages are of no use
  // in the page cache: hand them back as they are synced (whole MiBs at a time). Left to the
  // kernel, a long journal crowds the host's cache, and the unlink at the next checkpoint pays
  // for freeing all of it at once (~0.8 s for a million customers' setup calls). sync_mutex held.
  void drop_synced_pages(std::uint64_t upto) noexcept {
    constexpr std::uint64_t kChunk = std::uint64_t{1} << 20;
    const std::uint64_t end = upto & ~(kChunk - 1);
    if (end <= dropped) return;
    ::posix_fadvise(fd.get(), static_cast<off_t>(dropped), static_cast<off_t>(end - dropped), POSIX_FADV_DONTNEED);
    dropped = end;  // advice only: a failure changes nothing the journal relies on
  }

  void run_flusher() {
    std::unique_lock<std::mutex> lock(flusher_mutex);
    while (!stop) {
      flusher_cv.wait_for(lock, options.batch_interval);
      if (stop) break;
      const std::uint64_t w = written.load(std::memory_order_acquire);
      if (w <= synced.load(std::memory_order_acquire)) continue;
      lock.unlock();
      try {
        sync_to(w);
      } catch (const std::exception&) {
        // sync_to marked the journal broken; the next append reports it.
      }
      lock.lock();
    }
  }

  void start_flusher() {
    if (options.fsync == FsyncPolicy::batched) flusher = std::thread([this] { run_flusher(); });
  }

  void stop_flusher() noexcept {
    if (!flusher.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(flusher_mutex);
      stop = true;
    }
    flusher_cv.notify_all();
    flusher.join();
  }
};

namespace {
void validate_options(const JournalOptions& o) {
  if (o.fsync == FsyncPolicy::batched && o.batch_interval.count() <= 0)
    throw invalid_argument("journal batch_interval must be positive", status::out_of_range);
  if (o.fsync != FsyncPolicy::every_record && o.fsync != FsyncPolicy::batched && o.fsync != FsyncPolicy::none)
    throw invalid_argument("unknown fsync policy");
}
}  // namespace

ReplayReport Journal::for_each(const std::string& path, const RecordCallback& callback) {
  io::Fd fd = io::open_file(path, O_RDONLY);
  const std::uint64_t size = io::file_size(fd.get(), path);
  const Mapping m(fd.get(), static_cast<std::size_t>(size), path);
  const Scan s = validate(m, path);
  deliver(m, s.tail, callback);
  return to_report(s, size);
}

Journal Journal::create(const std::string& path, std::uint64_t generation, const JournalOptions& options) {
  validate_options(options);
  if (::access(path.c_str(), F_OK) == 0)
    throw error(status::io_error, "cannot create journal '" + path + "': the file already exists");
  const std::string tmp = path + ".tmp";
  {
    io::Fd t = io::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    unsigned char h[kJournalFileHeaderSize];
    encode_file_header(h, generation);
    try {
      io::write_all(t.get(), h, sizeof h, tmp);
      io::fdatasync_file(t.get(), tmp);
      t.close(tmp);
      if (::rename(tmp.c_str(), path.c_str()) != 0) io::throw_errno("cannot rename to", path, errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  io::fsync_directory(io::parent_directory(path));
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->generation = generation;
  impl->options = options;
  impl->fd = io::open_file(path, O_WRONLY);
  impl->end = kJournalFileHeaderSize;
  impl->written = impl->end;
  impl->synced = impl->end;
  impl->start_flusher();
  return Journal(std::move(impl));
}

Journal Journal::open(const std::string& path, const JournalOptions& options, const RecordCallback& callback,
                      ReplayReport* report) {
  validate_options(options);
  io::Fd fd = io::open_file(path, O_RDWR);
  const std::uint64_t size = io::file_size(fd.get(), path);
  ReplayReport r;
  {
    const Mapping m(fd.get(), static_cast<std::size_t>(size), path);
    const Scan s = validate(m, path);
    if (s.torn && !options.repair)
      throw error(status::format_error, "journal '" + path + "' has a torn tail (" + s.reason +
                                            "); open it with repair to truncate the tail at offset " +
                                            std::to_string(s.tail));
    deliver(m, s.tail, callback);
    r = to_report(s, size);
  }
  if (r.torn_tail) {
    if (::ftruncate(fd.get(), static_cast<off_t>(r.tail_offset)) != 0) io::throw_errno("cannot truncate", path, errno);
    io::fdatasync_file(fd.get(), path);
    r.repaired = true;
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->generation = r.generation;
  impl->options = options;
  impl->fd = std::move(fd);
  impl->end = r.tail_offset;
  impl->records = r.records;
  impl->written = impl->end;
  impl->synced = r.repaired ? impl->end : 0;  // unknown whether the existing bytes were synced
  impl->start_flusher();
  if (report) *report = r;
  return Journal(std::move(impl));
}

Journal::Journal(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): same as the destructor
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Journal::~Journal() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() reports the error to callers who ask
  }
}

void Journal::append(std::uint8_t type, std::string_view payload) {
  if (!impl_) throw error(status::state_error, "journal is closed");
  if (payload.size() > kMaxJournalPayload)
    throw invalid_argument("journal record payload of " + std::to_string(payload.size()) +
                               " bytes exceeds the limit of " + std::to_string(kMaxJournalPayload),
                           status::limit_exceeded);
  Impl& d = *impl_;
  std::uint64_t end_after;
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    if (d.closed) throw error(status::state_error, "journal '" + d.path + "' is closed");
    if (d.broken) throw error(status::state_error, "journal '" + d.path + "' refuses appends: " + d.broken_reason);
    const auto length = static_cast<std::uint32_t>(payload.size());
    d.buffer.resize(kJournalRecordHeaderSize + payload.size());
    auto* h = reinterpret_cast<unsigned char*>(d.buffer.data());
    io::put_u32(h, kRecordMagic);
    io::put_u32(h + 4, length);
    h[8] = type;
    h[9] = h[10] = h[11] = 0;
    if (!payload.empty()) std::memcpy(h + kJournalRecordHeaderSize, payload.data(), payload.size());
    std::uint32_t crc = detail::crc32c(h, 12);
    crc = detail::crc32c_extend(crc, payload.data(), payload.size());
    io::put_u32(h + 12, crc);
    try {
      io::pwrite_all(d.fd.get(), h, d.buffer.size(), d.end, d.path);
    } catch (const error&) {
      // Take back a partial write so the file ends with a whole record again.
      if (::ftruncate(d.fd.get(), static_cast<off_t>(d.end)) != 0) {
        d.broken = true;
        d.broken_reason = "a failed append could not be truncated away";
      }
      throw;
    }
    d.end += d.buffer.size();
    ++d.records;
    end_after = d.end;
    d.written.store(end_after, std::memory_order_release);
    if (d.buffer.capacity() > (1u << 20)) std::string().swap(d.buffer);  // don't pin a huge record's buffer
  }
  if (d.options.fsync == FsyncPolicy::every_record) d.sync_to(end_after);
}

void Journal::sync() {
  if (!impl_) throw error(status::state_error, "journal is closed");
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->closed) throw error(status::state_error, "journal '" + impl_->path + "' is closed");
    if (impl_->broken)
      throw error(status::state_error, "journal '" + impl_->path + "' refuses appends: " + impl_->broken_reason);
  }
  impl_->sync_to(impl_->written.load(std::memory_order_acquire));
}

void Journal::close() {
  if (!impl_) return;
  Impl& d = *impl_;
  d.stop_flusher();
  bool sync_needed;
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    if (d.closed) return;
    d.closed = true;
    sync_needed = !d.broken && d.options.fsync != FsyncPolicy::none;
  }
  if (sync_needed) d.sync_to(d.written.load(std::memory_order_acquire));
  d.fd.close(d.path);
}

const std::string& Journal::path() const noexcept {
  static const std::string empty;
  return impl_ ? impl_->path : empty;
}
std::uint64_t Journal::generation() const noexcept { return impl_ ? impl_->generation : 0; }
FsyncPolicy Journal::policy() const noexcept { return impl_ ? impl_->options.fsync : FsyncPolicy::none; }
std::uint64_t Journal::records() const noexcept {
  if (!impl_) return 0;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->records;
}
std::uint64_t Journal::size() const noexcept {
  if (!impl_) return 0;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->end;
}
bool Journal::is_open() const noexcept {
  if (!impl_) return false;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return !impl_->closed;
}

}  // namespace attune::profile
