// CRC-32C: the published test vectors (RFC 3720 B.4 and the "123456789" check value), agreement of
// the hardware and table paths, and the extend property the streaming writers rely on.
#include "attune/detail/crc32c.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using attune::detail::crc32c;
using attune::detail::crc32c_extend;
using attune::detail::crc32c_extend_portable;

TEST_CASE("crc32c matches the published test vectors", "[crc32c][profile]") {
  const std::string check = "123456789";
  CHECK(crc32c(check.data(), check.size()) == 0xE3069283u);
  CHECK(crc32c_extend_portable(0, check.data(), check.size()) == 0xE3069283u);
  CHECK(crc32c(nullptr, 0) == 0u);

  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[static_cast<std::size_t>(i)] = static_cast<unsigned char>(i);
    down[static_cast<std::size_t>(i)] = static_cast<unsigned char>(31 - i);
  }
  for (auto fn : {+[](const void* d, std::size_t n) { return crc32c_extend(0, d, n); },
                  +[](const void* d, std::size_t n) { return crc32c_extend_portable(0, d, n); }}) {
    CHECK(fn(zeros.data(), 32) == 0x8A9136AAu);
    CHECK(fn(ones.data(), 32) == 0x62A8AB43u);
    CHECK(fn(up.data(), 32) == 0x46DD794Eu);
    CHECK(fn(down.data(), 32) == 0x113FDB5Cu);
  }
}

TEST_CASE("crc32c hardware and table paths agree; extend composes", "[crc32c][profile]") {
  std::mt19937_64 rng(42);
  std::vector<unsigned char> buf(5000);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t off = rng() % 17, len = rng() % (buf.size() - off);
    const std::uint32_t hw = crc32c(buf.data() + off, len);
    REQUIRE(hw == crc32c_extend_portable(0, buf.data() + off, len));
    const std::size_t cut = len ? rng() % len : 0;
    REQUIRE(crc32c_extend(crc32c(buf.data() + off, cut), buf.data() + off + cut, len - cut) == hw);
  }
  // A single flipped bit always changes the CRC.
  const std::uint32_t base = crc32c(buf.data(), 1000);
  for (int bit = 0; bit < 8000; bit += 37) {
    buf[static_cast<std::size_t>(bit / 8)] ^= static_cast<unsigned char>(1u << (bit % 8));
    CHECK(crc32c(buf.data(), 1000) != base);
    buf[static_cast<std::size_t>(bit / 8)] ^= static_cast<unsigned char>(1u << (bit % 8));
  }
}
