// Internal (not installed): the representation behind EmotionModel, feature extraction and the
// lexicon rule score, shared by scoring, training and the model file code.
#pragma once

#include "attune/emotion/emotion_model.hpp"
#include "attune/text/tokenizer.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace attune::emotion {

/// Number of calibration coefficients for valence and arousal.
inline constexpr size_t kValenceCoefs = 4;   // compound, P_pos - P_neg, tanh(S/4), intercept
inline constexpr size_t kArousalCoefs = 5;   // intercept, |compound|, emphasis, label arousal, 1 - P_neutral

/// What the lexicon rules and counters saw in one text (computed during feature extraction).
struct TextStats {
  float sum = 0.0f;          ///< sum of rule-adjusted token valences (VADER scale)
  float compound = 0.0f;     ///< sum with punctuation emphasis, normalized to [-1,1]
  float pos = 0.0f, neg = 0.0f;
  uint32_t words = 0;        ///< word/emoji/emoticon tokens
  uint32_t exclaims = 0;     ///< '!' characters in punctuation tokens
  uint32_t questions = 0;    ///< '?' characters
  uint32_t emphasis = 0;     ///< tokens flagged emphasis, caps or elongated
  uint32_t hedges = 0;       ///< hedging words/phrases (hesitation evidence)
  uint32_t flat = 0;         ///< flat acknowledgement words ("ok", "fine", "whatever")
};

/// Per-thread buffers reused across calls so scoring does not allocate once warm.
struct Scratch {
  text::Tokens tokens;
  std::vector<uint32_t> idx;     ///< feature rows
  std::vector<float> val;        ///< feature values
  std::vector<int32_t> origin;   ///< token index per feature (explain only; -1 = whole text)
  std::vector<float> tokval;     ///< rule-adjusted valence per token
  TextStats stats;
};

struct EmotionModel::Impl {
  FeatureOptions features;
  ValenceLexicon lexicon;
  /// (1 << hash_bits) rows of kLabelCount weights: int8 codes (`qweights`, weight = code *
  /// scales[label]) for a quantized model (4x less memory and cache traffic when scoring), float
  /// (`weights`) for a model in training or adapted by partial_fit. Exactly one is non-empty.
  std::vector<float> weights;
  std::vector<int8_t> qweights;
  std::array<float, kLabelCount> bias{};
  std::array<float, kLabelCount> scales{};  ///< int8 step per label when quantized
  /// Inverse document frequency per row (empty = all 1). Stored as uint8 codes:
  /// idf = 1 + code * idf_step, so the in-memory values are exactly what the file holds.
  std::vector<uint8_t> idf_codes;
  float idf_step = 0.0f;
  bool quantized = false;
  ModelInfo info;
  std::array<float, kValenceCoefs> valence_coef{{0.75f, 0.25f, 0.0f, 0.0f}};
  std::array<float, kArousalCoefs> arousal_coef{{0.1f, 0.15f, 0.2f, 0.5f, 0.1f}};
  text::Tokenizer tokenizer;

  size_t rows() const noexcept { return size_t(1) << features.hash_bits; }
  float idf(uint32_t row) const noexcept { return idf_codes.empty() ? 1.0f : 1.0f + float(idf_codes[row]) * idf_step; }

  /// Tokenize and extract hashed features + stats into `s`. Throws on bad text.
  void extract(std::string_view text, Scratch& s, bool with_origin) const;
  /// Logits -> probabilities (features already in s).
  void logits(const Scratch& s, float* z) const noexcept;
  /// Full scores from extracted features.
  void finish(const Scratch& s, const float* z, EmotionScores& out) const noexcept;
  /// Valence/arousal from stats and probabilities.
  float valence_of(const TextStats& st, const std::array<float, kLabelCount>& p) const noexcept;
  float arousal_of(const TextStats& st, const std::array<float, kLabelCount>& p) const noexcept;
  /// Feature vectors used for calibration (shared by training and scoring).
  static std::array<float, kValenceCoefs> valence_features(const TextStats& st,
                                                           const std::array<float, kLabelCount>& p) noexcept;
  static std::array<float, kArousalCoefs> arousal_features(const TextStats& st,
                                                           const std::array<float, kLabelCount>& p) noexcept;
  /// Float weights -> int8 codes with per-label steps (sets quantized, frees `weights`).
  void quantize();
  /// int8 codes -> float weights (clears quantized), before online learning.
  void dequantize();
  float weight(size_t row, size_t label) const noexcept {
    const size_t i = row * kLabelCount + label;
    return quantized ? static_cast<float>(qweights[i]) * scales[label] : weights[i];
  }
  std::vector<uint8_t> serialize() const;
  static std::unique_ptr<Impl> deserialize(const uint8_t* data, size_t size);
};

/// Lexicon rule score of tokens (VADER-like rules on attune tokens). Fills per-token adjusted
/// valences (0 for tokens without one) and stats.sum/pos/neg/compound.
void rule_score(const ValenceLexicon& lex, const text::Tokens& tokens, bool vader_compat,
                std::vector<float>& tokval, TextStats& st);

inline float sigmoid(float z) noexcept { return 1.0f / (1.0f + std::exp(-z)); }

/// Scratch of the calling thread.
Scratch& thread_scratch();

}  // namespace attune::emotion
