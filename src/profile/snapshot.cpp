// Snapshot files: atomic streamed write (temp file, fsync, rename, directory fsync) and validated
// streamed read. See snapshot.hpp for the contract and docs/persistence.md for the format.
#include "attune/profile/snapshot.hpp"

#include "attune/detail/crc32c.hpp"
#include "attune/error.hpp"
#include "state_dir_io.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <unistd.h>

namespace attune::profile {

namespace {
constexpr unsigned char kMagic[8] = {'A', 'T', 'S', 'N', 'A', 'P', 'S', 'H'};
constexpr std::size_t kBufferSize = 1u << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what, status code = status::format_error) {
  throw error(code, "snapshot '" + path + "' " + what);
}

void encode_header(unsigned char* h, const SnapshotInfo& info) {
  std::memset(h, 0, kSnapshotHeaderSize);
  std::memcpy(h, kMagic, 8);
  io::put_u32(h + 8, kSnapshotFormatVersion);
  io::put_u32(h + 12, kSnapshotHeaderSize);
  io::put_u64(h + 16, info.generation);
  io::put_u64(h + 24, info.payload_bytes);
  io::put_u32(h + 32, info.payload_crc32c);
  io::put_u32(h + 36, 0);
  io::put_u64(h + 40, info.created_unix_ms);
  io::put_u32(h + 60, detail::crc32c(h, 60));
}

// Opens the file and validates everything but the payload checksum.
SnapshotInfo open_and_check(const std::string& path, io::Fd& fd) {
  fd = io::open_file(path, O_RDONLY);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const std::uint64_t size = io::file_size(fd.get(), path);
  unsigned char h[kSnapshotHeaderSize];
  const std::size_t got = io::read_some_all(fd.get(), h, sizeof h, path);
  if (got >= 8 && std::memcmp(h, kMagic, 8) != 0) fail(path, "is not an attune snapshot (bad magic)");
  if (got < kSnapshotHeaderSize)
    fail(path, "is truncated: " + std::to_string(size) + " bytes, shorter than its 64-byte header");
  if (io::get_u32(h + 60) != detail::crc32c(h, 60)) fail(path, "is corrupt: header checksum mismatch");
  const std::uint32_t version = io::get_u32(h + 8);
  if (version != kSnapshotFormatVersion)
    fail(path,
         "has format version " + std::to_string(version) + "; this library reads version " +
             std::to_string(kSnapshotFormatVersion),
         status::version_mismatch);
  if (io::get_u32(h + 12) != kSnapshotHeaderSize || io::get_u32(h + 36) != 0)
    fail(path, "is corrupt: unexpected header size or flags");
  SnapshotInfo info;
  info.path = path;
  info.generation = io::get_u64(h + 16);
  info.payload_bytes = io::get_u64(h + 24);
  info.payload_crc32c = io::get_u32(h + 32);
  info.created_unix_ms = io::get_u64(h + 40);
  const std::uint64_t expected = kSnapshotHeaderSize + info.payload_bytes;
  if (info.payload_bytes > size || size < expected)
    fail(path, "is truncated: the header promises " + std::to_string(info.payload_bytes) + " payload bytes, the file holds " +
                   std::to_string(size - kSnapshotHeaderSize));
  if (size > expected)
    fail(path, "is corrupt: " + std::to_string(size - expected) + " unexpected bytes after the payload");
  return info;
}

std::uint64_t now_unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

// The private constructors of the writer/reader, for the Snapshot functions only.
struct SnapshotAccess {
  static SnapshotWriter writer(int fd, const std::string& path) { return SnapshotWriter(fd, path); }
  static void flush(SnapshotWriter& w) { w.flush(); }
  static std::uint32_t crc(const SnapshotWriter& w) { return w.crc_; }
  static SnapshotReader reader(int fd, SnapshotInfo info) { return SnapshotReader(fd, std::move(info)); }
};

// ---- writer -------------------------------------------------------------------------------

SnapshotWriter::SnapshotWriter(int fd, const std::string& path) : fd_(fd), path_(path), buffer_(kBufferSize) {}

void SnapshotWriter::flush() {
  if (used_ == 0) return;
  crc_ = detail::crc32c_extend(crc_, buffer_.data(), used_);
  io::write_all(fd_, buffer_.data(), used_, path_);
  used_ = 0;
}

void SnapshotWriter::write(const void* data, std::size_t size) {
  if (size == 0) return;
  bytes_ += size;
  if (size <= buffer_.size() - used_) {
    std::memcpy(buffer_.data() + used_, data, size);
    used_ += size;
    return;
  }
  flush();
  if (size >= buffer_.size()) {  // large block: straight to the file
    crc_ = detail::crc32c_extend(crc_, data, size);
    io::write_all(fd_, data, size, path_);
    return;
  }
  std::memcpy(buffer_.data(), data, size);
  used_ = size;
}

void SnapshotWriter::write_u32(std::uint32_t v) {
  unsigned char b[4];
  io::put_u32(b, v);
  write(b, 4);
}
void SnapshotWriter::write_u64(std::uint64_t v) {
  unsigned char b[8];
  io::put_u64(b, v);
  write(b, 8);
}
void SnapshotWriter::write_f64(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  write_u64(bits);
}
void SnapshotWriter::write_string(std::string_view s) {
  if (s.size() > 0xFFFFFFFFu) throw invalid_argument("snapshot string longer than 4 GiB", status::limit_exceeded);
  write_u32(static_cast<std::uint32_t>(s.size()));
  write(s);
}

// ---- reader -------------------------------------------------------------------------------

SnapshotReader::SnapshotReader(int fd, SnapshotInfo info)
    : fd_(fd), info_(std::move(info)), buffer_(kBufferSize), payload_(info_.payload_bytes) {
  check_end();  // an empty payload is complete already
}

void SnapshotReader::check_end() {
  if (fetched_ == payload_ && crc_ != info_.payload_crc32c)
    fail(info_.path, "is corrupt: payload checksum mismatch");
}

void SnapshotReader::fill(std::size_t want) {
  if (want > remaining())
    fail(info_.path, "is truncated or does not match its reader: " + std::to_string(want) + " bytes requested, " +
                         std::to_string(remaining()) + " left in the payload");
  if (end_ - begin_ >= want) return;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (want > buffer_.size()) buffer_.resize(want);
  while (end_ < want) {
    const std::uint64_t left = payload_ - fetched_;
    const std::size_t room = std::min<std::uint64_t>(buffer_.size() - end_, left);
    const std::size_t got = io::read_some_all(fd_, buffer_.data() + end_, room, info_.path);
    if (got == 0) fail(info_.path, "is truncated: the file ended inside the payload");
    crc_ = detail::crc32c_extend(crc_, buffer_.data() + end_, got);
    end_ += got;
    fetched_ += got;
    check_end();
  }
}

std::size_t SnapshotReader::read(void* data, std::size_t size) {
  size = static_cast<std::size_t>(std::min<std::uint64_t>(size, remaining()));
  auto* out = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    if (begin_ == end_) fill(std::min<std::size_t>(size - done, buffer_.size()));
    const std::size_t n = std::min(size - done, end_ - begin_);
    std::memcpy(out + done, buffer_.data() + begin_, n);
    begin_ += n;
    done += n;
    consumed_ += n;
  }
  return done;
}

