// `attune transitions eval`: next-turn dissatisfaction forecast on the USS dialogues.
//
// Reads every *.txt dialogue file of --data (the User Satisfaction Simulation layout: blank-line
// separated dialogues, lines "ROLE<TAB>text<TAB>action<TAB>ratings"; *-action.txt files and the
// OVERALL lines are skipped), labels each customer turn dissatisfied when its mean rating is
// <= 2.5, splits by dialogue (FNV-1a of "file:index" mod 5 == 0 is held out; --test DIR instead
// holds out a whole directory), trains TurnRiskModel on the rest at evaluation time (nothing is
// shipped: the dialogues have no licence) and prints JSON with ROC-AUC and PR-AUC on the held-out
// part, beside the rule-based default and the "previous turn's rating" reference on the same
// examples. Default: 5-fold cross-validation by dialogue (out-of-fold predictions, pooled and per
// corpus, also split into turns answering a system reply vs. the customer continuing their own
// line). Ratings are only ever labels or the reference, never model inputs.
#include "command.hpp"
#include "args.hpp"

#include "attune/behavior/turn_risk.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

namespace attune::cli {
namespace {

using behavior::DialogueTurn;
using behavior::LabelledDialogue;

struct Dialogue {
  std::string corpus;
  LabelledDialogue d;
  std::vector<double> mean_rating;  // per turn, NaN if none
  bool test = false;
  int fold = 0;  // FNV-1a("<file stem>:<index>") % 5
};

uint32_t fnv(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return f;
}

std::vector<Dialogue> load_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw error(status::io_error, "not a directory: " + dir);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 4 && name.substr(name.size() - 4) == ".txt" &&
        name.find("-action") == std::string::npos)
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw error(status::not_found, "no dialogue .txt files in " + dir);
  std::vector<Dialogue> out;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(status::io_error, "cannot read " + path);
    const std::string corpus = fs::path(path).stem().string();
    Dialogue cur;
    size_t index = 0, line_no = 0;
    auto flush = [&]() {
      if (!cur.d.turns.empty()) {
        cur.corpus = corpus;
        cur.fold = static_cast<int>(fnv(corpus + ":" + std::to_string(index)) % 5);
        cur.test = cur.fold == 0;
        out.push_back(std::move(cur));
        ++index;
      }
      cur = Dialogue();
    };
    std::string line;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) {
        flush();
        continue;
      }
      const auto f = split_tabs(line);
      if (f.size() < 2 || (f[0] != "USER" && f[0] != "SYSTEM"))
        throw invalid_argument(path + ":" + std::to_string(line_no) + ": expected USER/SYSTEM<TAB>text...",
                               status::parse_error);
      if (f[0] == "USER" && f[1] == "OVERALL") continue;
      double mean = std::nan("");
      if (f.size() >= 4 && !f[3].empty()) {
        std::stringstream ss(f[3]);
        std::string item;
        double sum = 0;
        int n = 0;
        while (std::getline(ss, item, ',')) {
          if (item.empty()) continue;
          sum += std::stod(item);
          ++n;
        }
        if (n) mean = sum / n;
      }
      const bool customer = f[0] == "USER";
      cur.d.turns.push_back(DialogueTurn{customer, f[1]});
      cur.d.labels.push_back(customer && !std::isnan(mean) ? static_cast<int8_t>(mean <= 2.5) : int8_t(-1));
      cur.mean_rating.push_back(mean);
    }
    flush();
  }
  return out;
}

// ROC-AUC with ties (average ranks) and average precision (step-wise, as scikit-learn).
double roc_auc(const std::vector<double>& s, const std::vector<int>& y) {
  std::vector<size_t> o(s.size());
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](size_t a, size_t b) { return s[a] < s[b]; });
  double rank_sum = 0, pos = 0;
  for (size_t i = 0; i < o.size();) {
    size_t j = i;
    while (j < o.size() && s[o[j]] == s[o[i]]) ++j;
    const double avg = 0.5 * (static_cast<double>(i) + static_cast<double>(j) - 1) + 1;
    for (size_t k = i; k < j; ++k)
      if (y[o[k]]) {
        rank_sum += avg;
        pos += 1;
      }
    i = j;
  }
  const double neg = static_cast<double>(s.size()) - pos;
  if (pos == 0 || neg == 0) return std::nan("");
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double average_precision(const std::vector<double>& s, const std::vector<int>& y) {
  std::vector<size_t> o(s.size());
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  const double total_pos = std::accumulate(y.begin(), y.end(), 0.0);
  if (total_pos == 0) return std::nan("");
  double tp = 0, fp = 0, ap = 0, prev_recall = 0;
  for (size_t i = 0; i < o.size();) {
    size_t j = i;
    while (j < o.size() && s[o[j]] == s[o[i]]) ++j;
    for (size_t k = i; k < j; ++k) (y[o[k]] ? tp : fp) += 1;
    const double recall = tp / total_pos, precision = tp / (tp + fp);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
    i = j;
  }
  return ap;
}

