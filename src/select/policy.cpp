#include "attune/select/policy.hpp"

#include "attune/error.hpp"
#include "binary_io.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <fstream>
#include <sstream>

namespace attune::select {
namespace {

constexpr char kMagic[8] = {'A', 'T', 'S', 'E', 'L', 'P', 'O', 'L'};
constexpr uint32_t kFormatVersion = 1;
constexpr double kMaxAbsReward = 1e6;

// ---- Phi by table: Phi(x) for x in [-8, 8] at steps of 1/128, linear interpolation. ----------
// The interpolation error is below h^2/8 * max|phi'| = 4e-7; outside the table Phi is 0 or 1
// to within 7e-16.
constexpr int kPhiSteps = 128;
constexpr double kPhiRange = 8.0;
constexpr int kPhiSize = static_cast<int>(2 * kPhiRange * kPhiSteps) + 1;

const std::array<double, kPhiSize>& phi_table() {
  static const std::array<double, kPhiSize> table = [] {
    std::array<double, kPhiSize> t{};
    for (int i = 0; i < kPhiSize; ++i) {
      const double x = -kPhiRange + static_cast<double>(i) / kPhiSteps;
      t[static_cast<size_t>(i)] = 0.5 * std::erfc(-x / std::sqrt(2.0));
    }
    return t;
  }();
  return table;
}

inline double fast_phi(const std::array<double, kPhiSize>& t, double x) noexcept {
  if (!(x > -kPhiRange)) return 0.0;
  if (x >= kPhiRange) return 1.0;
  const double pos = (x + kPhiRange) * kPhiSteps;
  const int i = static_cast<int>(pos);
  const double f = pos - i;
  if (i >= kPhiSize - 1) return 1.0;
  return t[static_cast<size_t>(i)] + f * (t[static_cast<size_t>(i) + 1] - t[static_cast<size_t>(i)]);
}

// ---- Inverse Mills ratio r(x) = phi(x) / Phi(x) by table on the same grid (for the mode search
// of the adaptive rule below; only needs to be roughly right there). Below -8, r(x) ~ -x - 1/x.
const std::array<double, kPhiSize>& mills_table() {
  static const std::array<double, kPhiSize> table = [] {
    std::array<double, kPhiSize> t{};
    for (int i = 0; i < kPhiSize; ++i) {
      const double x = -kPhiRange + static_cast<double>(i) / kPhiSteps;
      t[static_cast<size_t>(i)] = std::exp(-0.5 * x * x) / std::sqrt(2.0 * 3.14159265358979323846) /
                                  (0.5 * std::erfc(-x / std::sqrt(2.0)));
    }
    return t;
  }();
  return table;
}

inline double fast_mills(const std::array<double, kPhiSize>& t, double x) noexcept {
  if (!(x > -kPhiRange)) return -x - 1.0 / x;
  if (x >= kPhiRange) return 0.0;
  const double pos = (x + kPhiRange) * kPhiSteps;
  const int i = static_cast<int>(pos);
  const double f = pos - i;
  if (i >= kPhiSize - 1) return 0.0;
  return t[static_cast<size_t>(i)] + f * (t[static_cast<size_t>(i) + 1] - t[static_cast<size_t>(i)]);
}

// ---- Gauss-Hermite nodes and weights (weight exp(-t^2)) by Golub-Welsch. -----------------------
constexpr int kHermiteNodes = 12;
struct Hermite {
  std::array<double, kHermiteNodes> node;    // sqrt(2) * t_i, so s = m + sd * node
  std::array<double, kHermiteNodes> weight;  // w_i / sqrt(pi), sums to 1
  int first = 0, last = kHermiteNodes - 1;   // nodes with weight >= 1e-12
};

const Hermite& hermite() {
  static const Hermite h = [] {
    Eigen::MatrixXd j = Eigen::MatrixXd::Zero(kHermiteNodes, kHermiteNodes);
    for (int i = 1; i < kHermiteNodes; ++i) j(i, i - 1) = j(i - 1, i) = std::sqrt(i / 2.0);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(j);
    Hermite out{};
    double total = 0.0;
    for (int i = 0; i < kHermiteNodes; ++i) {
      out.node[static_cast<size_t>(i)] = std::sqrt(2.0) * es.eigenvalues()[i];
      const double v0 = es.eigenvectors()(0, i);
      out.weight[static_cast<size_t>(i)] = v0 * v0;  // sqrt(pi) v0^2 / sqrt(pi)
      total += v0 * v0;
    }
    for (auto& w : out.weight) w /= total;
    while (out.first < kHermiteNodes - 1 && out.weight[static_cast<size_t>(out.first)] < 1e-12) ++out.first;
    while (out.last > 0 && out.weight[static_cast<size_t>(out.last)] < 1e-12) --out.last;
    return out;
  }();
  return h;
}

// ---- 5-point Gauss-Legendre on [-1, 1] (Golub-Welsch), for the composite rule below. --------
constexpr int kLegendreNodes = 5;
struct Legendre {
  std::array<double, kLegendreNodes> node, weight;
};
const Legendre& legendre() {
  static const Legendre l = [] {
    Eigen::MatrixXd j = Eigen::MatrixXd::Zero(kLegendreNodes, kLegendreNodes);
    for (int i = 1; i < kLegendreNodes; ++i) j(i, i - 1) = j(i - 1, i) = i / std::sqrt(4.0 * i * i - 1.0);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(j);
    Legendre out{};
    for (int i = 0; i < kLegendreNodes; ++i) {
      out.node[static_cast<size_t>(i)] = es.eigenvalues()[i];
      const double v0 = es.eigenvectors()(0, i);
      out.weight[static_cast<size_t>(i)] = 2.0 * v0 * v0;
    }
    return out;
  }();
  return l;
}

// The competitors of the chosen variant that still matter, as the quadrature walks up the score
// axis. Nodes are visited in increasing order of s, and once Phi((s - m_j)/s_j) is exactly 1 (the
// table saturates at +8) it stays 1 for every later node, so such a competitor is dropped for good
// (a stable compaction, so the order of the products, and therefore the result, is deterministic).
struct Competitors {
  double mean[kMaxVariantsPerSlot];
  double inv[kMaxVariantsPerSlot];  // 1 / s_j, or 0 for a point mass
  size_t n = 0;

