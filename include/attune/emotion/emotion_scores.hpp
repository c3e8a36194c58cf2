// attune/emotion/emotion_scores.hpp: what the emotion model says about one text.
//
// A plain value type (no heap memory), so scoring a text allocates nothing for its result.
// Fields:
// - probabilities: per label (Label order), calibrated logistic outputs in [0,1]. Labels are not
//   exclusive (multi-label), so they do not sum to 1.
// - active: labels whose probability reaches the model's per-label threshold; never empty (when no
//   label reaches its threshold, the label with the highest probability/threshold ratio is made
//   active, as GoEmotions texts always carry at least one label).
// - ekman: per Ekman group the highest probability of its member labels; ekman_active: groups
//   with an active member.
// - states: marketing states (attune/states.hpp) in [0,1]. frustration, anxiety, confusion,
//   curiosity, excitement, satisfaction: calibrated probability that a reader would mark the text
//   with one of the state's member labels (Taxonomy::state_members): sigmoid(slope * m +
//   intercept), m = the strongest member label's log-odds margin over its decision threshold,
//   slope/intercept fitted per state (Platt scaling) on out-of-fold predictions of the training
//   data. 0.5 is a clear state (the guardrail threshold); neutral texts stay near 0.
//   hesitation: text evidence of hedging ("maybe", "not sure", "i guess", "thinking about", ...);
//   detachment: short flat replies ("ok", "fine", "whatever"; few words, neutral, no emphasis).
//   Both are weak text-only evidence; behaviour adds the rest.
// - valence in [-1,1] (negative .. positive), arousal in [0,1] (calm .. activated): a lexicon rule
//   score with negation and emphasis handling combined with the label probabilities, calibrated by
//   least squares on EmoBank (train split) ratings.
// - confidence in [0,1]: how far the closest decision (the weakest active label, or the strongest
//   inactive one) is from its threshold, relative to the room on that side; near 0 means "a
//   coin flip" for at least one label.
#pragma once

#include "attune/emotion/taxonomy.hpp"
#include "attune/states.hpp"

#include <array>
#include <vector>

namespace attune::emotion {

struct EmotionScores {
  std::array<float, kLabelCount> probabilities{};
  LabelMask active = 0;
  std::array<float, kEkmanCount> ekman{};
  uint32_t ekman_active = 0;  ///< bit e = Ekman group e active
  StateVector states{};
  float valence = 0.0f;
  float arousal = 0.0f;
  float confidence = 0.0f;

  float probability(Label l) const noexcept { return probabilities[static_cast<size_t>(l)]; }
  bool is_active(Label l) const noexcept { return (active & Taxonomy::bit(l)) != 0; }
  bool is_active(Ekman e) const noexcept { return (ekman_active >> static_cast<unsigned>(e)) & 1u; }
  float state(MarketingState s) const noexcept { return states[index(s)]; }

  /// Active labels in decreasing probability.
  std::vector<Label> active_labels() const;
  /// The label with the highest probability.
  Label top_label() const noexcept;
};

}  // namespace attune::emotion
