// SHA-256 against the NIST FIPS 180-4 example vectors and HMAC-SHA-256 against RFC 4231.
#include "attune/detail/sha256.hpp"

#include <catch2/catch.hpp>

#include <string>

using attune::detail::hmac_sha256_hex;
using attune::detail::Sha256;
using attune::detail::sha256_hex;
using attune::detail::to_hex;

namespace {

const std::string k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

std::string bytes(size_t n, unsigned char value) { return std::string(n, static_cast<char>(value)); }

}  // namespace

TEST_CASE("sha256: NIST FIPS 180-4 example vectors", "[detail][sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(k448) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(k896) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: one million 'a' fed incrementally in uneven pieces", "[detail][sha256]") {
  Sha256 h;
  const std::string chunk(997, 'a');  // prime size so pieces straddle block boundaries
  size_t fed = 0;
  while (fed + chunk.size() <= 1000000) {
    h.update(chunk);
    fed += chunk.size();
  }
  h.update(std::string(1000000 - fed, 'a'));
  CHECK(to_hex(h.final()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: every split point of a message gives the same digest", "[detail][sha256]") {
  // Covers the padding edge cases: lengths 55, 56, 63, 64 straddle the one-block / two-block limit.
  for (const std::string& message : {k448, k896, std::string(55, 'x'), std::string(56, 'x'), std::string(63, 'x'),
                                     std::string(64, 'x'), std::string(65, 'x')}) {
    const std::string whole = sha256_hex(message);
    for (size_t cut = 0; cut <= message.size(); ++cut) {
      Sha256 h;
      h.update(message.substr(0, cut)).update(message.substr(cut));
      REQUIRE(to_hex(h.final()) == whole);
    }
  }
}

TEST_CASE("sha256: final() resets the object for the next message", "[detail][sha256]") {
  Sha256 h;
  h.update("abc");
  const auto first = h.final();
  h.update("abc");
  CHECK(h.final() == first);
  CHECK(to_hex(h.final()) == sha256_hex(""));
}

TEST_CASE("hmac-sha256: RFC 4231 test cases 1-7", "[detail][sha256][hmac]") {
  CHECK(hmac_sha256_hex(bytes(20, 0x0b), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hmac_sha256_hex(bytes(20, 0xaa), bytes(50, 0xdd)) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string key4;
  for (unsigned char c = 1; c <= 25; ++c) key4.push_back(static_cast<char>(c));
  CHECK(hmac_sha256_hex(key4, bytes(50, 0xcd)) == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // Case 5 specifies only the first 128 bits.
  CHECK(hmac_sha256_hex(bytes(20, 0x0c), "Test With Truncation").substr(0, 32) == "a3b6167473100ee06e0c796c2955552b");
  CHECK(hmac_sha256_hex(bytes(131, 0xaa), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(hmac_sha256_hex(bytes(131, 0xaa),
                        "This is a test using a larger than block-size key and a larger than block-size data. The "
                        "key needs to be hashed before being used by the HMAC algorithm.") ==
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("hex helpers: round trip and strict checks", "[detail][sha256]") {
  std::string raw;
  REQUIRE(attune::detail::from_hex("00ff7F10", raw));
  CHECK(raw == std::string("\x00\xff\x7f\x10", 4));
  CHECK(to_hex(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()) == "00ff7f10");
  CHECK_FALSE(attune::detail::from_hex("abc", raw));
  CHECK_FALSE(attune::detail::from_hex("zz", raw));
  CHECK(attune::detail::is_lower_hex("00af", 4));
  CHECK_FALSE(attune::detail::is_lower_hex("00AF", 4));
  CHECK_FALSE(attune::detail::is_lower_hex("00af", 5));
}