  // prod_j Phi((s - m_j) / s_j) times `w`, dropping the competitors that are 1 from here on.
  double product(const std::array<double, kPhiSize>& t, double s, double w) noexcept {
    size_t keep = 0;
    for (size_t q = 0; q < n; ++q) {
      const double mj = mean[q], iq = inv[q];
      double f;
      if (iq > 0.0) {
        const double x = (s - mj) * iq;
        if (x >= kPhiRange) continue;  // 1 here and at every later node
        f = fast_phi(t, x);
      } else {
        if (s > mj) continue;
        f = s == mj ? 0.5 : 0.0;
      }
      mean[keep] = mj;
      inv[keep] = iq;
      ++keep;
      w *= f;
    }
    n = keep;
    return w;
  }
};

// Composite rule for the case Gauss-Hermite handles badly: a competitor j whose score spread is
// much narrower than the chosen variant's turns Phi((s - m_j)/s_j) into a near-step inside the
// integration range. The range [max(m - 7 s, floor_s), m + 7 s] of the chosen variant (N(m, s^2))
// is cut into panels of width at most s, and at most 1.5 s_j wherever the panel meets the window
// m_j +- 6 s_j of a narrow competitor (where its Phi is not within 1e-9 of 0 or 1); each panel is
// integrated with 5-point Gauss-Legendre (error far below 1e-6 on such panels). Overlapping
// windows share panels, and below floor_s some competitor's Phi is 0, so the panel count stays
// near (span of the windows above floor_s) / (1.5 min s_j) + 14 instead of growing with the number
// of competitors. The mass beyond +-7 s (< 3e-12) is dropped.
double win_probability_composite(double ma, double sa, Competitors c, double floor_s) {
  const double lo = std::max(ma - 7.0 * sa, floor_s), hi = ma + 7.0 * sa;
  if (!(hi > lo)) return 0.0;
  // Windows of the narrow competitors that meet the range: [m_j - 6 s_j, m_j + 6 s_j] and 1.5 s_j.
  double wlo[kMaxVariantsPerSlot], whi[kMaxVariantsPerSlot], wh[kMaxVariantsPerSlot];
  size_t nw = 0;
  for (size_t q = 0; q < c.n; ++q) {
    const double mj = c.mean[q];
    const double sj = c.inv[q] > 0.0 ? 1.0 / c.inv[q] : 0.0;
    if (sj >= 0.4 * sa || mj + 6.0 * sj < lo || mj - 6.0 * sj > hi) continue;
    wlo[nw] = mj - 6.0 * sj;
    whi[nw] = mj + 6.0 * sj;
    wh[nw] = sj > 0.0 ? 1.5 * sj : 0.0;  // a point mass: a panel edge exactly at its step
    ++nw;
  }
  const auto& t = phi_table();
  const auto& gl = legendre();
  const double norm = 1.0 / (sa * std::sqrt(2.0 * 3.14159265358979323846));
  double p = 0.0;
  double a = lo;
  while (a < hi) {
    if (c.n == 0) {  // every competitor is at 1 from here on: the rest is Gaussian mass
      const double r = 1.0 / (sa * std::sqrt(2.0));
      p += 0.5 * (std::erfc((a - ma) * r) - std::erfc((hi - ma) * r));
      break;
    }
    double b = std::min(a + sa, hi);
    for (size_t w = 0; w < nw; ++w) {
      if (whi[w] <= a || wlo[w] >= b) continue;
      if (wh[w] > 0.0) {
        // the panel meets window w: shorten it to 1.5 s_j, or end it where the window starts
        b = wlo[w] > a ? std::min(b, wlo[w]) : std::min(b, a + wh[w]);
      } else {
        const double step = 0.5 * (wlo[w] + whi[w]);
        if (step > a && step < b) b = step;
      }
    }
    if (!(b > a)) b = std::nextafter(a, hi);  // (rounding guard: always make progress)
    const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
    for (int g = 0; g < kLegendreNodes; ++g) {
      const double s = mid + half * gl.node[static_cast<size_t>(g)];
      const double zz = (s - ma) / sa;
      p += c.product(t, s, gl.weight[static_cast<size_t>(g)] * half * norm * std::exp(-0.5 * zz * zz));
    }
    a = b;
  }
  return p;
}

bool same_options(const PolicyOptions& a, const PolicyOptions& b) {
  return a.kind == b.kind && a.model == b.model && a.regularization == b.regularization &&
         a.effective_exploration() == b.effective_exploration() && a.epsilon_decay == b.epsilon_decay &&
         a.epsilon_min == b.epsilon_min && a.forgetting == b.forgetting && a.refactor_every == b.refactor_every &&
         a.importance_weighting == b.importance_weighting && a.max_importance_weight == b.max_importance_weight &&
         a.min_propensity == b.min_propensity;
}

}  // namespace

double thompson_win_probability(size_t which, const double* mean, const double* sd, size_t n) noexcept {
  const auto& t = phi_table();
  const auto& h = hermite();
  const double ma = mean[which], sa = sd[which];
  // Nodes whose weight is negligible (< 1e-12, together < 1e-11) are skipped. Below floor_s some
  // competitor's Phi is 0 (its score is 8 standard deviations above), so nodes there contribute
  // nothing; competitors whose Phi is 1 over the whole range drop out of the product at once, the
  // others as soon as it becomes 1 (Competitors::product).
  const int first = h.first, last = h.last;
  const double lo = sa > 0.0 ? ma + sa * h.node[static_cast<size_t>(first)] : ma;
  Competitors c;
  double floor_s = -INFINITY;
  bool narrow = false;
  for (size_t j = 0; j < n; ++j) {
    if (j == which) continue;
    if (sd[j] > 0.0) {
      if ((lo - mean[j]) >= kPhiRange * sd[j]) continue;
      c.inv[c.n] = 1.0 / sd[j];
      floor_s = std::max(floor_s, mean[j] - kPhiRange * sd[j]);
    } else {
      if (lo > mean[j]) continue;
      c.inv[c.n] = 0.0;
      floor_s = std::max(floor_s, mean[j]);
    }
    narrow |= sd[j] < 0.4 * sa;
    c.mean[c.n++] = mean[j];
  }
  if (c.n == 0) return 1.0;
  if (narrow && sa > 0.0) {
    const double p = win_probability_composite(ma, sa, c, floor_s);
    return p > 1.0 ? 1.0 : p;
  }
  if (!(sa > 0.0)) return c.product(t, ma, 1.0);
  // Adaptive Gauss-Hermite: the integrand f(s) = N(s; m, s^2) prod_j Phi_j(s) is log-concave (a
  // product of log-concave factors), so it has one mode s*; the rule is centred there with the
  // scale tau = (-(log f)''(s*))^{-1/2} of the Laplace fit, and integrates f / N(s; s*, tau^2),
  // which is smooth. Plain Gauss-Hermite around m fails when many similar competitors make
  // prod_j Phi_j much steeper than any one of them (the maximum of 49 draws has about a third
  // of their spread): 10-15 % relative error with 50 variants, below 1e-4 here.
  const auto& mt = mills_table();
  const double ia = 1.0 / sa, ia2 = ia * ia;
  auto slope = [&](double x, double* curvature) {  // (log f)'(x) and (log f)''(x)
    double d1 = -(x - ma) * ia2, d2 = -ia2;
    for (size_t q = 0; q < c.n; ++q) {
      const double iq = c.inv[q];
      if (!(iq > 0.0)) continue;
      const double u = (x - c.mean[q]) * iq;
      const double r = fast_mills(mt, u);
      d1 += r * iq;
      d2 -= r * (u + r) * iq * iq;
    }
    *curvature = d2;
    return d1;
  };
  // Safeguarded Newton on (log f)', which is decreasing (log-concavity) and positive at m (every
  // Phi_j adds a positive term); (log f)'' <= -1/s^2 < 0, so each step is defined. The rule only
  // needs the mode to a fraction of tau: stop at steps under 1 % of the local scale.
  double x = ma, lo_b = -INFINITY, hi_b = INFINITY, curv = -ia2;
  for (int it = 0; it < 30; ++it) {
    const double g1 = slope(x, &curv);
    if (g1 > 0.0) lo_b = x; else hi_b = x;
    const double step = -g1 / curv;
    double nx = x + std::max(-4.0 * sa, std::min(4.0 * sa, step));
    if (!(nx > lo_b && nx < hi_b) && std::isfinite(lo_b) && std::isfinite(hi_b)) nx = 0.5 * (lo_b + hi_b);
    if (std::fabs(step) * std::sqrt(-curv) < 0.01) break;
    x = nx;
  }
  const double tau = curv < 0.0 ? 1.0 / std::sqrt(-curv) : sa;
  double p = 0.0;
  for (int g = first; g <= last; ++g) {
    const double u = h.node[static_cast<size_t>(g)];
    const double s = x + tau * u;
    if (s < floor_s) continue;
    const double zz = (s - ma) * ia;
    // weight_g * f(s) / N(u; 0, 1) * tau, with f's Gaussian factor folded in
    const double w = h.weight[static_cast<size_t>(g)] * tau * ia * std::exp(0.5 * (u * u - zz * zz));
    if (c.n == 0) {
      p += w;
      continue;
    }
    p += c.product(t, s, w);
  }
  return p > 1.0 ? 1.0 : p;
}

// ---- names and options -----------------------------------------------------------------------

const char* policy_kind_name(PolicyKind kind) noexcept {
  switch (kind) {
    case PolicyKind::linear_thompson: return "linear_thompson";
    case PolicyKind::lin_ucb: return "lin_ucb";
    case PolicyKind::epsilon_greedy: return "epsilon_greedy";
    case PolicyKind::uniform: return "uniform";
  }
  return "unknown";
}

PolicyKind policy_kind_from_name(std::string_view name) {
  if (name == "linear_thompson" || name == "thompson" || name == "lints") return PolicyKind::linear_thompson;
  if (name == "lin_ucb" || name == "linucb" || name == "ucb") return PolicyKind::lin_ucb;
  if (name == "epsilon_greedy" || name == "egreedy" || name == "epsilon") return PolicyKind::epsilon_greedy;
  if (name == "uniform" || name == "random") return PolicyKind::uniform;
  throw invalid_argument("unknown policy '" + std::string(name) +
                         "' (expected linear_thompson, lin_ucb, epsilon_greedy or uniform)");
}

double PolicyOptions::effective_exploration() const noexcept {
  if (exploration >= 0.0) return exploration;
  switch (kind) {
    case PolicyKind::linear_thompson: return kDefaultThompsonScale;
    case PolicyKind::lin_ucb: return kDefaultUcbAlpha;
    case PolicyKind::epsilon_greedy: return kDefaultEpsilon;
    case PolicyKind::uniform: return 0.0;
  }
  return 0.0;
}

void PolicyOptions::validate() const {
  auto bad = [](const char* what) { throw invalid_argument(std::string("policy options: ") + what, status::out_of_range); };
  if (static_cast<int>(kind) > 3) bad("unknown kind");
  if (static_cast<int>(model) > 1) bad("unknown model layout");
  if (!(regularization > 0.0) || !std::isfinite(regularization)) bad("regularization must be finite and > 0");
  if (!std::isfinite(exploration)) bad("exploration must be finite (negative = default)");
  if (kind == PolicyKind::epsilon_greedy && effective_exploration() > 1.0) bad("epsilon must be in [0, 1]");
  if (!(epsilon_decay >= 0.0) || !std::isfinite(epsilon_decay)) bad("epsilon_decay must be finite and >= 0");
  if (!(epsilon_min >= 0.0 && epsilon_min <= 1.0)) bad("epsilon_min must be in [0, 1]");
  if (!(forgetting > 0.0 && forgetting <= 1.0)) bad("forgetting must be in (0, 1]");
  if (refactor_every == 0) bad("refactor_every must be >= 1");
  if (!(max_importance_weight >= 1.0) || !std::isfinite(max_importance_weight)) bad("max_importance_weight must be >= 1");
  if (!(min_propensity > 0.0 && min_propensity < 1.0)) bad("min_propensity must be in (0, 1)");
}

VariantFeatures plain_variants(size_t count) {
  VariantFeatures v;
  v.count = count;
  v.dim = 0;
  return v;
}

// ---- Policy base -----------------------------------------------------------------------------

Policy::Policy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants)
    : options_(options), context_dim_(context_dim), variants_(variants) {
  options.validate();
  if (variants.count == 0 || variants.count > kMaxVariantsPerSlot)
    throw invalid_argument("a policy needs 1.." + std::to_string(kMaxVariantsPerSlot) + " variants", status::limit_exceeded);
  if (context_dim > 4096) throw invalid_argument("context dimension above 4096", status::limit_exceeded);
  if (variants.values.size() != variants.count * variants.dim) throw invalid_argument("variant feature matrix has the wrong size");
  for (double v : variants.values)
    if (!std::isfinite(v)) throw invalid_argument("variant features must be finite", status::out_of_range);
  mean_.assign(variants.count, 0.0);
  sd_.assign(variants.count, 0.0);
}

