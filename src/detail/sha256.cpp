// SHA-256 per FIPS 180-4 section 6.2, written from the standard's pseudocode.
#include "attune/detail/sha256.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ATTUNE_SHA256_X86 1
#endif

namespace attune::detail {
namespace {

// FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// FIPS 180-4 5.3.3: initial hash value.
constexpr std::uint32_t kInitial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline std::uint32_t rotr(std::uint32_t x, unsigned n) noexcept { return (x >> n) | (x << (32 - n)); }
inline std::uint32_t ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) noexcept { return (x & y) ^ (~x & z); }
inline std::uint32_t maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) noexcept {
  return (x & y) ^ (x & z) ^ (y & z);
}
inline std::uint32_t big_sigma0(std::uint32_t x) noexcept { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
inline std::uint32_t big_sigma1(std::uint32_t x) noexcept { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
inline std::uint32_t small_sigma0(std::uint32_t x) noexcept { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t small_sigma1(std::uint32_t x) noexcept { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

// Big-endian load/store, independent of the host's byte order.
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

#if ATTUNE_SHA256_X86
// The SHA extensions (SHA-NI, x86 since Goldmont / Zen / Ice Lake) run the FIPS 180-4 rounds in
// hardware, several times faster than the portable code below; the audit log hashes every line
// twice, so this matters on the engine's hot path. Same function, same results (the NIST
// vectors of tests/cpp/test_detail_sha256.cpp run on whichever path the machine takes).
bool cpu_has_sha_ni() noexcept {
  if (std::getenv("ATTUNE_SHA256_PORTABLE") != nullptr) return false;  // tests/diagnosis: force portable
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c & (1u << 9)) != 0, sse41 = (c & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && (b & (1u << 29)) != 0;
}

// One 64-byte block with the SHA extensions. The state is kept as the instructions want it
// (ABEF / CDGH halves) only inside the call.
__attribute__((target("sha,sse4.1,ssse3"))) void compress_sha_ni(std::uint32_t* state, const std::uint8_t* block) noexcept {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  tmp = _mm_shuffle_epi32(tmp, 0xB1);               // CDAB
  state1 = _mm_shuffle_epi32(state1, 0x1B);         // EFGH
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8); // ABEF
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);      // CDGH
  const __m128i abef = state0, cdgh = state1;
  __m128i msg[4];
  for (int i = 0; i < 4; ++i)
    msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), byte_swap);
  for (int g = 0; g < 16; ++g) {
    // Rounds 4g .. 4g+3.
    __m128i wk = _mm_add_epi32(msg[g & 3], _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRound + 4 * g)));
    state1 = _mm_sha256rnds2_epu32(state1, state0, wk);
    wk = _mm_shuffle_epi32(wk, 0x0E);
    state0 = _mm_sha256rnds2_epu32(state0, state1, wk);
    if (g < 12) {
      // Message words 4(g+4) .. 4(g+4)+3: W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]).
      __m128i next = _mm_sha256msg1_epu32(msg[g & 3], msg[(g + 1) & 3]);
      next = _mm_add_epi32(next, _mm_alignr_epi8(msg[(g + 3) & 3], msg[(g + 2) & 3], 4));
      msg[g & 3] = _mm_sha256msg2_epu32(next, msg[(g + 3) & 3]);
    }
  }
  state0 = _mm_add_epi32(state0, abef);
  state1 = _mm_add_epi32(state1, cdgh);
  tmp = _mm_shuffle_epi32(state0, 0x1B);         // FEBA
  state1 = _mm_shuffle_epi32(state1, 0xB1);      // DCHG
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);   // DCBA
  state1 = _mm_alignr_epi8(state1, tmp, 8);      // ABEF -> HGFE
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), state0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), state1);
}

const bool kHasShaNi = cpu_has_sha_ni();
#endif

}  // namespace

void Sha256::reset() noexcept {
  std::memcpy(state_.data(), kInitial, sizeof kInitial);
  length_ = 0;
  buffered_ = 0;
}

void Sha256::compress(const std::uint8_t* block) noexcept {
#if ATTUNE_SHA256_X86
  if (kHasShaNi) {
    compress_sha_ni(state_.data(), block);
    return;
  }
#endif
  std::uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
  for (int t = 16; t < 64; ++t) w[t] = small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16];
  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (int t = 0; t < 64; ++t) {
    const std::uint32_t t1 = h + big_sigma1(e) + ch(e, f, g) + kRound[t] + w[t];
    const std::uint32_t t2 = big_sigma0(a) + maj(a, b, c);
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

Sha256& Sha256::update(const void* data, size_t size) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(data);
  length_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(size, kBlockSize - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ < kBlockSize) return *this;
    compress(buffer_.data());
    buffered_ = 0;
  }
  while (size >= kBlockSize) {
    compress(p);
    p += kBlockSize;
    size -= kBlockSize;
  }
  if (size > 0) {
    std::memcpy(buffer_.data(), p, size);
    buffered_ = size;
  }
  return *this;
}

Sha256::Digest Sha256::final() noexcept {
  // FIPS 180-4 5.1.1: append 0x80, zeros up to 56 mod 64, then the bit length as 64-bit big-endian.
  const std::uint64_t bit_length = length_ * 8;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    std::memset(buffer_.data() + buffered_, 0, kBlockSize - buffered_);
    compress(buffer_.data());
    buffered_ = 0;
  }
  std::memset(buffer_.data() + buffered_, 0, 56 - buffered_);
  store_be32(buffer_.data() + 56, static_cast<std::uint32_t>(bit_length >> 32));
  store_be32(buffer_.data() + 60, static_cast<std::uint32_t>(bit_length));
  compress(buffer_.data());
  Digest digest;
  for (size_t i = 0; i < 8; ++i) store_be32(digest.data() + 4 * i, state_[i]);
  reset();
  return digest;
}

Sha256::Digest Sha256::hash(std::string_view bytes) noexcept {
  Sha256 h;
  h.update(bytes);
  return h.final();
}

std::string to_hex(const std::uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0F];
  }
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.assign(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return true;
}

bool is_lower_hex(std::string_view s, size_t length) noexcept {
  if (s.size() != length) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string sha256_hex(std::string_view bytes) { return to_hex(Sha256::hash(bytes)); }

Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
  // RFC 2104: H((K0 ^ opad) || H((K0 ^ ipad) || message)), K0 = key padded (or hashed) to 64 bytes.
  std::array<std::uint8_t, Sha256::kBlockSize> k0{};
  if (key.size() > Sha256::kBlockSize) {
    const Sha256::Digest hashed = Sha256::hash(key);
    std::memcpy(k0.data(), hashed.data(), hashed.size());
  } else if (!key.empty()) {
    std::memcpy(k0.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, Sha256::kBlockSize> pad{};
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<std::uint8_t>(k0[i] ^ 0x36);
  Sha256 inner;
  inner.update(pad.data(), pad.size()).update(message);
  const Sha256::Digest inner_digest = inner.final();
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<std::uint8_t>(k0[i] ^ 0x5c);
  Sha256 outer;
  outer.update(pad.data(), pad.size()).update(inner_digest.data(), inner_digest.size());
  return outer.final();
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  return to_hex(hmac_sha256(key, message));
}

}  // namespace attune::detail
