// attune/emotion/taxonomy.hpp: the label set of the emotion model and its groupings.
//
// Labels are the 27 GoEmotions emotions plus `neutral`, in the order of GoEmotions'
// emotions.txt (that order is the index order of every probability array and of the C ABI and
// never changes once released). Groupings:
// - Ekman: GoEmotions' ekman_mapping.json (anger, disgust, fear, joy, sadness, surprise) plus
//   neutral as a seventh group.
// - Sentiment polarity: GoEmotions' sentiment_mapping.json (positive / negative / ambiguous).
// - Marketing states (attune/states.hpp): the grouping documented at state_members() and in
//   docs/emotion.md.
// Everything here is constexpr data: thread-safe, no allocation.
#pragma once

#include "attune/states.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace attune::emotion {

inline constexpr size_t kLabelCount = 28;
inline constexpr size_t kEkmanCount = 7;

enum class Label : uint8_t {
  admiration = 0, amusement, anger, annoyance, approval, caring, confusion, curiosity, desire,
  disappointment, disapproval, disgust, embarrassment, excitement, fear, gratitude, grief, joy,
  love, nervousness, optimism, pride, realization, relief, remorse, sadness, surprise, neutral,
};

enum class Ekman : uint8_t { anger = 0, disgust, fear, joy, sadness, surprise, neutral };

enum class Polarity : uint8_t { positive = 0, negative, ambiguous, neutral };

/// A set of labels as a bit mask (bit i = Label i).
using LabelMask = uint32_t;

inline constexpr std::array<std::string_view, kLabelCount> kLabelNames = {
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral"};

inline constexpr std::array<std::string_view, kEkmanCount> kEkmanNames = {
    "anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"};

/// Names, indices and groupings of the label set.
struct Taxonomy {
  static constexpr size_t label_count() noexcept { return kLabelCount; }
  static constexpr std::string_view label_name(Label l) noexcept { return kLabelNames[static_cast<size_t>(l)]; }
  static constexpr std::optional<Label> label_from_name(std::string_view name) noexcept {
    for (size_t i = 0; i < kLabelCount; ++i)
      if (kLabelNames[i] == name) return static_cast<Label>(i);
    return std::nullopt;
  }

  /// The Ekman group of a label (ekman_mapping.json; neutral -> neutral).
  static constexpr Ekman ekman_of(Label l) noexcept {
    switch (l) {
      case Label::anger: case Label::annoyance: case Label::disapproval: return Ekman::anger;
      case Label::disgust: return Ekman::disgust;
      case Label::fear: case Label::nervousness: return Ekman::fear;
      case Label::sadness: case Label::disappointment: case Label::embarrassment: case Label::grief:
      case Label::remorse: return Ekman::sadness;
      case Label::surprise: case Label::realization: case Label::confusion: case Label::curiosity:
        return Ekman::surprise;
      case Label::neutral: return Ekman::neutral;
      default: return Ekman::joy;
    }
  }
  static constexpr std::string_view ekman_name(Ekman e) noexcept { return kEkmanNames[static_cast<size_t>(e)]; }

  /// Sentiment polarity of a label (sentiment_mapping.json; neutral -> neutral).
  static constexpr Polarity polarity_of(Label l) noexcept {
    switch (l) {
      case Label::confusion: case Label::curiosity: case Label::realization: case Label::surprise:
        return Polarity::ambiguous;
      case Label::anger: case Label::annoyance: case Label::disappointment: case Label::disapproval:
      case Label::disgust: case Label::embarrassment: case Label::fear: case Label::grief:
      case Label::nervousness: case Label::remorse: case Label::sadness:
        return Polarity::negative;
      case Label::neutral: return Polarity::neutral;
      default: return Polarity::positive;
    }
  }

  /// Labels whose probabilities feed a text-derived marketing state (the strongest member's
  /// margin over its threshold, calibrated per state; see EmotionScores::states). The grouping follows DESIGN.md: frustration = anger, annoyance, disapproval,
  /// disappointment, disgust; anxiety = fear, nervousness; confusion = confusion; curiosity =
  /// curiosity; excitement = excitement, joy, amusement; satisfaction = approval, gratitude,
  /// admiration, relief. hesitation and detachment are behaviour states: their text evidence is
  /// computed from hedging words and short flat replies (see EmotionScores::states).
  static constexpr LabelMask state_members(MarketingState s) noexcept {
    switch (s) {
      case MarketingState::frustration:
        return bit(Label::anger) | bit(Label::annoyance) | bit(Label::disapproval) | bit(Label::disappointment) |
               bit(Label::disgust);
      case MarketingState::anxiety: return bit(Label::fear) | bit(Label::nervousness);
      case MarketingState::confusion: return bit(Label::confusion);
      case MarketingState::curiosity: return bit(Label::curiosity);
      case MarketingState::excitement: return bit(Label::excitement) | bit(Label::joy) | bit(Label::amusement);
      case MarketingState::satisfaction:
        return bit(Label::approval) | bit(Label::gratitude) | bit(Label::admiration) | bit(Label::relief);
      default: return 0;
    }
  }

  static constexpr LabelMask bit(Label l) noexcept { return LabelMask(1) << static_cast<unsigned>(l); }
};

}  // namespace attune::emotion
