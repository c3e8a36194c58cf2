#include "attune/select/linear_model.hpp"

#include "attune/error.hpp"
#include "binary_io.hpp"
#include "kernels.hpp"

#include <cmath>

namespace attune::select {

const char* model_kind_name(ModelKind kind) noexcept {
  return kind == ModelKind::shared ? "shared" : "per_variant";
}

LinearModel::LinearModel(const LinearModelOptions& options, size_t context_dim, const VariantFeatures& variants)
    : options_(options), context_dim_(context_dim), variants_(variants) {
  if (!(options.regularization > 0.0) || !std::isfinite(options.regularization))
    throw invalid_argument("regularization must be finite and > 0", status::out_of_range);
  if (!(options.forgetting > 0.0 && options.forgetting <= 1.0))
    throw invalid_argument("forgetting must be in (0, 1]", status::out_of_range);
  if (options.refactor_every == 0) throw invalid_argument("refactor_every must be >= 1");
  if (variants.count == 0) throw invalid_argument("a model needs at least one variant");
  if (variants.values.size() != variants.count * variants.dim)
    throw invalid_argument("variant feature matrix has the wrong size");
  size_t blocks = 1;
  if (options.kind == ModelKind::per_variant) {
    dim_ = context_dim + 1;
    blocks = variants.count;
  } else {
    dim_ = (context_dim + 1) * (variants.dim + 1) + variants.count;
  }
  blocks_.resize(blocks);
  for (auto& bl : blocks_) {
    bl.stats = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(dim_), static_cast<Eigen::Index>(dim_));
    bl.b = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim_));
    bl.inv = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(dim_), static_cast<Eigen::Index>(dim_)) /
             options.regularization;
    bl.theta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim_));
    pack_inverse(bl);
  }
  zf_ = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim_ * (dim_ + 1) / 2));
  tmpf_ = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(dim_));
  xt_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(context_dim + 1));
  xt_[static_cast<Eigen::Index>(context_dim)] = 1.0;
  z_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim_));
  tmp_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim_));
  if (options.kind == ModelKind::shared) {
    const size_t dx = context_dim + 1, da = variants.dim + 1;
    kron_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dx * da * da + da * da + da * variants.count + da));
  }
}

void LinearModel::prepare(const double* context) noexcept {
  for (size_t i = 0; i < context_dim_; ++i) xt_[static_cast<Eigen::Index>(i)] = context[i];
  zf_ready_ = false;
}

const double* LinearModel::features(size_t k) noexcept {
  if (options_.kind == ModelKind::per_variant) return xt_.data();
  // z = [x~ (x) [1, a_k], e_k]
  const size_t da = variants_.dim + 1;
  const double* a = variants_.row(k);
  double* z = z_.data();
  for (size_t i = 0; i <= context_dim_; ++i) {
    const double xi = xt_[static_cast<Eigen::Index>(i)];
    double* zi = z + i * da;
    zi[0] = xi;
    for (size_t j = 0; j < variants_.dim; ++j) zi[j + 1] = xi * a[j];
  }
  double* e = z + (context_dim_ + 1) * da;
  for (size_t j = 0; j < variants_.count; ++j) e[j] = 0.0;
  e[k] = 1.0;
  return z;
}

void LinearModel::mean_variance(size_t k, double* mean, double* variance) noexcept {
  Block& bl = block_of(k);
  const double* z = features(k);
  // z^T A^{-1} z = <packed A^{-1}, packed 2 z z^T>: the products are built once per context in
  // the per_variant layout (z is the same for every variant), once per variant otherwise.
  float* prod = zf_.data();
  if (options_.kind == ModelKind::shared || !zf_ready_) {
    detail::outer_packed_f(z, dim_, prod);
    zf_ready_ = true;
  }
  *mean = detail::dot(bl.theta.data(), z, dim_);
  const double v = detail::dot_lanes_f(bl.inv_f.data(), prod, dim_ * (dim_ + 1) / 2);
  *variance = v > 0.0 ? v : 0.0;
}

void LinearModel::mean_variance_many(const uint32_t* ks, size_t n, double* mean, double* variance) noexcept {
  if (options_.kind == ModelKind::shared) {
    shared_mean_variance_many(ks, n, mean, variance);
    return;
  }
  // per_variant: one z for all variants, so the packed products are built once and four
  // variants' quadratic forms share each load of them (bit-identical to mean_variance()).
  const double* z = xt_.data();
  float* prod = zf_.data();
  if (!zf_ready_) {
    detail::outer_packed_f(z, dim_, prod);
    zf_ready_ = true;
  }
  const size_t packed = dim_ * (dim_ + 1) / 2;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Block& b0 = blocks_[ks[i]];
    const Block& b1 = blocks_[ks[i + 1]];
    const Block& b2 = blocks_[ks[i + 2]];
    const Block& b3 = blocks_[ks[i + 3]];
    detail::dot_lanes_f4(b0.inv_f.data(), b1.inv_f.data(), b2.inv_f.data(), b3.inv_f.data(), prod, packed, variance + i);
    for (size_t q = 0; q < 4; ++q) {
      mean[i + q] = detail::dot(blocks_[ks[i + q]].theta.data(), z, dim_);
      if (!(variance[i + q] > 0.0)) variance[i + q] = 0.0;
    }
  }
  for (; i < n; ++i) mean_variance(ks[i], &mean[i], &variance[i]);
}