struct Scored {
  std::vector<double> model, rules, prev_rating;
  std::vector<int> y;
  std::vector<std::string> corpus;
  std::vector<int> continuing;  // 1: the previous turn was the customer's own (no system reply between)
};

Scored score(const std::vector<const Dialogue*>& test, const behavior::TurnRiskModel& model) {
  static const behavior::TurnRiskModel rules;
  Scored s;
  for (const auto* dl : test) {
    std::vector<DialogueTurn> history;
    double prev = 3.0;  // no earlier customer turn: "normal"
    for (size_t i = 0; i < dl->d.turns.size(); ++i) {
      if (dl->d.labels[i] >= 0) {
        s.model.push_back(model.probability(history));
        s.rules.push_back(rules.probability(history));
        s.prev_rating.push_back(-prev);  // lower rating -> higher risk
        s.y.push_back(dl->d.labels[i]);
        s.corpus.push_back(dl->corpus);
        s.continuing.push_back(!history.empty() && history.back().customer ? 1 : 0);
      }
      if (dl->d.turns[i].customer && !std::isnan(dl->mean_rating[i])) prev = dl->mean_rating[i];
      history.push_back(dl->d.turns[i]);
    }
  }
  return s;
}

nlohmann::json metrics(const std::vector<double>& s, const std::vector<int>& y) {
  return {{"roc_auc", roc_auc(s, y)}, {"pr_auc", average_precision(s, y)}};
}

nlohmann::json report(const Scored& s) {
  nlohmann::json j;
  j["n"] = s.y.size();
  j["positives"] = std::accumulate(s.y.begin(), s.y.end(), 0);
  j["model"] = metrics(s.model, s.y);
  j["rule_based_default"] = metrics(s.rules, s.y);
  j["reference_previous_turn_rating"] = metrics(s.prev_rating, s.y);
  if (s.continuing.size() == s.y.size()) {
    // The reference is strongest where the customer continues their own line (annotators often
    // repeat the rating on consecutive lines); the task that matters is the reaction to a reply.
    for (int c = 0; c < 2; ++c) {
      std::vector<double> m, pr;
      std::vector<int> y;
      for (size_t i = 0; i < s.y.size(); ++i)
        if (s.continuing[i] == c) {
          m.push_back(s.model[i]);
          pr.push_back(s.prev_rating[i]);
          y.push_back(s.y[i]);
        }
      if (y.empty()) continue;
      j[c ? "continuing_own_line" : "answering_a_system_reply"] = {
          {"n", y.size()},
          {"positives", std::accumulate(y.begin(), y.end(), 0)},
          {"model_roc_auc", roc_auc(m, y)},
          {"reference_previous_turn_rating_roc_auc", roc_auc(pr, y)}};
    }
  }
  return j;
}

std::vector<LabelledDialogue> training_set(const std::vector<const Dialogue*>& train) {
  std::vector<LabelledDialogue> out;
  out.reserve(train.size());
  for (const auto* d : train) out.push_back(d->d);
  return out;
}

void append(Scored& to, const Scored& from) {
  to.model.insert(to.model.end(), from.model.begin(), from.model.end());
  to.rules.insert(to.rules.end(), from.rules.begin(), from.rules.end());
  to.prev_rating.insert(to.prev_rating.end(), from.prev_rating.begin(), from.prev_rating.end());
  to.y.insert(to.y.end(), from.y.begin(), from.y.end());
  to.corpus.insert(to.corpus.end(), from.corpus.begin(), from.corpus.end());
  to.continuing.insert(to.continuing.end(), from.continuing.begin(), from.continuing.end());
}

std::map<std::string, Scored> by_corpus(const Scored& s) {
  std::map<std::string, Scored> per;
  for (size_t i = 0; i < s.y.size(); ++i) {
    auto& p = per[s.corpus[i]];
    p.model.push_back(s.model[i]);
    p.rules.push_back(s.rules[i]);
    p.prev_rating.push_back(s.prev_rating[i]);
    p.y.push_back(s.y[i]);
    p.continuing.push_back(s.continuing[i]);
  }
  return per;
}

