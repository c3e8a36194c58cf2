// attune/detail/read_file.hpp (internal): read a whole model/configuration file within a size limit.
//
// The size is checked before anything is allocated, so a huge, sparse or special file (a
// directory, /dev/zero) is refused with a clear error instead of exhausting memory:
//   - missing or unreadable file, or not a regular file -> attune::error(status::io_error)
//   - larger than `max_bytes`                           -> attune::error(status::limit_exceeded)
// docs/limits.md lists the limit of each file kind.
#pragma once

#include "attune/error.hpp"

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace attune::detail {

/// Largest model file attune reads (the shipped emotion model is about 7.5 MB).
inline constexpr std::size_t kMaxModelFileBytes = std::size_t{256} << 20;

inline std::string read_file_limited(const std::string& path, std::size_t max_bytes, const std::string& what) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw error(status::io_error, "cannot read " + what + " '" + path + "'");
  if (!std::filesystem::is_regular_file(status))
    throw error(status::io_error, "cannot read " + what + " '" + path + "': not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw error(status::io_error, "cannot read " + what + " '" + path + "': " + ec.message());
  if (size > max_bytes)
    throw error(status::limit_exceeded, what + " '" + path + "' is " + std::to_string(size) +
                                            " bytes, above the limit of " + std::to_string(max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot read " + what + " '" + path + "'");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size)
    throw error(status::io_error, "cannot read " + what + " '" + path + "': short read");
  return bytes;
}

}  // namespace attune::detail
