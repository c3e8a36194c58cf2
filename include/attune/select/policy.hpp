// attune/select/policy.hpp: contextual-bandit policies with exact (or documented) propensities.
//
// One small interface, four policies:
//   LinearThompson (default)  Thompson sampling on the Bayesian ridge model of linear_model.hpp:
//                             each allowed variant's score is drawn from its posterior
//                             N(theta.z, v^2 z^T A^{-1} z) (v = `exploration`, the noise scale) and
//                             the highest draw wins. Each variant's marginal posterior is sampled
//                             independently (exact for the per_variant layout; for the shared
//                             layout it ignores the correlation between variants' scores).
//                             Propensity: P(k wins) = integral N(s; m_k, s_k) prod_{j != k}
//                             Phi((s - m_j) / s_j) ds, computed deterministically (no draws).
//                             The integrand is log-concave, so by default a 12-node Gauss-Hermite
//                             rule centred at its mode with the scale of its curvature there
//                             (adaptive Gauss-Hermite; the mode by safeguarded Newton with the
//                             inverse Mills ratio from a table). When a competitor's spread is
//                             under 0.4x the chosen one's (a near-step), a composite 5-point
//                             Gauss-Legendre rule whose panels shrink to 1.5 s_j inside each such
//                             competitor's +-6 s_j window. Phi from a table (|error| < 5e-7);
//                             nodes below the point where some Phi_j is 0, and competitors whose
//                             Phi_j has reached 1, are skipped. Floored at `min_propensity`, so it
//                             is > 0 for every variant that can be drawn. Accuracy (tests and
//                             docs/selection.md): |error| < 2e-5 against a Simpson reference with
//                             exact Phi on 2-50 variants, within 0.006 of 100,000 Thompson draws
//                             with 50 variants; the estimates over the allowed set sum to 1
//                             within 1e-4.
//   LinUcb                    argmax of theta.z + alpha sqrt(z^T A^{-1} z), alpha = `exploration`;
//                             ties split uniformly at random. Propensity 1/ties (deterministic).
//   EpsilonGreedy             with probability eps_t a uniformly random allowed variant, otherwise
//                             the best posterior mean (ties split uniformly). eps_t =
//                             max(epsilon_min, exploration / (1 + epsilon_decay * t)), t = number
//                             of learn() calls so far. Exact propensity eps_t/n + (1-eps_t)/ties.
//   Uniform                   every allowed variant with probability 1/n. Learns nothing (its
//                             learn() validates and counts), useful as a logging policy.
//
// Propensities are always over the *allowed* variants of the call: a guardrail that removes
// variants changes the distribution, and the propensity reported is the one actually used.
//
// Rewards: learn() takes any finite reward (|r| <= 1e6); the Selector restricts it to its
// documented range ([0,1] by default). With `importance_weighting` the update is weighted by
// min(1/propensity, max_importance_weight) (for learning from another policy's logs); by default
// updates have weight 1 (the policy learns from its own choices, where the regression is
// unbiased without weights).
//
// Determinism: given the same options, the same sequence of calls and the same Rng seed, choices
// and propensities are identical (see rng.hpp).
// Thread-safety: a Policy is not safe for concurrent use (choose() uses internal scratch buffers);
// guard it with a mutex or give each thread its own replica and merge() them.
// Errors: invalid arguments throw attune::invalid_argument and change nothing.
#pragma once

#include "attune/select/feature_builder.hpp"
#include "attune/select/linear_model.hpp"
#include "attune/select/rng.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attune::select {

enum class PolicyKind : uint8_t { linear_thompson = 0, lin_ucb = 1, epsilon_greedy = 2, uniform = 3 };

const char* policy_kind_name(PolicyKind kind) noexcept;
/// "thompson"/"linear_thompson", "linucb"/"lin_ucb", "epsilon_greedy"/"egreedy", "uniform".
PolicyKind policy_kind_from_name(std::string_view name);