void Policy::check_allowed(IndexSpan allowed) const {
  if (allowed.size == 0 || allowed.data == nullptr) throw invalid_argument("the allowed set is empty");
  if (allowed.size > variants_.count) throw invalid_argument("the allowed set has more entries than there are variants");
  std::bitset<kMaxVariantsPerSlot> seen;
  for (size_t i = 0; i < allowed.size; ++i) {
    const uint32_t k = allowed.data[i];
    if (k >= variants_.count)
      throw invalid_argument("allowed variant index " + std::to_string(k) + " is out of range (" +
                                 std::to_string(variants_.count) + " variants)",
                             status::not_found);
    if (seen.test(k)) throw invalid_argument("allowed variant index " + std::to_string(k) + " is listed twice");
    seen.set(k);
  }
}

void Policy::check_context(const double* context) const {
  if (context == nullptr && context_dim_ > 0) throw invalid_argument("context must not be NULL");
  for (size_t i = 0; i < context_dim_; ++i)
    if (!std::isfinite(context[i]))
      throw invalid_argument("context feature " + std::to_string(i) + " is not finite", status::out_of_range);
}

Choice Policy::choose(const double* context, IndexSpan allowed, Rng& rng) {
  check_context(context);
  check_allowed(allowed);
  return do_choose(context, allowed, rng);
}

