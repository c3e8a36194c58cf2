// attune emotions {train, score, eval, valence-eval}: the emotion model from the command line.
#include "args.hpp"
#include "command.hpp"

#include "attune/emotion/emotion_json.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/emotion/evaluation.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace attune::cli {
namespace {

using namespace attune::emotion;

EmotionModel load_model(const Args& args) {
  if (auto path = args.get("model")) return EmotionModel::load(*path);
  return EmotionModel::load_default();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes).
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') { field += '"'; ++i; } else quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true; any = true;
    } else if (c == ',') {
      rows.back().push_back(field); field.clear(); any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      if (any || !field.empty()) { rows.back().push_back(field); rows.emplace_back(); }
      field.clear(); any = false;
    } else {
      field += c; any = true;
    }
  }
  if (any || !field.empty()) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

struct Rated { std::string text; float valence; float arousal; std::string split; };

/// EmoBank's emobank_train_dev.csv: id,split,V,A,D,text (V and A on 1..5).
std::vector<Rated> read_emobank(const std::string& path) {
  const auto rows = parse_csv(read_file(path));
  if (rows.empty() || rows[0].size() < 6 || rows[0][2] != "V") throw error(status::parse_error, path + ": expected header id,split,V,A,D,text");
  std::vector<Rated> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() != 6) throw error(status::parse_error, path + ": row " + std::to_string(i) + " has " + std::to_string(r.size()) + " fields");
    out.push_back({r[5], std::stof(r[2]), std::stof(r[3]), r[1]});
  }
  return out;
}

/// VADER ground truth: id<TAB>mean rating (-4..4)<TAB>text, CRLF.
std::vector<Rated> read_vader_truth(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot read " + path);
  std::vector<Rated> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) throw error(status::parse_error, path + ": malformed line");
    out.push_back({line.substr(b + 1), std::stof(line.substr(a + 1, b - a - 1)), 0.0f, ""});
  }
  return out;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

double round4(double x) { return std::round(x * 10000.0) / 10000.0; }

