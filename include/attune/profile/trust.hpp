// attune/profile/trust.hpp: a customer's trust trajectory and its velocity.
//
// Trust signals in [-1,1] arrive over time: the valence of what the customer writes (only with
// emotion consent), and outcomes (a positive reward or a completed order +1, an unsubscribe -1,
// an error shown -0.5; see the engine docs). Two exponentially weighted means follow them, a fast
// one (half-life 1 day) and a slow one (half-life 14 days). The slow mean is the trust level; the
// trust velocity is their difference divided by the gap between their time constants, so it reads
// as "trust change per day" and is 0 for a steady customer:
//
//   velocity = (fast - slow) / ((H_slow - H_fast) / ln 2)   [per day]
//
// Both means start at 0 with no weight; until signals arrive velocity is 0. Units: ms since epoch.
#pragma once

#include <cmath>
#include <cstdint>

namespace attune::profile {

struct TrustTrajectory {
  static constexpr double kFastHalfLifeDays = 1.0;
  static constexpr double kSlowHalfLifeDays = 14.0;
  static constexpr double kDayMs = 86'400'000.0;

  float fast = 0;         ///< fast weighted mean of trust signals
  float slow = 0;         ///< slow weighted mean (the trust level)
  float fast_weight = 0;  ///< decayed weights, so the means are unbiased early on
  float slow_weight = 0;
  int64_t updated_ms = 0;

  void add(float signal, int64_t now_ms) noexcept {
    const double dt = static_cast<double>(now_ms - updated_ms);
    const float df = updated_ms == 0 || dt <= 0 ? 1.0f : static_cast<float>(std::exp2(-dt / (kFastHalfLifeDays * kDayMs)));
    const float ds = updated_ms == 0 || dt <= 0 ? 1.0f : static_cast<float>(std::exp2(-dt / (kSlowHalfLifeDays * kDayMs)));
    const float s = std::fmax(-1.0f, std::fmin(1.0f, signal));
    fast_weight = fast_weight * df + 1.0f;
    slow_weight = slow_weight * ds + 1.0f;
    fast += (s - fast) / fast_weight;
    slow += (s - slow) / slow_weight;
    if (now_ms > updated_ms) updated_ms = now_ms;
  }

  float level() const noexcept { return slow; }

  /// Trust change per day (see the header comment); 0 without signals.
  float velocity() const noexcept {
    if (slow_weight <= 0) return 0;
    constexpr double tau_gap_days = (kSlowHalfLifeDays - kFastHalfLifeDays) / 0.6931471805599453;
    return static_cast<float>((fast - slow) / tau_gap_days);
  }
};

}  // namespace attune::profile
