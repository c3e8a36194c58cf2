// attune/select/ope_hillstrom.hpp: learning and evaluating an e-mail targeting policy on the
// Hillstrom MineThatData e-mail experiment (2008).
//
// Purpose. 64,000 customers were randomized over three arms (Mens E-Mail, Womens E-Mail, No
// E-Mail), each with probability 1/3, so the logging propensity of every row is 1/3 by design
// (the loader reports the observed arm shares so the caller can check it). A targeting policy
// (which e-mail to send to whom; reward = visit within two weeks) is learned on one part of the
// data and its visit rate is estimated off-policy on the other part with IPS, SNIPS and DR,
// next to the fixed policies "always Mens", "always Womens" and "no e-mail" evaluated on the
// same rows in the same run.
//
// The policy. A reward model qhat(x, a) of P(visit | customer, arm) is fit on the training rows
// and the policy sends argmax_a qhat(x, a) (deterministic: target probability 1 for that arm,
// 0 for the others; ties go to the lower arm index). Features (hillstrom_features order):
//   recency/12, log1p(history)/7, mens, womens, mens*womens, newbie, zip Urban, zip Rural
//   (Surburban is the base), channel Web, channel Multichannel (Phone is the base),
//   recency/12 * mens, recency/12 * womens, log1p(history)/7 * newbie.
// Model (HillstromOptions::model):
//   shared (default): SharedLogistic, all features shared by the arms, arm-specific intercepts
//     and arm-specific effects of `arm_features` (default: mens, womens). Chosen by 10-fold
//     cross-validation on hillstrom_train.csv (IPS gain over always-Mens): the arm differences
//     are small, and the per-arm model, or more arm-specific columns, fit noise in them.
//   per_arm: ArmwiseLogistic on all features (a T-learner).
// The DR reward model of every policy is the same fitted model: it was fit on the training rows
// only, so on the evaluation rows DR stays unbiased.
//
// Evaluation protocol (how "learn on part, evaluate on the rest" is done):
//   - with a separate evaluation file (e.g. the held-out 20 % of the experiment): the policy is
//     learned on the whole first file and evaluated on the second;
//   - otherwise, by default, cross-fitting over `folds` folds (rows shuffled by Fisher-Yates over
//     std::mt19937_64(seed), row k of the shuffle in fold k mod folds): each fold is evaluated
//     by the policy learned on the other folds, and the per-row IPS/SNIPS/DR terms of all folds
//     are pooled into one estimate and interval. Every row is thus scored by a policy that never
//     saw it, and all rows count in the evaluation, which matters because the differences
//     between good policies here (a few tenths of a percentage point) are below the noise of a
//     single held-back part. The estimate is that of the learning procedure (the fold policies
//     differ slightly); the interval treats the rows as independent given the fold models.
//   - with folds = 0: one split, the first round(eval_fraction * n) shuffled rows held back.
//
// Data license: the data set has no stated license. Nothing trained on it is shipped; the model
// lives only for the duration of the call.
//
// Errors: attune::error(io_error / parse_error) for missing or malformed files (unknown arm or
// zip/channel names, non-numeric fields); invalid_argument for bad options. Thread-safe.
#pragma once

#include "attune/select/ope.hpp"
#include "attune/select/ope_reward_model.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attune::select::ope {

inline constexpr std::size_t kHillstromArms = 3;
/// Arm names in the file, in arm-index order.
inline constexpr std::array<const char*, kHillstromArms> kHillstromArmNames = {"Mens E-Mail", "Womens E-Mail",
                                                                                "No E-Mail"};

struct HillstromData {
  RowMatrix features;                 ///< n x hillstrom_feature_names().size()
  std::vector<std::int64_t> arm;      ///< 0 Mens, 1 Womens, 2 No E-Mail
  std::vector<double> visit;          ///< 0/1
  std::size_t size() const noexcept { return visit.size(); }
};

/// Names of the feature columns, in order.
const std::vector<std::string>& hillstrom_feature_names();

/// Reads a Hillstrom CSV (columns recency, history, mens, womens, zip_code, newbie, channel,
/// segment, visit; others ignored).
HillstromData load_hillstrom(const std::string& path);

enum class HillstromModel : int { shared = 0, per_arm = 1 };

struct HillstromOptions {
  std::size_t folds = 5;           ///< cross-fitting folds (>= 2), or 0 for one split
  double eval_fraction = 0.3;      ///< share held back by the single split (folds = 0), (0, 1)
  std::uint64_t seed = 20241128;   ///< split seed
  HillstromModel model = HillstromModel::shared;
  std::vector<std::size_t> arm_features = {2, 3};  ///< shared model: arm-specific columns (mens, womens)
  LogisticOptions logistic;        ///< regularization and solver of either model
  Options ope;                     ///< intervals (clip applies to every estimator here)
  double propensity = 1.0 / 3.0;   ///< logging propensity of every row (the design)
};

struct HillstromPolicyResult {
  std::string policy;                          ///< "targeting", "always_mens", ...
  std::array<double, kHillstromArms> share{};  ///< share of evaluation rows sent each arm
  Estimate ips, snips, dr;
};

/// A paired difference of two policies' values on the same rows, with a normal interval.
struct PolicyDifference {
  std::string estimator;  ///< "ips" or "dr"
  double value = 0, lower = 0, upper = 0, std_error = 0;
};

struct HillstromReport {
  std::size_t n_train = 0, n_eval = 0;
  std::array<std::size_t, kHillstromArms> eval_arm_rows{};     ///< evaluation rows per arm
  std::array<double, kHillstromArms> arm_share_all{};          ///< arm shares over all rows read
  std::array<double, kHillstromArms> eval_arm_visit_rate{};    ///< on-policy mean per arm (eval)
  std::vector<HillstromPolicyResult> policies;  ///< targeting, always_mens, always_womens, no_email
  std::vector<PolicyDifference> targeting_minus_mens;  ///< IPS and DR paired differences
};

/// Learn on `train` (minus the held-back part when `eval` is null) and evaluate.
HillstromReport evaluate_hillstrom(const HillstromData& train, const HillstromData* eval,
                                   const HillstromOptions& options = {});

}  // namespace attune::select::ope
