// CRC-32 (IEEE), the model files' checksum: the standard check value, and the slicing-by-8 path
// (8 bytes per step) agreeing with the bytewise definition at every length and alignment.
#include "attune/detail/crc32.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {
std::uint32_t crc32_bytewise(const unsigned char* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}
}  // namespace

TEST_CASE("crc32 matches the standard check value and the bytewise definition", "[crc32][model]") {
  const std::string check = "123456789";
  CHECK(attune::detail::crc32(check.data(), check.size()) == 0xCBF43926u);
  CHECK(attune::detail::crc32(nullptr, 0) == 0u);
  std::mt19937_64 rng(7);
  std::vector<unsigned char> buf(300);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (std::size_t start = 0; start < 9; ++start)
    for (std::size_t n = 0; start + n <= buf.size(); n += 1 + n / 8)
      REQUIRE(attune::detail::crc32(buf.data() + start, n) == crc32_bytewise(buf.data() + start, n));
}
