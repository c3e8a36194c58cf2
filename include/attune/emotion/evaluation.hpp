// attune/emotion/evaluation.hpp: multi-label metrics of an EmotionModel on labelled texts.
//
// Definitions: per label, precision/recall/F1 of the active set (EmotionScores::active) against
// the gold labels (F1 = 0 when undefined); macro_f1 = mean over the 28 labels; micro_f1 pools
// all label decisions; ekman_macro_f1 = macro F1 over the 7 Ekman groups (6 + neutral), a group
// being active when any of its member labels is (the convention of the GoEmotions paper and of
// ../shared/bench/goemotions_fasttext.py).
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

struct EvalResult {
  double macro_f1 = 0, micro_f1 = 0, ekman_macro_f1 = 0;
  std::array<LabelMetrics, kLabelCount> per_label{};
  std::array<LabelMetrics, kEkmanCount> per_ekman{};
  size_t n = 0;
  /// {"macro_f1":..,"micro_f1":..,"ekman_macro_f1":..,"per_label":{name:{precision,recall,f1,support}},"n":..}
  std::string to_json() const;
};

/// Metrics from predicted and gold label masks (same length).
EvalResult evaluate_masks(const std::vector<LabelMask>& predicted, const std::vector<LabelMask>& gold);

/// Score every text (on `threads` threads) and compare with its labels.
EvalResult evaluate(const EmotionModel& model, const std::vector<LabeledText>& data, unsigned threads = 1);

}  // namespace attune::emotion
