// attune/select/linear_model.hpp: the Bayesian ridge regression under the linear policies.
//
// Two layouts (ModelKind):
//   per_variant  one model per variant over the customer context plus a bias, x~ = [x, 1]
//                (dimension context_dim + 1 each). Exact for a fixed set of variants; nothing is
//                shared between variants. The default: cheapest and best on fixed catalogs.
//   shared       one model over z(x, k) = [x~ (x) a~_k, e_k]: the outer product of x~ with the
//                variant's attributes a~_k = [1, attributes] (action-dependent interactions), plus
//                a per-variant bias e_k (one-hot). Dimension (context_dim+1)(attr_dim+1) + K.
//                What is learned about "tone=calm" helps every calm variant, including ones that
//                were rarely shown.
//
// Each model keeps the sufficient statistics of its data, S = sum w z z^T and b = sum w r z
// (the prior is *not* in S), and from them A = lambda I + S, its inverse A^{-1} and the ridge
// estimate theta = A^{-1} b. Updates are rank-one (Sherman-Morrison on A^{-1}, recursive least
// squares on theta: O(d^2)); every `refactor_every` updates of a model (and after load or merge)
// A^{-1} and theta are recomputed from S and b by a Cholesky factorization (O(d^3)), which removes
// the rounding drift of the rank-one updates.
//
// Forgetting (gamma in (0,1], default 1 = none) is applied at those refactorizations: S, b and the
// update count are multiplied by gamma^u, u = updates since the previous refactorization
// (block-exponential forgetting: effective memory about 1/(1-gamma) updates, while each update
// stays O(d^2)). The prior lambda I never decays, so A stays well conditioned.
//
// Merge: S, b and counts are additive. merge(other, base) adds other - base, where base is the
// state both replicas started from (nullptr = the empty prior), so data in the base and the prior
// lambda I are counted once. With gamma = 1 the merged model equals one model that saw both
// streams (up to rounding); with gamma < 1 it is the sum of the decayed statistics.
//
// Thread-safety: const methods may run concurrently only when nothing mutates the model;
// prepare()/mean()/variance() use internal scratch and are therefore not const.
#pragma once

#include "attune/select/feature_builder.hpp"

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace attune::select {

enum class ModelKind : uint8_t { per_variant = 0, shared = 1 };

const char* model_kind_name(ModelKind kind) noexcept;

struct LinearModelOptions {
  ModelKind kind = ModelKind::per_variant;
  double regularization = 1.0;   ///< lambda > 0: prior precision of every weight
  double forgetting = 1.0;       ///< gamma in (0, 1]
  uint32_t refactor_every = 1000;  ///< >= 1
};

namespace detail {
class ByteWriter;
class ByteReader;
}  // namespace detail

class LinearModel {
 public:
  LinearModel(const LinearModelOptions& options, size_t context_dim, const VariantFeatures& variants);

  const LinearModelOptions& options() const noexcept { return options_; }
  size_t context_dim() const noexcept { return context_dim_; }
  size_t variant_count() const noexcept { return variants_.count; }
  size_t dim() const noexcept { return dim_; }  ///< dimension of each block's features
  const VariantFeatures& variants() const noexcept { return variants_; }

  /// Set the context for the following mean()/variance() calls (context_dim doubles, unchecked).
  void prepare(const double* context) noexcept;
  /// Posterior mean theta . z(x, k) and the quadratic form z^T A^{-1} z for variant k of the
  /// prepared context. Both computed together (the shared layout builds z once).
  void mean_variance(size_t k, double* mean, double* variance) noexcept;
  double mean(size_t k) noexcept;
  /// mean_variance() of the variants ks[0..n) (each < variant_count()), into mean[i], variance[i]:
  /// the same values, computed with one blocked pass over the variants' inverses.
  void mean_variance_many(const uint32_t* ks, size_t n, double* mean, double* variance) noexcept;

  /// Add one observation with importance weight w > 0 (arguments already validated).
  void update(const double* context, size_t k, double reward, double weight);

  /// Recompute A^{-1} and theta of every block from the statistics (applies pending forgetting).
  void refactor();

  /// this += other - base (statistics and counts), then refactor. Shapes must match.
  void merge(const LinearModel& other, const LinearModel* base);
  bool same_shape(const LinearModel& other) const noexcept;

  /// Weighted number of observations of variant k (per_variant) or of the model (shared).
  double observations(size_t k) const noexcept;

  void write(detail::ByteWriter& out) const;
  void read(detail::ByteReader& in);  ///< shape must already match (constructed from the header)

 private:
  struct Block {
    Eigen::MatrixXd stats;   ///< S (full symmetric)
    Eigen::VectorXd b;
    Eigen::MatrixXd inv;     ///< A^{-1}
    Eigen::VectorXf inv_f;   ///< lower triangle of A^{-1}, packed, single precision (variance in choose())
    Eigen::VectorXd theta;
    double count = 0.0;
    uint32_t since_refactor = 0;
  };
  Block& block_of(size_t k) noexcept { return blocks_[options_.kind == ModelKind::per_variant ? k : 0]; }
  const double* features(size_t k) noexcept;  ///< z(x, k) of the prepared context
  void refactor_block(Block& bl);
  void pack_inverse(Block& bl);
  void shared_mean_variance_many(const uint32_t* ks, size_t n, double* mean, double* variance) noexcept;

  LinearModelOptions options_;
  size_t context_dim_;
  VariantFeatures variants_;
  size_t dim_;
  std::vector<Block> blocks_;
  Eigen::VectorXd xt_;       ///< prepared [x, 1]
  Eigen::VectorXd z_;        ///< scratch features (shared layout)
  Eigen::VectorXd tmp_;      ///< scratch A^{-1} z
  Eigen::VectorXd kron_;     ///< scratch of the shared layout's Kronecker-folded A^{-1}
  Eigen::VectorXf zf_, tmpf_;  ///< packed 2 z z^T (single precision) of the variance path
  bool zf_ready_ = false;
};

}  // namespace attune::select