/// A borrowed list of variant indices (the allowed set): unique, each < variant_count().
struct IndexSpan {
  const uint32_t* data = nullptr;
  size_t size = 0;
  IndexSpan() = default;
  IndexSpan(const uint32_t* d, size_t n) : data(d), size(n) {}
  IndexSpan(const std::vector<uint32_t>& v) : data(v.data()), size(v.size()) {}  // NOLINT: implicit on purpose
};

struct Choice {
  uint32_t variant = 0;     ///< index into the slot's variants
  double propensity = 1.0;  ///< probability this call had of choosing it, in (0, 1]
};

struct PolicyOptions {
  PolicyKind kind = PolicyKind::linear_thompson;
  ModelKind model = ModelKind::per_variant;
  double regularization = 1.0;    ///< ridge lambda > 0
  /// TS noise scale v, UCB alpha, or initial epsilon; negative = the kind's default
  /// (kDefaultThompsonScale, kDefaultUcbAlpha, kDefaultEpsilon).
  double exploration = -1.0;
  double epsilon_decay = 0.001;   ///< EpsilonGreedy: eps_t = eps0 / (1 + decay t)
  double epsilon_min = 0.01;      ///< EpsilonGreedy floor
  double forgetting = 1.0;        ///< gamma in (0, 1], see linear_model.hpp
  uint32_t refactor_every = 1000; ///< refactorization period of the linear model
  bool importance_weighting = false;
  double max_importance_weight = 20.0;
  double min_propensity = 1e-6;   ///< floor of LinearThompson's propensity estimate

  /// Throws attune::invalid_argument naming the first bad field.
  void validate() const;
  /// `exploration` with the kind's default substituted.
  double effective_exploration() const noexcept;
};

inline constexpr double kDefaultThompsonScale = 0.25;
inline constexpr double kDefaultUcbAlpha = 0.15;
inline constexpr double kDefaultEpsilon = 0.1;

class Policy {
 public:
  virtual ~Policy() = default;
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  PolicyKind kind() const noexcept { return options_.kind; }
  const PolicyOptions& options() const noexcept { return options_; }
  size_t context_dim() const noexcept { return context_dim_; }
  size_t variant_count() const noexcept { return variants_.count; }
  const VariantFeatures& variants() const noexcept { return variants_; }
  /// Number of learn() calls (after merge: this + other - base).
  uint64_t updates() const noexcept { return updates_; }

  /// Choose among `allowed` for a context of context_dim() doubles. Throws invalid_argument
  /// (empty or bad allowed set, non-finite context) without consuming randomness.
  Choice choose(const double* context, IndexSpan allowed, Rng& rng);
  /// Probability of each allowed variant under this call's distribution (out[i] for
  /// allowed[i]); sums to 1 exactly for LinUcb/EpsilonGreedy/Uniform and up to the quadrature
  /// error for LinearThompson. Same validation as choose().
  void probabilities(const double* context, IndexSpan allowed, double* out);
  /// Posterior mean reward of each allowed variant (0 for Uniform). Same validation.
  void expected_rewards(const double* context, IndexSpan allowed, double* out);
  /// Learn from one outcome. Throws invalid_argument (variant out of range, reward or context
  /// not finite, propensity outside (0,1]) without changing anything.
  void learn(const double* context, uint32_t variant, double reward, double propensity);

  /// Versioned little-endian binary (format in docs/selection.md): options, shapes, the variant
  /// attribute matrix and the full learned state, so load(save()) chooses identically.
  std::string save() const;
  /// Throws attune::error(format_error | version_mismatch) on bad bytes.
  static std::unique_ptr<Policy> load(std::string_view bytes);
  void save_file(const std::string& path) const;
  static std::unique_ptr<Policy> load_file(const std::string& path);

  /// Combine replicas: this += other - base (see linear_model.hpp). Kind, options, shapes and
  /// variant attributes must match (invalid_argument otherwise; nothing changes).
  void merge(const Policy& other, const Policy* base = nullptr);

