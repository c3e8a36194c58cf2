// attune/behavior/next_best_action.hpp: what to do for a customer in this state.
//
// Purpose. Turns the perceived state (a StateVector from the emotion and behaviour side, fused by
// the Profile) and the risk flags of the detectors (churn from StateTransitions, detachment from
// EngagementMonitor, hesitation from HesitationDetector) into an ordered list of recommended
// actions, each with the rule and reason that produced it and the variant tags to avoid.
//
// The mapping is data, not code: a JSON table (default: models/next_best_action.json, found with
// attune::find_model) that a host can replace. Schema (version 1):
//   {"format":"attune.next_best_action","version":1,"description":"...",
//    "actions":{"<id>":{"label":"...","channel":"...","description":"...","replaces":"..."}},
//    "rules":[{"id":"...","when":{"state":"<marketing state>","min":0.5,"risk":"churn|detachment|hesitation"},
//              "actions":["<action id>",...],"priority":0.8,"reason":"...","avoid":["urgency",...]}]}
// A rule matches when every condition in "when" holds (state score >= min; risk flag set); "when"
// needs at least one of state or risk; "min" defaults to 0.5 and requires "state".
// Strength of a matching rule = priority * state score (1 for a risk-only rule); the i-th action of
// a rule gets strength * 0.9^i; an action's score is its best score over the matching rules, and
// its reason/rule are those of that best rule. Results are ordered by score (ties: action id).
//
// Errors: parse_error for malformed JSON; invalid_argument naming the JSON path for schema errors
// (unknown state, risk or action id, duplicate rule id, out-of-range min/priority, wrong types,
// unknown keys); attune::error(io_error / not_found) when the file cannot be read or found;
// recommend() throws invalid_argument (out_of_range) for scores outside [0,1] or NaN.
// Thread-safety: immutable after construction; recommend() may run concurrently.
#pragma once

#include "attune/states.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::behavior {

struct RiskFlags {
  bool churn = false;       ///< StateTransitions::churn_risk(...).flagged
  bool detachment = false;  ///< EngagementStatus::detached
  bool hesitation = false;  ///< e.g. HesitationScore::score >= 0.5
};

struct ActionInfo {
  std::string id, label, channel, description, replaces;
};

struct Recommendation {
  std::string action;   ///< action id
  std::string label;
  std::string channel;
  float score = 0;      ///< in [0,1]
  std::string rule;     ///< id of the rule that gave the score
  std::string reason;   ///< the rule's reason plus the evidence, e.g. "... (frustration 0.72 >= 0.3; churn risk)"
  std::vector<std::string> avoid;  ///< union of "avoid" tags of every matching rule
};

class NextBestAction {
 public:
  static constexpr size_t kMaxTableBytes = size_t(4) << 20;

  /// Parse and validate a table.
  static NextBestAction from_json(std::string_view json);
  /// Load from a file.
  static NextBestAction load(const std::string& path);
  /// The shipped table (find_model("next_best_action.json")).
  static NextBestAction load_default();

  /// Ordered recommendations; max_actions 0 = all.
  std::vector<Recommendation> recommend(const StateVector& state, const RiskFlags& risks, size_t max_actions = 0) const;
  /// {"actions":[{"action":..,"label":..,"channel":..,"score":..,"rule":..,"reason":..,"avoid":[..]}]}
  static std::string to_json(const std::vector<Recommendation>& recs);

  const std::vector<ActionInfo>& actions() const noexcept { return actions_; }
  size_t rule_count() const noexcept { return rules_.size(); }

 private:
  struct Rule {
    std::string id, reason;
    int state = -1;  // -1: none
    float min = 0.5f;
    int risk = -1;   // 0 churn, 1 detachment, 2 hesitation
    float priority = 1;
    std::vector<size_t> actions;
    std::vector<std::string> avoid;
  };
  std::vector<ActionInfo> actions_;
  std::vector<Rule> rules_;
};

}  // namespace attune::behavior
