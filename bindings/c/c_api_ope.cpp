// C ABI of the off-policy evaluation estimators (attune::select::ope).
#include "c_api_support.hpp"

#include "attune/select/ope.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>

namespace attune::capi {
namespace {

namespace ope = attune::select::ope;

attune_ope_options default_options() {
  attune_ope_options o;
  std::memset(&o, 0, sizeof o);
  o.struct_size = sizeof(attune_ope_options);
  o.clip = 0.0;
  o.confidence = 0.95;
  o.interval = ATTUNE_OPE_INTERVAL_ANALYTIC;
  o.bootstrap_resamples = 2000;
  o.seed = 0;
  o.top_fraction = 0.01;
  return o;
}

// Options from a caller struct of possibly older (smaller) size: the fields it has override the
// defaults, the rest keep them.
ope::Options to_options(const attune_ope_options* in) {
  attune_ope_options o = default_options();
  if (in != nullptr) {
    if (in->struct_size < offsetof(attune_ope_options, clip) + sizeof(double))
      throw invalid_argument("attune_ope_options.struct_size is too small; call attune_ope_options_init");
    std::memcpy(&o, in, std::min<std::size_t>(in->struct_size, sizeof o));
  }
  ope::Options r;
  if (!(o.clip >= 0.0)) throw invalid_argument("options.clip must be 0 (no clipping) or > 0", status::out_of_range);
  r.clip = o.clip == 0.0 ? std::numeric_limits<double>::infinity() : o.clip;
  r.confidence = o.confidence;
  if (o.interval == ATTUNE_OPE_INTERVAL_ANALYTIC) r.interval = ope::IntervalMethod::analytic;
  else if (o.interval == ATTUNE_OPE_INTERVAL_BOOTSTRAP) r.interval = ope::IntervalMethod::bootstrap;
  else throw invalid_argument("options.interval must be ATTUNE_OPE_INTERVAL_ANALYTIC or _BOOTSTRAP");
  r.bootstrap_resamples = o.bootstrap_resamples;
  r.seed = o.seed;
  r.top_fraction = o.top_fraction;
  ope::validate(r);
  return r;
}

ope::Estimator to_estimator(int32_t e) {
  if (e == ATTUNE_OPE_IPS) return ope::Estimator::ips;
  if (e == ATTUNE_OPE_SNIPS) return ope::Estimator::snips;
  if (e == ATTUNE_OPE_DR) return ope::Estimator::dr;
  throw invalid_argument("unknown estimator " + std::to_string(e) + " (use ATTUNE_OPE_IPS, _SNIPS or _DR)");
}

void check_out(const attune_ope_result* out) {
  require(out, "out");
  if (out->struct_size < sizeof(attune_ope_result))
    throw invalid_argument("attune_ope_result.struct_size is too small; call attune_ope_result_init");
}

// Only written after the estimate succeeded, so the caller's struct is untouched on error.
void store(const ope::Estimate& e, int32_t estimator, attune_ope_result* out) {
  attune_ope_result r;
  std::memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.estimator = estimator;
  r.estimate = e.value;
  r.lower = e.lower;
  r.upper = e.upper;
  r.std_error = e.std_error;
  r.ess = e.diagnostics.ess;
  r.max_weight = e.diagnostics.max_weight;
  r.max_raw_weight = e.diagnostics.max_raw_weight;
  r.weight_mean = e.diagnostics.weight_mean;
  r.top_weight_share = e.diagnostics.top_weight_share;
  r.rows = e.diagnostics.n;
  r.rows_clipped = e.diagnostics.n_clipped;
  std::memcpy(out, &r, sizeof r);
}

}  // namespace
}  // namespace attune::capi

extern "C" {

ATTUNE_API void attune_ope_options_init(attune_ope_options* options) {
  if (options != nullptr) *options = attune::capi::default_options();
}

ATTUNE_API void attune_ope_result_init(attune_ope_result* result) {
  if (result == nullptr) return;
  std::memset(result, 0, sizeof *result);
  result->struct_size = sizeof *result;
}

ATTUNE_API int attune_ope_evaluate(int32_t estimator, const double* rewards, const double* propensities,
                                   const double* target_probs, const double* q_logged, const double* q_target,
                                   size_t n, const attune_ope_options* options, attune_ope_result* out) {
  using namespace attune::capi;
  return guarded([&] {
    check_out(out);
    const auto which = to_estimator(estimator);
    const auto opts = to_options(options);
    require(rewards, "rewards");
    require(propensities, "propensities");
    require(target_probs, "target_probs");
    attune::select::ope::Logs logs;
    logs.reward = rewards;
    logs.propensity = propensities;
    logs.target = target_probs;
    logs.size = n;
    if (which == attune::select::ope::Estimator::dr) {
      require(q_logged, "q_logged");
      require(q_target, "q_target");
      logs.q_logged = q_logged;
      logs.q_target = q_target;
    }
    store(attune::select::ope::evaluate(which, logs, opts), estimator, out);
  });
}

ATTUNE_API int attune_ope_evaluate_matrix(int32_t estimator, const int64_t* actions, const double* rewards,
                                          const double* propensities, const double* target_matrix,
                                          const double* q_matrix, size_t n, size_t n_actions,
                                          const attune_ope_options* options, attune_ope_result* out) {
  using namespace attune::capi;
  return guarded([&] {
    check_out(out);
    const auto which = to_estimator(estimator);
    const auto opts = to_options(options);
    require(actions, "actions");
    require(rewards, "rewards");
    require(propensities, "propensities");
    require(target_matrix, "target_matrix");
    const bool need_q = which == attune::select::ope::Estimator::dr;
    if (need_q) require(q_matrix, "q_matrix");
    if (n_actions == 0 || n > std::numeric_limits<size_t>::max() / n_actions)
      throw attune::invalid_argument("n_actions must be > 0 and n * n_actions must fit in size_t");
    const auto owned = attune::select::ope::from_matrix(actions, rewards, propensities, target_matrix, n, n_actions,
                                                        need_q ? q_matrix : nullptr);
    store(attune::select::ope::evaluate(which, owned.view(), opts), estimator, out);
  });
}

ATTUNE_API int attune_ope_ips(const double* rewards, const double* propensities, const double* target_probs, size_t n,
                              const attune_ope_options* options, attune_ope_result* out) {
  return attune_ope_evaluate(ATTUNE_OPE_IPS, rewards, propensities, target_probs, nullptr, nullptr, n, options, out);
}

ATTUNE_API int attune_ope_snips(const double* rewards, const double* propensities, const double* target_probs,
                                size_t n, const attune_ope_options* options, attune_ope_result* out) {
  return attune_ope_evaluate(ATTUNE_OPE_SNIPS, rewards, propensities, target_probs, nullptr, nullptr, n, options, out);
}

ATTUNE_API int attune_ope_dr(const double* rewards, const double* propensities, const double* target_probs,
                             const double* q_logged, const double* q_target, size_t n,
                             const attune_ope_options* options, attune_ope_result* out) {
  return attune_ope_evaluate(ATTUNE_OPE_DR, rewards, propensities, target_probs, q_logged, q_target, n, options, out);
}

}  // extern "C"
