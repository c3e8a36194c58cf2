// attune/ethics/guardrails.hpp: rules that remove what must not be shown, before the bandit chooses.
//
// Purpose. A host's catalog offers variants tagged `urgency`, `scarcity`, `sales`, `calming`, ...
// Guardrails read the customer's current state and recent history and mask the variants that
// would exploit a vulnerable moment (no urgency for an anxious customer), impose quiet periods
// after frustration, cap how often a slot adapts, and forbid the use of emotional states for some
// slots (price). The rules are data (JSON, schema in docs/ethics-rules.md); the shipped defaults
// are models/guardrails.json (Guardrails::load_default()).
//
// How the engine uses it. For each decision: build a GuardrailContext, call evaluate() with the
// slot's candidate variants, then give the bandit exactly the candidates with allowed[i] == 1 and
// compute propensities over that set (so off-policy evaluation stays correct). When
// fallback_to_default is set, nothing may be chosen by the bandit and the slot's safe default is
// shown. When use_emotion is false, the bandit must not see emotional states for this decision.
//
// Semantics and precedence (the whole contract; see docs/ethics-rules.md for the schema):
//   - Rules only ever remove. Each active rule yields a set of masked candidates; the final mask
//     is the AND of "not masked" over all rules, so rule order never matters and rules cannot
//     override each other. The one "conflict" possible is that together they mask everything:
//     then fallback_to_default is set (the safe default is shown; it is the catalog author's
//     job to make it safe).
//   - use_emotion is the AND over rules: any active no_emotion_for_slot_tags rule makes it false.
//     It only stops emotional states from *targeting* (bandit context); protective rules still
//     read the states to *protect*, also on such slots.
//   - A rule applies to a decision when it is enabled and in scope: `slots` (if given) lists the
//     slot name, and `slot_tags` (if given) shares at least one tag with the slot.
//   - Thresholds are inclusive: `{"state": "anxiety", "at_least": 0.5}` holds at anxiety 0.5.
//     Conditions in one rule's `when` are alternatives (any one suffices).
//   - Missing inputs: without states (no emotion consent) or without a named signal, a condition
//     is unknown; the rule then does not fire unless it says `"when_unknown": "apply"`.
//   - quiet_period holds while now_ms - t < hours (the end instant is outside), for t = now when a
//     condition holds on the current states, or t = at_ms of a StatePeak meeting a state condition.
//   - frequency_cap counts the caller's recent decision times t with now_ms - t < window (future
//     stamps count too); with count >= max_decisions every candidate not carrying an exempt tag
//     is masked.
//   - Tags match ASCII-case-insensitively with '-' and ' ' read as '_' ("Non-Sales" == "non_sales").
//     Tags no rule mentions are ignored.
//
// Errors. from_json/load throw attune::invalid_argument whose message starts with the JSON path
// ("/rules/2/when/0/at_least: must be a number in (0, 1]"): status::parse_error for malformed JSON
// or a duplicate key, status::limit_exceeded for the limits below, status::invalid_argument for
// everything else (unknown field or kind, missing field, bad threshold, duplicate rule id, a tag
// listed twice). load() throws attune::error(io_error / not_found) for files. evaluate() throws
// attune::invalid_argument for a malformed context (score NaN or outside [0,1], time outside
// [0, kMaxTimeMs]) and writes nothing to `out` in that case.
//
// Performance and thread-safety. A Guardrails object is immutable after construction: evaluate()
// is const and safe to call from many threads at once. Rules are compiled into flat structs and
// tags into 64-bit sets (at most kMaxRuleTags distinct tags across all rules); evaluate() with a
// reused GuardrailResult performs no allocation once the result's vectors have grown to the
// largest catalog seen (checked by benchmarks/bench_guardrails.cpp).
#pragma once

#include "attune/ethics/consent_registry.hpp"  // kMaxTimeMs
#include "attune/states.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::ethics {

