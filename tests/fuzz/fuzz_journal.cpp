// Fuzz the readers of the persistence formats: Journal::for_each and Snapshot::inspect/verify on
// arbitrary file contents. The first input byte picks the framing: odd = the rest follows a valid
// journal file header (so the fuzzer works on records), even = the rest is the whole file.
// Invariants: only attune::error (format_error / version_mismatch) escapes; every record handed to
// the callback is really in the file at the reported place with a matching CRC32C; the report is
// consistent (records, bytes, tail offset); a file without a torn tail ends at tail_offset.
#include "attune/detail/crc32c.hpp"
#include "attune/error.hpp"
#include "attune/profile/journal.hpp"
#include "attune/profile/snapshot.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

std::string scratch_path() {
  // The readers take a path; a memory-backed directory keeps the file round trip cheap.
  const char* dir = std::getenv("TMPDIR");
  std::string base = dir && *dir ? dir : (::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  return base + "/attune-fuzz-journal-" + std::to_string(::getpid()) + ".log";
}

std::uint32_t le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void check_status(const attune::error& e) {
  if (e.code() != attune::status::format_error && e.code() != attune::status::version_mismatch) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const struct Scratch {
    std::string path = scratch_path();
    ~Scratch() { ::unlink(path.c_str()); }
  } scratch;
  const std::string& path = scratch.path;
  std::string file;
  if (size > 0 && (data[0] & 1)) {
    char h[32] = {'A', 'T', 'J', 'O', 'U', 'R', 'N', 'L', 1, 0, 0, 0, 32, 0, 0, 0};
    const std::uint32_t crc = attune::detail::crc32c(h, 28);
    for (int i = 0; i < 4; ++i) h[28 + i] = static_cast<char>(crc >> (8 * i));
    file.assign(h, 32);
  }
  if (size > 0) file.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(file.data(), 1, file.size(), f);
  std::fclose(f);

  try {
    std::uint64_t offset = 32, records = 0, bytes = 0;
    const auto report = attune::profile::Journal::for_each(path, [&](std::uint8_t type, std::string_view payload) {
      // The record must be exactly where the scan says, framed and checksummed as documented.
      if (offset + 16 + payload.size() > file.size()) std::abort();
      const char* h = file.data() + offset;
      if (le32(h) != 0xA77E4A52u || le32(h + 4) != payload.size() || static_cast<std::uint8_t>(h[8]) != type) std::abort();
      if (std::memcmp(h + 16, payload.data(), payload.size()) != 0) std::abort();
      std::uint32_t crc = attune::detail::crc32c(h, 12);
      crc = attune::detail::crc32c_extend(crc, payload.data(), payload.size());
      if (crc != le32(h + 12)) std::abort();
      offset += 16 + payload.size();
      ++records;
      bytes += payload.size();
    });
    if (report.records != records || report.bytes != bytes || report.tail_offset != offset) std::abort();
    if (report.file_size != file.size() || report.tail_offset > report.file_size) std::abort();
    if (!report.torn_tail && report.tail_offset != report.file_size) std::abort();
    if (report.torn_tail == report.reason.empty()) std::abort();
  } catch (const attune::error& e) {
    check_status(e);
  }
  try {
    attune::profile::Snapshot::verify(path);
  } catch (const attune::error& e) {
    check_status(e);
  }
  return 0;
}
