// attune intent train|eval|score|split: the purchase-intent model on the command line.
//
//   attune intent split --data F.csv --train-out A.csv --test-out B.csv [--fraction 0.2] [--seed S]
//   attune intent train [--data F.csv] [--holdout 0.2] [--seed S] [--without PageValues]
//                       [--out models/intent-v1.attm] [--trees N] [--depth D] [--learning-rate R]
//                       [--subsample S] [--l2 L] [--min-child-samples N]
//   attune intent eval --data F.csv [--model M.attm | --without PageValues]
//   attune intent score [--model M.attm | --without PageValues] < rows-or-events
// Every command prints JSON. docs/intent-model.md has the reproduction commands of the shipped
// models and their figures.
#include "args.hpp"
#include "command.hpp"

#include "attune/behavior/event.hpp"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

namespace attune::cli {
namespace {

using namespace attune::behavior;

const char* kDefaultData = "../shared/data/online_shoppers_intention/online_shoppers_intention_train.csv";
constexpr uint64_t kSplitSeed = 20261128;

bool help(const std::vector<std::string>& args, const char* text) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::printf("%s", text);
      return true;
    }
  return false;
}

std::vector<UciFeature> parse_without(const Args& a) {
  std::vector<UciFeature> out;
  if (auto w = a.get("without")) {
    size_t start = 0;
    while (start <= w->size()) {
      const size_t comma = w->find(',', start);
      const std::string name = w->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      bool found = false;
      for (size_t f = 0; f < kUciFeatureCount; ++f)
        if (kUciFeatureNames[f] == name) { out.push_back(static_cast<UciFeature>(f)); found = true; }
      if (!found) throw invalid_argument("--without: unknown UCI column '" + name + "'");
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

nlohmann::ordered_json metrics_json(const BinaryMetrics& m) {
  nlohmann::ordered_json j;
  j["roc_auc"] = m.roc_auc;
  j["pr_auc"] = m.pr_auc;
  j["brier"] = m.brier;
  j["log_loss"] = m.log_loss;
  j["n"] = m.n;
  j["positives"] = m.positives;
  return j;
}

IntentModel model_from(const Args& a) {
  if (auto path = a.get("model")) return IntentModel::load(*path);
  const auto without = parse_without(a);
  if (without.empty()) return IntentModel::load_default();
  if (without.size() == 1 && without[0] == UciFeature::page_values) return IntentModel::load_default_without_page_values();
  throw invalid_argument("--without: only PageValues has a shipped variant; train one with 'attune intent train --without ...'");
}

void write_lines(const std::string& path, const IntentDataset& d) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw error(status::io_error, "cannot write '" + path + "'");
  out << d.header << "\r\n";
  for (const auto& l : d.lines) out << l << "\r\n";
  if (!out) throw error(status::io_error, "cannot write '" + path + "'");
}

int split_command(const std::vector<std::string>& argv) {
  if (help(argv, "attune intent split --data F.csv --train-out A.csv --test-out B.csv [--fraction 0.2] [--seed 20261128]\n"
                 "  stratified split of a UCI CSV (the split 'attune intent train --holdout' uses)\n"))
    return 0;
  Args a(argv, {"data", "train-out", "test-out", "fraction", "seed"});
  const auto data = read_uci_csv(a.require("data"));
  if (!data.labelled()) throw invalid_argument("--data has no Revenue column");
  const auto [train, test] = stratified_split(data.y, a.number_or("fraction", 0.2),
                                              static_cast<uint64_t>(a.integer_or("seed", static_cast<long long>(kSplitSeed))));
  write_lines(a.require("train-out"), data.subset(train));
  write_lines(a.require("test-out"), data.subset(test));
  nlohmann::ordered_json j;
  j["train_rows"] = train.size();
  j["test_rows"] = test.size();
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

int train_command(const std::vector<std::string>& argv) {
  if (help(argv,
           "attune intent train [--data F.csv] [--holdout 0.2] [--seed 20261128] [--without PageValues]\n"
           "                    [--out models/intent-v1.attm] [--trees 120] [--depth 4] [--learning-rate 0.08]\n"
           "                    [--subsample 0.8] [--l2 1] [--min-child-samples 30]\n"
           "  trains on the data minus a stratified held-out part (--holdout 0 uses all rows), reports the\n"
           "  held-out metrics as JSON and stores them in the model's metadata.\n"))
    return 0;
  Args a(argv, {"data", "holdout", "seed", "without", "out", "trees", "depth", "learning-rate", "subsample", "l2",
                "min-child-samples", "min-child-hessian"});
  const std::string path = a.get_or("data", kDefaultData);
  const auto data = read_uci_csv(path);
  if (!data.labelled()) throw invalid_argument("--data has no Revenue column");
  const double holdout = a.number_or("holdout", 0.2);
  const auto seed = static_cast<uint64_t>(a.integer_or("seed", static_cast<long long>(kSplitSeed)));
  IntentTrainOptions opt;
  opt.trees = static_cast<int>(a.integer_or("trees", opt.trees));
  opt.max_depth = static_cast<int>(a.integer_or("depth", opt.max_depth));
  opt.learning_rate = a.number_or("learning-rate", opt.learning_rate);
  opt.subsample = a.number_or("subsample", opt.subsample);
  opt.l2 = a.number_or("l2", opt.l2);
  opt.min_child_samples = static_cast<int>(a.integer_or("min-child-samples", opt.min_child_samples));
  opt.min_child_hessian = a.number_or("min-child-hessian", opt.min_child_hessian);
  opt.exclude = parse_without(a);
  IntentDataset train = data, test;
  if (holdout > 0) {
    const auto [tr, te] = stratified_split(data.y, holdout, seed);
    train = data.subset(tr);
    test = data.subset(te);
  }
  IntentModel model = IntentModel::train(train, opt);
  auto meta = nlohmann::ordered_json::parse(model.metadata_json());
  meta["data"] = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  meta["split"] = {{"holdout_fraction", holdout}, {"seed", seed},
                   {"method", "stratified by Revenue; per class Fisher-Yates with std::mt19937_64(seed), first round(f*n) held out"}};
  nlohmann::ordered_json out;
  out["model"] = a.get_or("out", "");
  out["train_rows"] = train.size();
  out["trees"] = model.tree_count();
  out["depth"] = model.depth();
  if (holdout > 0) {
    const auto m = evaluate(model, test);
    meta["holdout_metrics"] = metrics_json(m);
    out["holdout"] = metrics_json(m);
  }
  model.set_metadata_json(meta.dump());
  if (auto o = a.get("out")) model.save(*o);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int eval_command(const std::vector<std::string>& argv) {
  if (help(argv, "attune intent eval --data F.csv [--model M.attm | --without PageValues]\n"
                 "  prints {roc_auc, pr_auc, brier, log_loss, n, positives} of the model on a UCI CSV\n"))
    return 0;
  Args a(argv, {"data", "model", "without"});
  const auto data = read_uci_csv(a.require("data"));
  if (!data.labelled()) throw invalid_argument("--data has no Revenue column");
  const IntentModel model = model_from(a);
  auto j = metrics_json(evaluate(model, data));
  nlohmann::ordered_json feats = nlohmann::ordered_json::array();
  j["without_page_values"] = !model.uses(UciFeature::page_values);
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

int score_command(const std::vector<std::string>& argv) {
  if (help(argv,
           "attune intent score [--model M.attm | --without PageValues] [--timeout-min 30]\n"
           "  reads stdin: UCI CSV rows (17 feature columns in UCI order, optional Revenue, header line\n"
           "  optional) or Segment event JSON lines (folded into live sessions per customer); prints one\n"
           "  JSON line per input: probability, logit, bias and per-feature log-odds contributions.\n"))
    return 0;
  Args a(argv, {"model", "without", "timeout-min"});
  const IntentModel model = model_from(a);
  SessionConfig cfg;
  cfg.timeout_ms = static_cast<int64_t>(a.number_or("timeout-min", 30) * 60000.0);
  SessionTracker tracker(cfg);
  std::string line;
  size_t lineno = 0;
  int status_code = 0;
  while (std::getline(std::cin, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      if (line[0] == '{') {
        const Event e = parse_event(line);
        const auto r = tracker.observe(e);
        const auto f = *tracker.features(e.user_id);
        auto j = nlohmann::ordered_json::parse(model.explain(f).to_json(model.features()));
        nlohmann::ordered_json out;
        out["user_id"] = e.user_id;
        static const char* results[] = {"continued", "new_session", "late", "ignored_late", "duplicate"};
        out["observed"] = results[static_cast<size_t>(r)];
        out["page_views"] = f.page_views();
        for (auto& [k, v] : j.items()) out[k] = v;
        std::printf("%s\n", out.dump().c_str());
      } else {
        if (line.rfind("Administrative,", 0) == 0) continue;  // header
        std::printf("%s\n", model.explain(parse_uci_row(line)).to_json(model.features()).c_str());
      }
    } catch (const std::exception& e) {
      nlohmann::ordered_json err;
      err["line"] = lineno;
      err["error"] = e.what();
      err["status"] = status_name(status_of(e));
      std::printf("%s\n", err.dump().c_str());
      status_code = 1;
    }
  }
  return status_code;
}

}  // namespace

ATTUNE_COMMAND("intent split", "stratified train/test split of a UCI Online Shoppers CSV", split_command);
ATTUNE_COMMAND("intent train", "train the purchase-intent model on UCI Online Shoppers data", train_command);
ATTUNE_COMMAND("intent eval", "ROC-AUC, PR-AUC and Brier score of an intent model on a UCI CSV", eval_command);
ATTUNE_COMMAND("intent score", "purchase probability + contributions for CSV rows or event JSON lines", score_command);

}  // namespace attune::cli
