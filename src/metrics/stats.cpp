// Statistical building blocks of the KPIs (see attune/metrics/stats.hpp).
#include "attune/metrics/stats.hpp"

#include "attune/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attune::metrics {
namespace {

void require_same_size(size_t a, size_t b, const char* what) {
  if (a != b) throw invalid_argument(std::string(what) + ": scores and labels differ in size");
}

void require_binary(const std::vector<int>& labels, const char* what) {
  for (int y : labels)
    if (y != 0 && y != 1) throw invalid_argument(std::string(what) + ": labels must be 0 or 1");
}

// Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9,
// refined by one Newton step on erfc); enough for interval half-widths.
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double plow = 0.02425;
  double x;
  if (p < plow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * 3.14159265358979323846) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace

double normal_quantile_two_sided(double level) {
  if (!(level > 0 && level < 1)) throw invalid_argument("confidence level must be in (0,1)", status::out_of_range);
  return normal_quantile(0.5 + level / 2);
}

Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double level) {
  const double z = normal_quantile_two_sided(level);
  if (successes > trials) throw invalid_argument("wilson_interval: successes > trials", status::out_of_range);
  if (trials == 0) return {};
  const double n = static_cast<double>(trials), p = static_cast<double>(successes) / n;
  const double z2 = z * z, denom = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Estimate proportion(std::uint64_t successes, std::uint64_t trials, double level) {
  Estimate e;
  e.n = trials;
  e.method = "wilson";
  e.ci = wilson_interval(successes, trials, level);
  if (trials > 0) e.value = static_cast<double>(successes) / static_cast<double>(trials);
  return e;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  require_same_size(scores.size(), labels.size(), "roc_auc");
  require_binary(labels, "roc_auc");
  for (double s : scores)
    if (!std::isfinite(s)) throw invalid_argument("roc_auc: scores must be finite", status::out_of_range);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return scores[i] < scores[j]; });
  // Mann-Whitney U from mid-ranks: ties share the average rank, which counts a tied pair 1/2.
  double rank_sum_pos = 0;
  std::uint64_t n_pos = 0, n_neg = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) {
        rank_sum_pos += mid_rank;
        ++n_pos;
      } else {
        ++n_neg;
      }
    }
    i = j;
  }
  if (n_pos == 0 || n_neg == 0) return kNaN;
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  return (rank_sum_pos - np * (np + 1) / 2) / (np * nn);
}

double auc_standard_error(double auc, std::uint64_t n_pos, std::uint64_t n_neg) {
  if (!std::isfinite(auc) || n_pos == 0 || n_neg == 0) return kNaN;
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  const double q1 = auc / (2 - auc), q2 = 2 * auc * auc / (1 + auc);
  const double var = (auc * (1 - auc) + (np - 1) * (q1 - auc * auc) + (nn - 1) * (q2 - auc * auc)) / (np * nn);
  return std::sqrt(std::max(0.0, var));
}

double expected_calibration_error(const std::vector<double>& probs, const std::vector<int>& labels, std::size_t bins) {
  require_same_size(probs.size(), labels.size(), "expected_calibration_error");
  require_binary(labels, "expected_calibration_error");
  if (bins == 0) throw invalid_argument("expected_calibration_error: bins must be >= 1", status::out_of_range);
  if (probs.empty()) return kNaN;
  std::vector<double> sum_p(bins, 0.0), sum_y(bins, 0.0), count(bins, 0.0);
  for (size_t i = 0; i < probs.size(); ++i) {
    const double p = probs[i];
    if (!(p >= 0 && p <= 1)) throw invalid_argument("expected_calibration_error: probabilities must be in [0,1]", status::out_of_range);
    // Bins are [k/B, (k+1)/B), the last one closed at 1.
    const size_t b = std::min(bins - 1, static_cast<size_t>(p * static_cast<double>(bins)));
    sum_p[b] += p;
    sum_y[b] += labels[i];
    count[b] += 1;
  }
  double ece = 0;
  for (size_t b = 0; b < bins; ++b)
    if (count[b] > 0) ece += std::fabs(sum_p[b] - sum_y[b]) / static_cast<double>(probs.size());
  return ece;
}

double normalized_entropy(const std::vector<double>& counts, std::size_t k) {
  double total = 0;
  size_t nonzero = 0;
  for (double c : counts) {
    if (!(c >= 0) || !std::isfinite(c)) throw invalid_argument("normalized_entropy: counts must be finite and >= 0", status::out_of_range);
    total += c;
    if (c > 0) ++nonzero;
  }
  if (k < nonzero) throw invalid_argument("normalized_entropy: k is smaller than the number of outcomes seen", status::out_of_range);
  if (k <= 1 || total <= 0) return 0.0;
  double h = 0;
  for (double c : counts)
    if (c > 0) h -= (c / total) * std::log(c / total);
  return h / std::log(static_cast<double>(k));
}

double ols_slope(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw invalid_argument("ols_slope: x and y differ in size");
  const double mx = mean(x), my = mean(y);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (x.size() < 2 || !(sxx > 0)) return kNaN;
  return sxy / sxx;
}

double median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_sd(const std::vector<double>& values) {
  if (values.size() < 2) return kNaN;
  const double m = mean(values);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(values.size() - 1));
}

Interval percentile_interval(std::vector<double> samples, double level) {
  if (!(level > 0 && level < 1)) throw invalid_argument("confidence level must be in (0,1)", status::out_of_range);
  samples.erase(std::remove_if(samples.begin(), samples.end(), [](double v) { return !std::isfinite(v); }), samples.end());
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(samples.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(samples.size() - 1, lo + 1);
    const double frac = pos - static_cast<double>(lo);
    return samples[lo] * (1 - frac) + samples[hi] * frac;
  };
  return {quantile((1 - level) / 2), quantile((1 + level) / 2)};
}

std::uint64_t Resampler::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::size_t Resampler::index(std::size_t n) {
  if (n == 0) throw invalid_argument("Resampler::index: n must be > 0");
  // Modulo bias is below n / 2^64: negligible for any sample a log can hold.
  return static_cast<std::size_t>(next() % n);
}

std::vector<std::size_t> Resampler::bootstrap(std::size_t n) {
  std::vector<std::size_t> out(n);
  for (auto& i : out) i = index(n);
  return out;
}

}  // namespace attune::metrics
