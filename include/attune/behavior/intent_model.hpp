// attune/behavior/intent_model.hpp: probability that a session ends in a purchase.
//
// A small gradient-boosted ensemble of shallow regression trees (logistic loss, histogram split
// finding, depth-limited complete trees) over the UCI Online Shoppers features of a session
// (SessionFeatures / UciVector). Trained in-library (`attune intent train`), shipped as
// models/intent-v1.attm; models/intent-nopv-v1.attm is the same recipe without PageValues, for
// "early" prediction (PageValues partly reflects the outcome; docs/intent-model.md).
//
// Explanations: explain() splits the log-odds of a prediction into a bias plus one contribution
// per feature by path attribution (Saabas): walking each tree from the root to its leaf, the
// change of the node value at every split is credited to the split's feature. The contributions
// add up exactly: bias + sum(contributions) = logit(probability).
//
// File format (little-endian, version 1; docs/intent-model.md):
//   "ATTUNEIM" | u32 format_version | u32 flags(0) | u32 feature_count | per feature:
//   u8 UCI index, u16 name length, name bytes | u32 depth | u32 tree_count | f64 base_score |
//   per tree: per internal node (2^depth - 1, breadth-first): u8 UCI index, f64 threshold,
//   f64 node value; per leaf (2^depth): f64 value | u32 metadata length, metadata JSON (training
//   data, options, metrics) | u32 CRC-32 of every preceding byte.
// A node sends x to the right child when x[feature] > threshold (NaN goes left); a node that
// did not split has threshold +inf and both children carry its value.
//
// Errors: load: attune::error with status::io_error (unreadable), status::format_error (bad
// magic, truncated, CRC mismatch, out-of-range field), status::version_mismatch; not_found when
// the default model is missing. predict/explain: invalid_argument(status::out_of_range) for a
// NaN or infinite feature. train: invalid_argument for empty or one-class data or bad options.
// Thread-safety: an IntentModel is immutable after construction; all const members may be called
// concurrently.
#pragma once

#include "attune/behavior/intent_data.hpp"
#include "attune/behavior/session_features.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::behavior {

/// File name of the shipped default model, found with attune::find_model().
inline constexpr const char* kDefaultIntentModelFile = "intent-v1.attm";
/// The variant trained without PageValues.
inline constexpr const char* kNoPageValuesIntentModelFile = "intent-nopv-v1.attm";
/// Format version written by save(); load() reads exactly this version.
inline constexpr uint32_t kIntentModelFormatVersion = 1;

struct IntentTrainOptions {
  int trees = 120;                 ///< boosting rounds (1..10000)
  int max_depth = 4;               ///< depth of every tree (1..10)
  double learning_rate = 0.08;     ///< shrinkage (0, 1]
  double l2 = 1.0;                 ///< L2 penalty on leaf values (>= 0)
  double min_child_hessian = 1.0;  ///< minimum sum of p(1-p) in a child (>= 0)
  int min_child_samples = 30;      ///< minimum rows in a child (>= 1)
  int max_bins = 255;              ///< histogram bins per feature (2..255)
  double subsample = 0.8;          ///< fraction of rows drawn (without replacement) per tree, (0,1]
  uint64_t seed = 20261128;        ///< row sampling seed (training is deterministic given it)
  std::vector<UciFeature> exclude; ///< features the model must not use (e.g. page_values)

  void validate() const;
};

/// A prediction split into log-odds contributions (see the header comment).
struct IntentExplanation {
  double probability = 0;
  double logit = 0;
  double bias = 0;  ///< log-odds of the average session (base score + root values)
  std::array<double, kUciFeatureCount> contributions{};  ///< log-odds, kUciFeatureNames order; 0 for unused

  /// {"probability":..,"logit":..,"bias":..,"contributions":{"PageValues":..,...}} (used features only).
  std::string to_json(const std::vector<UciFeature>& used) const;
};

class IntentModel {
 public:
  /// Train on labelled rows. Deterministic for fixed options.
  static IntentModel train(const IntentDataset& data, const IntentTrainOptions& options = {});

  static IntentModel load(const std::string& path);
  static IntentModel load_from_memory(const void* data, size_t size);
  /// find_model(kDefaultIntentModelFile).
  static IntentModel load_default();
  /// find_model(kNoPageValuesIntentModelFile).
  static IntentModel load_default_without_page_values();

  void save(const std::string& path) const;
  std::string to_bytes() const;

  /// Probability in [0,1] that the session ends in a purchase.
  double predict(const SessionFeatures& features) const;
  double predict(const UciVector& x) const;
  /// `n` rows of kUciFeatureCount doubles, row-major, into out[0..n). Same results as predict().
  void predict_batch(const double* rows, size_t n, double* out) const;

  IntentExplanation explain(const SessionFeatures& features) const;
  IntentExplanation explain(const UciVector& x) const;

  /// Features the model reads, in UCI order.
  const std::vector<UciFeature>& features() const noexcept { return used_; }
  bool uses(UciFeature f) const noexcept;
  int depth() const noexcept { return depth_; }
  size_t tree_count() const noexcept { return trees_; }
  /// Metadata JSON stored in the file (training data, options, metrics).
  const std::string& metadata_json() const noexcept { return metadata_; }
  /// Replace the metadata JSON (e.g. to record evaluation results before save()). Must be a JSON
  /// object; throws invalid_argument(status::parse_error) otherwise.
  void set_metadata_json(const std::string& json);

 private:
  IntentModel() = default;
  double raw_score(const double* x) const noexcept;
  static void check_row(const double* x);

  int depth_ = 0;
  size_t trees_ = 0;
  double base_score_ = 0;
  std::vector<UciFeature> used_;
  // Per tree, (2^depth - 1) internal nodes then 2^depth leaves, breadth-first.
  std::vector<uint8_t> node_feature_;
  std::vector<double> node_threshold_;
  std::vector<double> node_value_;
  std::vector<double> leaf_value_;
  std::string metadata_;
};

/// Evaluate a model on labelled data.
BinaryMetrics evaluate(const IntentModel& model, const IntentDataset& data);

}  // namespace attune::behavior
