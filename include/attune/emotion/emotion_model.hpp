// attune/emotion/emotion_model.hpp: text -> emotion scores, trained in-library, explainable.
//
// Model: one-vs-rest logistic regression over 28 labels on hashed sparse features of the
// attune::text tokens (word unigrams, negation-marked where inside a negation scope, word bigrams,
// character n-grams, emphasis/caps/elongation counts, binned lexicon valences), plus per-label
// decision thresholds. Valence and arousal combine a lexicon rule score (negation, boosters,
// caps, "but", exclamation) with the label probabilities. See docs/emotion-model.md.
//
// Lifetime and thread-safety: an EmotionModel is a value (copyable, movable). score(),
// score_batch(), explain(), save() and to_bytes() are const and safe to call concurrently from any
// number of threads. partial_fit() and correct() modify the model: they must not run
// concurrently with any other call on the same object (guard with a lock, or adapt a copy and
// swap it in). shared_default() hands out one immutable instance per process.
//
// Errors: text arguments must be UTF-8 (attune::invalid_argument, status::invalid_utf8, with the
// byte offset) of at most text::kMaxTextBytes (status::limit_exceeded). Empty text is valid and
// scores as an empty message (mostly neutral). Model files: status::io_error (cannot read/write),
// status::format_error (bad magic, truncated, checksum mismatch, inconsistent sizes),
// status::version_mismatch (format version this library does not read).
//
// Hot path: score() reuses thread-local scratch buffers; after the first call on a thread it
// does not allocate.
#pragma once

#include "attune/emotion/dataset.hpp"
#include "attune/emotion/emotion_scores.hpp"
#include "attune/emotion/lexicon.hpp"
#include "attune/emotion/taxonomy.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attune::emotion {

/// Model file format version written by this library (see docs/emotion-model.md).
inline constexpr uint32_t kModelFormatVersion = 2;
/// File name of the shipped English model, found with attune::find_model().
inline constexpr const char* kDefaultModelFile = "emotion-en.attm";

/// Feature settings; stored in the model file (changing them requires retraining).
struct FeatureOptions {
  uint32_t hash_bits = 18;    ///< 2^hash_bits weight rows
  bool word_bigrams = true;
  uint32_t char_min = 3;      ///< character n-grams of words (0 disables)
  uint32_t char_max = 5;
  bool lexicon_features = true;
};

struct TrainOptions {
  FeatureOptions features;
  uint64_t seed = 1;
  uint32_t epochs = 6;
  float learning_rate = 0.1f;        ///< AdaGrad base rate
  float l2 = 0.1f;                   ///< L2 penalty, applied (lazily) to each weight a step touches
  float class_weight_power = 0.3f;   ///< positive weight = (neg/pos)^power, capped below
  float max_class_weight = 10.0f;
  /// Per-label thresholds are tuned on out-of-fold predictions of a `folds`-fold cross-
  /// validation of the training data (never on evaluation data); the final model is then trained
  /// on all of it. Must be >= 2.
  uint32_t folds = 5;
  bool quantize = true;              ///< store weights as int8 with per-label scales
  bool idf = false;                  ///< scale features by inverse document frequency
  /// Words seen at least this often in the training data (plus single-word lexicon entries)
  /// form the vocabulary whose character n-grams are pre-summed at load, a speed cache that does
  /// not change scores (0 = no vocabulary). Used only for quantized models without IDF.
  uint32_t vocab_min_count = 2;
  /// Optional EmoBank-style (text, valence 1..5, arousal 1..5) rows for the valence/arousal
  /// calibration; when empty, fixed default coefficients are used.
  struct Rating { std::string text; float valence; float arousal; };
  std::vector<Rating> calibration;
  /// Optional labelled data evaluated (never tuned on) at the end; its metrics are stored in the
  /// model's metadata as "eval".
  std::vector<LabeledText> eval_data;
  std::string eval_name = "dev";
  /// Free-form provenance stored in the metadata ("data" key), e.g. file names.
  std::string data_description;
  /// Progress lines ("epoch 3/6 loss 0.081"); may be empty.
  std::function<void(const std::string&)> progress;
};

/// Options of the empathy loop (online adaptation from human-verified labels).
/// Each call runs `epochs` passes of plain SGD on the logistic loss over the given examples with
/// rate `learning_rate`; the change of every single weight per call is clipped to
/// [-max_weight_change, +max_weight_change], so one batch of corrections can move the model only
/// a bounded distance from where it was. Thresholds are not changed.
struct PartialFitOptions {
  float learning_rate = 0.5f;
  uint32_t epochs = 4;
  float max_weight_change = 1.0f;
};

