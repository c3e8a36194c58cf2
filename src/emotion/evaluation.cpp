// Multi-label metrics (see evaluation.hpp for the definitions).
#include "attune/emotion/evaluation.hpp"

#include "attune/emotion/emotion_model.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace attune::emotion {
namespace {

LabelMetrics metrics(size_t tp, size_t fp, size_t fn) {
  LabelMetrics m;
  m.support = tp + fn;
  m.precision = tp + fp ? double(tp) / double(tp + fp) : 0.0;
  m.recall = tp + fn ? double(tp) / double(tp + fn) : 0.0;
  m.f1 = 2 * tp + fp + fn ? 2.0 * double(tp) / double(2 * tp + fp + fn) : 0.0;
  return m;
}

uint32_t ekman_mask(LabelMask m) {
  uint32_t e = 0;
  for (size_t j = 0; j < kLabelCount; ++j)
    if (m & (LabelMask(1) << j)) e |= 1u << static_cast<unsigned>(Taxonomy::ekman_of(static_cast<Label>(j)));
  return e;
}

double round4(double x) { return std::round(x * 10000.0) / 10000.0; }

}  // namespace

EvalResult evaluate_masks(const std::vector<LabelMask>& predicted, const std::vector<LabelMask>& gold) {
  if (predicted.size() != gold.size()) throw invalid_argument("evaluate: predicted and gold differ in length");
  EvalResult r;
  r.n = gold.size();
  size_t tp_all = 0, fp_all = 0, fn_all = 0;
  for (size_t j = 0; j < kLabelCount; ++j) {
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      const bool p = (predicted[i] >> j) & 1u, g = (gold[i] >> j) & 1u;
      tp += p && g; fp += p && !g; fn += !p && g;
    }
    r.per_label[j] = metrics(tp, fp, fn);
    r.macro_f1 += r.per_label[j].f1 / double(kLabelCount);
    tp_all += tp; fp_all += fp; fn_all += fn;
  }
  r.micro_f1 = metrics(tp_all, fp_all, fn_all).f1;
  for (size_t e = 0; e < kEkmanCount; ++e) {
    size_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      const bool p = (ekman_mask(predicted[i]) >> e) & 1u, g = (ekman_mask(gold[i]) >> e) & 1u;
      tp += p && g; fp += p && !g; fn += !p && g;
    }
    r.per_ekman[e] = metrics(tp, fp, fn);
    r.ekman_macro_f1 += r.per_ekman[e].f1 / double(kEkmanCount);
  }
  return r;
}

EvalResult evaluate(const EmotionModel& model, const std::vector<LabeledText>& data, unsigned threads) {
  std::vector<std::string_view> texts;
  std::vector<LabelMask> gold;
  for (const auto& d : data) { texts.push_back(d.text); gold.push_back(d.labels); }
  std::vector<EmotionScores> scores;
  model.score_batch(texts, scores, threads);
  std::vector<LabelMask> pred;
  for (const auto& s : scores) pred.push_back(s.active);
  EvalResult r = evaluate_masks(pred, gold);
  const LabelMask neutral_only = Taxonomy::bit(Label::neutral);
  for (size_t k = 0; k < kStateCount; ++k) {
    const LabelMask members = Taxonomy::state_members(static_cast<MarketingState>(k));
    if (!members || scores.empty()) continue;
    StateMetrics& m = r.per_state[k];
    std::array<double, 10> bin_sum{}, bin_pos{};
    std::array<size_t, 10> bin_n{};
    std::vector<float> neutral_scores;
    for (size_t i = 0; i < scores.size(); ++i) {
      const double p = scores[i].states[k], y = (gold[i] & members) ? 1.0 : 0.0;
      m.brier += (p - y) * (p - y);
      m.mean_score += p;
      m.positive_rate += y;
      const size_t b = std::min<size_t>(9, static_cast<size_t>(p * 10.0));
      bin_sum[b] += p;
      bin_pos[b] += y;
      ++bin_n[b];
      if (gold[i] == neutral_only) neutral_scores.push_back(scores[i].states[k]);
    }
    const double n = double(scores.size());
    for (size_t b = 0; b < 10; ++b)
      if (bin_n[b]) m.ece += std::fabs(bin_sum[b] - bin_pos[b]) / n;
    m.brier /= n;
    m.mean_score /= n;
    m.positive_rate /= n;
    if (!neutral_scores.empty()) {
      std::sort(neutral_scores.begin(), neutral_scores.end());
      m.neutral_p95 = neutral_scores[std::min(neutral_scores.size() - 1, neutral_scores.size() * 95 / 100)];
    }
  }
  r.has_states = !scores.empty();
  return r;
}

std::string EvalResult::to_json() const {
  nlohmann::ordered_json j;
  j["macro_f1"] = round4(macro_f1);
  j["micro_f1"] = round4(micro_f1);
  j["ekman_macro_f1"] = round4(ekman_macro_f1);
  nlohmann::ordered_json per;
  for (size_t i = 0; i < kLabelCount; ++i)
    per[std::string(kLabelNames[i])] = {{"precision", round4(per_label[i].precision)},
                                        {"recall", round4(per_label[i].recall)},
                                        {"f1", round4(per_label[i].f1)},
                                        {"support", per_label[i].support}};
  j["per_label"] = per;
  nlohmann::ordered_json ek;
  for (size_t i = 0; i < kEkmanCount; ++i) ek[std::string(kEkmanNames[i])] = round4(per_ekman[i].f1);
  j["ekman_f1"] = ek;
  if (has_states) {
    nlohmann::ordered_json st;
    for (size_t k = 0; k < kStateCount; ++k) {
      if (!Taxonomy::state_members(static_cast<MarketingState>(k))) continue;
      const auto& m = per_state[k];
      st[std::string(kStateNames[k])] = {{"brier", round4(m.brier)}, {"ece", round4(m.ece)},
                                         {"mean_score", round4(m.mean_score)}, {"positive_rate", round4(m.positive_rate)},
                                         {"neutral_p95", round4(m.neutral_p95)}};
    }
    j["states"] = st;
  }
  j["n"] = n;
  return j.dump();
}

}  // namespace attune::emotion
