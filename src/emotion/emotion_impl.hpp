// Internal (not installed): the representation behind EmotionModel, feature extraction and the
// lexicon rule score, shared by scoring, training and the model file code.
#pragma once

#include "attune/emotion/emotion_model.hpp"
#include "attune/text/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace attune::emotion {

/// Softness (log-odds) of the soft maximum over a marketing state's member label margins.
inline constexpr float kStateSoftness = 0.5f;

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

/// Word classes used by the lexicon rules and the hesitation/detachment counters (bit set).
enum WordClass : uint8_t {
  cls_booster = 0x01,   ///< "very", "so", ... (intensifies the next sentiment words)
  cls_dampener = 0x02,  ///< "slightly", "kinda", ...
  cls_hedge = 0x04,     ///< "maybe", "perhaps", ...
  cls_flat = 0x08,      ///< "ok", "fine", "whatever", ...
  cls_sure = 0x10,      ///< "sure"/"certain" (a hedge when negated)
  cls_but = 0x20,       ///< "but" (shifts the weight of the rule score)
};

/// Word classes of a normalized word (the fixed lists in features.cpp).
uint8_t word_class(std::string_view w) noexcept;

/// What scoring needs of one vocabulary word, precomputed at load from the int8 weight table:
/// the sum of the weight codes of the word's character n-gram rows (exact: integers), their
/// count, its lexicon valence and word classes. One cache line per word.
struct alignas(64) WordEntry {
  std::array<int16_t, kLabelCount> chars;  ///< sum of int8 codes over the word's char n-gram rows
  float lexval;                   ///< lexicon valence (0 = none)
  uint16_t ngrams;                ///< number of char n-grams of the word
  uint8_t cls;                    ///< WordClass bits
  uint8_t length;                 ///< word length in bytes
};
static_assert(sizeof(WordEntry) == 64, "one cache line per word");

