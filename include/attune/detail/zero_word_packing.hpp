// Internal (not API): zero-word packing of one profile's bytes in engine snapshots (format version
// 2, docs/persistence.md "Engine snapshot"). Shared by the engine and by the tests that decode
// snapshots independently of it.
#pragma once

#include "attune/error.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace attune::detail {

// Zero-word packing of one profile's bytes for snapshots (docs/persistence.md, "Engine
// snapshot"): a typical profile is mostly zero words (unused detectors, empty decision slots),
// and the snapshot's size is what bounds its write time. Format: u32 raw length n, then per group
// of up to 8 eight-byte words of the raw bytes a mask byte (bit i: word i is not all zero)
// followed by the non-zero words (the last word may be shorter than 8 bytes).
inline void pack_zero_words(std::string_view raw, std::string& out) {
  // Written through a pointer into `out` grown once to the worst case (4 + n + one mask byte per
  // 64), then trimmed: no per-word append (the snapshot encoders' hot loop).
  const auto n = static_cast<uint32_t>(raw.size());
  const size_t start = out.size();
  out.resize(start + 4 + raw.size() + (raw.size() + 63) / 64);
  char* o = &out[start];
  for (int i = 0; i < 4; ++i) *o++ = static_cast<char>((n >> (8 * i)) & 0xFFu);
  for (size_t group = 0; group < raw.size(); group += 64) {
    char* mask_at = o++;
    unsigned mask = 0;
    for (size_t w = 0; w < 8 && group + 8 * w < raw.size(); ++w) {
      const size_t off = group + 8 * w;
      const size_t len = std::min<size_t>(8, raw.size() - off);
      uint64_t word = 0;
      std::memcpy(&word, raw.data() + off, len);
      if (word == 0) continue;
      mask |= 1u << w;
      std::memcpy(o, raw.data() + off, len);
      o += len;
    }
    *mask_at = static_cast<char>(mask);
  }
  out.resize(static_cast<size_t>(o - out.data()));
}

// Inverse of pack_zero_words; throws format_error on malformed input (never reads past `packed`).
inline void unpack_zero_words(std::string_view packed, std::string& raw) {
  if (packed.size() < 4) throw error(status::format_error, "engine snapshot: truncated packed profile");
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<uint8_t>(packed[static_cast<size_t>(i)])} << (8 * i);
  if (n > (1u << 20)) throw error(status::format_error, "engine snapshot: packed profile too large");
  raw.assign(n, '\0');
  size_t pos = 4;
  for (size_t group = 0; group < n; group += 64) {
    if (pos >= packed.size()) throw error(status::format_error, "engine snapshot: truncated packed profile");
    const auto mask = static_cast<uint8_t>(packed[pos++]);
    for (size_t w = 0; w < 8; ++w) {
      const size_t off = group + 8 * w;
      if (!(mask & (1u << w))) continue;
      if (off >= n) throw error(status::format_error, "engine snapshot: bad packed profile mask");
      const size_t len = std::min<size_t>(8, n - off);
      if (packed.size() - pos < len) throw error(status::format_error, "engine snapshot: truncated packed profile");
      std::memcpy(&raw[off], packed.data() + pos, len);
      pos += len;
    }
  }
  if (pos != packed.size()) throw error(status::format_error, "engine snapshot: trailing bytes in a packed profile");
}

}  // namespace attune::detail
