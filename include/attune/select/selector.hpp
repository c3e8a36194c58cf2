// attune/select/selector.hpp: catalog + one policy per slot + pending decisions (delayed rewards).
//
// This is what the Engine calls. A decision:
//   Decision d = selector.decide("product_cta", customer, allowed, now);
//   ... show d.variant_id, log d.id_string() and d.propensity ...
//   selector.reward(d.id, 1.0, later);       // when (if) the outcome arrives
//
// Allowed set: guardrails remove variants by passing the indices that remain (IndexSpan or a
// vector); propensities are computed over that set only. An empty set is an error: the caller
// shows the slot's safe default (catalog().slot(s).safe_default) and does not call decide().
//
// Decision ids: 64-bit, unique per Selector: splitmix64(salt + counter), a bijection of a counter
// (salt from the seed), never 0. String form: 16 lower-case hex digits (id_string /
// parse_decision_id).
//
// Rewards: reward(id, value, now) applies once. Errors change nothing:
//   value NaN/inf or outside [reward_min, reward_max] ([0,1] by default) -> out_of_range;
//   unknown id, or a decision older than pending_ttl_s                      -> not_found;
//   a second reward for the same decision                                   -> duplicate.
// Pending decisions (rewarded or not, so duplicates are recognized) are kept until they are older
// than pending_ttl_s (default 7 days) or until max_pending (default 65,536; at most 2^22) are
// held, in which case the oldest is evicted. Memory per pending decision: about 150 bytes plus
// 8 bytes per context feature. Housekeeping runs inside successful decide()/reward() calls and in
// expire(now). Time is whatever clock the host passes, in seconds (e.g. Unix time); it should not
// go backwards (if it does, nothing expires until it catches up).
//
// State: save() writes every slot's policy (and the id counter and RNG state, so ids stay unique
// and choices continue deterministically) in a versioned little-endian format tied to the
// catalog (a fingerprint of its canonical JSON); pending decisions are not saved. merge() combines
// replicas' policies (see policy.hpp).
//
// Thread-safety: not safe for concurrent calls on one Selector (it mutates the RNG, policies and
// the pending table); wrap it in a mutex or run one replica per thread and merge.
#pragma once

#include "attune/select/catalog.hpp"
#include "attune/select/feature_builder.hpp"
#include "attune/select/policy.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attune::select {

struct SelectorOptions {
  PolicyOptions policy;            ///< the policy of every slot
  uint64_t seed = 0;               ///< seeds the Selector's Rng and the decision-id salt
  double reward_min = 0.0;         ///< accepted reward range (inclusive)
  double reward_max = 1.0;
  double pending_ttl_s = 7 * 86400.0;  ///< > 0
  size_t max_pending = 65536;      ///< 1 .. kMaxPendingLimit
  void validate() const;
};

inline constexpr size_t kMaxPendingLimit = size_t{1} << 22;

struct Decision {
  uint64_t id = 0;
  uint32_t slot = 0;
  std::string slot_id;
  uint32_t variant = 0;      ///< index into the slot's variants
  std::string variant_id;
  double propensity = 1.0;   ///< probability of this variant under this call (allowed set only)
  /// Posterior mean reward per variant of the slot (NaN for variants not allowed); for
  /// explanations and logs.
  std::vector<double> scores;
  double decided_at = 0.0;
  std::string id_string() const;
};

/// 16 lower-case hex digits.
std::string decision_id_string(uint64_t id);
/// Parses 1..16 hex digits; throws invalid_argument otherwise.
uint64_t parse_decision_id(std::string_view text);

class Selector {
 public:
  explicit Selector(Catalog catalog, const SelectorOptions& options = {});

  const Catalog& catalog() const noexcept { return catalog_; }
  const FeatureBuilder& features() const noexcept { return features_; }
  const SelectorOptions& options() const noexcept { return options_; }
  size_t context_dim() const noexcept { return features_.context_dim(); }

  /// All variants allowed.
  Decision decide(std::string_view slot, const CustomerContext& customer, double now);
  /// Only `allowed` (variant indices of the slot).
  Decision decide(std::string_view slot, const CustomerContext& customer, IndexSpan allowed, double now);
  /// Core form: slot index, a context vector built by features() (context_dim() doubles), the
  /// allowed set, the time and the Rng to draw from (the Selector's own one in the forms above).
  Decision decide(size_t slot, const double* context, IndexSpan allowed, double now, Rng& rng);

  /// Apply a delayed reward (see the header comment for errors).
  void reward(uint64_t decision_id, double value, double now);

  /// Drop decisions older than pending_ttl_s; returns how many were dropped.
  size_t expire(double now);
  size_t pending() const noexcept { return queue_.size(); }

  struct Counters {
    uint64_t decisions = 0, rewards = 0, expired = 0, evicted = 0;
  };
  const Counters& counters() const noexcept { return counters_; }

  Policy& policy(size_t slot);
  const Policy& policy(size_t slot) const;
  Rng& rng() noexcept { return rng_; }

  std::string save() const;
  /// Replace the policies (and id counter, RNG) with a saved state of the same catalog.
  /// Throws attune::error(format_error | version_mismatch) or invalid_argument (other catalog).
  void load(std::string_view bytes);
  /// Merge every slot's policy: this += other - base (base may be nullptr).
  void merge(const Selector& other, const Selector* base = nullptr);

 private:
  struct Pending {
    uint64_t id;
    uint32_t slot;
    uint32_t variant;
    double propensity;
    double at;
    bool rewarded;
    std::vector<double> context;
  };
  void pop_front();
  uint64_t fingerprint() const;

  Catalog catalog_;
  SelectorOptions options_;
  FeatureBuilder features_;
  std::vector<std::unique_ptr<Policy>> policies_;
  Rng rng_;
  uint64_t salt_;
  uint64_t counter_ = 0;
  std::deque<Pending> queue_;
  uint64_t front_seq_ = 0;                      ///< sequence number of queue_.front()
  std::unordered_map<uint64_t, uint64_t> index_;  ///< decision id -> sequence number
  std::vector<double> scratch_;
  Counters counters_;
};

}  // namespace attune::select