/// The vocabulary cache: words -> WordEntry, open addressing on FNV-1a hashes, every hit checked
/// against the stored word bytes (so a hit is exact, never a hash coincidence). Immutable after
/// EmotionModel::Impl::build_word_cache(); lookups are const and thread-safe.
class WordCache {
 public:
  /// Step 1 of a pipelined lookup: start loading the slot of hash h.
  void prefetch_slot(uint64_t h) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[static_cast<size_t>(h) & (slots_.size() - 1)]);
  }
  /// Step 2: the first entry whose tag matches h (0 = none, else entry + 1); starts loading it.
  uint32_t candidate(uint64_t h) const noexcept {
    if (slots_.empty()) return 0;
    const size_t mask = slots_.size() - 1;
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
      const Slot sl = slots_[i];
      if (sl.index == 0) return 0;
      if (sl.tag == tag) {
        __builtin_prefetch(&entries_[sl.index - 1]);
        __builtin_prefetch(arena_.data() + offsets_[sl.index - 1]);
        return sl.index;
      }
    }
  }
  /// Step 3: the entry of word w given its candidate (falls back to a full probe when the tag
  /// matched another word).
  const WordEntry* resolve(std::string_view w, uint64_t h, uint32_t cand) const noexcept {
    if (cand == 0) return nullptr;
    const WordEntry& e = entries_[cand - 1];
    if (e.length == w.size() && same_bytes(arena_.data() + offsets_[cand - 1], w)) return &e;
    return find(w, h);
  }
  const WordEntry* find(std::string_view w, uint64_t h) const noexcept {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
      const Slot sl = slots_[i];
      if (sl.index == 0) return nullptr;
      if (sl.tag == tag) {
        const WordEntry& e = entries_[sl.index - 1];
        if (e.length == w.size() && same_bytes(arena_.data() + offsets_[sl.index - 1], w)) return &e;
      }
    }
  }
  void clear() noexcept { slots_.clear(); entries_.clear(); offsets_.clear(); arena_.clear(); }
  bool empty() const noexcept { return entries_.empty(); }
  size_t size() const noexcept { return entries_.size(); }
  size_t memory_bytes() const noexcept {
    return slots_.size() * sizeof(Slot) + entries_.size() * sizeof(WordEntry) + offsets_.size() * 4 + arena_.size();
  }

 private:
  // Words are short: a plain loop beats a call to memcmp.
  static bool same_bytes(const char* a, std::string_view b) noexcept {
    for (size_t i = 0; i < b.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  struct Slot { uint32_t tag; uint32_t index; };  ///< index = entry + 1 (0 = empty)
  std::vector<Slot> slots_;
  std::vector<WordEntry> entries_;
  std::vector<uint32_t> offsets_;
  std::string arena_;
  friend struct EmotionModel::Impl;
};

/// One row of int8 weight codes in memory: 28 labels padded to 32 bytes and 32-byte aligned, so a
/// row never straddles two cache lines and loads as two 16-byte vectors (the padding is zero and
/// is not stored in the file).
struct alignas(32) QRow {
  std::array<int8_t, 32> c;
};
static_assert(sizeof(QRow) == 32 && kLabelCount <= 32, "QRow layout");

/// 32 integer lanes (28 labels + padding), aligned for vector loads and stores.
struct alignas(64) Sums32 {
  int32_t v[32];
};

/// out[j] += sum over k < n of rows[idx[k]].c[j] for all 32 lanes, exactly (integers).
void add_rows(const QRow* rows, const uint32_t* idx, size_t n, Sums32& out) noexcept;
/// out[j] += e.chars[j] for the 28 label lanes.
void add_entry(const WordEntry& e, Sums32& out) noexcept;

/// Per-thread buffers reused across calls so scoring does not allocate once warm.
struct Scratch {
  text::Tokens tokens;
  std::vector<uint32_t> idx;     ///< feature rows: [0, word_end) word group, [word_end, char_end)
                                 ///< character group, then dense features
  std::vector<float> val;        ///< feature values
  std::vector<int32_t> origin;   ///< token index per feature (explain only; -1 = whole text)
  std::vector<float> tokval;     ///< rule-adjusted valence per token
  std::vector<float> lexval;     ///< lexicon valence per token (0 = none or not a scored kind)
  std::vector<uint8_t> cls;      ///< WordClass bits per token
  std::vector<uint64_t> hash;    ///< FNV-1a of each token's feature text
  std::vector<const WordEntry*> entry;  ///< word cache entry per token (fast path), else null
  std::vector<uint32_t> candidate;      ///< word cache candidate per token (fast path)
  size_t word_end = 0, char_end = 0;
  /// Character n-grams of cached words, already summed (fast path only; zero otherwise).
  Sums32 cached_chars{};
  uint32_t cached_grams = 0;
  TextStats stats;
};

struct EmotionModel::Impl {
  FeatureOptions features;
  ValenceLexicon lexicon;
  /// (1 << hash_bits) rows of kLabelCount weights: int8 codes (`qrows`, weight = code *
  /// scales[label]) for a quantized model (4x less memory and cache traffic when scoring), float
  /// (`weights`, row-major, kLabelCount per row) for a model in training or adapted by
  /// partial_fit. Exactly one is non-empty.
  std::vector<float> weights;
  std::vector<QRow> qrows;
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
  /// Marketing state calibration (label-derived states only): state = sigmoid(slope * m +
  /// intercept), m = state_margin(): soft maximum of z_j - logit(threshold_j) over the members.
  /// Fitted by logistic regression on out-of-fold predictions of the training data.
  std::array<float, kStateCount> state_slope{};
  std::array<float, kStateCount> state_intercept{};
  /// logit(threshold) per label (derived from info.thresholds by refresh_derived()).
  std::array<float, kLabelCount> threshold_logit{};
  text::Tokenizer tokenizer;

  size_t rows() const noexcept { return size_t(1) << features.hash_bits; }
  float idf(uint32_t row) const noexcept { return idf_codes.empty() ? 1.0f : 1.0f + float(idf_codes[row]) * idf_step; }

  /// Vocabulary of the word cache (stored in the model file; a speed cache only: scores are
  /// identical with or without it).
  std::vector<std::string> vocabulary;
  WordCache word_cache;  ///< built for quantized models without IDF; empty otherwise

  /// Tokenize and extract hashed features + stats into `s`. Throws on bad text. With
  /// `use_cache` (scoring), the character n-grams of vocabulary words come pre-summed from the
  /// word cache instead of one row each; logits() gives bit-identical results either way.
  void extract(std::string_view text, Scratch& s, bool with_origin, bool use_cache = false) const;
  /// Logits (features already in s).
  void logits(const Scratch& s, float* z) const noexcept;
  /// (Re)build word_cache from `vocabulary` when the model is quantized without IDF.
  void build_word_cache();
  /// Recompute threshold_logit from info.thresholds.
  void refresh_derived() noexcept {
    for (size_t j = 0; j < kLabelCount; ++j) {
      const float t = info.thresholds[j];
      threshold_logit[j] = std::log(t / (1.0f - t));
    }
  }
  /// The evidence of a state: a soft maximum of its member labels' threshold margins (log-odds
  /// over each label's threshold), tau * log(sum_j exp(m_j / tau)) with tau = kStateSoftness.
  /// With one member it is that member's margin; several elevated members add up a little.
  float state_margin(LabelMask members, const float* z) const noexcept {
    float mx = -1e30f;
    for (size_t j = 0; j < kLabelCount; ++j)
      if (members & (LabelMask(1) << j)) mx = std::max(mx, z[j] - threshold_logit[j]);
    float sum = 0.0f;
    for (size_t j = 0; j < kLabelCount; ++j)
      if (members & (LabelMask(1) << j)) sum += std::exp((z[j] - threshold_logit[j] - mx) / kStateSoftness);
    return mx + kStateSoftness * std::log(sum);
  }
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
    return quantized ? static_cast<float>(qrows[row].c[label]) * scales[label] : weights[row * kLabelCount + label];
  }
  std::vector<uint8_t> serialize() const;
  static std::unique_ptr<Impl> deserialize(const uint8_t* data, size_t size);
};

/// Lexicon valence and word classes of every token, from the lexicon and the word lists.
void classify_tokens(const ValenceLexicon& lex, const text::Tokens& tokens, std::vector<float>& lexval,
                     std::vector<uint8_t>& cls);

/// Lexicon rule score of tokens (VADER-like rules on attune tokens) given their lexicon valences
/// and word classes (classify_tokens). Fills per-token adjusted valences (0 for tokens without
/// one) and stats.sum/pos/neg/compound.
void rule_score(const text::Tokens& tokens, const float* lexval, const uint8_t* cls, bool vader_compat,
                std::vector<float>& tokval, TextStats& st);

inline float sigmoid(float z) noexcept { return 1.0f / (1.0f + std::exp(-z)); }

/// Scratch of the calling thread.
Scratch& thread_scratch();

}  // namespace attune::emotion
