// `attune transitions eval`: next-turn dissatisfaction forecast on the USS dialogues.
//
// Reads every *.txt dialogue file of --data (the User Satisfaction Simulation layout: blank-line
// separated dialogues, lines "ROLE<TAB>text<TAB>action<TAB>ratings"; *-action.txt files and the
// OVERALL lines are skipped), labels each customer turn dissatisfied when its mean rating is
// <= 2.5, splits by dialogue (FNV-1a of "file:index" mod 5 == 0 is held out; --test DIR instead
// holds out a whole directory), trains TurnRiskModel on the rest at evaluation time (nothing is
// shipped: the dialogues have no licence) and prints JSON with ROC-AUC and PR-AUC on the held-out
// part, beside the rule-based default and the "previous turn's rating" reference on the same
// examples. Ratings are only ever labels or the reference, never model inputs.
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
        cur.test = fnv(corpus + ":" + std::to_string(index)) % 5 == 0;
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
  return j;
}

std::vector<LabelledDialogue> training_set(const std::vector<const Dialogue*>& train) {
  std::vector<LabelledDialogue> out;
  out.reserve(train.size());
  for (const auto* d : train) out.push_back(d->d);
  return out;
}

int transitions_eval(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "test", "iterations", "l2"}, {"help", "no-words", "leave-one-out"});
  if (args.has("help")) {
    std::printf(
        "attune transitions eval --data DIR [--test DIR] [--iterations 300] [--l2 1.5e-4] [--no-words] [--leave-one-out]\n"
        "Forecast whether the customer's next turn is dissatisfied (mean rating <= 2.5) from the conversation so\n"
        "far, on USS-format dialogues (../shared/data/user_satisfaction_dialogues). Trains at evaluation time on\n"
        "the training dialogues, prints JSON for the held-out dialogues.\n");
    return 0;
  }
  behavior::TurnRiskModel::FitOptions fo;
  fo.iterations = static_cast<int>(args.integer_or("iterations", fo.iterations));
  fo.l2 = args.number_or("l2", fo.l2);
  fo.words = !args.has("no-words");
  const auto t0 = std::chrono::steady_clock::now();
  auto data = load_dir(args.require("data"));
  std::vector<Dialogue> test_data;
  if (auto t = args.get("test")) {
    test_data = load_dir(*t);
    for (auto& d : data) d.test = false;
    for (auto& d : test_data) d.test = true;
  }
  std::vector<const Dialogue*> train, test;
  for (const auto& d : data) (d.test ? test : train).push_back(&d);
  for (const auto& d : test_data) test.push_back(&d);

  behavior::TurnRiskModel model;
  model.fit(training_set(train), fo);
  const Scored s = score(test, model);

  nlohmann::json j;
  j["task"] = "next customer turn dissatisfied (mean annotator rating <= 2.5), predicted before it is seen";
  j["split"] = args.get("test") ? "train --data, test --test" : "by dialogue: FNV-1a(file:index) % 5 == 0 held out";
  j["train_dialogues"] = train.size();
  j["test_dialogues"] = test.size();
  j["held_out"] = report(s);
  std::map<std::string, Scored> per;
  for (size_t i = 0; i < s.y.size(); ++i) {
    auto& p = per[s.corpus[i]];
    p.model.push_back(s.model[i]);
    p.rules.push_back(s.rules[i]);
    p.prev_rating.push_back(s.prev_rating[i]);
    p.y.push_back(s.y[i]);
  }
  for (const auto& [name, p] : per) j["held_out_per_corpus"][name] = report(p);

  if (args.has("leave-one-out")) {
    // Generalization to an unseen corpus: train on the others' training dialogues, test on this
    // corpus' held-out dialogues.
    for (const auto& [name, p] : per) {
      std::vector<const Dialogue*> tr, te;
      for (const auto* d : train)
        if (d->corpus != name) tr.push_back(d);
      for (const auto* d : test)
        if (d->corpus == name) te.push_back(d);
      behavior::TurnRiskModel m;
      m.fit(training_set(tr), fo);
      j["leave_one_corpus_out"][name] = report(score(te, m));
    }
  }
  j["features"] = fo.words ? "attune tokenizer cues (dense) + hashed uni/bigrams of the last system and customer turns"
                           : "attune tokenizer cues (dense)";
  j["emotion_model_features"] = false;
  j["fit"] = {{"iterations", fo.iterations}, {"l2", fo.l2}, {"words", fo.words}};
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace

ATTUNE_COMMAND("transitions eval", "next-turn dissatisfaction forecast on USS dialogues (JSON)", transitions_eval);

}  // namespace attune::cli
