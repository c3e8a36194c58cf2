// The tokenizer: one forward pass over validated UTF-8, ASCII fast paths, output into the
// caller's reusable Tokens buffers. The rules are documented in attune/text/tokenizer.hpp.
#include "attune/text/tokenizer.hpp"

#include "attune/error.hpp"
#include "attune/text/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace attune::text {

// ---- character classes ------------------------------------------------------------------------

char32_t to_lower(char32_t c) noexcept {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return 'i';  // İ
    if (c == 0x178) return 0xFF;  // Ÿ
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;  // Greek capitals
  if (c >= 0x410 && c <= 0x42F) return c + 32;                 // Cyrillic А..Я
  if (c >= 0x400 && c <= 0x40F) return c + 80;                 // Cyrillic Ѐ..Џ
  if (c == 0x2019 || c == 0x2018) return '\'';
  return c;
}

namespace {

bool is_lower_letter(char32_t c) noexcept {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
  if (c >= 0x100 && c <= 0x17F) return to_lower(c) == c && c != 0x130;
  if (c >= 0x3AC && c <= 0x3CE) return true;
  if (c >= 0x430 && c <= 0x45F) return true;
  return false;
}

bool is_upper_letter(char32_t c) noexcept { return to_lower(c) != c && c != 0x2019 && c != 0x2018; }

bool is_unicode_space(char32_t c) noexcept {
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool is_combining_mark(char32_t c) noexcept {
  return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF && c != 0x20E3) || (c >= 0xFE20 && c <= 0xFE2F);
}

bool is_regional_indicator(char32_t c) noexcept { return c >= 0x1F1E6 && c <= 0x1F1FF; }
bool is_skin_tone(char32_t c) noexcept { return c >= 0x1F3FB && c <= 0x1F3FF; }
bool is_emoji_modifier(char32_t c) noexcept {
  return c == 0xFE0F || c == 0xFE0E || is_skin_tone(c) || c == 0x20E3 || (c >= 0xE0020 && c <= 0xE007F);
}

// Code points that are emoji on their own (pictographs and the symbol blocks used as emoji).
bool is_emoji_base(char32_t c) noexcept {
  return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF) ||
         (c >= 0x2300 && c <= 0x23FF) || c == 0x3030 || c == 0x303D || c == 0x3297 || c == 0x3299;
}

// Symbols that are emoji only when followed by VS16 (U+FE0F): ©, ®, ‼, ⁉, ™, ℹ, arrows, Ⓜ, ▪...
bool is_emoji_with_vs16(char32_t c) noexcept {
  return c == 0xA9 || c == 0xAE || c == 0x203C || c == 0x2049 || c == 0x2122 || c == 0x2139 ||
         (c >= 0x2194 && c <= 0x21AA) || c == 0x24C2 || (c >= 0x25AA && c <= 0x25FE) || c == 0x2934 ||
         c == 0x2935;
}

