// attune/text/utf8.hpp: strict UTF-8 validation and repair.
//
// Well-formed means RFC 3629 / Unicode Table 3-7: no overlong forms, no surrogates (U+D800..DFFF),
// nothing above U+10FFFF, no truncated sequences, no stray continuation bytes.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace attune::text {

/// Where and why UTF-8 is malformed.
struct Utf8Error {
  size_t offset;       ///< byte offset of the first byte of the ill-formed sequence
  const char* reason;  ///< static English phrase ("overlong encoding", "surrogate", ...)
};

/// The first ill-formed sequence of `s`, or nullopt when `s` is well-formed.
std::optional<Utf8Error> find_invalid_utf8(std::string_view s) noexcept;

/// Throws attune::invalid_argument(status::invalid_utf8) naming the byte offset and reason.
/// `what` names the argument in the message ("text", "customer id").
void require_utf8(std::string_view s, const char* what = "text");

/// Copy of `s` where every maximal ill-formed subpart is replaced by U+FFFD (the "replace" mode;
/// Unicode's recommended practice, so the result is the same as most decoders produce).
std::string replace_invalid_utf8(std::string_view s);

/// Decode one code point at `s[i]` of well-formed UTF-8; advances `i`. Undefined on malformed
/// input: validate first.
inline char32_t decode_utf8(std::string_view s, size_t& i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) { ++i; return b0; }
  if (b0 < 0xE0) {
    char32_t c = (char32_t(b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
    i += 2;
    return c;
  }
  if (b0 < 0xF0) {
    char32_t c = (char32_t(b0 & 0x0F) << 12) | (char32_t(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                 (static_cast<unsigned char>(s[i + 2]) & 0x3F);
    i += 3;
    return c;
  }
  char32_t c = (char32_t(b0 & 0x07) << 18) | (char32_t(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 12) |
               (char32_t(static_cast<unsigned char>(s[i + 2]) & 0x3F) << 6) |
               (static_cast<unsigned char>(s[i + 3]) & 0x3F);
  i += 4;
  return c;
}

/// Append the UTF-8 encoding of `c` (a scalar value) to `out`.
void append_utf8(std::string& out, char32_t c);

}  // namespace attune::text
