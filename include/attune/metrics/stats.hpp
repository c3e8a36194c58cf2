// attune/metrics/stats.hpp: the statistical building blocks behind the KPIs (docs/kpis.md).
//
// Plain functions on value types: proportions with Wilson intervals, ROC-AUC (Mann-Whitney, ties
// counted half) with the Hanley-McNeil standard error, expected calibration error, normalized
// entropy, least-squares slope, medians and percentile intervals of bootstrap samples, and a
// small deterministic bootstrap resampler (same seed, same samples on every platform).
//
// Conventions: a statistic that is undefined for its input (no positives for AUC, an empty
// sample) is quiet NaN, never an exception: a KPI computed on a quiet day is "not available",
// not an error. Inputs that are wrong (NaN scores, sizes that differ, probabilities outside
// [0,1], level outside (0,1)) throw attune::invalid_argument. All functions are pure and
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace attune::metrics {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A two-sided confidence interval; both ends NaN when undefined.
struct Interval {
  double low = kNaN;
  double high = kNaN;
};

/// A point estimate with its interval, the method that produced the interval ("wilson",
/// "bootstrap-percentile", "hanley-mcneil", "normal", "delta-log", "none") and the sample size.
struct Estimate {
  double value = kNaN;
  Interval ci;
  std::string method = "none";
  std::uint64_t n = 0;
};

/// z of a two-sided normal interval at `level` (0.95 -> 1.95996...). Throws for level outside (0,1).
double normal_quantile_two_sided(double level);

/// Wilson score interval of `successes` out of `trials` (NaN ends when trials == 0).
Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double level = 0.95);

/// A proportion with its Wilson interval.
Estimate proportion(std::uint64_t successes, std::uint64_t trials, double level = 0.95);

/// ROC-AUC of `scores` for binary `labels` (0/1): the probability that a random positive scores
/// above a random negative, ties counting 1/2. NaN when either class is empty.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

/// Hanley & McNeil (1982) standard error of an AUC with n_pos positives and n_neg negatives.
double auc_standard_error(double auc, std::uint64_t n_pos, std::uint64_t n_neg);

/// Expected calibration error: sum over `bins` equal-width probability bins of
/// (bin size / n) * |mean predicted - observed rate|. `probs` in [0,1]. NaN when empty.
double expected_calibration_error(const std::vector<double>& probs, const std::vector<int>& labels, std::size_t bins = 10);

/// Shannon entropy of `counts` (natural log) divided by log(k); 0 when k <= 1 or all counts 0.
/// `k` is the number of outcomes that were possible (>= the non-zero entries).
double normalized_entropy(const std::vector<double>& counts, std::size_t k);

/// Least-squares slope of y on x. NaN with fewer than two distinct x.
double ols_slope(const std::vector<double>& x, const std::vector<double>& y);

/// Median (mean of the middle two for even sizes); NaN when empty.
double median(std::vector<double> values);
/// Arithmetic mean; NaN when empty.
double mean(const std::vector<double>& values);
/// Sample standard deviation (n - 1); NaN with fewer than two values.
double sample_sd(const std::vector<double>& values);

/// The (1-level)/2 and (1+level)/2 empirical quantiles (linear interpolation) of `samples`,
/// ignoring NaN entries; NaN ends when none is finite.
Interval percentile_interval(std::vector<double> samples, double level = 0.95);

/// Deterministic resampler: SplitMix64, so a seed gives the same indices on every platform
/// (std::uniform_int_distribution is implementation-defined).
class Resampler {
 public:
  explicit Resampler(std::uint64_t seed) : state_(seed) {}
  /// Uniform index in [0, n); n > 0.
  std::size_t index(std::size_t n);
  /// n indices drawn with replacement from [0, n).
  std::vector<std::size_t> bootstrap(std::size_t n);

 private:
  std::uint64_t next();
  std::uint64_t state_;
};

}  // namespace attune::metrics