int train_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"train", "dev", "out", "data-dir", "emobank", "seed", "epochs", "lr", "hash-bits", "char-min",
                         "char-max", "folds", "class-weight-power", "max-class-weight", "l2"},
                  {"help", "no-quantize", "idf", "no-bigrams", "no-lexicon", "no-calibration"});
  if (args.has("help")) {
    std::puts("usage: attune emotions train --train TRAIN.tsv [--dev DEV.tsv] --out MODEL.attm\n"
              "  [--data-dir ../shared/data] [--emobank FILE.csv] [--seed 1] [--epochs 6] [--lr 0.1]\n"
              "  [--hash-bits 18] [--char-min 3] [--char-max 5] [--folds 5] [--class-weight-power 0.3]\n"
              "  [--max-class-weight 10] [--l2 0.1] [--no-quantize] [--idf] [--no-bigrams] [--no-lexicon] [--no-calibration]\n"
              "Trains on GoEmotions-format TSV (thresholds from k-fold out-of-fold predictions of the\n"
              "training data), calibrates valence/arousal on EmoBank's train split, evaluates DEV if given\n"
              "(never tuned on), writes the model, prints the dev metrics as JSON. Progress on stderr.");
    return 0;
  }
  const std::string data_dir = args.get_or("data-dir", "../shared/data");
  TrainOptions opt;
  opt.seed = static_cast<uint64_t>(args.integer_or("seed", 1));
  opt.epochs = static_cast<uint32_t>(args.integer_or("epochs", opt.epochs));
  opt.learning_rate = static_cast<float>(args.number_or("lr", opt.learning_rate));
  opt.l2 = static_cast<float>(args.number_or("l2", opt.l2));
  opt.folds = static_cast<uint32_t>(args.integer_or("folds", opt.folds));
  opt.class_weight_power = static_cast<float>(args.number_or("class-weight-power", opt.class_weight_power));
  opt.max_class_weight = static_cast<float>(args.number_or("max-class-weight", opt.max_class_weight));
  opt.features.hash_bits = static_cast<uint32_t>(args.integer_or("hash-bits", opt.features.hash_bits));
  opt.features.char_min = static_cast<uint32_t>(args.integer_or("char-min", opt.features.char_min));
  opt.features.char_max = static_cast<uint32_t>(args.integer_or("char-max", opt.features.char_max));
  opt.features.word_bigrams = !args.has("no-bigrams");
  opt.features.lexicon_features = !args.has("no-lexicon");
  opt.quantize = !args.has("no-quantize");
  opt.idf = args.has("idf");
  opt.progress = [](const std::string& line) { std::fprintf(stderr, "[emotions train] %s\n", line.c_str()); std::fflush(stderr); };
  const std::string train_path = args.require("train"), out_path = args.require("out");
  const auto train = read_goemotions_tsv(train_path);
  opt.data_description = "train: " + train_path + " (" + std::to_string(train.size()) + " rows)";
  if (auto dev = args.get("dev")) {
    opt.eval_data = read_goemotions_tsv(*dev);
    opt.eval_name = *dev;
  }
  if (!args.has("no-calibration")) {
    const std::string emobank = args.get_or("emobank", data_dir + "/emobank/emobank_train_dev.csv");
    for (const auto& r : read_emobank(emobank))
      if (r.split == "train") opt.calibration.push_back({r.text, r.valence, r.arousal});
    opt.data_description += "; valence/arousal calibration: " + emobank + " train split (" +
                            std::to_string(opt.calibration.size()) + " rows)";
  }
  const ValenceLexicon lexicon = ValenceLexicon::from_data_dir(data_dir);
  opt.progress("lexicon: " + std::to_string(lexicon.size()) + " entries");
  const EmotionModel model = EmotionModel::train(train, lexicon, opt);
  model.save(out_path);
  const auto meta = nlohmann::json::parse(model.info().metadata_json);
  nlohmann::ordered_json out;
  out["model"] = out_path;
  out["bytes"] = model.to_bytes().size();
  out["train_seconds"] = meta["train_seconds"];
  out["out_of_fold_macro_f1"] = meta["out_of_fold"]["macro_f1"];
  if (meta.contains("eval")) {
    const auto& m = meta["eval"]["metrics"];
    out["dev"] = {{"macro_f1", m["macro_f1"]}, {"micro_f1", m["micro_f1"]}, {"ekman_macro_f1", m["ekman_macro_f1"]},
                  {"n", m["n"]}, {"per_label_f1", nlohmann::json::object()}};
    for (auto it = m["per_label"].begin(); it != m["per_label"].end(); ++it) out["dev"]["per_label_f1"][it.key()] = it.value()["f1"];
  }
  std::cout << out.dump() << std::endl;
  return 0;
}

int calibrate_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"model", "out", "emobank", "data-dir"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune emotions calibrate --model IN.attm --out OUT.attm [--emobank FILE.csv]\n"
              "Re-fits the valence/arousal calibration on EmoBank's train split (the last step of\n"
              "`emotions train`), prints the coefficients as JSON.");
    return 0;
  }
  EmotionModel model = EmotionModel::load(args.require("model"));
  const std::string emobank = args.get_or("emobank", args.get_or("data-dir", "../shared/data") + "/emobank/emobank_train_dev.csv");
  std::vector<TrainOptions::Rating> rows;
  for (const auto& r : read_emobank(emobank))
    if (r.split == "train") rows.push_back({r.text, r.valence, r.arousal});
  const std::string info = model.calibrate(rows);
  model.save(args.require("out"));
  std::cout << info << std::endl;
  return 0;
}

int score_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"model", "format"}, {"help", "explain"});
  if (args.has("help")) {
    std::puts("usage: attune emotions score [--model F] [--explain] [--format json|tsv] < texts.txt\n"
              "One text per line on stdin, one result per line on stdout. JSON: labels, active, ekman,\n"
              "states, valence, arousal, confidence (+ explain). TSV: the 28 probabilities in\n"
              "emotions.txt order.");
    return 0;
  }
  const std::string format = args.get_or("format", "json");
  if (format != "json" && format != "tsv") throw invalid_argument("--format must be json or tsv");
  const EmotionModel model = load_model(args);
  std::string line;
  size_t line_no = 0;
  std::string out;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    EmotionScores s;
    try {
      s = model.score(line);
    } catch (const std::invalid_argument& e) {
      throw invalid_argument("line " + std::to_string(line_no) + ": " + e.what(), status_of(e));
    }
    out.clear();
    if (format == "tsv") {
      char buf[32];
      for (size_t j = 0; j < kLabelCount; ++j) {
        std::snprintf(buf, sizeof buf, j ? "\t%.6g" : "%.6g", double(s.probabilities[j]));
        out += buf;
      }
    } else {
      out = to_json(s);
      if (args.has("explain")) {
        out.pop_back();
        out += ",\"explain\":" + to_json(model.explain(line)) + "}";
      }
    }
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}

