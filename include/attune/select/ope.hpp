// attune/select/ope.hpp: off-policy evaluation (OPE) estimators with confidence intervals.
//
// Purpose. A logging policy chose action a_i in context x_i with probability p_i (the logged
// propensity) and observed reward r_i. A target policy would choose the same action with
// probability pi_i = pi(a_i | x_i). From these logs alone, estimate the target policy's expected
// reward per decision V(pi) = E_x E_{a~pi}[r]. Three estimators, each with a two-sided
// confidence interval and weight diagnostics:
//
//   importance weight  w_i = pi_i / p_i          (optionally clipped: w_i <- min(w_i, clip))
//   IPS    V = (1/n) sum_i w_i r_i                                   unbiased when unclipped
//   SNIPS  V = sum_i w_i r_i / sum_i w_i                             self-normalized, bounded by
//                                                                    the reward range; small bias
//   DR     V = (1/n) sum_i [ qhat_pi(x_i) + w_i (r_i - qhat(x_i, a_i)) ]
//          qhat(x, a) is a reward model (direct method) and qhat_pi(x) = sum_a pi(a|x) qhat(x, a);
//          unbiased when the propensities are right, whatever the reward model, provided the
//          model was fit on rows other than the ones evaluated (a separate fold, or cross-fitting;
//          see ope_reward_model.hpp). The caller supplies qhat at the logged action (q_logged)
//          and under the target policy (q_target) per row.
//
// Intervals (Options::interval):
//   - analytic (default): IPS and DR use the normal approximation mean +- z * s / sqrt(n) with s
//     the sample standard deviation (n-1) of the per-row terms; SNIPS uses the delta method,
//     se = sqrt(sum_i w_i^2 (r_i - V)^2) / sum_i w_i.
//   - bootstrap: percentile interval over `bootstrap_resamples` resamples of the rows drawn with
//     std::mt19937_64 seeded with `seed` (index = draw mod n), so results are reproducible
//     across platforms.
//   z is the (1+confidence)/2 quantile of the standard normal (1.95996 for 95 %).
//
// Guarding against extreme weights. A row whose propensity is tiny carries a huge weight; IPS
// and DR then have a huge variance and SNIPS is dominated by that one row. The estimators do not
// hide it: every Estimate carries Diagnostics (effective sample size (sum w)^2 / sum w^2, the
// largest weight, the share of the weight mass held by the top 1 % of rows, the number of rows
// clipped). Clipping is off by default (IPS stays unbiased and matches reference numbers);
// Options::clip caps weights (biased towards lower values, much lower variance), and
// suggested_clip() gives the truncation level sqrt(n) * mean(w) of Ionides (2008, "Truncated
// importance sampling", JCGS 17(2)) as a documented default for a clipped variant.
//
// Input validation (every function; nothing is computed on error): arrays non-null and of equal
// length n >= 2; propensities finite and in (0, 1]; target probabilities finite and in [0, 1];
// rewards and reward-model values finite; options in range. Errors throw
// attune::invalid_argument (status out_of_range for bad numbers, invalid_argument otherwise).
//
// Ownership and thread-safety: Logs is a borrowed view; the arrays must outlive the call. All
// functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace attune::select::ope {

/// Which estimator.
enum class Estimator : int { ips = 0, snips = 1, dr = 2 };

/// "ips", "snips", "dr".
const char* estimator_name(Estimator e) noexcept;

/// How the confidence interval is computed.
enum class IntervalMethod : int { analytic = 0, bootstrap = 1 };

/// Borrowed view of logged bandit feedback in per-row ("vector") form. All arrays have `size`
/// entries. q_logged / q_target are needed by DR only (nullptr otherwise).
struct Logs {
  const double* reward = nullptr;      ///< r_i, any finite number (clicks are 0/1)
  const double* propensity = nullptr;  ///< p_i: logging probability of the logged action, (0, 1]
  const double* target = nullptr;      ///< pi_i: target probability of the logged action, [0, 1]
  std::size_t size = 0;
  const double* q_logged = nullptr;    ///< qhat(x_i, a_i): reward model at the logged action
  const double* q_target = nullptr;    ///< sum_a pi(a|x_i) qhat(x_i, a): reward model under pi
};

/// Logs that own their arrays; view() borrows them. Built by the caller or by from_matrix().
struct OwnedLogs {
  std::vector<double> reward, propensity, target, q_logged, q_target;
  /// A view of the arrays (q_* are nullptr when empty).
  Logs view() const;
};

