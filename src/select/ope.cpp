// Off-policy evaluation estimators (see include/attune/select/ope.hpp for the definitions).
#include "attune/select/ope.hpp"

#include "attune/error.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace attune::select::ope {

namespace {

std::string row_msg(const char* what, std::size_t i, double v) {
  return std::string("ope: ") + what + " at row " + std::to_string(i) + " is " + std::to_string(v);
}

void require_array(const double* p, std::size_t n, const char* name) {
  if (p == nullptr && n > 0) throw invalid_argument(std::string("ope: ") + name + " array is null");
}

// The weights as used (clipped), plus the diagnostics that describe them.
struct Weights {
  std::vector<double> w;
  Diagnostics d;
};

Weights compute_weights(const Logs& logs, const Options& options) {
  Weights out;
  const std::size_t n = logs.size;
  out.w.resize(n);
  Diagnostics& d = out.d;
  d.n = n;
  d.clip = options.clip;
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double w = logs.target[i] / logs.propensity[i];
    d.max_raw_weight = std::max(d.max_raw_weight, w);
    if (w > options.clip) {
      w = options.clip;
      ++d.n_clipped;
    }
    out.w[i] = w;
    sum += w;
    sum_sq += w * w;
    d.max_weight = std::max(d.max_weight, w);
  }
  d.weight_sum = sum;
  d.weight_mean = sum / static_cast<double>(n);
  d.ess = sum_sq > 0 ? sum * sum / sum_sq : 0.0;
  d.top_rows = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(options.top_fraction * static_cast<double>(n) - 1e-9)));
  d.top_rows = std::min(d.top_rows, n);
  std::vector<double> sorted = out.w;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(d.top_rows - 1), sorted.end(),
                   std::greater<double>());
  double top = 0;
  for (std::size_t i = 0; i < d.top_rows; ++i) top += sorted[i];
  d.top_weight_share = sum > 0 ? top / sum : 0.0;
  return out;
}

double sample_sd(const std::vector<double>& t, double mean) {
  double ss = 0;
  for (double v : t) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(t.size() - 1));
}

double quantile_sorted(const std::vector<double>& s, double p) {
  const double pos = p * static_cast<double>(s.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return s[lo] + frac * (s[hi] - s[lo]);
}

// Percentile bootstrap of a statistic that is a ratio of sums over rows: num = sum a_i,
// den = sum b_i (den == nullptr: den = n). Resamples with den == 0 are skipped.
void bootstrap_interval(const std::vector<double>& a, const std::vector<double>* b, const Options& o,
                        double& lower, double& upper) {
  const std::size_t n = a.size();
  std::mt19937_64 rng(o.seed);
  std::vector<double> stats;
  stats.reserve(o.bootstrap_resamples);
  for (std::uint32_t r = 0; r < o.bootstrap_resamples; ++r) {
    double num = 0, den = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(rng() % n);
      num += a[i];
      if (b) den += (*b)[i];
    }
    if (!b) den = static_cast<double>(n);
    if (den > 0) stats.push_back(num / den);
  }
  if (stats.size() * 2 < o.bootstrap_resamples)
    throw invalid_argument("ope: bootstrap failed: most resamples have zero total weight");
  std::sort(stats.begin(), stats.end());
  const double alpha = 1.0 - o.confidence;
  lower = quantile_sorted(stats, alpha / 2);
  upper = quantile_sorted(stats, 1.0 - alpha / 2);
}

Estimate finish(Estimator which, double value, double se, const Diagnostics& d, const Options& o) {
  Estimate e;
  e.estimator = which;
  e.value = value;
  e.std_error = se;
  e.confidence = o.confidence;
  e.interval = o.interval;
  e.diagnostics = d;
  const double z = normal_quantile(0.5 + o.confidence / 2);
  e.lower = value - z * se;
  e.upper = value + z * se;
  return e;
}

}  // namespace

const char* estimator_name(Estimator e) noexcept {
  switch (e) {
    case Estimator::ips: return "ips";
    case Estimator::snips: return "snips";
    case Estimator::dr: return "dr";
  }
  return "unknown";
}