/// One token's contribution to one label's logit (log-odds units).
struct TokenContribution {
  std::string token;  ///< normalized token text
  uint32_t offset = 0;  ///< byte offset in the input
  uint32_t length = 0;
  float weight = 0.0f;
};

struct LabelExplanation {
  Label label;
  float probability = 0.0f;
  float threshold = 0.0f;
  float bias = 0.0f;                         ///< the label's intercept
  std::vector<TokenContribution> tokens;     ///< strongest first (by weight, descending)
};

/// Per-label metrics and training facts stored in the model file.
struct ModelInfo {
  std::array<float, kLabelCount> thresholds{};
  std::string metadata_json;  ///< training data, options, seed, holdout/dev metrics, credits
  uint32_t format_version = kModelFormatVersion;
  bool adapted = false;       ///< partial_fit/correct changed it since training or loading
};

class EmotionModel {
 public:
  /// Load a model file. Errors as described above.
  static EmotionModel load(const std::string& path);
  /// Load from a memory buffer (e.g. a mobile asset); the bytes are copied/decoded.
  static EmotionModel from_bytes(const void* data, size_t size);
  /// Load the shipped model (attune::find_model(kDefaultModelFile)).
  static EmotionModel load_default();
  /// One process-wide immutable default model, loaded on first use (thread-safe).
  static std::shared_ptr<const EmotionModel> shared_default();

  /// Train from labelled texts (deterministic for a given options.seed). `lexicon` feeds the
  /// lexicon features and the valence score and is stored in the model.
  static EmotionModel train(const std::vector<LabeledText>& data, const ValenceLexicon& lexicon,
                            const TrainOptions& options);

  EmotionModel(const EmotionModel& other);
  EmotionModel& operator=(const EmotionModel& other);
  EmotionModel(EmotionModel&&) noexcept;
  EmotionModel& operator=(EmotionModel&&) noexcept;
  ~EmotionModel();

  /// Score one text.
  EmotionScores score(std::string_view text) const;
  /// Score many texts on up to `threads` threads (0 = hardware concurrency); out.size() ==
  /// texts.size(). Any text error is thrown after all threads stopped, naming the text index.
  void score_batch(const std::vector<std::string_view>& texts, std::vector<EmotionScores>& out,
                   unsigned threads = 1) const;
  /// Per active label, the tokens that contributed most to its score (top_k per label).
  std::vector<LabelExplanation> explain(std::string_view text, size_t top_k = 5) const;

  /// The empathy loop: adapt to human-verified labels (see PartialFitOptions). Every text is
  /// validated before anything changes; labels must be non-empty masks of valid labels.
  void partial_fit(const std::vector<LabeledText>& examples, const PartialFitOptions& options = {});
  /// One correction: `labels` are the labels a person verified for `text`.
  void correct(std::string_view text, const std::vector<Label>& labels, const PartialFitOptions& options = {});

  /// Re-fit the valence/arousal calibration from rated texts (EmoBank-style, 1..5 scales; at
  /// least 10). Valence: fixed blend of the standardized rule score (60%) and the label polarity
  /// balance (40%), scaled to the rule score's spread; arousal: least squares. Records the
  /// coefficients in the metadata and returns them as JSON. Not concurrent with other calls.
  std::string calibrate(const std::vector<TrainOptions::Rating>& ratings);

  /// Serialize (see docs/emotion-model.md for the layout). A trained model stores int8 weights;
  /// an adapted model stores float32 weights so that the adaptation is kept exactly.
  std::vector<uint8_t> to_bytes() const;
  void save(const std::string& path) const;

  const ModelInfo& info() const noexcept;
  const FeatureOptions& feature_options() const noexcept;
  const ValenceLexicon& lexicon() const noexcept;

  /// Rule-only valence of a text (the lexicon part of `valence`, before calibration), in [-1,1].
  /// With vader_compat, a VADER-style compound score (negators keep their own lexicon valence,
  /// negation is a 3-word look-back, caps boost only in mixed-case text) used as a baseline.
  float rule_valence(std::string_view text, bool vader_compat = false) const;

  struct Impl;

 private:
  explicit EmotionModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune::emotion