/// Per-row form from a matrix form: actions[i] in [0, n_actions); target_matrix is n x n_actions
/// row-major, each row a probability distribution (entries in [0,1], summing to 1 within 1e-6);
/// q_matrix (optional, nullptr for none) is n x n_actions row-major reward-model values.
/// Throws invalid_argument on any violation (the message names the row).
OwnedLogs from_matrix(const std::int64_t* actions, const double* reward, const double* propensity,
                      const double* target_matrix, std::size_t n, std::size_t n_actions,
                      const double* q_matrix = nullptr);

/// Column names of a logs CSV file (see load_logs_csv).
struct CsvColumns {
  std::string reward = "reward", propensity = "propensity", target = "target";
  std::string q_logged = "q_logged", q_target = "q_target";  ///< optional columns (DR)
};

/// Reads logs from a CSV file with a header row (RFC 4180 quoting, LF or CRLF). The reward,
/// propensity and target columns are required; q_logged and q_target are read when both exist
/// (otherwise the result has no reward model). Values are not validated here (the estimators do).
/// Errors: attune::error io_error (unreadable) or parse_error (missing column, non-number).
OwnedLogs load_logs_csv(const std::string& path, const CsvColumns& columns = {});

/// Options shared by the estimators.
struct Options {
  /// Weights above `clip` are replaced by `clip`. +infinity (default) disables clipping. Must be
  /// > 0 (NaN is rejected).
  double clip = std::numeric_limits<double>::infinity();
  double confidence = 0.95;            ///< two-sided level of the interval, in (0, 1)
  IntervalMethod interval = IntervalMethod::analytic;
  std::uint32_t bootstrap_resamples = 2000;  ///< used when interval == bootstrap; 10 .. 1,000,000
  std::uint64_t seed = 0;              ///< bootstrap seed
  double top_fraction = 0.01;          ///< diagnostics: share of weight mass in this top fraction
};

/// Weight diagnostics (computed on the weights as used, i.e. after clipping, except max_raw).
struct Diagnostics {
  std::size_t n = 0;                ///< rows
  double weight_sum = 0;            ///< sum of w_i
  double weight_mean = 0;           ///< mean of w_i (about 1 when propensities are right)
  double ess = 0;                   ///< effective sample size (sum w)^2 / sum w^2 (0 if all w = 0)
  double max_weight = 0;            ///< largest w_i used
  double max_raw_weight = 0;        ///< largest pi_i / p_i before clipping
  double top_weight_share = 0;      ///< share of sum w held by the top ceil(top_fraction * n) rows
  std::size_t top_rows = 0;         ///< how many rows that is
  std::size_t n_clipped = 0;        ///< rows whose weight was capped
  double clip = std::numeric_limits<double>::infinity();  ///< the cap used (+inf: none)
};

/// One estimate with its interval.
struct Estimate {
  Estimator estimator = Estimator::ips;
  double value = 0;       ///< point estimate of V(pi)
  double lower = 0;       ///< lower end of the interval
  double upper = 0;       ///< upper end of the interval
  double std_error = 0;   ///< analytic standard error (reported for both interval methods)
  double confidence = 0.95;
  IntervalMethod interval = IntervalMethod::analytic;
  Diagnostics diagnostics;
};

/// Checks the logs (and the reward-model arrays when `need_reward_model`). Throws on error.
void validate(const Logs& logs, bool need_reward_model = false);

/// Checks the options. Throws on error.
void validate(const Options& options);

/// Inverse-propensity scoring.
Estimate ips(const Logs& logs, const Options& options = {});
/// Self-normalized IPS. Throws invalid_argument when every weight is 0 (estimate undefined).
Estimate snips(const Logs& logs, const Options& options = {});
/// Doubly robust. Needs logs.q_logged and logs.q_target.
Estimate dr(const Logs& logs, const Options& options = {});
/// Dispatch on `which`.
Estimate evaluate(Estimator which, const Logs& logs, const Options& options = {});

/// Diagnostics of the weights alone (same validation as ips()).
Diagnostics diagnose(const Logs& logs, const Options& options = {});

/// Ionides' truncation level sqrt(n) * mean(w) of the unclipped weights (>= 1e-12).
double suggested_clip(const Logs& logs);

/// The p-quantile of the standard normal distribution, p in (0, 1).
double normal_quantile(double p);

}  // namespace attune::select::ope