void LinearModel::shared_mean_variance_many(const uint32_t* ks, size_t n, double* mean, double* variance) noexcept {
  // z(x, k) = [x~ (x) a~_k, e_k] has Kronecker structure, so the context is folded into A^{-1}
  // once and each variant costs O(attr_dim^2 + attr_dim) instead of O(dim^2):
  //   z' M z = a~' W a~ + 2 a~' V e_k + M[e_k, e_k],  W = (x~ (x) I)' M_uu (x~ (x) I),
  //   V = (x~ (x) I)' M_ue;   theta . z = a~ . T + theta_e[k],  T = (x~ (x) I)' theta_u,
  // with M = A^{-1} in double precision (so the shared layout does not use the packed copy).
  const size_t dx = context_dim_ + 1, da = variants_.dim + 1, du = dx * da, kc = variants_.count;
  const Block& bl = blocks_[0];
  const double* m = bl.inv.data();  // column-major dim_ x dim_
  const double* x = xt_.data();
  double* y = kron_.data();         // du x da: Y[:, q] = sum_j x~_j M_uu[:, (j, q)]
  double* w = y + du * da;          // da x da
  double* v = w + da * da;          // da x kc
  double* t = v + da * kc;          // da
  for (size_t q = 0; q < da; ++q) {
    double* yq = y + q * du;
    for (size_t r = 0; r < du; ++r) yq[r] = 0.0;
    for (size_t j = 0; j < dx; ++j) {
      const double xj = x[j];
      const double* col = m + (j * da + q) * dim_;
      for (size_t r = 0; r < du; ++r) yq[r] += xj * col[r];
    }
  }
  for (size_t q = 0; q < da; ++q)
    for (size_t p = 0; p < da; ++p) {
      double acc = 0.0;
      for (size_t i = 0; i < dx; ++i) acc += x[i] * y[q * du + i * da + p];
      w[q * da + p] = acc;
    }
  for (size_t k = 0; k < kc; ++k) {
    const double* col = m + (du + k) * dim_;  // M[:, e_k]
    for (size_t p = 0; p < da; ++p) {
      double acc = 0.0;
      for (size_t i = 0; i < dx; ++i) acc += x[i] * col[i * da + p];
      v[k * da + p] = acc;
    }
  }
  for (size_t p = 0; p < da; ++p) {
    double acc = 0.0;
    for (size_t i = 0; i < dx; ++i) acc += x[i] * bl.theta[static_cast<Eigen::Index>(i * da + p)];
    t[p] = acc;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t k = ks[i];
    const double* a = variants_.row(k);
    auto at = [&](size_t p) { return p == 0 ? 1.0 : a[p - 1]; };
    double quad = 0.0, cross = 0.0, mu = t[0];
    for (size_t q = 0; q < da; ++q) {
      double row = 0.0;
      for (size_t p = 0; p < da; ++p) row += w[q * da + p] * at(p);
      quad += at(q) * row;
      cross += at(q) * v[k * da + q];
    }
    for (size_t p = 1; p < da; ++p) mu += a[p - 1] * t[p];
    mean[i] = mu + bl.theta[static_cast<Eigen::Index>(du + k)];
    const double var = quad + 2.0 * cross + m[(du + k) * dim_ + du + k];
    variance[i] = var > 0.0 ? var : 0.0;
  }
}

double LinearModel::mean(size_t k) noexcept {
  Block& bl = block_of(k);
  return detail::dot(bl.theta.data(), features(k), dim_);
}

void LinearModel::update(const double* context, size_t k, double reward, double weight) {
  prepare(context);
  Block& bl = block_of(k);
  const double* z = features(k);
  // S += w z z^T (kept full and symmetric), b += w r z.
  detail::rank1(bl.stats.data(), weight, z, z, dim_);
  for (size_t i = 0; i < dim_; ++i) bl.b[static_cast<Eigen::Index>(i)] += weight * reward * z[i];
  bl.count += weight;
  ++bl.since_refactor;
  if (bl.since_refactor >= options_.refactor_every) {
    refactor_block(bl);
    return;
  }
  // Sherman-Morrison on A^{-1} and recursive least squares on theta.
  detail::symv(bl.inv.data(), z, tmp_.data(), dim_);
  double zu;
  const double pred = detail::dot2(bl.theta.data(), tmp_.data(), z, dim_, &zu);
  const double denom = 1.0 + weight * zu;
  if (!(denom > 0.0) || !std::isfinite(denom)) {  // rounding trouble: start again from S
    refactor_block(bl);
    return;
  }
  const double gain = weight * (reward - pred) / denom;
  for (size_t i = 0; i < dim_; ++i) bl.theta[static_cast<Eigen::Index>(i)] += gain * tmp_[static_cast<Eigen::Index>(i)];
  detail::rank1(bl.inv.data(), -weight / denom, tmp_.data(), tmp_.data(), dim_);
  pack_inverse(bl);
}