int eval_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"model", "data", "threads"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune emotions eval --data FILE.tsv [--model F] [--threads N]\n"
              "Prints {macro_f1, micro_f1, ekman_macro_f1, per_label{name:{precision,recall,f1,support}}, n}.");
    return 0;
  }
  const EmotionModel model = load_model(args);
  const auto data = read_goemotions_tsv(args.require("data"));
  const EvalResult r = evaluate(model, data, static_cast<unsigned>(args.integer_or("threads", 1)));
  std::cout << r.to_json() << std::endl;
  return 0;
}

int valence_eval_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"model", "data-dir"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune emotions valence-eval [--model F] [--data-dir ../shared/data]\n"
              "Pearson r of `valence` against human ratings (VADER movie and NYT snippets, EmoBank V),\n"
              "beside a VADER-style compound score computed in the same run and NLTK VADER's reference\n"
              "figures. Also Pearson r of `arousal` against EmoBank A.");
    return 0;
  }
  const std::string dir = args.get_or("data-dir", "../shared/data");
  const EmotionModel model = load_model(args);
  struct Set { std::string name; std::vector<Rated> rows; double reference; };
  std::vector<Set> sets;
  sets.push_back({"vader_movie_snippets", read_vader_truth(dir + "/vader_ground_truth/movieReviewSnippets_GroundTruth.txt"), 0.422});
  sets.push_back({"vader_nyt_editorial_snippets", read_vader_truth(dir + "/vader_ground_truth/nytEditorialSnippets_GroundTruth.txt"), 0.490});
  const auto emobank = read_emobank(dir + "/emobank/emobank_train_dev.csv");
  sets.push_back({"emobank_train_dev", emobank, 0.472});
  Set dev{"emobank_dev_only", {}, std::nan("")};
  for (const auto& r : emobank) if (r.split == "dev") dev.rows.push_back(r);
  sets.push_back(dev);
  nlohmann::ordered_json out;
  out["note"] = "ours = EmotionScores::valence; vader_style = attune's reimplementation of VADER's compound rules on the "
                "same lexicon (vader_compat); nltk_vader_reference = figure measured with NLTK VADER (issue 3). "
                "Valence calibration was fitted on EmoBank's train split only.";
  bool beats = true;
  for (const auto& set : sets) {
    std::vector<double> gold, ours, vader, gold_a, ours_a;
    for (const auto& r : set.rows) {
      const auto s = model.score(r.text);
      gold.push_back(r.valence);
      ours.push_back(s.valence);
      vader.push_back(model.rule_valence(r.text, true));
      if (set.name.rfind("emobank", 0) == 0) { gold_a.push_back(r.arousal); ours_a.push_back(s.arousal); }
    }
    nlohmann::ordered_json j;
    j["n"] = set.rows.size();
    j["ours"] = round4(pearson(ours, gold));
    j["vader_style"] = round4(pearson(vader, gold));
    if (!std::isnan(set.reference)) {
      j["nltk_vader_reference"] = set.reference;
      beats = beats && pearson(ours, gold) > set.reference && pearson(ours, gold) > pearson(vader, gold);
    }
    if (!gold_a.empty()) j["arousal_ours"] = round4(pearson(ours_a, gold_a));
    out[set.name] = j;
  }
  out["beats_vader_on_every_file"] = beats;
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

ATTUNE_COMMAND("emotions train", "train an emotion model on GoEmotions-format TSV", train_command);
ATTUNE_COMMAND("emotions calibrate", "re-fit valence/arousal calibration on EmoBank (JSON)", calibrate_command);
ATTUNE_COMMAND("emotions score", "score texts from stdin (JSON or TSV lines)", score_command);
ATTUNE_COMMAND("emotions eval", "evaluate an emotion model on GoEmotions-format TSV (JSON)", eval_command);
ATTUNE_COMMAND("emotions valence-eval", "valence correlation vs human ratings and VADER (JSON)", valence_eval_command);

}  // namespace attune::cli
