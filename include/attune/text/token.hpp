// attune/text/token.hpp: the value types produced by the tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::text {

/// What a token is. Numbers match ATTUNE_TOKEN_* in attune.h.
enum class TokenKind : uint8_t {
  word = 0,         ///< letters, digits inside words, apostrophes ("don't"), combining marks
  number = 1,       ///< digits with , . separators ("3.50", "1,000")
  url = 2,          ///< http(s)://... or www....
  mention = 3,      ///< @name
  hashtag = 4,      ///< #tag
  emoji = 5,        ///< one whole emoji sequence: ZWJ joins, skin tones, VS16, flags, keycaps
  emoticon = 6,     ///< ASCII emoticon such as :) :-( <3 :'(
  punctuation = 7,  ///< one punctuation mark, or a run of ! and ? ("!!!", "?!"), or "..."
  placeholder = 8,  ///< anonymization placeholder such as [NAME] (kept as one token)
};

/// Token flags (bit set). Numbers match ATTUNE_TOKEN_FLAG_* in attune.h.
enum TokenFlag : uint16_t {
  flag_all_caps = 0x01,   ///< a word of 2+ cased letters, all upper case ("GREAT")
  flag_elongated = 0x02,  ///< a letter repeated 3+ times was folded ("soooo" -> "so")
  flag_emphasis = 0x04,   ///< punctuation run of 2+ ! or ? ("!!!", "?!")
  flag_negated = 0x08,    ///< inside a negation scope (see Tokenizer for the rule)
  flag_negator = 0x10,    ///< opens a negation scope ("not", "never", "don't", ...)
};

/// One token. Offsets are bytes. `offset`/`length` locate it in the input; the normalized form
/// (lower-cased, elongation folded) is Tokens::normalized.substr(norm_offset, norm_length).
struct Token {
  uint32_t offset = 0;
  uint32_t length = 0;
  uint32_t norm_offset = 0;
  uint32_t norm_length = 0;
  TokenKind kind = TokenKind::word;
  uint16_t flags = 0;

  bool has(TokenFlag f) const noexcept { return (flags & f) != 0; }
};

/// The output of tokenization: tokens plus one buffer holding all normalized forms back to back.
/// Reuse one Tokens object across calls to avoid allocation once its buffers have grown.
struct Tokens {
  std::vector<Token> items;
  std::string normalized;

  void clear() noexcept { items.clear(); normalized.clear(); }
  size_t size() const noexcept { return items.size(); }
  bool empty() const noexcept { return items.empty(); }
  const Token& operator[](size_t i) const noexcept { return items[i]; }
  auto begin() const noexcept { return items.begin(); }
  auto end() const noexcept { return items.end(); }

  /// The normalized text of a token (a view into `normalized`; valid until the next change).
  std::string_view text(const Token& t) const noexcept {
    return std::string_view(normalized).substr(t.norm_offset, t.norm_length);
  }
};

/// Lower-case names: "word", "number", ... ; "all_caps", "elongated", ...
const char* kind_name(TokenKind k) noexcept;
/// Names of the flags set in `flags`, in bit order.
std::vector<const char*> flag_names(uint16_t flags);

}  // namespace attune::text