void LinearModel::pack_inverse(Block& bl) {
  bl.inv_f.resize(static_cast<Eigen::Index>(dim_ * (dim_ + 1) / 2));
  detail::pack_lower_f(bl.inv.data(), dim_, bl.inv_f.data());
}

void LinearModel::refactor_block(Block& bl) {
  const Eigen::Index d = static_cast<Eigen::Index>(dim_);
  if (options_.forgetting < 1.0 && bl.since_refactor > 0) {
    const double g = std::pow(options_.forgetting, static_cast<double>(bl.since_refactor));
    bl.stats *= g;
    bl.b *= g;
    bl.count *= g;
  }
  bl.since_refactor = 0;
  Eigen::MatrixXd a = bl.stats;
  a.diagonal().array() += options_.regularization;
  Eigen::LLT<Eigen::MatrixXd> llt(a);
  // Statistics pushed to numeric extremes (a hostile loaded state, absurd contexts) can lose
  // positive definiteness: a clean error for the caller, not an internal one.
  if (llt.info() != Eigen::Success)
    throw error(status::out_of_range, "the learned statistics are numerically degenerate (ridge matrix not positive definite)");
  bl.inv = llt.solve(Eigen::MatrixXd::Identity(d, d));
  bl.inv = 0.5 * (bl.inv + bl.inv.transpose()).eval();
  bl.theta = bl.inv * bl.b;
  pack_inverse(bl);
}

void LinearModel::refactor() {
  for (auto& bl : blocks_) refactor_block(bl);
}

bool LinearModel::same_shape(const LinearModel& o) const noexcept {
  return options_.kind == o.options_.kind && context_dim_ == o.context_dim_ && variants_.count == o.variants_.count &&
         variants_.dim == o.variants_.dim && variants_.values == o.variants_.values &&
         options_.regularization == o.options_.regularization;
}

void LinearModel::merge(const LinearModel& other, const LinearModel* base) {
  if (!same_shape(other) || (base && !same_shape(*base)))
    throw invalid_argument("cannot merge models of different shape, variants or regularization");
  // Work on copies so a failure leaves *this unchanged.
  std::vector<Block> merged = blocks_;
  for (size_t i = 0; i < merged.size(); ++i) {
    Block& m = merged[i];
    const Block& o = other.blocks_[i];
    auto sym = [](const Eigen::MatrixXd& s) -> const Eigen::MatrixXd& { return s; };
    Eigen::MatrixXd s = sym(m.stats) + sym(o.stats);
    m.b += o.b;
    m.count += o.count;
    if (base) {
      s -= sym(base->blocks_[i].stats);
      m.b -= base->blocks_[i].b;
      m.count -= base->blocks_[i].count;
    }
    m.stats = s;
    m.since_refactor = 0;
  }
  for (auto& bl : merged) refactor_block(bl);
  blocks_.swap(merged);
}

double LinearModel::observations(size_t k) const noexcept {
  return blocks_[options_.kind == ModelKind::per_variant ? k : 0].count;
}

void LinearModel::write(detail::ByteWriter& out) const {
  const size_t n = dim_ * dim_;
  for (const auto& bl : blocks_) {
    out.f64(bl.count);
    out.u32(bl.since_refactor);
    out.f64s(bl.stats.data(), n);
    out.f64s(bl.b.data(), dim_);
    out.f64s(bl.inv.data(), n);
    out.f64s(bl.theta.data(), dim_);
  }
}

void LinearModel::read(detail::ByteReader& in) {
  const size_t n = dim_ * dim_;
  std::vector<Block> blocks = blocks_;
  for (auto& bl : blocks) {
    bl.count = in.f64();
    bl.since_refactor = in.u32();
    in.f64s(bl.stats.data(), n);
    in.f64s(bl.b.data(), dim_);
    in.f64s(bl.inv.data(), n);
    in.f64s(bl.theta.data(), dim_);
    if (!std::isfinite(bl.count) || bl.count < 0.0 || !bl.stats.allFinite() || !bl.b.allFinite() ||
        !bl.inv.allFinite() || !bl.theta.allFinite() || bl.since_refactor >= options_.refactor_every)
      throw error(status::format_error, "policy state holds invalid statistics");
    // Both the ridge matrix (stats + lambda I) and its stored inverse must be positive definite:
    // otherwise a loaded state failed later, inside choose()/learn(), with status::internal, or
    // gave negative variances (found by tests/fuzz/fuzz_policy). A saved state always passes.
    Eigen::MatrixXd a = bl.stats;
    a.diagonal().array() += options_.regularization;
    if (Eigen::LLT<Eigen::MatrixXd>(a).info() != Eigen::Success ||
        Eigen::LLT<Eigen::MatrixXd>(bl.inv).info() != Eigen::Success)
      throw error(status::format_error, "policy state holds a ridge matrix that is not positive definite");
    pack_inverse(bl);
  }
  blocks_.swap(blocks);
}

}  // namespace attune::select