  std::unique_ptr<Policy> clone() const;

 protected:
  Policy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);
  virtual Choice do_choose(const double* context, IndexSpan allowed, Rng& rng) = 0;
  virtual void do_probabilities(const double* context, IndexSpan allowed, double* out) = 0;
  virtual void do_expected(const double* context, IndexSpan allowed, double* out) = 0;
  virtual void do_learn(const double* context, uint32_t variant, double reward, double weight) = 0;
  virtual LinearModel* model() noexcept { return nullptr; }
  const LinearModel* model() const noexcept { return const_cast<Policy*>(this)->model(); }

  void check_allowed(IndexSpan allowed) const;
  void check_context(const double* context) const;

  PolicyOptions options_;
  size_t context_dim_;
  VariantFeatures variants_;
  uint64_t updates_ = 0;
  std::vector<double> mean_, sd_;  ///< scratch, one per variant

  friend std::unique_ptr<Policy> make_policy(const PolicyOptions&, size_t, const VariantFeatures&);
};

class LinearThompson final : public Policy {
 public:
  LinearThompson(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);
 private:
  Choice do_choose(const double* context, IndexSpan allowed, Rng& rng) override;
  void do_probabilities(const double* context, IndexSpan allowed, double* out) override;
  void do_expected(const double* context, IndexSpan allowed, double* out) override;
  void do_learn(const double* context, uint32_t variant, double reward, double weight) override;
  LinearModel* model() noexcept override { return &model_; }
  void posterior(const double* context, IndexSpan allowed);
  LinearModel model_;
};

class LinUcb final : public Policy {
 public:
  LinUcb(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);
 private:
  Choice do_choose(const double* context, IndexSpan allowed, Rng& rng) override;
  void do_probabilities(const double* context, IndexSpan allowed, double* out) override;
  void do_expected(const double* context, IndexSpan allowed, double* out) override;
  void do_learn(const double* context, uint32_t variant, double reward, double weight) override;
  LinearModel* model() noexcept override { return &model_; }
  size_t ties(const double* context, IndexSpan allowed);  ///< fills mean_ with UCB; returns #ties
  LinearModel model_;
  std::vector<uint32_t> tied_;
};

class EpsilonGreedy final : public Policy {
 public:
  EpsilonGreedy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);
  double epsilon() const noexcept;  ///< eps_t for the next choice
 private:
  Choice do_choose(const double* context, IndexSpan allowed, Rng& rng) override;
  void do_probabilities(const double* context, IndexSpan allowed, double* out) override;
  void do_expected(const double* context, IndexSpan allowed, double* out) override;
  void do_learn(const double* context, uint32_t variant, double reward, double weight) override;
  LinearModel* model() noexcept override { return &model_; }
  size_t ties(const double* context, IndexSpan allowed);
  LinearModel model_;
  std::vector<uint32_t> tied_;
};

class Uniform final : public Policy {
 public:
  Uniform(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);
 private:
  Choice do_choose(const double* context, IndexSpan allowed, Rng& rng) override;
  void do_probabilities(const double* context, IndexSpan allowed, double* out) override;
  void do_expected(const double* context, IndexSpan allowed, double* out) override;
  void do_learn(const double*, uint32_t, double, double) override {}
};

/// Create a policy of options.kind for contexts of `context_dim` doubles and the variants whose
/// attributes are `variants` (1..kMaxVariantsPerSlot rows; only the count matters for the
/// per_variant layout). Validates the options.
std::unique_ptr<Policy> make_policy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants);

/// Variant attributes for `count` variants without attributes (per-variant models, tests).
VariantFeatures plain_variants(size_t count);

/// P(variant `which` has the largest of independent N(mean[i], sd[i]^2) draws), i < n, by the
/// quadrature described above (not floored). Exposed for tests.
double thompson_win_probability(size_t which, const double* mean, const double* sd, size_t n) noexcept;

}  // namespace attune::select
