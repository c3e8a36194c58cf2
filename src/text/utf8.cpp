#include "attune/text/utf8.hpp"

#include "attune/error.hpp"

#include <string>

namespace attune::text {
namespace {

// Length of the well-formed prefix of the sequence starting at s[i] (Unicode Table 3-7), and the
// reason it stops short. Returns the full sequence length when well-formed.
struct SequenceCheck {
  size_t good_length;   // bytes that belong to a well-formed (possibly partial) prefix
  size_t full_length;   // length the lead byte announces (0 when the lead byte is invalid)
  const char* reason;   // nullptr when the whole sequence is well-formed
};

inline bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

SequenceCheck check_sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {1, 1, nullptr};
  if (b0 < 0xC2) {
    return {0, 0, b0 < 0xC0 ? "unexpected continuation byte" : "overlong encoding"};
  }
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  const char* second_reason = "invalid continuation byte";
  if (b0 < 0xE0) {
    n = 2;
  } else if (b0 < 0xF0) {
    n = 3;
    if (b0 == 0xE0) { lo = 0xA0; second_reason = "overlong encoding"; }
    if (b0 == 0xED) { hi = 0x9F; second_reason = "surrogate code point"; }
  } else if (b0 < 0xF5) {
    n = 4;
    if (b0 == 0xF0) { lo = 0x90; second_reason = "overlong encoding"; }
    if (b0 == 0xF4) { hi = 0x8F; second_reason = "code point above U+10FFFF"; }
  } else {
    return {0, 0, "code point above U+10FFFF"};
  }
  if (i + 1 >= s.size()) return {1, n, "truncated sequence"};
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return {1, n, is_continuation(b1) ? second_reason : "truncated sequence"};
  for (size_t k = 2; k < n; ++k) {
    if (i + k >= s.size()) return {k, n, "truncated sequence"};
    if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return {k, n, "truncated sequence"};
  }
  return {n, n, nullptr};
}

}  // namespace

std::optional<Utf8Error> find_invalid_utf8(std::string_view s) noexcept {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII fast path: 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    const SequenceCheck c = check_sequence(s, i);
    if (c.reason) return Utf8Error{i, c.reason};
    i += c.full_length;
  }
  return std::nullopt;
}

void require_utf8(std::string_view s, const char* what) {
  if (auto bad = find_invalid_utf8(s)) {
    throw invalid_argument(std::string(what) + " is not valid UTF-8: " + bad->reason + " at byte offset " +
                               std::to_string(bad->offset),
                           status::invalid_utf8);
  }
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const SequenceCheck c = check_sequence(s, i);
    if (!c.reason) {
      out.append(s.data() + i, c.full_length);
      i += c.full_length;
    } else {
      // One U+FFFD per maximal ill-formed subpart: the well-formed prefix (at least one byte).
      append_utf8(out, 0xFFFD);
      i += c.good_length == 0 ? 1 : c.good_length;
    }
  }
  return out;
}

}  // namespace attune::text