int transitions_eval(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "test", "iterations", "l2"}, {"help", "no-words", "leave-one-out", "holdout", "within-corpus"});
  if (args.has("help")) {
    std::printf(
        "attune transitions eval --data DIR [--test DIR | --holdout] [--iterations 300] [--l2 1.5e-4] [--no-words]\n"
        "                        [--leave-one-out] [--within-corpus]\n"
        "Forecast whether the customer's next turn is dissatisfied (mean rating <= 2.5) from the conversation so\n"
        "far, on USS-format dialogues (../shared/data/user_satisfaction_dialogues). Default: 5-fold cross-\n"
        "validation by dialogue (fold = FNV-1a(file:index) %% 5), out-of-fold predictions pooled and per corpus.\n"
        "--holdout: train on folds 1-4, test on fold 0 only. --test DIR: train on --data, test on DIR.\n"
        "--leave-one-out: also train on the other corpora and test on each whole corpus. --within-corpus: also\n"
        "5-fold cross-validation inside each corpus (a host fitting on its own conversations). Prints JSON.\n");
    return 0;
  }
  behavior::TurnRiskModel::FitOptions fo;
  fo.iterations = static_cast<int>(args.integer_or("iterations", fo.iterations));
  fo.l2 = args.number_or("l2", fo.l2);
  fo.words = !args.has("no-words");
  const auto t0 = std::chrono::steady_clock::now();
  auto data = load_dir(args.require("data"));
  std::vector<Dialogue> test_data;
  const bool external = args.get("test").has_value();
  if (external) test_data = load_dir(*args.get("test"));

  nlohmann::json j;
  j["task"] = "next customer turn dissatisfied (mean annotator rating <= 2.5), predicted before it is seen";
  Scored all;
  if (external || args.has("holdout")) {
    std::vector<const Dialogue*> train, test;
    for (const auto& d : data) (d.test && !external ? test : train).push_back(&d);
    for (const auto& d : test_data) test.push_back(&d);
    behavior::TurnRiskModel model;
    model.fit(training_set(train), fo);
    all = score(test, model);
    j["split"] = external ? "train --data, test --test" : "by dialogue: FNV-1a(file:index) % 5 == 0 held out";
    j["train_dialogues"] = train.size();
    j["test_dialogues"] = test.size();
  } else {
    // 5-fold cross-validation by dialogue: every dialogue is scored by a model that never saw it.
    j["split"] = "5-fold cross-validation by dialogue: fold = FNV-1a(file:index) % 5; out-of-fold predictions";
    j["dialogues"] = data.size();
    nlohmann::json folds = nlohmann::json::array();
    for (int f = 0; f < 5; ++f) {
      std::vector<const Dialogue*> train, test;
      for (const auto& d : data) (d.fold == f ? test : train).push_back(&d);
      behavior::TurnRiskModel model;
      model.fit(training_set(train), fo);
      const Scored s = score(test, model);
      folds.push_back({{"fold", f}, {"n", s.y.size()}, {"model_roc_auc", roc_auc(s.model, s.y)},
                       {"reference_previous_turn_rating_roc_auc", roc_auc(s.prev_rating, s.y)}});
      append(all, s);
    }
    j["per_fold_pooled"] = folds;
  }
  const std::string key = external || args.has("holdout") ? "held_out" : "cross_validated";
  j[key] = report(all);
  for (const auto& [name, p] : by_corpus(all)) j[key + "_per_corpus"][name] = report(p);

  if (args.has("within-corpus") && !external && !args.has("holdout")) {
    // A host fits on its own conversations: the same folds, but trained on one corpus only.
    std::map<std::string, int> corpora;
    for (const auto& d : data) corpora[d.corpus] = 1;
    for (const auto& [name, unused] : corpora) {
      (void)unused;
      Scored within;
      for (int f = 0; f < 5; ++f) {
        std::vector<const Dialogue*> tr, te;
        for (const auto& d : data)
          if (d.corpus == name) (d.fold == f ? te : tr).push_back(&d);
        behavior::TurnRiskModel m;
        m.fit(training_set(tr), fo);
        append(within, score(te, m));
      }
      j["cross_validated_within_corpus"][name] = report(within);
    }
  }
  if (args.has("leave-one-out")) {
    // Generalization to an unseen corpus: train on all dialogues of the other corpora, test on
    // every dialogue of this one.
    std::map<std::string, int> corpora;
    for (const auto& d : data) corpora[d.corpus] = 1;
    for (const auto& [name, unused] : corpora) {
      (void)unused;
      std::vector<const Dialogue*> tr, te;
      for (const auto& d : data) (d.corpus == name ? te : tr).push_back(&d);
      behavior::TurnRiskModel m;
      m.fit(training_set(tr), fo);
      j["leave_one_corpus_out"][name] = report(score(te, m));
    }
  }
  j["features"] = fo.words ? "attune tokenizer cues + emotion-model cues (dense) + hashed uni/bigrams of the last "
                             "system and customer turns"
                           : "attune tokenizer cues + emotion-model cues (dense)";
  j["emotion_model_features"] = true;
  j["fit"] = {{"iterations", fo.iterations}, {"l2", fo.l2}, {"words", fo.words}};
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace

ATTUNE_COMMAND("transitions eval", "next-turn dissatisfaction forecast on USS dialogues (JSON)", transitions_eval);

}  // namespace attune::cli
