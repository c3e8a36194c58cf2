// JSON forms of emotion results.
#include "attune/emotion/emotion_json.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace attune::emotion {
namespace {
double r6(float x) {
  if (x == 0.0f) return 0.0;
  const double mag = std::pow(10.0, 5 - std::floor(std::log10(std::fabs(double(x)))));
  return std::round(double(x) * mag) / mag;
}
}  // namespace

std::string to_json(const EmotionScores& s) {
  nlohmann::ordered_json j;
  nlohmann::ordered_json labels, ekman, states;
  for (size_t i = 0; i < kLabelCount; ++i) labels[std::string(kLabelNames[i])] = r6(s.probabilities[i]);
  j["labels"] = labels;
  nlohmann::json active = nlohmann::json::array();
  for (Label l : s.active_labels()) active.push_back(std::string(Taxonomy::label_name(l)));
  j["active"] = active;
  nlohmann::json ekman_active = nlohmann::json::array();
  for (size_t e = 0; e < kEkmanCount; ++e) {
    ekman[std::string(kEkmanNames[e])] = r6(s.ekman[e]);
    if ((s.ekman_active >> e) & 1u) ekman_active.push_back(std::string(kEkmanNames[e]));
  }
  j["ekman"] = ekman;
  j["ekman_active"] = ekman_active;
  for (size_t k = 0; k < kStateCount; ++k) states[std::string(kStateNames[k])] = r6(s.states[k]);
  j["states"] = states;
  j["valence"] = r6(s.valence);
  j["arousal"] = r6(s.arousal);
  j["confidence"] = r6(s.confidence);
  return j.dump();
}

std::string to_json(const std::vector<LabelExplanation>& explanation) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& e : explanation) {
    nlohmann::ordered_json tokens = nlohmann::ordered_json::array();
    for (const auto& t : e.tokens)
      tokens.push_back({{"token", t.token}, {"offset", t.offset}, {"length", t.length}, {"weight", r6(t.weight)}});
    out.push_back({{"label", std::string(Taxonomy::label_name(e.label))},
                   {"probability", r6(e.probability)},
                   {"threshold", r6(e.threshold)},
                   {"bias", r6(e.bias)},
                   {"tokens", tokens}});
  }
  return out.dump();
}

}  // namespace attune::emotion
