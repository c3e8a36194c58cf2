// attune/detail/crc32.hpp: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
//
// The checksum that ends the model files (emotion and intent). It is the CRC of zip, gzip and PNG,
// so a model file can be checked with common tools; crc32("123456789") == 0xCBF43926. The
// persistence formats use CRC-32C instead (crc32c.hpp), which has a hardware instruction.
//
// Not API (detail/): used by the model formats and the fuzz harnesses that fix up checksums.
// Thread-safety: a pure function, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace attune::detail {

/// CRC-32 of `size` bytes at `data` (slicing by 8: a 7 MB model checks in a few milliseconds).
std::uint32_t crc32(const void* data, std::size_t size) noexcept;

}  // namespace attune::detail
