// attune/emotion/evaluation.hpp: multi-label metrics of an EmotionModel on labelled texts.
//
// Definitions: per label, precision/recall/F1 of the active set (EmotionScores::active) against
// the gold labels (F1 = 0 when undefined); macro_f1 = mean over the 28 labels; micro_f1 pools
// all label decisions; ekman_macro_f1 = macro F1 over the 7 Ekman groups (6 + neutral), a group
// being active when any of its member labels is (the convention of the GoEmotions paper and of
// ../shared/bench/goemotions_fasttext.py).
// Marketing states (evaluate() only): for each label-derived state, how well its score is
// calibrated against "the text carries one of the state's member labels": Brier score, expected
// calibration error (10 equal-width bins, weighted by bin size), mean score vs. observed rate, and
// the 95th percentile of the score on texts whose only gold label is neutral.
#pragma once

#include "attune/emotion/dataset.hpp"
#include "attune/emotion/taxonomy.hpp"

#include <array>
#include <string>
#include <vector>

namespace attune::emotion {

class EmotionModel;

struct LabelMetrics {
  double precision = 0, recall = 0, f1 = 0;
  size_t support = 0;
};

struct StateMetrics {
  double brier = 0, ece = 0, mean_score = 0, positive_rate = 0, neutral_p95 = 0;
};

struct EvalResult {
  double macro_f1 = 0, micro_f1 = 0, ekman_macro_f1 = 0;
  std::array<LabelMetrics, kLabelCount> per_label{};
  std::array<LabelMetrics, kEkmanCount> per_ekman{};
  std::array<StateMetrics, kStateCount> per_state{};
  bool has_states = false;  ///< per_state filled (evaluate(), not evaluate_masks())
  size_t n = 0;
  /// {"macro_f1":..,"micro_f1":..,"ekman_macro_f1":..,"per_label":{name:{precision,recall,f1,support}},"ekman_f1":{..},
  /// "states":{name:{brier,ece,mean_score,positive_rate,neutral_p95}} (when has_states),"n":..}
  std::string to_json() const;
};

/// Metrics from predicted and gold label masks (same length).
EvalResult evaluate_masks(const std::vector<LabelMask>& predicted, const std::vector<LabelMask>& gold);

/// Score every text (on `threads` threads) and compare with its labels.
EvalResult evaluate(const EmotionModel& model, const std::vector<LabeledText>& data, unsigned threads = 1);

}  // namespace attune::emotion