void Policy::probabilities(const double* context, IndexSpan allowed, double* out) {
  check_context(context);
  check_allowed(allowed);
  if (out == nullptr) throw invalid_argument("output must not be NULL");
  do_probabilities(context, allowed, out);
}

void Policy::expected_rewards(const double* context, IndexSpan allowed, double* out) {
  check_context(context);
  check_allowed(allowed);
  if (out == nullptr) throw invalid_argument("output must not be NULL");
  do_expected(context, allowed, out);
}

void Policy::learn(const double* context, uint32_t variant, double reward, double propensity) {
  check_context(context);
  if (variant >= variants_.count)
    throw invalid_argument("variant index " + std::to_string(variant) + " is out of range", status::not_found);
  if (!std::isfinite(reward) || std::fabs(reward) > kMaxAbsReward)
    throw invalid_argument("reward must be finite with |reward| <= 1e6", status::out_of_range);
  if (!(propensity > 0.0 && propensity <= 1.0)) throw invalid_argument("propensity must be in (0, 1]", status::out_of_range);
  double weight = 1.0;
  if (options_.importance_weighting) weight = std::min(1.0 / propensity, options_.max_importance_weight);
  do_learn(context, variant, reward, weight);
  ++updates_;
}

std::string Policy::save() const {
  detail::ByteWriter w;
  w.raw(std::string_view(kMagic, sizeof kMagic));
  w.u32(kFormatVersion);
  w.u8(static_cast<uint8_t>(options_.kind));
  w.u8(static_cast<uint8_t>(options_.model));
  w.f64(options_.regularization);
  w.f64(options_.exploration);
  w.f64(options_.epsilon_decay);
  w.f64(options_.epsilon_min);
  w.f64(options_.forgetting);
  w.u32(options_.refactor_every);
  w.u8(options_.importance_weighting ? 1 : 0);
  w.f64(options_.max_importance_weight);
  w.f64(options_.min_propensity);
  w.u32(static_cast<uint32_t>(context_dim_));
  w.u32(static_cast<uint32_t>(variants_.count));
  w.u32(static_cast<uint32_t>(variants_.dim));
  w.f64s(variants_.values.data(), variants_.values.size());
  w.u32(static_cast<uint32_t>(variants_.names.size()));
  for (const auto& n : variants_.names) w.bytes(n);
  w.u64(updates_);
  if (const LinearModel* m = model()) m->write(w);
  return std::move(w.str());
}

