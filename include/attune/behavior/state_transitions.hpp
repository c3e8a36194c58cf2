// attune/behavior/state_transitions.hpp: what will the customer probably feel next?
//
// Purpose. A first-order Markov model over the 8 marketing states (attune/states.hpp), learned
// from observed state sequences (the dominant state per turn, session or day), predicting the
// distribution of the next state and flagging the "frustration -> detachment" pattern, the path
// by which an annoyed customer goes quiet and churns.
//
// Estimate (Dirichlet smoothing towards a documented prior):
//   P(to | from) = (N[from][to] + a * P0(to | from)) / (N[from] + a)
// N the (weighted) observed transition counts, a = `smoothing` pseudo-transitions per row
// (default 4), P0 the prior: states are sticky (P0(from | from) = 0.4) and otherwise uniform
// (0.6 / 7). With no data the model predicts the prior; with many transitions from a state its
// row is the empirical frequency.
// For a soft current state (a StateVector of scores), the prediction is the mixture of rows
// weighted by the normalized scores; all-zero scores give the average row.
//
// Churn risk ("frustration -> detachment"):
//   p_detach = predicted P(detachment next | current)
//   f        = max(previous[frustration], current[frustration])
//   d        = max(current[detachment], p_detach)
//   risk     = f * d, flagged when risk >= 0.25 or (previous frustration >= 0.5 and current
//              detachment >= 0.5), i.e. frustration was seen and disengagement follows.
// `lift` = P(detachment | frustration) / mean over rows of P(detachment | from) says whether the
// learned data support the pattern (> 1: frustrated customers detach more often than others).
//
// Errors: invalid_argument for unknown state names (status::not_found), an out-of-range state
// index, a non-finite or negative weight or scores outside [0,1] (status::out_of_range). A
// sequence is validated whole before any count changes. Thread-safety: const members may run
// concurrently; learning needs exclusive access.
#pragma once

#include "attune/states.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::behavior {

using TransitionRow = std::array<float, kStateCount>;

struct ChurnRisk {
  float risk = 0;              ///< in [0,1]
  bool flagged = false;        ///< the frustration -> detachment pattern is present
  float p_next_detachment = 0; ///< predicted P(detachment at the next step)
  float frustration = 0;       ///< f above
  float lift = 1;              ///< learned P(detach | frustration) / average P(detach | state)
  std::string to_json() const;
};

class StateTransitions {
 public:
  static constexpr double kDefaultSmoothing = 4.0;
  static constexpr double kPriorStay = 0.4;

  StateTransitions() = default;
  /// `smoothing` finite and > 0 (invalid_argument otherwise).
  explicit StateTransitions(double smoothing);

  void observe(MarketingState from, MarketingState to, double weight = 1.0);
  /// Every consecutive pair of the sequence (fewer than 2 states: nothing to learn).
  void observe_sequence(const std::vector<MarketingState>& states);
  /// Same with state names ("frustration", ...); an unknown name throws (not_found), no change.
  void observe_sequence(const std::vector<std::string>& state_names);

  TransitionRow predict(MarketingState from) const noexcept;
  /// Mixture prediction for a soft state (scores in [0,1]).
  TransitionRow predict(const StateVector& current) const;
  ChurnRisk churn_risk(const StateVector& previous, const StateVector& current) const;

  double count(MarketingState from, MarketingState to) const noexcept;
  double total() const noexcept;
  double smoothing() const noexcept { return smoothing_; }

  /// {"smoothing":4,"counts":{"frustration":{"detachment":3,...},...},"probabilities":{...}}
  std::string to_json() const;
  /// Binary form, little-endian: "ATST" u8 version(=1) f64 smoothing then 64 f64 counts
  /// (row-major, from x to, in MarketingState order).
  std::vector<uint8_t> serialize() const;
  static StateTransitions deserialize(const uint8_t* data, size_t size);
  bool operator==(const StateTransitions& o) const noexcept;

 private:
  std::array<std::array<double, kStateCount>, kStateCount> n_{};
  double smoothing_ = kDefaultSmoothing;
};

/// The state index for a name, or invalid_argument(not_found) naming the valid states.
MarketingState require_state(std::string_view name);

}  // namespace attune::behavior
