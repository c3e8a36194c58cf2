// attune/emotion/lexicon.hpp: a token -> valence table used for features and the valence score.
//
// Valences are on VADER's scale (-4 .. +4). The table is built at training time from public
// lexicons and then stored inside the model file, so scoring needs no data files:
// - VADER (vader_lexicon.txt, MIT): mean valence column. The file lists 14 tokens twice with
//   different scores; like vaderSentiment and NLTK (which build a dict), the LAST occurrence wins.
//   Blank lines (the trailing newline NLTK stumbles on) are skipped; fields split on tabs only.
// - AFINN-165 (Apache-2.0): single-token entries not in VADER, scaled by 0.8 (-5..5 -> -4..4).
//   Multi-word entries ("does not work") are skipped: tokens are scored one by one.
// - AFINN emoticons and emoji-emotion (MIT; emoji polarity -5..5): scaled by 0.8, when missing.
// - VADER's emoji_utf8_lexicon.txt: an emoji without a score gets the sum of the valences of the
//   words of its description (VADER's own approach), clipped to [-4,4].
// Keys are normalized tokens (lower case, as produced by attune::text::Tokenizer).
// Thread-safety: immutable after construction; find() is const and lock-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attune::emotion {

class ValenceLexicon {
 public:
  ValenceLexicon() = default;

  /// Build from the lexicons in a ../shared/data style directory (vader_lexicon/, afinn/,
  /// emoji_emotion/). Throws attune::error(io_error) when vader_lexicon.txt is missing and
  /// (parse_error) on a malformed line.
  static ValenceLexicon from_data_dir(const std::string& data_dir);

  /// Insert or overwrite one entry (valence clipped to [-4,4]).
  void set(std::string_view token, float valence);

  /// Valence of a normalized token, or nullopt.
  std::optional<float> find(std::string_view token) const noexcept;

  size_t size() const noexcept { return entries_.size(); }
  /// All entries in insertion order (for serialization).
  const std::vector<std::pair<std::string, float>>& entries() const noexcept { return entries_; }

 private:
  void rehash(size_t capacity);
  std::vector<std::pair<std::string, float>> entries_;
  std::vector<uint64_t> keys_;      // open addressing, 0 = empty
  std::vector<uint32_t> slots_;     // index into entries_
};

/// 64-bit FNV-1a of bytes (the hash behind lexicon keys and hashed features; stable across
/// platforms, part of the model format).
inline uint64_t fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ull) noexcept {
  uint64_t h = seed;
  for (unsigned char c : s) { h ^= c; h *= 0x100000001b3ull; }
  return h;
}

}  // namespace attune::emotion
