// attune/text/tokenizer.hpp: UTF-8 text -> tokens with kinds and flags.
//
// Rules (the contract the emotion model is trained on; changing them changes models):
// - Input must be well-formed UTF-8 (Utf8Mode::strict, the default: attune::invalid_argument with
//   status::invalid_utf8 naming the byte offset) or is repaired first (Utf8Mode::replace: every
//   maximal ill-formed subpart becomes U+FFFD).
// - Input larger than Options::max_bytes (default and hard ceiling: kMaxTextBytes = 1 MiB) is
//   refused with status::limit_exceeded. Empty input gives no tokens.
// - Normalization: lower-casing of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; ’ and ‘
//   become '; a letter repeated 3+ times is folded to one ("soooo" -> "so", flag_elongated);
//   whitespace is folded away (tokens carry no spaces; see normalize() for the text form).
// - Kinds: see TokenKind. `[NAME]`-style placeholders (upper-case letters and _ in brackets) are
//   one token. Emoji sequences stay whole (ZWJ, skin-tone modifiers, VS16, tags, keycaps, flags).
//   Emoticons are matched from a fixed table; those starting with a letter or digit ("XD", "8)")
//   only when standing alone.
// - Negation scope: a negator (not, no, never, nor, none, nobody, nothing, nowhere, neither,
//   without, cannot, hardly, barely, and any word ending in n't, plus the apostrophe-less forms
//   dont, cant, wont, didnt, doesnt, isnt, wasnt, arent, couldnt, shouldnt, wouldnt, aint) gets
//   flag_negator; every later word, emoji, emoticon and hashtag gets flag_negated until clause
//   punctuation (. , ; : ! ? and dashes), the word "but", or the end of the text.
//
// Thread-safety: a Tokenizer is immutable after construction; tokenize() is const and may be
// called concurrently. Allocation: none beyond growing the caller's Tokens buffers.
#pragma once

#include "attune/text/token.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace attune::text {

/// Hard ceiling on text size for every text-taking entry point (bytes).
inline constexpr size_t kMaxTextBytes = size_t(1) << 20;

enum class Utf8Mode : uint8_t { strict, replace };

class Tokenizer {
 public:
  struct Options {
    Utf8Mode utf8 = Utf8Mode::strict;
    size_t max_bytes = kMaxTextBytes;  ///< clamped to kMaxTextBytes
  };

  Tokenizer() = default;
  explicit Tokenizer(Options options);

  /// Tokenize `input` into `out` (cleared first). Throws as described above; on error `out` is
  /// left empty.
  void tokenize(std::string_view input, Tokens& out) const;
  Tokens tokenize(std::string_view input) const;

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

/// The normalized text form: tokens' normalized texts joined by single spaces. Same errors as
/// Tokenizer::tokenize (strict UTF-8).
std::string normalize(std::string_view input);

/// Lower-case one code point (the mappings named above; others are returned unchanged).
char32_t to_lower(char32_t c) noexcept;

}  // namespace attune::text
