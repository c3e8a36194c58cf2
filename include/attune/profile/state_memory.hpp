// attune/profile/state_memory.hpp: time-decayed fusion of marketing-state evidence.
//
// Each state keeps a decayed sum of weighted evidence and a decayed sum of weights. New evidence
// from any source (text, behaviour, numeric cues; any channel) is added with a per-state weight
// (how much that source says about that state, times its confidence). Reading divides the two,
// with a prior weight pulling towards 0 so a single weak observation cannot saturate a state:
//
//   decay(dt)  = 2^(-dt / half_life)
//   E_s <- E_s * decay + w_s * e_s,   W_s <- W_s * decay + w_s
//   state_s(t) = E_s * decay(t - t_last) / (W_s * decay(t - t_last) + prior_weight)
//
// so a state fades back to 0 as time passes without evidence, at the configured half-life, and
// every channel feeds the same memory (one customer across web, email, chat and app).
// Units: times in ms since the Unix epoch; half-life in ms. Not thread-safe (owned by a Profile).
#pragma once

#include "attune/states.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace attune::profile {

struct StateMemory {
  std::array<float, kStateCount> evidence{};
  std::array<float, kStateCount> weight{};
  int64_t updated_ms = 0;

  /// Decay factor after dt ms at the given half-life (1 for dt <= 0: out-of-order time never
  /// amplifies old evidence).
  static float decay(int64_t dt_ms, double half_life_ms) noexcept {
    if (dt_ms <= 0 || half_life_ms <= 0) return 1.0f;
    return static_cast<float>(std::exp2(-static_cast<double>(dt_ms) / half_life_ms));
  }

  /// Add evidence `e` (scores in [0,1]) with per-state weights `w` (>= 0) observed at `now_ms`.
  /// Evidence older than the last update is folded in without decaying the newer memory.
  void add(const StateVector& e, const StateVector& w, int64_t now_ms, double half_life_ms) noexcept {
    const float d = decay(now_ms - updated_ms, half_life_ms);
    for (size_t s = 0; s < kStateCount; ++s) {
      evidence[s] = evidence[s] * d + w[s] * e[s];
      weight[s] = weight[s] * d + w[s];
    }
    if (now_ms > updated_ms) updated_ms = now_ms;
  }

  /// The fused states at `now_ms`, each in [0,1].
  StateVector read(int64_t now_ms, double half_life_ms, float prior_weight) const noexcept {
    const float d = decay(now_ms - updated_ms, half_life_ms);
    StateVector out{};
    for (size_t s = 0; s < kStateCount; ++s) {
      const float denom = weight[s] * d + prior_weight;
      out[s] = denom > 0 ? std::fmin(1.0f, std::fmax(0.0f, evidence[s] * d / denom)) : 0.0f;
    }
    return out;
  }

  /// Erase all emotional evidence (consent revoked).
  void clear() noexcept { *this = StateMemory{}; }
};

}  // namespace attune::profile
