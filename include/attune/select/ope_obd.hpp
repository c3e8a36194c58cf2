// attune/select/ope_obd.hpp: off-policy evaluation on the Open Bandit Dataset (OBD) sample.
//
// Purpose. OBD (Saito et al. 2021) logged two behaviour policies side by side on the same
// traffic: uniform random and Bernoulli Thompson sampling (BTS). The click rate observed in the
// random log is the on-policy value of the uniform policy, so estimating the uniform policy's
// click rate from the BTS log checks an OPE estimator against ground truth.
//
// Protocol (one campaign, "men" or "women"):
//   - logs: <dir>/bts/<c>/<c>.csv (columns item_id, position, click, propensity_score; the
//     propensity is BTS's probability of the item at that position) and <dir>/random/<c>/<c>.csv;
//     n_items = rows of <dir>/bts/<c>/item_context.csv (34 men, 46 women);
//   - target: the uniform policy, probability 1/n_items for every item at every position, pooled
//     over the three positions (each impression is one row), so w_i = (1/n_items) / p_i;
//   - truth: mean click of the random log ("observed"), with its own binomial 95 % interval;
//   - estimators: IPS, SNIPS, DR unclipped (the reference numbers), and IPS, SNIPS, DR with the
//     weights clipped at `clip` (default: Ionides' sqrt(n) * mean(w) computed on the BTS log);
//   - DR reward model: TabularRewardModel over cells (item, position) with `prior_strength`
//     pseudo-rows, cross-fitted: rows are assigned to `folds` folds by a seeded shuffle, and each
//     fold's qhat comes from the model fit on the other folds. The target under qhat at row i is
//     the mean of qhat(item, position_i) over all items.
//
// Errors: attune::error(io_error / parse_error) for missing or malformed files;
// invalid_argument for bad options or data that violate the estimators' domain. Thread-safe
// (no shared state).
#pragma once

#include "attune/select/ope.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace attune::select::ope {

/// One OBD log file in memory.
struct ObdLog {
  std::vector<std::int64_t> item;    ///< item_id, 0-based
  std::vector<std::int64_t> position;  ///< slot 1..3 as in the file
  std::vector<double> click;         ///< 0/1
  std::vector<double> propensity;    ///< propensity_score
  std::size_t size() const noexcept { return click.size(); }
};

/// Reads an OBD log CSV (header names item_id, position, click, propensity_score).
ObdLog load_obd_log(const std::string& path);

/// Rows (items) of an OBD item_context.csv.
std::size_t load_obd_item_count(const std::string& path);

struct ObdOptions {
  Options ope;                 ///< interval method, confidence, bootstrap (clip is ignored here)
  double clip = 0;             ///< cap for the clipped variants; 0 = Ionides sqrt(n) * mean(w)
  std::size_t folds = 2;       ///< cross-fitting folds of the DR reward model, >= 2
  double prior_strength = 10;  ///< TabularRewardModel pseudo-rows
  std::uint64_t seed = 0;      ///< fold assignment seed
};

struct ObdNamedEstimate {
  std::string name;  ///< "ips", "snips", "dr", "ips_clipped", "snips_clipped", "dr_clipped"
  Estimate estimate;
};

struct ObdCampaignResult {
  std::string campaign;
  std::size_t n_items = 0;
  std::size_t bts_rows = 0, bts_clicks = 0;
  std::size_t random_rows = 0, random_clicks = 0;
  double observed = 0;                     ///< click rate of the random log
  double observed_lower = 0, observed_upper = 0;  ///< its normal 95 % binomial interval
  double clip = 0;                         ///< cap used by the *_clipped variants
  std::size_t min_propensity_row = 0;      ///< row of the smallest BTS propensity
  double min_propensity = 0;
  std::vector<ObdNamedEstimate> estimates;
};

/// Evaluates one campaign ("men" or "women") under `data_dir` (the open_bandit_dataset folder).
ObdCampaignResult evaluate_obd_campaign(const std::string& data_dir, const std::string& campaign,
                                        const ObdOptions& options = {});

/// The uniform-policy logs of a BTS log: reward = click, propensity = propensity_score, target =
/// 1 / n_items (no reward model).
OwnedLogs obd_uniform_target_logs(const ObdLog& bts, std::size_t n_items);

}  // namespace attune::select::ope