void SnapshotReader::read_exact(void* data, std::size_t size) {
  if (size > remaining()) fill(size);  // throws with the explanation
  read(data, size);
}

std::string_view SnapshotReader::read_view(std::size_t size) {
  fill(size);
  std::string_view v(buffer_.data() + begin_, size);
  begin_ += size;
  consumed_ += size;
  return v;
}

std::uint8_t SnapshotReader::read_u8() {
  std::uint8_t v;
  read_exact(&v, 1);
  return v;
}
std::uint32_t SnapshotReader::read_u32() {
  unsigned char b[4];
  read_exact(b, 4);
  return io::get_u32(b);
}
std::uint64_t SnapshotReader::read_u64() {
  unsigned char b[8];
  read_exact(b, 8);
  return io::get_u64(b);
}
double SnapshotReader::read_f64() {
  const std::uint64_t bits = read_u64();
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}
std::string SnapshotReader::read_string(std::size_t max_size) {
  const std::uint32_t n = read_u32();
  if (n > max_size) fail(info_.path, "is corrupt: a string of " + std::to_string(n) + " bytes exceeds its limit");
  std::string s(n, '\0');
  read_exact(s.data(), n);
  return s;
}

// ---- files --------------------------------------------------------------------------------

SnapshotInfo Snapshot::write(const std::string& path, std::uint64_t generation, const WriteFn& write_payload,
                             const SnapshotWriteOptions& options) {
  const std::string tmp = path + ".tmp";
  SnapshotInfo info;
  info.path = path;
  info.generation = generation;
  info.created_unix_ms = now_unix_ms();
  try {
    io::Fd fd = io::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    unsigned char h[kSnapshotHeaderSize] = {};
    io::write_all(fd.get(), h, sizeof h, tmp);  // placeholder until length and CRC are known
    SnapshotWriter w = SnapshotAccess::writer(fd.get(), tmp);
    if (write_payload) write_payload(w);
    SnapshotAccess::flush(w);
    info.payload_bytes = w.bytes_written();
    info.payload_crc32c = SnapshotAccess::crc(w);
    encode_header(h, info);
    io::pwrite_all(fd.get(), h, sizeof h, 0, tmp);
    if (options.sync) io::fsync_file(fd.get(), tmp);
    fd.close(tmp);
    if (options.before_rename) options.before_rename();
    if (::rename(tmp.c_str(), path.c_str()) != 0) io::throw_errno("cannot rename to", path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (options.sync) io::fsync_directory(io::parent_directory(path));
  return info;
}

SnapshotInfo Snapshot::inspect(const std::string& path) {
  io::Fd fd;
  return open_and_check(path, fd);
}

SnapshotInfo Snapshot::verify(const std::string& path) {
  io::Fd fd;
  SnapshotInfo info = open_and_check(path, fd);
  std::vector<char> buffer(kBufferSize);
  std::uint64_t left = info.payload_bytes;
  std::uint32_t crc = 0;
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    const std::size_t got = io::read_some_all(fd.get(), buffer.data(), want, path);
    if (got == 0) fail(path, "is truncated: the file ended inside the payload");
    crc = detail::crc32c_extend(crc, buffer.data(), got);
    left -= got;
  }
  if (crc != info.payload_crc32c) fail(path, "is corrupt: payload checksum mismatch");
  return info;
}

SnapshotInfo Snapshot::read(const std::string& path, const ReadFn& read_payload) {
  io::Fd fd;
  SnapshotInfo info = open_and_check(path, fd);
  SnapshotReader r = SnapshotAccess::reader(fd.get(), info);
  if (read_payload) read_payload(r);
  if (!r.at_end())
    fail(path, "was not read to its end: " + std::to_string(r.remaining()) + " of " +
                   std::to_string(info.payload_bytes) + " payload bytes left (reader and writer disagree)");
  return info;
}

}  // namespace attune::profile