Logs OwnedLogs::view() const {
  Logs l;
  l.reward = reward.data();
  l.propensity = propensity.data();
  l.target = target.data();
  l.size = reward.size();
  l.q_logged = q_logged.empty() ? nullptr : q_logged.data();
  l.q_target = q_target.empty() ? nullptr : q_target.data();
  return l;
}

void validate(const Logs& logs, bool need_reward_model) {
  const std::size_t n = logs.size;
  if (n < 2) throw invalid_argument("ope: at least 2 logged rows are needed (got " + std::to_string(n) + ")");
  require_array(logs.reward, n, "reward");
  require_array(logs.propensity, n, "propensity");
  require_array(logs.target, n, "target probability");
  if (need_reward_model) {
    if (logs.q_logged == nullptr || logs.q_target == nullptr)
      throw invalid_argument("ope: doubly robust needs reward-model values q_logged and q_target for every row");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double r = logs.reward[i], p = logs.propensity[i], t = logs.target[i];
    if (!std::isfinite(r)) throw invalid_argument(row_msg("reward", i, r), status::out_of_range);
    if (!(p > 0.0 && p <= 1.0))
      throw invalid_argument(row_msg("propensity (must be in (0, 1])", i, p), status::out_of_range);
    if (!(t >= 0.0 && t <= 1.0))
      throw invalid_argument(row_msg("target probability (must be in [0, 1])", i, t), status::out_of_range);
    if (need_reward_model) {
      if (!std::isfinite(logs.q_logged[i]))
        throw invalid_argument(row_msg("reward-model value q_logged", i, logs.q_logged[i]), status::out_of_range);
      if (!std::isfinite(logs.q_target[i]))
        throw invalid_argument(row_msg("reward-model value q_target", i, logs.q_target[i]), status::out_of_range);
    }
  }
}

void validate(const Options& o) {
  if (!(o.clip > 0.0)) throw invalid_argument("ope: clip must be > 0 (+infinity disables clipping)", status::out_of_range);
  if (!(o.confidence > 0.0 && o.confidence < 1.0))
    throw invalid_argument("ope: confidence must be in (0, 1)", status::out_of_range);
  if (o.interval != IntervalMethod::analytic && o.interval != IntervalMethod::bootstrap)
    throw invalid_argument("ope: unknown interval method");
  if (o.interval == IntervalMethod::bootstrap && (o.bootstrap_resamples < 10 || o.bootstrap_resamples > 1000000))
    throw invalid_argument("ope: bootstrap_resamples must be in [10, 1000000]", status::out_of_range);
  if (!(o.top_fraction > 0.0 && o.top_fraction <= 1.0))
    throw invalid_argument("ope: top_fraction must be in (0, 1]", status::out_of_range);
}

