// attune/detail/crc32c.hpp: CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78).
//
// The checksum of the persistence formats (journal records, snapshot headers and payloads). It is
// the CRC of iSCSI (RFC 3720), ext4 metadata and LevelDB/RocksDB: strong against burst errors and
// computed in hardware by SSE4.2 (`crc32` instruction) and ARMv8, so checking a 300 MB snapshot
// costs tens of milliseconds. The value is the standard one: initial value ~0, final XOR ~0, so
// crc32c("123456789") == 0xE3069283.
//
// Not API (detail/): used by attune::profile; exposed only so the tests can pin the test vectors.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace attune::detail {

/// CRC-32C of `data` continued from `crc`, the finished CRC of the bytes before it (0 for none):
/// crc32c_extend(crc32c(a), b) == crc32c(a + b). Uses the SSE4.2 instruction when the CPU has it.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) noexcept;

/// CRC-32C of one buffer.
inline std::uint32_t crc32c(const void* data, std::size_t size) noexcept { return crc32c_extend(0, data, size); }

/// The table-driven (slicing-by-8) implementation, always available; the tests check that it
/// agrees with the hardware path.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t size) noexcept;

/// True when crc32c_extend uses the CPU's CRC instruction.
bool crc32c_hardware() noexcept;

}  // namespace attune::detail
