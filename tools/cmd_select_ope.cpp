// attune select ope: off-policy evaluation from the command line, printing JSON.
//
//   attune select ope --data ../shared/data/open_bandit_dataset [--campaign men|women|all]
//       Estimate the uniform random policy's click rate from the Bernoulli-TS log, per campaign,
//       and compare with the click rate observed in the random log (ope_obd.hpp).
//   attune select ope --hillstrom ../shared/data/hillstrom_email/hillstrom_train.csv [--eval F]
//       Learn an e-mail targeting policy and estimate its visit rate next to the fixed policies
//       (ope_hillstrom.hpp).
//   attune select ope --logs FILE.csv [--reward C --propensity C --target C --q-logged C --q-target C]
//       Evaluate any logs given per row (column names default to reward, propensity, target,
//       q_logged, q_target; DR only when both q columns exist).
//
// Output: one JSON object per line (campaign / data set), or indented with --pretty.
#include "command.hpp"
#include "args.hpp"

#include "attune/error.hpp"
#include "attune/select/ope.hpp"
#include "attune/select/ope_hillstrom.hpp"
#include "attune/select/ope_obd.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

namespace attune::cli {
namespace {

using namespace attune::select::ope;
using nlohmann::json;

const char* kUsage =
    "usage:\n"
    "  attune select ope --data DIR [--campaign men|women|all] [--clip auto|X] [--folds K]\n"
    "                    [--prior-strength M] [--seed S] [--interval analytic|bootstrap]\n"
    "                    [--bootstrap B] [--confidence C] [--pretty]\n"
    "  attune select ope --hillstrom FILE [--eval FILE] [--folds K | --eval-fraction F] [--seed S] [--l2 L]\n"
    "                    [--model shared|per-arm]\n"
    "                    [--interval ...] [--bootstrap B] [--confidence C] [--pretty]\n"
    "  attune select ope --logs FILE [--reward COL] [--propensity COL] [--target COL]\n"
    "                    [--q-logged COL] [--q-target COL] [--clip none|auto|X] [--interval ...]\n";

json diagnostics_json(const Diagnostics& d) {
  return json{{"rows", d.n},
              {"weight_mean", d.weight_mean},
              {"ess", d.ess},
              {"max_weight", d.max_weight},
              {"max_raw_weight", d.max_raw_weight},
              {"top_weight_share", d.top_weight_share},
              {"top_rows", d.top_rows},
              {"clip", std::isinf(d.clip) ? json(nullptr) : json(d.clip)},
              {"rows_clipped", d.n_clipped}};
}

json estimate_json(const Estimate& e) {
  return json{{"estimate", e.value},
              {"lower", e.lower},
              {"upper", e.upper},
              {"std_error", e.std_error},
              {"interval", e.interval == IntervalMethod::bootstrap ? "bootstrap" : "analytic"},
              {"diagnostics", diagnostics_json(e.diagnostics)}};
}

Options parse_ope_options(const Args& args) {
  Options o;
  const std::string interval = args.get_or("interval", "analytic");
  if (interval == "analytic") o.interval = IntervalMethod::analytic;
  else if (interval == "bootstrap") o.interval = IntervalMethod::bootstrap;
  else throw invalid_argument("--interval must be 'analytic' or 'bootstrap'");
  const long long b = args.integer_or("bootstrap", 2000);
  if (b < 10 || b > 1000000) throw invalid_argument("--bootstrap must be in [10, 1000000]");
  o.bootstrap_resamples = static_cast<std::uint32_t>(b);
  o.confidence = args.number_or("confidence", 0.95);
  const long long seed = args.integer_or("seed", 0);
  if (seed < 0) throw invalid_argument("--seed must be >= 0");
  o.seed = static_cast<std::uint64_t>(seed);
  validate(o);
  return o;
}

void print(const json& j, bool pretty) { std::printf("%s\n", j.dump(pretty ? 2 : -1).c_str()); std::fflush(stdout); }

int run_obd(const Args& args) {
  ObdOptions o;
  o.ope = parse_ope_options(args);
  o.seed = o.ope.seed;
  const std::string clip = args.get_or("clip", "auto");
  if (clip != "auto") {
    o.clip = args.number_or("clip", 0);
    if (!(o.clip > 0)) throw invalid_argument("--clip must be 'auto' or a number > 0");
  }
  const long long folds = args.integer_or("folds", 2);
  if (folds < 2 || folds > 100) throw invalid_argument("--folds must be in [2, 100]");
  o.folds = static_cast<std::size_t>(folds);
  o.prior_strength = args.number_or("prior-strength", 10);
  const std::string dir = args.require("data");
  const std::string which = args.get_or("campaign", "all");
  std::vector<std::string> campaigns;
  if (which == "all") campaigns = {"men", "women"};
  else if (which == "men" || which == "women") campaigns = {which};
  else throw invalid_argument("--campaign must be men, women or all");

  for (const auto& c : campaigns) {
    const auto t0 = std::chrono::steady_clock::now();
    const ObdCampaignResult r = evaluate_obd_campaign(dir, c, o);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    json est = json::object();
    for (const auto& ne : r.estimates) {
      json j = estimate_json(ne.estimate);
      j["relative_error"] = (ne.estimate.value - r.observed) / r.observed;
      j["covers_observed"] = ne.estimate.lower <= r.observed && r.observed <= ne.estimate.upper;
      est[ne.name] = j;
    }
    print(json{{"dataset", "open_bandit_dataset"},
               {"campaign", r.campaign},
               {"logging_policy", "bts"},
               {"target_policy", "uniform"},
               {"n_items", r.n_items},
               {"target_probability", 1.0 / static_cast<double>(r.n_items)},
               {"pooling", "all positions pooled, target 1/n_items at every position"},
               {"bts_rows", r.bts_rows},
               {"bts_clicks", r.bts_clicks},
               {"min_propensity", r.min_propensity},
               {"min_propensity_row", r.min_propensity_row},
               {"observed", json{{"policy", "random"},
                                 {"rows", r.random_rows},
                                 {"clicks", r.random_clicks},
                                 {"click_rate", r.observed},
                                 {"lower", r.observed_lower},
                                 {"upper", r.observed_upper}}},
               {"clip", r.clip},
               {"dr_reward_model", json{{"kind", "tabular item x position, cross-fitted"},
                                        {"folds", o.folds},
                                        {"prior_strength", o.prior_strength},
                                        {"seed", o.seed}}},
               {"confidence", o.ope.confidence},
               {"estimators", est},
               {"seconds", secs}},
          args.has("pretty"));
  }
  return 0;
}

int run_hillstrom(const Args& args) {
  HillstromOptions o;
  o.ope = parse_ope_options(args);
  o.seed = static_cast<std::uint64_t>(args.integer_or("seed", static_cast<long long>(o.seed)));
  o.eval_fraction = args.number_or("eval-fraction", o.eval_fraction);
  const long long hfolds = args.integer_or("folds", static_cast<long long>(o.folds));
  if (hfolds < 0 || hfolds == 1 || hfolds > 100) throw invalid_argument("--folds must be 0 (one split) or in [2, 100]");
  o.folds = static_cast<std::size_t>(hfolds);
  if (args.has("eval-fraction") && !args.has("folds")) o.folds = 0;
  o.logistic.l2 = args.number_or("l2", o.logistic.l2);
  const std::string model = args.get_or("model", "shared");
  if (model == "shared") o.model = HillstromModel::shared;
  else if (model == "per-arm") o.model = HillstromModel::per_arm;
  else throw invalid_argument("--model must be 'shared' or 'per-arm'");
  const auto t0 = std::chrono::steady_clock::now();
  const HillstromData train = load_hillstrom(args.require("hillstrom"));
  HillstromData eval;
  const bool has_eval = args.get("eval").has_value();
  if (has_eval) eval = load_hillstrom(*args.get("eval"));
  const HillstromReport r = evaluate_hillstrom(train, has_eval ? &eval : nullptr, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  json arms = json::object();
  for (std::size_t a = 0; a < kHillstromArms; ++a)
    arms[kHillstromArmNames[a]] = json{{"share_all_rows", r.arm_share_all[a]},
                                       {"eval_rows", r.eval_arm_rows[a]},
                                       {"eval_visit_rate", r.eval_arm_visit_rate[a]}};
  json pols = json::object();
  for (const auto& p : r.policies) {
    json share = json::object();
    for (std::size_t a = 0; a < kHillstromArms; ++a) share[kHillstromArmNames[a]] = p.share[a];
    pols[p.policy] = json{{"sends", share},
                          {"ips", estimate_json(p.ips)},
                          {"snips", estimate_json(p.snips)},
                          {"dr", estimate_json(p.dr)}};
  }
  json policy_model{{"l2", o.logistic.l2}, {"features", hillstrom_feature_names()}, {"decision", "greedy argmax"}};
  if (o.model == HillstromModel::shared) {
    std::vector<std::string> arm_cols;
    for (auto k : o.arm_features) arm_cols.push_back(hillstrom_feature_names().at(k));
    policy_model["kind"] = "shared logistic regression with arm-specific effects";
    policy_model["arm_features"] = arm_cols;
  } else {
    policy_model["kind"] = "per-arm logistic regression (T-learner)";
  }
  json diff = json::object();
  for (const auto& d : r.targeting_minus_mens)
    diff[d.estimator] = json{{"estimate", d.value}, {"lower", d.lower}, {"upper", d.upper}, {"std_error", d.std_error}};
  print(json{{"dataset", "hillstrom_email"},
             {"reward", "visit"},
             {"logging_propensity", o.propensity},
             {"protocol", has_eval ? json{{"kind", "train on first file, evaluate on --eval file"}}
                          : o.folds >= 2 ? json{{"kind", "cross-fitting"}, {"folds", o.folds}, {"seed", o.seed}}
                                         : json{{"kind", "single split"}, {"eval_fraction", o.eval_fraction}, {"seed", o.seed}}},
             {"train_rows", r.n_train},
             {"eval_rows", r.n_eval},
             {"arms", arms},
             {"policy_model", policy_model},
             {"confidence", o.ope.confidence},
             {"policies", pols},
             {"targeting_minus_always_mens", diff},
             {"seconds", secs}},
        args.has("pretty"));
  return 0;
}

int run_logs(const Args& args) {
  Options o = parse_ope_options(args);
  CsvColumns cols;
  cols.reward = args.get_or("reward", cols.reward);
  cols.propensity = args.get_or("propensity", cols.propensity);
  cols.target = args.get_or("target", cols.target);
  cols.q_logged = args.get_or("q-logged", cols.q_logged);
  cols.q_target = args.get_or("q-target", cols.q_target);
  OwnedLogs logs = load_logs_csv(args.require("logs"), cols);
  const bool has_dr = !logs.q_logged.empty() && !logs.q_target.empty();
  if (!has_dr) { logs.q_logged.clear(); logs.q_target.clear(); }
  const Logs view = logs.view();
  const std::string clip = args.get_or("clip", "none");
  if (clip == "auto") o.clip = suggested_clip(view);
  else if (clip != "none") o.clip = args.number_or("clip", 0);
  validate(o);
  json est = json::object();
  est["ips"] = estimate_json(ips(view, o));
  est["snips"] = estimate_json(snips(view, o));
  if (has_dr) est["dr"] = estimate_json(dr(view, o));
  print(json{{"logs", *args.get("logs")}, {"rows", view.size}, {"confidence", o.confidence}, {"estimators", est}},
        args.has("pretty"));
  return 0;
}

int select_ope(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"data", "campaign", "clip", "folds", "prior-strength", "seed", "interval", "bootstrap",
                   "confidence", "hillstrom", "eval", "eval-fraction", "l2", "model", "logs", "reward", "propensity",
                   "target", "q-logged", "q-target"},
                  {"pretty", "help"});
  if (args.has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (!args.positional().empty()) throw invalid_argument("unexpected argument '" + args.positional()[0] + "'\n" + kUsage);
  const int modes = int(args.has("data")) + int(args.has("hillstrom")) + int(args.has("logs"));
  if (modes != 1) throw invalid_argument(std::string("give exactly one of --data, --hillstrom, --logs\n") + kUsage);
  if (args.has("data")) return run_obd(args);
  if (args.has("hillstrom")) return run_hillstrom(args);
  return run_logs(args);
}

}  // namespace

ATTUNE_COMMAND("select ope", "off-policy evaluation (Open Bandit Dataset, Hillstrom, or your logs), JSON", select_ope);

}  // namespace attune::cli