OwnedLogs from_matrix(const std::int64_t* actions, const double* reward, const double* propensity,
                      const double* target_matrix, std::size_t n, std::size_t n_actions, const double* q_matrix) {
  if (n_actions == 0) throw invalid_argument("ope: n_actions must be > 0");
  if (n > 0 && (actions == nullptr || reward == nullptr || propensity == nullptr || target_matrix == nullptr))
    throw invalid_argument("ope: actions, reward, propensity and target matrix must not be null");
  OwnedLogs out;
  out.reward.assign(reward, reward + n);
  out.propensity.assign(propensity, propensity + n);
  out.target.resize(n);
  if (q_matrix) {
    out.q_logged.resize(n);
    out.q_target.resize(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t a = actions[i];
    if (a < 0 || static_cast<std::uint64_t>(a) >= n_actions)
      throw invalid_argument("ope: action at row " + std::to_string(i) + " is " + std::to_string(a) +
                                 ", outside [0, " + std::to_string(n_actions) + ")",
                             status::out_of_range);
    const double* row = target_matrix + i * n_actions;
    double s = 0, q = 0;
    for (std::size_t k = 0; k < n_actions; ++k) {
      if (!(row[k] >= 0.0 && row[k] <= 1.0))
        throw invalid_argument(row_msg("target probability (must be in [0, 1])", i, row[k]), status::out_of_range);
      s += row[k];
      if (q_matrix) {
        const double qv = q_matrix[i * n_actions + k];
        if (!std::isfinite(qv)) throw invalid_argument(row_msg("reward-model value", i, qv), status::out_of_range);
        q += row[k] * qv;
      }
    }
    if (std::fabs(s - 1.0) > 1e-6)
      throw invalid_argument(row_msg("sum of target probabilities (must be 1)", i, s), status::out_of_range);
    out.target[i] = row[a];
    if (q_matrix) {
      out.q_logged[i] = q_matrix[i * n_actions + static_cast<std::size_t>(a)];
      out.q_target[i] = q;
    }
  }
  return out;
}

Diagnostics diagnose(const Logs& logs, const Options& options) {
  validate(options);
  validate(logs, false);
  return compute_weights(logs, options).d;
}

double suggested_clip(const Logs& logs) {
  validate(logs, false);
  Options o;
  const Weights w = compute_weights(logs, o);
  return std::max(1e-12, std::sqrt(static_cast<double>(logs.size)) * w.d.weight_mean);
}

Estimate ips(const Logs& logs, const Options& options) {
  validate(options);
  validate(logs, false);
  const Weights w = compute_weights(logs, options);
  const std::size_t n = logs.size;
  std::vector<double> t(n);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += (t[i] = w.w[i] * logs.reward[i]);
  const double v = sum / static_cast<double>(n);
  Estimate e = finish(Estimator::ips, v, sample_sd(t, v) / std::sqrt(static_cast<double>(n)), w.d, options);
  if (options.interval == IntervalMethod::bootstrap) bootstrap_interval(t, nullptr, options, e.lower, e.upper);
  return e;
}

Estimate snips(const Logs& logs, const Options& options) {
  validate(options);
  validate(logs, false);
  const Weights w = compute_weights(logs, options);
  if (!(w.d.weight_sum > 0))
    throw invalid_argument(
        "ope: snips is undefined: the target policy gives probability 0 to every logged action");
  const std::size_t n = logs.size;
  std::vector<double> wr(n);
  double num = 0;
  for (std::size_t i = 0; i < n; ++i) num += (wr[i] = w.w[i] * logs.reward[i]);
  const double v = num / w.d.weight_sum;
  // Delta method: the influence of row i on the ratio is w_i (r_i - V) / sum(w).
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = w.w[i] * (logs.reward[i] - v);
    ss += u * u;
  }
  Estimate e = finish(Estimator::snips, v, std::sqrt(ss) / w.d.weight_sum, w.d, options);
  if (options.interval == IntervalMethod::bootstrap) bootstrap_interval(wr, &w.w, options, e.lower, e.upper);
  return e;
}

Estimate dr(const Logs& logs, const Options& options) {
  validate(options);
  validate(logs, true);
  const Weights w = compute_weights(logs, options);
  const std::size_t n = logs.size;
  std::vector<double> t(n);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    sum += (t[i] = logs.q_target[i] + w.w[i] * (logs.reward[i] - logs.q_logged[i]));
  const double v = sum / static_cast<double>(n);
  Estimate e = finish(Estimator::dr, v, sample_sd(t, v) / std::sqrt(static_cast<double>(n)), w.d, options);
  if (options.interval == IntervalMethod::bootstrap) bootstrap_interval(t, nullptr, options, e.lower, e.upper);
  return e;
}

Estimate evaluate(Estimator which, const Logs& logs, const Options& options) {
  switch (which) {
    case Estimator::ips: return ips(logs, options);
    case Estimator::snips: return snips(logs, options);
    case Estimator::dr: return dr(logs, options);
  }
  throw invalid_argument("ope: unknown estimator " + std::to_string(static_cast<int>(which)));
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) throw invalid_argument("normal_quantile: p must be in (0, 1)", status::out_of_range);
  // Bisection on Phi(z) = erfc(-z / sqrt 2) / 2, which is monotone; 200 halvings of [-40, 40]
  // reach double precision. Called once per estimate, so speed does not matter.
  double lo = -40, hi = 40;
  for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    const double phi = 0.5 * std::erfc(-mid / std::sqrt(2.0));
    if (phi < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace attune::select::ope
