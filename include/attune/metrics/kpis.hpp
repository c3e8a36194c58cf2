// attune/metrics/kpis.hpp: the attune KPIs, computed from audit records.
//
// docs/kpis.md is the reference (formulas, which records feed which KPI, assumptions). In short:
// - EAR (Emotional Accuracy Rate): precision / recall / F1 of detected against human-verified
//   emotion labels of `correction` records, per label, macro and micro; Wilson intervals per
//   label, bootstrap (over corrections) for the macro and micro figures.
// - PES (Predictive Engagement Score): ROC-AUC (Hanley-McNeil interval) and expected calibration
//   error (bootstrap interval) of decisions' purchase_probability against "converted" (the
//   decision's largest reward >= 0.5).
// - TV (Trust Velocity): per customer, the least-squares slope per day of a trust signal in
//   [-1,1] (satisfaction - frustration at observations, 2*reward - 1 at rewards); mean (normal
//   interval) and median (bootstrap interval) over customers.
// - PDI (Personalization Depth Index): per customer, normalized entropy of the variants shown in
//   live decisions (per slot) and of the slots; mean over customers.
// - ECR (Empathy-to-Conversion Ratio): SNIPS reward rate of emotion_used live decisions over that
//   of the other live decisions, weights 1/propensity, delta-method interval on the log ratio;
//   the plain observed rates beside it.
// - operational: guardrail interventions, consent coverage at the end of the window, review
//   rate of adapted decisions, decisions per mode.
// Records that lack a field a KPI needs are not silently dropped: they are counted in
// KpiReport::skipped under a reason. Statistics that are undefined on the data are NaN (null in
// JSON). Deterministic: the bootstrap uses KpiOptions::seed.
//
// Thread-safety: compute_kpis is pure; concurrent calls are safe.
#pragma once

#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/stats.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attune::metrics {

struct KpiOptions {
  double level = 0.95;                    ///< confidence level of every interval, in (0,1)
  std::size_t bootstrap_samples = 1000;   ///< resamples for bootstrap intervals (0: no bootstrap)
  std::uint64_t seed = 0x5eedULL;         ///< bootstrap seed
  std::size_t calibration_bins = 10;      ///< equal-width bins of the calibration error (>= 1)
  /// Decisions without any reward record: false (default) leaves them out of PES and ECR (the
  /// reward may not have arrived yet); true counts them as reward 0 (hosts that log only
  /// conversions).
  bool missing_reward_as_zero = false;
  /// TV: a customer's trust points must span at least this long (ms) for a slope; shorter spans
  /// (a burst of records within seconds) would turn noise into huge per-day rates.
  std::int64_t trust_min_span_ms = 3600000;
};

struct LabelAccuracy {
  std::string label;
  std::uint64_t tp = 0, fp = 0, fn = 0;
  Estimate precision, recall, f1;
};

struct EmotionalAccuracy {
  std::uint64_t corrections = 0;
  std::vector<LabelAccuracy> per_label;  ///< sorted by label
  Estimate macro_precision, macro_recall, macro_f1, micro_f1;
};

struct PredictiveEngagement {
  std::uint64_t decisions = 0;  ///< decisions with a purchase_probability and an outcome
  std::uint64_t positives = 0;
  Estimate auc;
  Estimate ece;
  double brier = kNaN;
};

struct TrustVelocity {
  std::uint64_t customers = 0;  ///< customers with a slope (>= 2 points spanning >= trust_min_span_ms)
  std::uint64_t short_span_customers = 0;  ///< customers left out: points span less than trust_min_span_ms
  std::uint64_t points = 0;     ///< trust points used
  Estimate mean_slope;          ///< trust units (range [-1,1]) per day
  Estimate median_slope;
  double share_rising = kNaN;   ///< share of customers with a positive slope
};

struct PersonalizationDepth {
  std::uint64_t customers = 0;  ///< customers with >= 2 live decisions
  Estimate variant_depth;       ///< mean over customers of the per-slot variant entropy (the PDI)
  Estimate slot_depth;          ///< mean over customers of the slot entropy
};

struct EmpathyConversion {
  std::uint64_t emotion_decisions = 0, other_decisions = 0;
  Estimate emotion_rate, other_rate;  ///< SNIPS reward rates (normal interval from the delta method)
  Estimate ratio;                     ///< emotion_rate / other_rate (delta method on the log)
  double emotion_ess = kNaN, other_ess = kNaN;  ///< effective sample sizes (sum w)^2 / sum w^2
  Estimate observed_emotion_rate, observed_other_rate;  ///< plain means, no weighting
  double observed_ratio = kNaN;
};

struct GuardrailInterventions {
  std::uint64_t decisions = 0, with_intervention = 0;
  Estimate share;                                     ///< with_intervention / decisions (Wilson)
  std::map<std::string, std::uint64_t> per_rule;      ///< decisions in which the rule fired
  std::map<std::string, std::uint64_t> masked_per_rule;  ///< variants the rule masked, summed
};

struct ConsentCoverage {
  std::int64_t at_ms = 0;        ///< the instant consent is evaluated (end of the window)
  std::uint64_t customers = 0;   ///< customers seen in the window and not erased
  std::map<std::string, std::uint64_t> active;  ///< per purpose
  std::map<std::string, double> share;          ///< active / customers (NaN when no customers)
};

struct KpiReport {
  std::uint64_t records = 0;
  std::map<std::string, std::uint64_t> records_per_kind;
  std::int64_t first_time_ms = 0, last_time_ms = 0;
  std::uint64_t customers = 0;
  std::uint64_t erased_customers = 0;
  EmotionalAccuracy ear;
  PredictiveEngagement pes;
  TrustVelocity tv;
  PersonalizationDepth pdi;
  EmpathyConversion ecr;
  GuardrailInterventions guardrails;
  ConsentCoverage consent;
  Estimate review_rate;  ///< adapted decisions flagged for review / adapted decisions (Wilson)
  std::map<std::string, std::uint64_t> decisions_per_mode;  ///< live, shadow, off (and others seen)
  Estimate reward_rate;  ///< mean reward of rewarded live decisions (normal interval)
  std::map<std::string, std::uint64_t> skipped;  ///< records not usable by a KPI, by reason
};

/// Compute every KPI from `records` (in log order). Throws attune::invalid_argument for bad
/// options (level outside (0,1), calibration_bins == 0).
KpiReport compute_kpis(const std::vector<AuditRecord>& records, const KpiOptions& options = KpiOptions());

/// The report as JSON (NaN as null); the shape is documented in docs/kpis.md.
nlohmann::json to_json(const KpiReport& report);
nlohmann::json to_json(const Estimate& estimate);

}  // namespace attune::metrics
