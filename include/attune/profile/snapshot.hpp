// attune/profile/snapshot.hpp: atomic, checksummed snapshot files, written and read as streams.
//
// A snapshot is one byte payload (the caller's serialized state) behind a 64-byte header
// (little-endian; docs/persistence.md):
//
//   0  "ATSNAPSH"            8  u32 format version (1)   12 u32 header size (64)
//   16 u64 generation        24 u64 payload length       32 u32 CRC32C of the payload
//   36 u32 flags (0)         40 u64 creation time (ms since the Unix epoch, informational)
//   48 12 zero bytes         60 u32 CRC32C of header bytes 0..59
//
// Atomic write: the payload streams into "<path>.tmp" in the same directory, the header is
// completed, the file is fsynced, renamed over `path`, and the directory is fsynced. A crash at any
// point leaves either the old file or the complete new one (plus perhaps a stale .tmp, which
// StateDirectory removes on open). Memory stays bounded (a 1 MiB buffer) whatever the payload size.
//
// Reading validates magic, version, header checksum and file length before handing out any byte,
// and the payload checksum when the last byte is consumed (or up front with verify()). Errors are
// attune::error: format_error "truncated" / "corrupt" / "not a snapshot", version_mismatch for a
// newer format, io_error / not_found for the file system. Writers and readers are single-threaded
// objects owned by the call that created them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::profile {

inline constexpr std::uint32_t kSnapshotFormatVersion = 1;
inline constexpr std::uint32_t kSnapshotHeaderSize = 64;

/// What a snapshot header says (and, after write/verify/read, what was checked).
struct SnapshotInfo {
  std::string path;
  std::uint64_t generation = 0;
  std::uint64_t payload_bytes = 0;
  std::uint32_t payload_crc32c = 0;
  std::uint64_t created_unix_ms = 0;
};

/// Streams the payload of a snapshot being written. Passed to the callback of Snapshot::write
/// (and StateDirectory::checkpoint); valid only during that call. Integers are little-endian,
/// doubles IEEE-754 binary64 little-endian, so snapshots move between machines.
class SnapshotWriter {
 public:
  void write(const void* data, std::size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void write_u8(std::uint8_t v) { write(&v, 1); }
  void write_u32(std::uint32_t v);
  void write_u64(std::uint64_t v);
  void write_f64(double v);
  /// u32 length, then the bytes.
  void write_string(std::string_view s);
  /// Payload bytes written so far.
  std::uint64_t bytes_written() const noexcept { return bytes_; }

  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

 private:
  friend struct SnapshotAccess;
  SnapshotWriter(int fd, const std::string& path);
  void flush();
  int fd_;
  const std::string& path_;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint32_t crc_ = 0;
};

/// Streams the payload of a snapshot being read. Passed to the callback of Snapshot::read (and of
/// StateDirectory::open); valid only during that call. Reading past the payload's end throws
/// format_error ("truncated"), as does a checksum mismatch detected at the end.
class SnapshotReader {
 public:
  /// Copies min(size, remaining()) bytes; returns the count.
  std::size_t read(void* data, std::size_t size);
  /// Copies exactly `size` bytes or throws format_error.
  void read_exact(void* data, std::size_t size);
  /// The next `size` bytes without a copy when possible; the view is valid until the next call.
  std::string_view read_view(std::size_t size);
  std::uint8_t read_u8();
  std::uint32_t read_u32();
  std::uint64_t read_u64();
  double read_f64();
  /// u32 length, then the bytes (at most `max_size`, else format_error).
  std::string read_string(std::size_t max_size = 64u << 20);
  std::uint64_t remaining() const noexcept { return payload_ - consumed_; }
  bool at_end() const noexcept { return consumed_ == payload_; }
  const SnapshotInfo& info() const noexcept { return info_; }

  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

 private:
  friend struct SnapshotAccess;
  SnapshotReader(int fd, SnapshotInfo info);
  void fill(std::size_t want);
  void check_end();
  int fd_;
  SnapshotInfo info_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes of buffer_
  std::uint64_t payload_ = 0;        // payload length
  std::uint64_t fetched_ = 0;        // payload bytes read from the file
  std::uint64_t consumed_ = 0;       // payload bytes handed to the caller
  std::uint32_t crc_ = 0;
};

struct SnapshotWriteOptions {
  /// fsync the file and the directory (turn off only for scratch data and benchmarks).
  bool sync = true;
  /// Called after the temporary file is complete and synced, just before the rename (fault
  /// injection in tests: a crash there must leave the old snapshot in place).
  std::function<void()> before_rename;
};

/// Snapshot files: static functions only.
class Snapshot {
 public:
  Snapshot() = delete;
  using WriteFn = std::function<void(SnapshotWriter&)>;
  using ReadFn = std::function<void(SnapshotReader&)>;

  /// Writes `path` atomically (see the header comment). If `write_payload` throws, the temporary
  /// file is removed, `path` is untouched and the exception propagates.
  static SnapshotInfo write(const std::string& path, std::uint64_t generation, const WriteFn& write_payload,
                            const SnapshotWriteOptions& options = {});

  /// Reads the header and checks the file length (no payload checksum).
  static SnapshotInfo inspect(const std::string& path);

  /// Reads the whole payload and checks its checksum; throws format_error when it does not match.
  static SnapshotInfo verify(const std::string& path);

  /// Opens `path`, validates the header and passes a reader to `read_payload`, which must consume
  /// the whole payload (format_error otherwise: the reader and writer of the payload disagree).
  /// The payload checksum is checked when the last byte is consumed.
  static SnapshotInfo read(const std::string& path, const ReadFn& read_payload);
};

}  // namespace attune::profile
