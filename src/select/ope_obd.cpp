// Off-policy evaluation on the Open Bandit Dataset sample (see attune/select/ope_obd.hpp).
#include "attune/select/ope_obd.hpp"

#include "attune/error.hpp"
#include "attune/select/ope_reward_model.hpp"
#include "ope_csv.hpp"
#include "ope_split.hpp"

#include <algorithm>
#include <cmath>

namespace attune::select::ope {

ObdLog load_obd_log(const std::string& path) {
  const auto t = detail::CsvTable::read(path);
  const std::size_t c_item = t.column("item_id"), c_pos = t.column("position"), c_click = t.column("click"),
                    c_prop = t.column("propensity_score");
  ObdLog log;
  const std::size_t n = t.rows();
  log.item.reserve(n);
  log.position.reserve(n);
  log.click.reserve(n);
  log.propensity.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    const double item = t.number(r, c_item), pos = t.number(r, c_pos), click = t.number(r, c_click);
    if (item < 0 || item != std::floor(item) || pos < 1 || pos != std::floor(pos) || !(click == 0 || click == 1))
      throw error(status::parse_error, path + " line " + std::to_string(r + 2) +
                                           ": item_id must be an integer >= 0, position >= 1, click 0 or 1");
    log.item.push_back(static_cast<std::int64_t>(item));
    log.position.push_back(static_cast<std::int64_t>(pos));
    log.click.push_back(click);
    log.propensity.push_back(t.number(r, c_prop));
  }
  if (n == 0) throw error(status::parse_error, path + ": no rows");
  return log;
}

std::size_t load_obd_item_count(const std::string& path) {
  const auto t = detail::CsvTable::read(path);
  const std::size_t c = t.column("item_id");
  std::int64_t max_id = -1;
  for (std::size_t r = 0; r < t.rows(); ++r) max_id = std::max(max_id, static_cast<std::int64_t>(t.number(r, c)));
  if (t.rows() == 0 || static_cast<std::size_t>(max_id + 1) != t.rows())
    throw error(status::parse_error, path + ": item_id must run over 0..rows-1");
  return t.rows();
}

OwnedLogs obd_uniform_target_logs(const ObdLog& bts, std::size_t n_items) {
  if (n_items == 0) throw invalid_argument("obd: n_items must be > 0");
  OwnedLogs logs;
  logs.reward = bts.click;
  logs.propensity = bts.propensity;
  logs.target.assign(bts.size(), 1.0 / static_cast<double>(n_items));
  return logs;
}

ObdCampaignResult evaluate_obd_campaign(const std::string& data_dir, const std::string& campaign,
                                        const ObdOptions& options) {
  if (campaign != "men" && campaign != "women")
    throw invalid_argument("obd: campaign must be 'men' or 'women', got '" + campaign + "'");
  if (options.folds < 2) throw invalid_argument("obd: folds must be >= 2", status::out_of_range);
  if (!(options.clip >= 0) || std::isnan(options.clip))
    throw invalid_argument("obd: clip must be >= 0 (0 = automatic)", status::out_of_range);
  validate(options.ope);

  ObdCampaignResult res;
  res.campaign = campaign;
  const std::string bts_dir = data_dir + "/bts/" + campaign + "/", rnd_dir = data_dir + "/random/" + campaign + "/";
  res.n_items = load_obd_item_count(bts_dir + "item_context.csv");
  const ObdLog bts = load_obd_log(bts_dir + campaign + ".csv");
  const ObdLog rnd = load_obd_log(rnd_dir + campaign + ".csv");
  std::int64_t max_pos = 0;
  for (std::size_t i = 0; i < bts.size(); ++i) {
    if (static_cast<std::size_t>(bts.item[i]) >= res.n_items)
      throw error(status::parse_error, "obd: item_id " + std::to_string(bts.item[i]) + " outside the item context");
    max_pos = std::max(max_pos, bts.position[i]);
  }

  res.bts_rows = bts.size();
  res.random_rows = rnd.size();
  for (double c : bts.click) res.bts_clicks += static_cast<std::size_t>(c);
  for (double c : rnd.click) res.random_clicks += static_cast<std::size_t>(c);
  res.observed = static_cast<double>(res.random_clicks) / static_cast<double>(res.random_rows);
  const double se_obs = std::sqrt(res.observed * (1 - res.observed) / static_cast<double>(res.random_rows));
  const double z = normal_quantile(0.975);
  res.observed_lower = res.observed - z * se_obs;
  res.observed_upper = res.observed + z * se_obs;
  const auto min_it = std::min_element(bts.propensity.begin(), bts.propensity.end());
  res.min_propensity = *min_it;
  res.min_propensity_row = static_cast<std::size_t>(min_it - bts.propensity.begin());

  OwnedLogs logs = obd_uniform_target_logs(bts, res.n_items);

  // Cross-fitted reward model over (item, position) cells.
  const std::size_t n = bts.size(), n_pos = static_cast<std::size_t>(max_pos);
  const std::size_t n_cells = res.n_items * n_pos;
  auto cell_of = [&](std::size_t item, std::size_t pos1) { return item * n_pos + (pos1 - 1); };
  std::vector<std::size_t> fold(n);
  {
    const auto order = detail::shuffled_indices(n, options.seed);
    for (std::size_t k = 0; k < n; ++k) fold[order[k]] = k % options.folds;
  }
  logs.q_logged.assign(n, 0.0);
  logs.q_target.assign(n, 0.0);
  for (std::size_t f = 0; f < options.folds; ++f) {
    std::vector<std::size_t> cells;
    std::vector<double> rewards;
    for (std::size_t i = 0; i < n; ++i) {
      if (fold[i] == f) continue;
      cells.push_back(cell_of(static_cast<std::size_t>(bts.item[i]), static_cast<std::size_t>(bts.position[i])));
      rewards.push_back(bts.click[i]);
    }
    const auto model = TabularRewardModel::fit(cells.data(), rewards.data(), cells.size(), n_cells, options.prior_strength);
    for (std::size_t i = 0; i < n; ++i) {
      if (fold[i] != f) continue;
      const auto pos = static_cast<std::size_t>(bts.position[i]);
      logs.q_logged[i] = model.predict(cell_of(static_cast<std::size_t>(bts.item[i]), pos));
      double q = 0;
      for (std::size_t a = 0; a < res.n_items; ++a) q += model.predict(cell_of(a, pos));
      logs.q_target[i] = q / static_cast<double>(res.n_items);
    }
  }

  const Logs view = logs.view();
  Options unclipped = options.ope;
  unclipped.clip = std::numeric_limits<double>::infinity();
  Options clipped = options.ope;
  clipped.clip = options.clip > 0 ? options.clip : suggested_clip(view);
  res.clip = clipped.clip;
  res.estimates.push_back({"ips", ips(view, unclipped)});
  res.estimates.push_back({"snips", snips(view, unclipped)});
  res.estimates.push_back({"dr", dr(view, unclipped)});
  res.estimates.push_back({"ips_clipped", ips(view, clipped)});
  res.estimates.push_back({"snips_clipped", snips(view, clipped)});
  res.estimates.push_back({"dr_clipped", dr(view, clipped)});
  return res;
}

}  // namespace attune::select::ope
