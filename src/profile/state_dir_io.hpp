// Private POSIX helpers of the persistence layer (journal, snapshot, state directory): RAII file
// descriptors, complete reads/writes that survive EINTR and short transfers, fsync of files and
// directories, little-endian encoding, and errno turned into attune::error(io_error).
#pragma once

#include "attune/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace attune::profile::io {

/// Throws attune::error(io_error) "<what> '<path>': <strerror(err)>".
[[noreturn]] void throw_errno(const char* what, const std::string& path, int err);

/// Owns one file descriptor; closes it on destruction (errors of close are ignored there; use
/// close() to see them).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void close(const std::string& path);  // throws io_error if close() fails

 private:
  int fd_ = -1;
};

/// open(2) with O_CLOEXEC; throws io_error (not_found when the file is missing and !O_CREAT).
Fd open_file(const std::string& path, int flags, unsigned mode = 0644);

void write_all(int fd, const void* data, std::size_t size, const std::string& path);
void pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::string& path);
/// Reads up to `size` bytes (fewer only at end of file); returns the count.
std::size_t read_some_all(int fd, void* data, std::size_t size, const std::string& path);
void fsync_file(int fd, const std::string& path);
void fdatasync_file(int fd, const std::string& path);
std::uint64_t file_size(int fd, const std::string& path);
/// fsync of a directory, so that creates, renames and unlinks inside it are durable.
void fsync_directory(const std::string& dir);
/// The directory part of a path ("." when there is none).
std::string parent_directory(const std::string& path);

inline void put_u32(unsigned char* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void put_u64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline std::uint32_t get_u32(const unsigned char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get_u64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace attune::profile::io
