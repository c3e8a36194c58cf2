// attune/detail/sha256.hpp: SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104 / RFC 4231).
//
// Internal (detail/ is not API): the audit log uses SHA-256 to chain its lines and HMAC-SHA-256
// to pseudonymize customer ids. attune carries its own implementation so the core has no
// dependency on a crypto library; it is checked against the NIST FIPS 180-4 example vectors and
// the RFC 4231 HMAC vectors (tests/cpp/test_detail_sha256.cpp).
//
// Not constant-time with respect to message length (no secret-dependent branches or table
// lookups inside the compression function, but lengths are not hidden), which is fine for
// hashing log lines and ids with a secret key.
//
// Thread-safety: a Sha256 object is a mutable value (one thread at a time); the free functions
// are pure and thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attune::detail {

class Sha256 {
 public:
  static constexpr size_t kDigestSize = 32;  ///< bytes
  static constexpr size_t kBlockSize = 64;   ///< bytes
  using Digest = std::array<std::uint8_t, kDigestSize>;

  Sha256() noexcept { reset(); }

  /// Start a new message (the state after construction).
  void reset() noexcept;

  /// Absorb `size` bytes; may be called any number of times. Messages up to 2^61 - 1 bytes.
  Sha256& update(const void* data, size_t size) noexcept;
  Sha256& update(std::string_view bytes) noexcept { return update(bytes.data(), bytes.size()); }

  /// Pad, return the digest of everything absorbed since the last reset, and reset, so the
  /// object can hash the next message.
  Digest final() noexcept;

  /// One-shot digest of `bytes`.
  static Digest hash(std::string_view bytes) noexcept;

 private:
  void compress(const std::uint8_t* block) noexcept;

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, kBlockSize> buffer_{};
  std::uint64_t length_ = 0;  ///< bytes absorbed so far
  size_t buffered_ = 0;       ///< bytes waiting in buffer_
};

/// Lower-case hexadecimal of `size` bytes (2 * size characters).
std::string to_hex(const std::uint8_t* data, size_t size);
inline std::string to_hex(const Sha256::Digest& digest) { return to_hex(digest.data(), digest.size()); }

/// Decode hexadecimal (either case) into bytes; false (and `out` unspecified) when `hex` has odd
/// length or a non-hex character.
bool from_hex(std::string_view hex, std::string& out);

/// True when `s` is exactly `length` lower-case hexadecimal characters.
bool is_lower_hex(std::string_view s, size_t length) noexcept;

/// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string sha256_hex(std::string_view bytes);

/// HMAC-SHA-256 of `message` under `key` (any length; keys longer than 64 bytes are hashed first,
/// as RFC 2104 specifies).
Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) noexcept;

/// Lower-case hex HMAC-SHA-256 (64 characters).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace attune::detail