enum class RuleKind : unsigned char {
  block_tags_when_state = 0,     ///< mask variants with some tags while a state/signal is high
  quiet_period = 1,              ///< after a state was high, only allow (or block) tags for N hours
  frequency_cap = 2,             ///< at most K decisions per customer and slot per window
  no_emotion_for_slot_tags = 3,  ///< emotional states are not used for slots with these tags
};
/// "block_tags_when_state", "quiet_period", "frequency_cap", "no_emotion_for_slot_tags".
std::string_view rule_kind_name(RuleKind k) noexcept;

inline constexpr size_t kMaxRules = 256;
inline constexpr size_t kMaxRuleTags = 64;  ///< distinct tags across all rules (one bit each)
inline constexpr size_t kMaxConditions = 32;
inline constexpr size_t kMaxRulesJsonBytes = size_t{1} << 20;
inline constexpr double kMaxRuleHours = 24.0 * 366.0;
inline constexpr uint32_t kMaxDecisionsCap = 1000000;

/// A borrowed, read-only array (pointer + size); the data must outlive the call it is passed to.
/// Converts implicitly from a std::vector of the same element type.
template <class T>
class Borrowed {
 public:
  Borrowed() = default;
  Borrowed(const T* data, size_t size) noexcept : data_(data), size_(size) {}
  Borrowed(const std::vector<T>& v) noexcept : data_(v.data()), size_(v.size()) {}  // NOLINT(implicit)
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  const T& operator[](size_t i) const noexcept { return data_[i]; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

/// An emotion-derived score by name (e.g. Ekman group "sadness", GoEmotions label "grief"), in [0,1].
struct NamedScore {
  std::string_view name;
  float score = 0.0f;
};

/// A past observation of a marketing state (the engine passes the high ones it retains).
struct StatePeak {
  MarketingState state = MarketingState::frustration;
  float score = 0.0f;  ///< in [0,1]
  int64_t at_ms = 0;   ///< when it was observed, ms since the Unix epoch
};

/// Everything a rule may look at for one decision. All Borrowed members are read during
/// evaluate() only.
struct GuardrailContext {
  std::string_view slot;                    ///< slot name (matched against rules' `slots`)
  Borrowed<std::string> slot_tags;          ///< e.g. {"price"}; matched against rules' `slot_tags`
  std::optional<StateVector> states;        ///< current marketing states; absent without emotion consent
  Borrowed<NamedScore> signals;             ///< optional emotion scores by name (sadness, fear, ...)
  int64_t now_ms = 0;                       ///< decision time, ms since the Unix epoch
  Borrowed<StatePeak> state_peaks;          ///< recent high states (quiet periods)
  Borrowed<int64_t> recent_decisions_ms;    ///< this customer's recent decision times in this slot
};

/// A candidate variant for the convenience overloads (the engine may pass its own variant type:
/// anything with a `tags` member that is a range of strings).
struct Candidate {
  std::string id;
  std::vector<std::string> tags;
};

/// Set of rule tags (bit i = i-th distinct tag of the rules); 0 for tags no rule mentions.
using TagBits = uint64_t;

/// One rule that applied to a decision.
struct FiredRule {
  uint32_t rule = 0;                ///< index into Guardrails::rules()
  RuleKind kind = RuleKind::block_tags_when_state;
  std::string_view id;              ///< the rule's id (owned by the Guardrails object)
  std::string_view reason;          ///< the rule's reason sentence (owned by the Guardrails object)
  std::string_view trigger;         ///< what made it fire: a state/signal name, a slot tag, or "decisions"
  double observed = 0.0;            ///< the triggering score, or the decision count for frequency_cap
  int64_t observed_at_ms = 0;       ///< when the trigger was observed (peak time for quiet periods)
  bool unknown_input = false;       ///< fired through "when_unknown": "apply" (observed is 0)
  bool disables_emotion = false;    ///< a no_emotion_for_slot_tags rule
  uint32_t masked_begin = 0;        ///< this rule's masked candidates are
  uint32_t masked_end = 0;          ///< GuardrailResult::masked_indices[masked_begin, masked_end)
};

/// The outcome of one evaluation. string_views inside point into the Guardrails object that
/// produced the result and stay valid while it lives. Reuse one result per thread to avoid
/// allocating (evaluate() overwrites every field).
struct GuardrailResult {
  std::vector<uint8_t> allowed;          ///< per candidate in input order: 1 may be chosen, 0 masked
  size_t allowed_count = 0;              ///< number of 1s in `allowed`
  std::vector<FiredRule> fired;          ///< rules that applied, in rule order
  std::vector<uint32_t> masked_indices;  ///< candidate indices per fired rule (see FiredRule)
  bool use_emotion = true;               ///< false: emotional states must not drive this decision
  bool fallback_to_default = false;      ///< every candidate masked (or none given): show the safe default
  std::vector<TagBits> candidate_tags;   ///< compiled tags of each candidate (scratch, kept for reuse)

  /// Candidate indices masked by `f` (a member of `fired`); a candidate may appear under several rules.
  std::vector<uint32_t> masked_by(const FiredRule& f) const {
    return std::vector<uint32_t>(masked_indices.begin() + f.masked_begin, masked_indices.begin() + f.masked_end);
  }
};

/// A condition of a rule's `when` list: a marketing state or a named signal at or above a threshold.
struct RuleCondition {
  std::optional<MarketingState> state;  ///< set for {"state": ...}
  std::string signal;                   ///< set for {"signal": ...} (normalized tag-style name)
  float at_least = 0.5f;                ///< in (0, 1]
};

/// A rule as written in the JSON (validated and normalized), for inspection and tooling.
struct Rule {
  std::string id;
  RuleKind kind = RuleKind::block_tags_when_state;
  std::string reason;       ///< given, or generated from the rule when absent
  std::string description;  ///< free text for people (optional)
  bool enabled = true;
  std::vector<std::string> slots;      ///< scope: slot names (empty: all)
  std::vector<std::string> slot_tags;  ///< scope: slot tags (empty: all; required for no_emotion)
  std::vector<RuleCondition> when;     ///< block_tags_when_state, quiet_period
  bool apply_when_unknown = false;     ///< "when_unknown": "apply"
  std::vector<std::string> block_tags; ///< block_tags_when_state; quiet_period (alternative to allow_tags)
  std::vector<std::string> allow_tags; ///< quiet_period: only these remain
  std::vector<std::string> exempt_tags;///< frequency_cap: never capped
  double hours = 0.0;                  ///< quiet_period length / frequency_cap window
  uint32_t max_decisions = 0;          ///< frequency_cap
};

class Guardrails {
 public:
  /// No rules: nothing is ever masked and emotion may always be used.
  Guardrails();

  /// Parse and validate rules (see the header comment for errors).
  static Guardrails from_json(std::string_view json);
  /// from_json() of a file's contents.
  static Guardrails load(const std::string& path);
  /// The shipped default rules: load(find_model("guardrails.json")).
  static Guardrails load_default();

  const std::vector<Rule>& rules() const noexcept { return rules_; }
  size_t size() const noexcept { return rules_.size(); }
  /// The rules as canonical JSON (same schema; generated reasons filled in).
  std::string to_json() const;
  /// The longest quiet period or frequency-cap window, in ms: how much history the caller needs
  /// to keep (peaks, decision times) for these rules to be exact.
  int64_t history_window_ms() const noexcept { return history_window_ms_; }

  /// Bit of one tag (0 when no rule mentions it). Allocation-free.
  TagBits tag_bits(std::string_view tag) const noexcept;
  /// Union of tag_bits over a range of strings.
  template <class Tags>
  TagBits tag_set(const Tags& tags) const noexcept {
    TagBits bits = 0;
    for (const auto& t : tags) bits |= tag_bits(std::string_view(t));
    return bits;
  }

  /// Evaluate for candidates given as compiled tag sets (one per candidate, from tag_set()).
  void evaluate_tags(const GuardrailContext& ctx, Borrowed<TagBits> candidate_tags, GuardrailResult& out) const;

  /// Evaluate for any range of variants with a `tags` member (attune::select::Variant, Candidate).
  template <class Variants>
  void evaluate(const GuardrailContext& ctx, const Variants& variants, GuardrailResult& out) const {
    std::vector<TagBits>& tags = out.candidate_tags;
    tags.clear();
    for (const auto& v : variants) tags.push_back(tag_set(v.tags));
    evaluate_prepared(ctx, out);
  }
  template <class Variants>
  GuardrailResult evaluate(const GuardrailContext& ctx, const Variants& variants) const {
    GuardrailResult out;
    evaluate(ctx, variants, out);
    return out;
  }
  GuardrailResult evaluate(const GuardrailContext& ctx, const std::vector<Candidate>& candidates) const {
    return evaluate<std::vector<Candidate>>(ctx, candidates);
  }

  /// Evaluate a request given as JSON (for the C ABI, the CLI and hosts without C++ types):
  ///   {"slot": "checkout_cta", "slot_tags": ["sales"], "now_ms": 1700000000000,
  ///    "states": {"anxiety": 0.7, ...} or [8 numbers in MarketingState order] (optional),
  ///    "signals": {"sadness": 0.6} (optional), "state_peaks": [{"state": "frustration",
  ///    "score": 0.8, "at_ms": ...}] (optional), "recent_decisions_ms": [...] (optional),
  ///    "candidates": [{"id": "buy_now", "tags": ["urgency", "sales"]}, ...]}
  /// Unknown fields are errors (message starts with the JSON path). Returns result_json().
  std::string evaluate_json(std::string_view request_json) const;

  /// The result as JSON for hosts and logs: {"allowed":[ids], "masked":[ids], "use_emotion":..,
  /// "fallback_to_default":.., "fired":[{"id","kind","reason","trigger","observed",
  /// "observed_at_ms","unknown_input","masked":[ids]}]}. `ids` name the candidates in order.
  static std::string result_json(const GuardrailResult& result, const std::vector<std::string>& ids);

 private:
  // Flat, precompiled forms of the rules (internal; not API).
  struct Condition {
    int16_t state = -1;        // MarketingState index, or -1 for a signal
    uint32_t signal = 0;       // index into names_ for a signal
    float at_least = 0.5f;
  };
  struct Compiled {
    RuleKind kind = RuleKind::block_tags_when_state;
    bool enabled = true;
    bool apply_when_unknown = false;
    TagBits slot_any = 0;      // scope: the slot must carry one of these (0: any slot)
    bool has_slots = false;    // scope: the slot name must be in rules_[i].slots
    uint32_t cond_begin = 0, cond_end = 0;    // conditions_[cond_begin, cond_end)
    TagBits block = 0;         // masked when the candidate has any of these
    TagBits allow = 0;         // quiet_period: masked when the candidate has none of these
    TagBits exempt = 0;        // frequency_cap: never masked when the candidate has one
    int64_t window_ms = 0;
    uint32_t max_decisions = 0;
  };
  struct TagSlot {
    uint64_t hash = 0;
    int32_t name = -1;         // index into names_; -1 empty
  };
  void evaluate_prepared(const GuardrailContext& ctx, GuardrailResult& out) const;
  void compile();

  std::vector<Rule> rules_;
  std::vector<Compiled> compiled_;
  std::vector<Condition> conditions_;
  std::vector<std::string> names_;  // tag vocabulary (bit order), then signal names
  std::vector<TagSlot> table_;      // open-addressing hash of the tag vocabulary
  size_t tag_count_ = 0;
  uint64_t tag_lengths_ = 0;  // bit L set when some rule tag has L bytes: cheap rejection of other tags
  int64_t history_window_ms_ = 0;
};

}  // namespace attune::ethics
