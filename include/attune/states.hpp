// attune/states.hpp: the marketing states of DESIGN.md, shared by every component.
//
// Each state is reported as a score in [0,1]. Text-derived evidence comes from the emotion model
// (attune::emotion), behaviour-derived evidence from attune::behavior; the Profile fuses both.
// The order below is the index order of every StateVector and never changes once released.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace attune {

enum class MarketingState : unsigned char {
  frustration = 0,  ///< anger, annoyance, disapproval, disappointment; repeated errors, rage clicks
  anxiety,          ///< fear, nervousness; hesitation on price, shipping, returns pages
  hesitation,       ///< long dwell vs own baseline, no add-to-cart, back-and-forth
  confusion,        ///< confusion; help/search loops
  curiosity,        ///< curiosity; broad browsing, informational pages
  excitement,       ///< excitement, joy, amusement; fast progress towards checkout
  satisfaction,     ///< approval, gratitude, admiration, relief; completed purchase
  detachment,       ///< engagement dropping against baseline; short, flat replies; unsubscribes
};

inline constexpr size_t kStateCount = 8;

/// Scores in [0,1] indexed by MarketingState.
using StateVector = std::array<float, kStateCount>;

inline constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "frustration", "anxiety", "hesitation", "confusion", "curiosity", "excitement", "satisfaction", "detachment"};

constexpr std::string_view state_name(MarketingState s) noexcept { return kStateNames[static_cast<size_t>(s)]; }

/// The state with this name, or nullopt.
constexpr std::optional<MarketingState> state_from_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kStateCount; ++i)
    if (kStateNames[i] == name) return static_cast<MarketingState>(i);
  return std::nullopt;
}

constexpr size_t index(MarketingState s) noexcept { return static_cast<size_t>(s); }

}  // namespace attune