// Non-ASCII code points that are punctuation or symbols rather than parts of words.
bool is_non_word_symbol(char32_t c) noexcept {
  return (c >= 0xA1 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
         (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xE000 && c <= 0xF8FF) ||
         (c >= 0xFFF0 && c <= 0xFFFF) || (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0xE0000 && c <= 0xE007F);
}

// ASCII classes.
enum : uint8_t { kSpace = 1, kLetter = 2, kDigit = 4, kUpper = 8 };
// Indexed by any byte: the bytes of multi-byte UTF-8 sequences (>= 0x80) have no class.
constexpr std::array<uint8_t, 256> make_ascii_table() {
  std::array<uint8_t, 256> t{};
  t[' '] = t['\t'] = t['\n'] = t['\r'] = t['\v'] = t['\f'] = kSpace;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kLetter | kUpper;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  return t;
}
constexpr auto kAscii = make_ascii_table();

inline bool is_word_cp(char32_t c) noexcept {
  if (c < 0x80) return (kAscii[c] & (kLetter | kDigit)) != 0;
  if (c == 0x2019 || c == 0x2018) return false;  // apostrophes handled by the word scanner
  return !is_non_word_symbol(c) && !is_unicode_space(c);
}

// Emoticons, longest first within each starting character so the first match is the longest.
struct Emoticon {
  const char* text;
  bool alnum_start;  // starts with a letter/digit: needs a token boundary before it
};
constexpr Emoticon kEmoticons[] = {
    {">:-(", false}, {">:(", false}, {":'-(", false}, {":'-)", false}, {":'(", false}, {":')", false},
    {":-))", false}, {":-)", false}, {":))", false}, {":)", false}, {":-((", false}, {":-(", false},
    {":((", false}, {":(", false}, {":-D", false}, {":D", false}, {":-P", false}, {":-p", false},
    {":P", false}, {":p", false}, {":-/", false}, {":/", false}, {":-|", false}, {":|", false},
    {":-O", false}, {":-o", false}, {":O", false}, {":o", false}, {":-*", false}, {":*", false},
    {":-S", false}, {":S", false}, {":s", false}, {":3", false}, {":]", false}, {":[", false},
    {";-)", false}, {";)", false}, {";-D", false}, {";D", false}, {";P", false}, {";p", false},
    {"=)", false}, {"=(", false}, {"=D", false}, {"</3", false}, {"<3", false}, {"^_^", false},
    {"^^", false}, {"-_-", false}, {"o_O", true}, {"O_o", true}, {"T_T", true}, {"XD", true},
    {"xD", true}, {"D:", true}, {"8-)", true}, {"8)", true},
};

// The first characters of kEmoticons, as a table: every ASCII token start is checked.
constexpr std::array<bool, 256> kEmoticonStart = [] {
  std::array<bool, 256> t{};
  for (const auto& e : kEmoticons) t[static_cast<unsigned char>(e.text[0])] = true;
  return t;
}();

constexpr std::string_view kNegators[] = {
    "not",    "no",      "never",  "nor",     "none",    "nobody",   "nothing",  "nowhere",
    "neither", "without", "cannot", "hardly", "barely",  "dont",     "cant",     "wont",
    "didnt",  "doesnt",  "isnt",   "wasnt",   "arent",   "werent",   "couldnt",  "shouldnt",
    "wouldnt", "aint",   "havent", "hasnt",   "hadnt",   "mustnt",   "neednt",   "nope"};

// Bit n of kNegatorLengths[c]: some negator starts with c and has n letters. Almost every word
// fails this test, so the list itself is rarely scanned.
constexpr std::array<uint16_t, 256> kNegatorLengths = [] {
  std::array<uint16_t, 256> t{};
  for (const auto w : kNegators) t[static_cast<unsigned char>(w[0])] |= static_cast<uint16_t>(1u << w.size());
  return t;
}();

bool is_negator(std::string_view w) noexcept {
  if (w.size() < 2 || w.size() > 8) return w.size() > 8 && w.compare(w.size() - 3, 3, "n't") == 0;
  if (w.back() == 't' && w.size() >= 3 && w[w.size() - 2] == '\'' && w[w.size() - 3] == 'n') return true;
  if (!((kNegatorLengths[static_cast<unsigned char>(w[0])] >> w.size()) & 1u)) return false;
  for (const auto k : kNegators)
    if (k == w) return true;
  return false;
}

bool ends_clause(std::string_view p) noexcept {
  if (p.empty()) return false;
  const char c = p[0];
  if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') return true;
  // — – … and the Unicode question/exclamation variants
  return p == "\xE2\x80\x94" || p == "\xE2\x80\x93" || p == "..." || p == "-";
}

class Scanner {
 public:
  Scanner(std::string_view s, Tokens& out) : s_(s), out_(out) {}

  void run() {
    bool negating = false;
    while (i_ < s_.size()) {
      const auto b = static_cast<unsigned char>(s_[i_]);
      if (b < 0x80 && (kAscii[b] & kSpace)) { ++i_; continue; }
      size_t j = i_ + 1;
      char32_t c = b;
      if (b >= 0x80) {
        j = i_;
        c = decode_utf8(s_, j);
      }
      if (c >= 0x80 && is_unicode_space(c)) { i_ = j; continue; }
      if (c == 0x200D || c == 0xFE0F || c == 0xFE0E) { i_ = j; continue; }  // stray joiners

      const size_t before = out_.items.size();
      scan_token(c, j);
      if (out_.items.size() == before) continue;
      Token& t = out_.items.back();
      const std::string_view norm = out_.text(t);
      if (t.kind == TokenKind::punctuation) {
        if (ends_clause(norm)) negating = false;
      } else if (t.kind == TokenKind::word && norm == "but") {
        negating = false;
      } else {
        if (negating && t.kind != TokenKind::number && t.kind != TokenKind::url) t.flags |= flag_negated;
        if (t.kind == TokenKind::word && is_negator(norm)) {
          t.flags |= flag_negator;
          negating = true;
        }
      }
    }
  }

 private:
  void emit(TokenKind kind, size_t begin, size_t end, size_t norm_begin, uint16_t flags) {
    Token t;
    t.offset = static_cast<uint32_t>(begin);
    t.length = static_cast<uint32_t>(end - begin);
    t.norm_offset = static_cast<uint32_t>(norm_begin);
    t.norm_length = static_cast<uint32_t>(out_.normalized.size() - norm_begin);
    t.kind = kind;
    t.flags = flags;
    out_.items.push_back(t);
  }

  bool at_boundary_before() const noexcept {
    if (i_ == 0) return true;
    const auto p = static_cast<unsigned char>(s_[i_ - 1]);
    return p < 0x80 && !(kAscii[p] & (kLetter | kDigit));
  }

  bool boundary_at(size_t k) const noexcept {
    if (k >= s_.size()) return true;
    const auto b = static_cast<unsigned char>(s_[k]);
    return b < 0x80 && !(kAscii[b] & (kLetter | kDigit));
  }

  bool starts_with_ci(std::string_view prefix) const noexcept {
    if (s_.size() - i_ < prefix.size()) return false;
    for (size_t k = 0; k < prefix.size(); ++k) {
      char c = s_[i_ + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != prefix[k]) return false;
    }
    return true;
  }

  void append_lower_ascii(size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      char c = s_[k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      out_.normalized.push_back(c);
    }
  }

  void scan_token(char32_t c, size_t after_first) {
    const size_t start = i_;
    const size_t norm_start = out_.normalized.size();

    if (c < 0x80) {
      const char ch = static_cast<char>(c);
      if (ch == '[' && try_placeholder()) return;
      if ((ch == 'h' || ch == 'H' || ch == 'w' || ch == 'W') &&
          (starts_with_ci("http://") || starts_with_ci("https://") || starts_with_ci("www."))) {
        scan_url();
        return;
      }
      if (try_emoticon()) return;
      if ((ch == '@' || ch == '#') && i_ + 1 < s_.size()) {
        size_t k = i_ + 1;
        const char32_t next = decode_utf8(s_, k);
        if (is_word_cp(next) && next != '_') {
          i_ += 1;
          out_.normalized.push_back(ch);
          scan_word_chars(/*allow_apostrophe=*/false);
          emit(ch == '@' ? TokenKind::mention : TokenKind::hashtag, start, i_, norm_start, 0);
          return;
        }
      }
      if (kAscii[c] & kDigit) {
        // Keycap emoji: digit (VS16) U+20E3.
        size_t k = after_first;
        if (k < s_.size() && try_keycap(k)) return;
        scan_number_or_word();
        return;
      }
      if (kAscii[c] & kLetter) {
        scan_word();
        return;
      }
      if ((ch == '*' || ch == '#') && try_keycap(after_first)) return;
      scan_punctuation(c, after_first);
      return;
    }

    if (is_emoji_base(c) || (is_emoji_with_vs16(c) && next_is(after_first, 0xFE0F))) {
      scan_emoji(c, after_first);
      return;
    }
    if (is_word_cp(c) || c == 0x2019) {
      if (c == 0x2019 || is_combining_mark(c)) {
        // A stray apostrophe or combining mark with no letter before it: punctuation.
        scan_punctuation(c, after_first);
        return;
      }
      scan_word();
      return;
    }
    scan_punctuation(c, after_first);
  }

  bool next_is(size_t k, char32_t want) const noexcept {
    if (k >= s_.size()) return false;
    return decode_utf8(s_, k) == want;
  }

  bool try_placeholder() {
    size_t k = i_ + 1;
    while (k < s_.size() && ((s_[k] >= 'A' && s_[k] <= 'Z') || s_[k] == '_')) ++k;
    if (k == i_ + 1 || k >= s_.size() || s_[k] != ']') return false;
    const size_t norm_start = out_.normalized.size();
    append_lower_ascii(i_, k + 1);
    const size_t start = i_;
    i_ = k + 1;
    emit(TokenKind::placeholder, start, i_, norm_start, 0);
    return true;
  }

  void scan_url() {
    const size_t start = i_;
    size_t k = i_;
    while (k < s_.size()) {
      const auto b = static_cast<unsigned char>(s_[k]);
      if (b < 0x80 && (kAscii[b] & kSpace)) break;
      if (b >= 0x80) {  // non-ASCII space ends a URL too
        size_t m = k;
        if (is_unicode_space(decode_utf8(s_, m))) break;
        k = m;
        continue;
      }
      ++k;
    }
    // Trailing sentence punctuation is not part of the URL.
    while (k > start + 4 && std::strchr(".,;:!?)]'\"", s_[k - 1]) != nullptr) --k;
    const size_t norm_start = out_.normalized.size();
    append_lower_ascii(start, k);
    i_ = k;
    emit(TokenKind::url, start, k, norm_start, 0);
  }

  bool try_emoticon() {
    const char first = s_[i_];
    if (!kEmoticonStart[static_cast<unsigned char>(first)]) return false;
    // Letters and digits start an emoticon only before these second characters; this keeps the
    // table scan off the path of ordinary words.
    if ((kAscii[static_cast<unsigned char>(first)] & (kLetter | kDigit)) != 0) {
      const char second = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
      if (second != '_' && second != 'D' && second != ':' && second != ')' && second != '-') return false;
    }
    for (const auto& e : kEmoticons) {
      if (e.text[0] != first) continue;
      const size_t n = std::strlen(e.text);
      if (s_.size() - i_ < n || s_.compare(i_, n, e.text) != 0) continue;
      if (e.alnum_start && !at_boundary_before()) continue;
      const char last = e.text[n - 1];
      const bool alnum_end = (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z') || (last >= '0' && last <= '9');
      if (alnum_end && !boundary_at(i_ + n)) continue;
      const size_t start = i_;
      const size_t norm_start = out_.normalized.size();
      out_.normalized.append(e.text, n);  // emoticons keep their case: ":D" differs from ":d"
      i_ += n;
      emit(TokenKind::emoticon, start, i_, norm_start, 0);
      return true;
    }
    return false;
  }

  bool try_keycap(size_t k) {
    // base [FE0F] 20E3
    size_t m = k;
    if (m < s_.size() && next_is(m, 0xFE0F)) { decode_utf8(s_, m); }
    if (m < s_.size() && next_is(m, 0x20E3)) {
      decode_utf8(s_, m);
      const size_t start = i_;
      const size_t norm_start = out_.normalized.size();
      out_.normalized.push_back(s_[i_]);  // the ASCII base; VS16 dropped as for every emoji
      append_utf8(out_.normalized, 0x20E3);
      i_ = m;
      emit(TokenKind::emoji, start, i_, norm_start, 0);
      return true;
    }
    return false;
  }

  // Normalized emoji drop presentation selectors and skin tones, so "👍🏽" and "👍" share features.
  void scan_emoji(char32_t first, size_t after_first) {
    const size_t start = i_;
    const size_t norm_start = out_.normalized.size();
    size_t k = after_first;
    append_utf8(out_.normalized, first);
    if (is_regional_indicator(first)) {
      size_t m = k;
      if (m < s_.size()) {
        const char32_t second = decode_utf8(s_, m);
        if (is_regional_indicator(second)) { append_utf8(out_.normalized, second); k = m; }
      }
    } else {
      for (;;) {
        while (k < s_.size()) {
          size_t m = k;
          const char32_t mod = decode_utf8(s_, m);
          if (!is_emoji_modifier(mod)) break;
          if (mod == 0x20E3 || (mod >= 0xE0020 && mod <= 0xE007F)) append_utf8(out_.normalized, mod);
          k = m;
        }
        if (k < s_.size() && next_is(k, 0x200D)) {
          size_t m = k;
          decode_utf8(s_, m);  // ZWJ
          if (m < s_.size()) {
            size_t n = m;
            const char32_t joined = decode_utf8(s_, n);
            if (is_emoji_base(joined) || is_emoji_with_vs16(joined)) {
              append_utf8(out_.normalized, 0x200D);
              append_utf8(out_.normalized, joined);
              k = n;
              continue;
            }
          }
          k = m;  // a dangling ZWJ belongs to the sequence it ends
        }
        break;
      }
    }
    i_ = k;
    emit(TokenKind::emoji, start, i_, norm_start, 0);
  }

  void scan_number_or_word() {
    const size_t start = i_;
    size_t k = i_;
    bool separators = false;
    while (k < s_.size()) {
      const char ch = s_[k];
      if (ch >= '0' && ch <= '9') { ++k; continue; }
      if ((ch == '.' || ch == ',') && k + 1 < s_.size() && s_[k + 1] >= '0' && s_[k + 1] <= '9') {
        k += 2;
        separators = true;
        continue;
      }
      break;
    }
    // Plain digits running straight into letters ("2nd", "4ever"): one word.
    if (!separators && k < s_.size()) {
      size_t m = k;
      if (is_word_cp(decode_utf8(s_, m)) && !(s_[k] >= '0' && s_[k] <= '9')) {
        scan_word();
        return;
      }
    }
    const size_t norm_start = out_.normalized.size();
    out_.normalized.append(s_.data() + start, k - start);
    i_ = k;
    emit(TokenKind::number, start, k, norm_start, 0);
  }

  // Word characters (letters, digits, combining marks, and apostrophes between letters), folding
  // case and elongation into the normalized buffer. Returns the flags.
  uint16_t scan_word_chars(bool allow_apostrophe) {
    uint16_t flags = 0;
    size_t upper = 0, lower = 0;
    char32_t run_cp = 0;
    size_t run_len = 0;
    auto flush = [&]() {
      if (run_len == 0) return;
      const bool letter = run_cp >= 0x80 || (kAscii[run_cp] & kLetter);
      if (run_len >= 3 && letter) {
        flags |= flag_elongated;
        run_len = 1;
      }
      if (run_cp < 0x80) {
        // Runs are mostly one or two letters: push_back stays inline, append(n, c) does not.
        out_.normalized.push_back(static_cast<char>(run_cp));
        if (run_len > 1) out_.normalized.append(run_len - 1, static_cast<char>(run_cp));
      } else {
        for (size_t r = 0; r < run_len; ++r) append_utf8(out_.normalized, run_cp);
      }
      run_len = 0;
    };
    while (i_ < s_.size()) {
      const auto b = static_cast<unsigned char>(s_[i_]);
      char32_t c;
      size_t next;
      if (b < 0x80) {
        if (!(kAscii[b] & (kLetter | kDigit))) {
          if (allow_apostrophe && b == '\'' && followed_by_letter(i_ + 1) && run_len > 0) {
            c = '\'';
            next = i_ + 1;
          } else {
            break;
          }
        } else {
          c = b;
          next = i_ + 1;
          if (kAscii[b] & kUpper) {
            ++upper;
            c = b + 32u;
          } else if (kAscii[b] & kLetter) {
            ++lower;
          }
        }
      } else {
        next = i_;
        c = decode_utf8(s_, next);
        if (c == 0x2019 || c == 0x2018) {
          if (!(allow_apostrophe && followed_by_letter(next) && run_len > 0)) break;
          c = '\'';
        } else if (!is_word_cp(c)) {
          break;
        } else if (is_upper_letter(c)) {
          ++upper;
        } else if (is_lower_letter(c)) {
          ++lower;
        }
      }
      const char32_t lc = c < 0x80 ? c : to_lower(c);
      if (lc == run_cp && run_len > 0) {
        ++run_len;
      } else {
        flush();
        run_cp = lc;
        run_len = 1;
      }
      i_ = next;
    }
    flush();
    if (upper >= 2 && lower == 0) flags |= flag_all_caps;
    return flags;
  }

  bool followed_by_letter(size_t k) const noexcept {
    if (k >= s_.size()) return false;
    const auto b = static_cast<unsigned char>(s_[k]);
    if (b < 0x80) return (kAscii[b] & kLetter) != 0;
    size_t m = k;
    return is_word_cp(decode_utf8(s_, m));
  }

  void scan_word() {
    const size_t start = i_;
    const size_t norm_start = out_.normalized.size();
    const uint16_t flags = scan_word_chars(/*allow_apostrophe=*/true);
    emit(TokenKind::word, start, i_, norm_start, flags);
  }

  void scan_punctuation(char32_t c, size_t after_first) {
    const size_t start = i_;
    const size_t norm_start = out_.normalized.size();
    if (c == '!' || c == '?') {
      size_t k = i_;
      while (k < s_.size() && (s_[k] == '!' || s_[k] == '?')) ++k;
      out_.normalized.append(s_.data() + i_, k - i_);
      const uint16_t flags = (k - i_ >= 2) ? flag_emphasis : 0;
      i_ = k;
      emit(TokenKind::punctuation, start, i_, norm_start, flags);
      return;
    }
    if (c == '.' && s_.compare(i_, 3, "...") == 0) {
      size_t k = i_;
      while (k < s_.size() && s_[k] == '.') ++k;
      out_.normalized.append("...");
      i_ = k;
      emit(TokenKind::punctuation, start, i_, norm_start, 0);
      return;
    }
    if (c == 0x2026) {
      out_.normalized.append("...");
    } else if (c == 0x201C || c == 0x201D) {
      out_.normalized.push_back('"');
    } else if (c == 0x2019 || c == 0x2018) {
      out_.normalized.push_back('\'');
    } else {
      append_utf8(out_.normalized, to_lower(c));
    }
    i_ = after_first;
    // Combining marks after a symbol stay with it.
    while (i_ < s_.size()) {
      size_t m = i_;
      const char32_t mark = decode_utf8(s_, m);
      if (!is_combining_mark(mark)) break;
      append_utf8(out_.normalized, mark);
      i_ = m;
    }
    emit(TokenKind::punctuation, start, i_, norm_start, 0);
  }

  std::string_view s_;
  Tokens& out_;
  size_t i_ = 0;
};

}  // namespace

Tokenizer::Tokenizer(Options options) : options_(options) {
  options_.max_bytes = std::min(options_.max_bytes, kMaxTextBytes);
}

void Tokenizer::tokenize(std::string_view input, Tokens& out) const {
  out.clear();
  if (input.size() > options_.max_bytes) {
    throw invalid_argument("text is " + std::to_string(input.size()) + " bytes; the limit is " +
                               std::to_string(options_.max_bytes) + " bytes",
                           status::limit_exceeded);
  }
  if (options_.utf8 == Utf8Mode::strict) {
    require_utf8(input);
    Scanner(input, out).run();
    return;
  }
  if (!find_invalid_utf8(input)) {
    Scanner(input, out).run();
    return;
  }
  // Replace mode: offsets then refer to the repaired text (documented in the header).
  const std::string repaired = replace_invalid_utf8(input);
  Scanner(repaired, out).run();
}

Tokens Tokenizer::tokenize(std::string_view input) const {
  Tokens t;
  tokenize(input, t);
  return t;
}

std::string normalize(std::string_view input) {
  const Tokens t = Tokenizer().tokenize(input);
  std::string out;
  out.reserve(t.normalized.size() + t.size());
  for (const auto& tok : t) {
    if (!out.empty()) out.push_back(' ');
    out.append(t.text(tok));
  }
  return out;
}

const char* kind_name(TokenKind k) noexcept {
  switch (k) {
    case TokenKind::word: return "word";
    case TokenKind::number: return "number";
    case TokenKind::url: return "url";
    case TokenKind::mention: return "mention";
    case TokenKind::hashtag: return "hashtag";
    case TokenKind::emoji: return "emoji";
    case TokenKind::emoticon: return "emoticon";
    case TokenKind::punctuation: return "punctuation";
    case TokenKind::placeholder: return "placeholder";
  }
  return "unknown";
}

std::vector<const char*> flag_names(uint16_t flags) {
  static constexpr std::pair<uint16_t, const char*> kNames[] = {{flag_all_caps, "all_caps"},
                                                                 {flag_elongated, "elongated"},
                                                                 {flag_emphasis, "emphasis"},
                                                                 {flag_negated, "negated"},
                                                                 {flag_negator, "negator"}};
  std::vector<const char*> names;
  for (const auto& [bit, name] : kNames)
    if (flags & bit) names.push_back(name);
  return names;
}

}  // namespace attune::text