std::unique_ptr<Policy> Policy::load(std::string_view bytes) {
  detail::ByteReader r(bytes);
  if (r.remaining() < sizeof kMagic || r.raw(sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    throw error(status::format_error, "not an attune policy state (bad magic)");
  const uint32_t version = r.u32();
  if (version != kFormatVersion)
    throw error(status::version_mismatch, "policy state format version " + std::to_string(version) +
                                              " is not supported (this library reads version " +
                                              std::to_string(kFormatVersion) + ")");
  PolicyOptions o;
  const uint8_t kind = r.u8(), model = r.u8();
  if (kind > 3 || model > 1) throw error(status::format_error, "policy state has an unknown policy kind or layout");
  o.kind = static_cast<PolicyKind>(kind);
  o.model = static_cast<ModelKind>(model);
  o.regularization = r.f64();
  o.exploration = r.f64();
  o.epsilon_decay = r.f64();
  o.epsilon_min = r.f64();
  o.forgetting = r.f64();
  o.refactor_every = r.u32();
  o.importance_weighting = r.u8() != 0;
  o.max_importance_weight = r.f64();
  o.min_propensity = r.f64();
  const uint32_t context_dim = r.u32();
  VariantFeatures v;
  v.count = r.u32();
  v.dim = r.u32();
  if (v.count > kMaxVariantsPerSlot || v.dim > 4096 || context_dim > 4096)
    throw error(status::format_error, "policy state has implausible dimensions");
  v.values.resize(v.count * v.dim);
  r.f64s(v.values.data(), v.values.size());
  const uint32_t names = r.u32();
  if (names > 4096) throw error(status::format_error, "policy state has implausible dimensions");
  for (uint32_t i = 0; i < names; ++i) v.names.emplace_back(r.bytes());
  const uint64_t updates = r.u64();
  if (o.kind != PolicyKind::uniform) {
    // The learned state (LinearModel::write) must fill the rest exactly. Checked before
    // make_policy() allocates it: otherwise a 100-byte header claiming 4096 x 4096 shapes made
    // load() reserve terabytes (found by tests/fuzz/fuzz_policy). At most 4097^2 + 256 rows, so
    // the products below stay far from overflowing 64 bits.
    const uint64_t dim = o.model == ModelKind::per_variant
                             ? uint64_t{context_dim} + 1
                             : (uint64_t{context_dim} + 1) * (uint64_t{v.dim} + 1) + v.count;
    const uint64_t blocks = o.model == ModelKind::per_variant ? v.count : 1;
    const uint64_t per_block = 8 + 4 + 8 * (2 * dim * dim + 2 * dim);  // count, since_refactor, matrices, vectors
    if (blocks == 0 || per_block > r.remaining() / blocks || blocks * per_block != r.remaining())
      throw error(status::format_error, "policy state length does not match its shapes (truncated or corrupt)");
  }
  std::unique_ptr<Policy> p;
  try {
    p = make_policy(o, context_dim, v);
  } catch (const std::invalid_argument& e) {
    throw error(status::format_error, std::string("policy state is inconsistent: ") + e.what());
  }
  p->updates_ = updates;
  if (LinearModel* m = p->model()) m->read(r);
  r.expect_end();
  return p;
}

void Policy::save_file(const std::string& path) const {
  const std::string bytes = save();
  std::ofstream f(path, std::ios::binary);
  if (!f) throw error(status::io_error, "cannot open '" + path + "' for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw error(status::io_error, "cannot write '" + path + "'");
}

std::unique_ptr<Policy> Policy::load_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw error(status::io_error, "cannot open '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return load(ss.str());
}

void Policy::merge(const Policy& other, const Policy* base) {
  if (!same_options(options_, other.options_) || (base && !same_options(options_, base->options_)))
    throw invalid_argument("cannot merge policies with different kinds or options");
  if (context_dim_ != other.context_dim_ || variants_.count != other.variants_.count ||
      variants_.values != other.variants_.values ||
      (base && (context_dim_ != base->context_dim_ || variants_.values != base->variants_.values ||
                variants_.count != base->variants_.count)))
    throw invalid_argument("cannot merge policies over different contexts or variants");
  const uint64_t base_updates = base ? base->updates_ : 0;
  if (other.updates_ < base_updates || updates_ < base_updates)
    throw invalid_argument("merge base has more updates than a replica: it is not their common ancestor");
  if (LinearModel* m = model()) m->merge(*other.model(), base ? base->model() : nullptr);
  updates_ = updates_ + other.updates_ - base_updates;
}

std::unique_ptr<Policy> Policy::clone() const { return load(save()); }

std::unique_ptr<Policy> make_policy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants) {
  options.validate();
  switch (options.kind) {
    case PolicyKind::linear_thompson: return std::make_unique<LinearThompson>(options, context_dim, variants);
    case PolicyKind::lin_ucb: return std::make_unique<LinUcb>(options, context_dim, variants);
    case PolicyKind::epsilon_greedy: return std::make_unique<EpsilonGreedy>(options, context_dim, variants);
    case PolicyKind::uniform: return std::make_unique<Uniform>(options, context_dim, variants);
  }
  throw invalid_argument("unknown policy kind");
}

namespace {
LinearModelOptions model_options(const PolicyOptions& o) {
  LinearModelOptions m;
  m.kind = o.model;
  m.regularization = o.regularization;
  m.forgetting = o.forgetting;
  m.refactor_every = o.refactor_every;
  return m;
}

// A posterior that overflowed (a loaded state with huge statistics, or context values far beyond
// what the model saw) must fail the call cleanly: NaN scores gave NaN Thompson propensities and
// an empty LinUCB tie set, i.e. an out-of-bounds pick (found by tests/fuzz/fuzz_policy).
void require_finite_posterior(double mean, double variance) {
  if (!std::isfinite(mean) || !std::isfinite(variance))
    throw invalid_argument("the policy's posterior is not finite for this context (values too large)",
                           status::out_of_range);
}
}  // namespace

// ---- LinearThompson --------------------------------------------------------------------------

LinearThompson::LinearThompson(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants)
    : Policy(options, context_dim, variants), model_(model_options(options), context_dim, variants) {}

void LinearThompson::posterior(const double* context, IndexSpan allowed) {
  model_.prepare(context);
  const double v = options_.effective_exploration();
  model_.mean_variance_many(allowed.data, allowed.size, mean_.data(), sd_.data());
  for (size_t i = 0; i < allowed.size; ++i) {
    require_finite_posterior(mean_[i], sd_[i]);
    sd_[i] = v * std::sqrt(sd_[i]);
  }
}

Choice LinearThompson::do_choose(const double* context, IndexSpan allowed, Rng& rng) {
  posterior(context, allowed);
  size_t best = 0;
  double best_score = -INFINITY;
  for (size_t i = 0; i < allowed.size; ++i) {
    const double s = mean_[i] + sd_[i] * rng.normal();
    if (s > best_score) {
      best_score = s;
      best = i;
    }
  }
  double p = thompson_win_probability(best, mean_.data(), sd_.data(), allowed.size);
  // Posteriors at numeric extremes (hostile loaded states) can defeat the quadrature.
  if (!std::isfinite(p)) throw error(status::out_of_range, "the posterior is numerically degenerate (no propensity)");
  if (p < options_.min_propensity) p = options_.min_propensity;
  return Choice{allowed.data[best], p};
}

void LinearThompson::do_probabilities(const double* context, IndexSpan allowed, double* out) {
  posterior(context, allowed);
  double sum = 0;
  for (size_t i = 0; i < allowed.size; ++i) {
    const double p = thompson_win_probability(i, mean_.data(), sd_.data(), allowed.size);
    if (!std::isfinite(p)) throw error(status::out_of_range, "the posterior is numerically degenerate (no propensity)");
    out[i] = p < options_.min_propensity ? options_.min_propensity : p;
    sum += out[i];
  }
  // Safeguard: on real states the estimates sum to 1 within 1e-5; a degenerate (hostile, loaded)
  // state can break the quadrature's assumptions (fuzz input tests/fuzz/corpus/policy/
  // thompson-sum-2.32), and a distribution is returned all the same.
  if (std::fabs(sum - 1.0) > 1e-3 && sum > 0.0)
    for (size_t i = 0; i < allowed.size; ++i) out[i] /= sum;
}

void LinearThompson::do_expected(const double* context, IndexSpan allowed, double* out) {
  model_.prepare(context);
  for (size_t i = 0; i < allowed.size; ++i) out[i] = model_.mean(allowed.data[i]);
}

void LinearThompson::do_learn(const double* context, uint32_t variant, double reward, double weight) {
  model_.update(context, variant, reward, weight);
}

// ---- LinUcb ----------------------------------------------------------------------------------

LinUcb::LinUcb(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants)
    : Policy(options, context_dim, variants), model_(model_options(options), context_dim, variants) {
  tied_.reserve(variants.count);
}

size_t LinUcb::ties(const double* context, IndexSpan allowed) {
  model_.prepare(context);
  const double alpha = options_.effective_exploration();
  double best = -INFINITY;
  model_.mean_variance_many(allowed.data, allowed.size, mean_.data(), sd_.data());
  for (size_t i = 0; i < allowed.size; ++i) {
    require_finite_posterior(mean_[i], sd_[i]);
    mean_[i] += alpha * std::sqrt(sd_[i]);
    if (mean_[i] > best) best = mean_[i];
  }
  tied_.clear();
  for (size_t i = 0; i < allowed.size; ++i)
    if (mean_[i] == best) tied_.push_back(static_cast<uint32_t>(i));
  return tied_.size();
}

Choice LinUcb::do_choose(const double* context, IndexSpan allowed, Rng& rng) {
  const size_t n = ties(context, allowed);
  const uint32_t pick = n == 1 ? tied_[0] : tied_[rng.below(static_cast<uint32_t>(n))];
  return Choice{allowed.data[pick], 1.0 / static_cast<double>(n)};
}

void LinUcb::do_probabilities(const double* context, IndexSpan allowed, double* out) {
  const size_t n = ties(context, allowed);
  for (size_t i = 0; i < allowed.size; ++i) out[i] = 0.0;
  for (uint32_t i : tied_) out[i] = 1.0 / static_cast<double>(n);
}

void LinUcb::do_expected(const double* context, IndexSpan allowed, double* out) {
  model_.prepare(context);
  for (size_t i = 0; i < allowed.size; ++i) out[i] = model_.mean(allowed.data[i]);
}

void LinUcb::do_learn(const double* context, uint32_t variant, double reward, double weight) {
  model_.update(context, variant, reward, weight);
}

// ---- EpsilonGreedy ---------------------------------------------------------------------------

EpsilonGreedy::EpsilonGreedy(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants)
    : Policy(options, context_dim, variants), model_(model_options(options), context_dim, variants) {
  tied_.reserve(variants.count);
}

double EpsilonGreedy::epsilon() const noexcept {
  const double e = options_.effective_exploration() / (1.0 + options_.epsilon_decay * static_cast<double>(updates_));
  const double eps = e > options_.epsilon_min ? e : options_.epsilon_min;
  return eps > 1.0 ? 1.0 : eps;
}

size_t EpsilonGreedy::ties(const double* context, IndexSpan allowed) {
  model_.prepare(context);
  double best = -INFINITY;
  for (size_t i = 0; i < allowed.size; ++i) {
    mean_[i] = model_.mean(allowed.data[i]);
    if (mean_[i] > best) best = mean_[i];
  }
  tied_.clear();
  for (size_t i = 0; i < allowed.size; ++i)
    if (mean_[i] == best) tied_.push_back(static_cast<uint32_t>(i));
  return tied_.size();
}

Choice EpsilonGreedy::do_choose(const double* context, IndexSpan allowed, Rng& rng) {
  const size_t n = ties(context, allowed);
  const double eps = epsilon();
  const double explore_share = eps / static_cast<double>(allowed.size);
  size_t pick;
  if (rng.uniform() < eps)
    pick = rng.below(static_cast<uint32_t>(allowed.size));
  else
    pick = n == 1 ? tied_[0] : tied_[rng.below(static_cast<uint32_t>(n))];
  bool is_tied = false;
  for (uint32_t t : tied_) is_tied |= (t == pick);
  const double p = explore_share + (is_tied ? (1.0 - eps) / static_cast<double>(n) : 0.0);
  return Choice{allowed.data[pick], p};
}

void EpsilonGreedy::do_probabilities(const double* context, IndexSpan allowed, double* out) {
  const size_t n = ties(context, allowed);
  const double eps = epsilon();
  for (size_t i = 0; i < allowed.size; ++i) out[i] = eps / static_cast<double>(allowed.size);
  for (uint32_t i : tied_) out[i] += (1.0 - eps) / static_cast<double>(n);
}

void EpsilonGreedy::do_expected(const double* context, IndexSpan allowed, double* out) {
  model_.prepare(context);
  for (size_t i = 0; i < allowed.size; ++i) out[i] = model_.mean(allowed.data[i]);
}

void EpsilonGreedy::do_learn(const double* context, uint32_t variant, double reward, double weight) {
  model_.update(context, variant, reward, weight);
}

// ---- Uniform ---------------------------------------------------------------------------------

Uniform::Uniform(const PolicyOptions& options, size_t context_dim, const VariantFeatures& variants)
    : Policy(options, context_dim, variants) {}

Choice Uniform::do_choose(const double*, IndexSpan allowed, Rng& rng) {
  const uint32_t pick = rng.below(static_cast<uint32_t>(allowed.size));
  return Choice{allowed.data[pick], 1.0 / static_cast<double>(allowed.size)};
}

void Uniform::do_probabilities(const double*, IndexSpan allowed, double* out) {
  for (size_t i = 0; i < allowed.size; ++i) out[i] = 1.0 / static_cast<double>(allowed.size);
}

void Uniform::do_expected(const double*, IndexSpan allowed, double* out) {
  for (size_t i = 0; i < allowed.size; ++i) out[i] = 0.0;
}

}  // namespace attune::select
