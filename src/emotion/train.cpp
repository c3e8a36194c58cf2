// EmotionModel::train: one-vs-rest logistic regression with AdaGrad on hashed features,
// class-weighted positives, per-label thresholds from k-fold out-of-fold predictions, int8
// quantization, and least-squares calibration of valence/arousal.
#include "emotion_impl.hpp"

#include "attune/emotion/evaluation.hpp"
#include "attune/error.hpp"
#include "attune/version.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace attune::emotion {
namespace {

struct Csr {
  std::vector<size_t> offsets{0};
  std::vector<uint32_t> idx;
  std::vector<float> val;
  std::vector<LabelMask> y;
  size_t size() const { return y.size(); }
};

// Portable Fisher-Yates (std::shuffle's algorithm is not specified, so results would differ
// between standard libraries).
void shuffle(std::vector<uint32_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

struct Trainer {
  const Csr& data;
  const TrainOptions& opt;
  std::array<float, kLabelCount> class_weight{};
  size_t cells;

  void fit(const std::vector<uint32_t>& subset, std::vector<float>& w, std::array<float, kLabelCount>& b,
           const std::string& tag) const {
    w.assign(cells, 0.0f);
    b.fill(0.0f);
    std::vector<float> g2(cells, 0.0f);
    std::array<float, kLabelCount> gb{};
    std::vector<uint32_t> order = subset;
    std::mt19937_64 rng(opt.seed);
    const float lr = opt.learning_rate, l2 = opt.l2;
    for (uint32_t epoch = 0; epoch < opt.epochs; ++epoch) {
      shuffle(order, rng);
      double loss = 0;
      for (uint32_t i : order) {
        const size_t a = data.offsets[i], e = data.offsets[i + 1];
        float z[kLabelCount];
        for (size_t j = 0; j < kLabelCount; ++j) z[j] = b[j];
        for (size_t k = a; k < e; ++k) {
          const float* row = w.data() + size_t(data.idx[k]) * kLabelCount;
          const float v = data.val[k];
          for (size_t j = 0; j < kLabelCount; ++j) z[j] += v * row[j];
        }
        float g[kLabelCount];
        const LabelMask y = data.y[i];
        for (size_t j = 0; j < kLabelCount; ++j) {
          const float p = sigmoid(z[j]);
          const bool pos = (y >> j) & 1u;
          g[j] = (p - (pos ? 1.0f : 0.0f)) * (pos ? class_weight[j] : 1.0f);
          loss -= (pos ? class_weight[j] * std::log(std::max(p, 1e-7f)) : std::log(std::max(1.0f - p, 1e-7f)));
        }
        for (size_t k = a; k < e; ++k) {
          const size_t base = size_t(data.idx[k]) * kLabelCount;
          float* row = w.data() + base;
          float* acc = g2.data() + base;
          const float v = data.val[k];
          for (size_t j = 0; j < kLabelCount; ++j) {
            const float gg = g[j] * v + l2 * row[j];
            acc[j] += gg * gg;
            row[j] -= lr * gg / std::sqrt(acc[j] + 1e-8f);
          }
        }
        for (size_t j = 0; j < kLabelCount; ++j) {
          gb[j] += g[j] * g[j];
          b[j] -= lr * g[j] / std::sqrt(gb[j] + 1e-8f);
        }
      }
      if (opt.progress)
        opt.progress(tag + " epoch " + std::to_string(epoch + 1) + "/" + std::to_string(opt.epochs) +
                     " loss " + std::to_string(loss / double(std::max<size_t>(1, order.size()))));
    }
  }

  void predict(const std::vector<float>& w, const std::array<float, kLabelCount>& b, uint32_t i, float* p) const {
    float z[kLabelCount];
    for (size_t j = 0; j < kLabelCount; ++j) z[j] = b[j];
    for (size_t k = data.offsets[i]; k < data.offsets[i + 1]; ++k) {
      const float* row = w.data() + size_t(data.idx[k]) * kLabelCount;
      for (size_t j = 0; j < kLabelCount; ++j) z[j] += data.val[k] * row[j];
    }
    for (size_t j = 0; j < kLabelCount; ++j) p[j] = sigmoid(z[j]);
  }
};

// The word cache vocabulary: training words seen at least `min_count` times (most frequent
// first), then single-word lexicon entries (domain texts meet sentiment words Reddit lacks).
std::vector<std::string> select_vocabulary(const std::unordered_map<std::string, uint32_t>& counts,
                                           const ValenceLexicon& lexicon, uint32_t min_count,
                                           const text::Tokenizer& tokenizer) {
  std::vector<std::pair<std::string, uint32_t>> frequent;
  if (min_count == 0) return {};
  for (const auto& [w, c] : counts)
    if (c >= min_count) frequent.emplace_back(w, c);
  std::sort(frequent.begin(), frequent.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (auto& [w, c] : frequent) { seen.insert(w); out.push_back(std::move(w)); }
  std::vector<std::string> extra;
  text::Tokens toks;
  for (const auto& [key, v] : lexicon.entries()) {
    if (key.empty() || key.size() > 30 || seen.count(key)) continue;
    try {
      tokenizer.tokenize(key, toks);
    } catch (const std::exception&) {
      continue;
    }
    if (toks.size() == 1 && toks[0].kind == text::TokenKind::word && toks.text(toks[0]) == key) extra.push_back(key);
  }
  std::sort(extra.begin(), extra.end());
  extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// Platt scaling: (slope, intercept) minimizing the logistic loss of sigmoid(slope * m + intercept)
// against y, with a small ridge, by Newton's method (a 2x2 system per step).
std::pair<double, double> fit_platt(const std::vector<float>& m, const std::vector<uint8_t>& y) {
  double a = 4.0, b = -1.5;
  const double lambda = 1e-3;
  for (int it = 0; it < 100; ++it) {
    double ga = lambda * a, gb = lambda * b, haa = lambda, hab = 0, hbb = lambda;
    for (size_t i = 0; i < m.size(); ++i) {
      const double p = 1.0 / (1.0 + std::exp(-(a * m[i] + b)));
      const double r = p - y[i], w = std::max(1e-12, p * (1.0 - p));
      ga += r * m[i]; gb += r;
      haa += w * m[i] * m[i]; hab += w * m[i]; hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (std::fabs(da) + std::fabs(db) < 1e-7) break;
  }
  return {a, b};
}

// Least squares with a small ridge: solve (X'X + lambda I) c = X'y.
template <size_t K>
std::array<float, K> least_squares(const std::vector<std::array<float, K>>& x, const std::vector<float>& y) {
  double a[K][K] = {}, r[K] = {};
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t p = 0; p < K; ++p) {
      r[p] += double(x[i][p]) * y[i];
      for (size_t q = 0; q < K; ++q) a[p][q] += double(x[i][p]) * x[i][q];
    }
  for (size_t p = 0; p < K; ++p) a[p][p] += 1e-3 * double(x.size());
  for (size_t c = 0; c < K; ++c) {  // Gauss-Jordan with partial pivoting
    size_t piv = c;
    for (size_t rr = c + 1; rr < K; ++rr) if (std::fabs(a[rr][c]) > std::fabs(a[piv][c])) piv = rr;
    for (size_t q = 0; q < K; ++q) std::swap(a[c][q], a[piv][q]);
    std::swap(r[c], r[piv]);
    for (size_t rr = 0; rr < K; ++rr) {
      if (rr == c) continue;
      const double f = a[rr][c] / a[c][c];
      for (size_t q = 0; q < K; ++q) a[rr][q] -= f * a[c][q];
      r[rr] -= f * r[c];
    }
  }
  std::array<float, K> out{};
  for (size_t p = 0; p < K; ++p) out[p] = static_cast<float>(r[p] / a[p][p]);
  return out;
}

}  // namespace

std::string EmotionModel::calibrate(const std::vector<TrainOptions::Rating>& ratings) {
  if (ratings.size() < 10) throw invalid_argument("calibrate: at least 10 rated texts are needed");
  for (const auto& r : ratings)
    if (!std::isfinite(r.valence) || !std::isfinite(r.arousal) || r.valence < 1 || r.valence > 5 || r.arousal < 1 || r.arousal > 5)
      throw invalid_argument("calibrate: ratings must be on the 1..5 scale", status::out_of_range);
  Impl& m = *impl_;
  std::vector<std::array<float, kValenceCoefs>> xv;
  std::vector<std::array<float, kArousalCoefs>> xa;
  std::vector<float> ya;
  Scratch s;
  for (const auto& r : ratings) {
    m.extract(r.text, s, false);  // validates the text before anything changes
    float z[kLabelCount];
    m.logits(s, z);
    std::array<float, kLabelCount> p;
    for (size_t j = 0; j < kLabelCount; ++j) p[j] = sigmoid(z[j]);
    xv.push_back(Impl::valence_features(s.stats, p));
    xa.push_back(Impl::arousal_features(s.stats, p));
    ya.push_back((r.arousal - 1.0f) / 4.0f);
  }
  // Valence: a fixed blend of the standardized rule score (weight kRuleShare) and the label
  // polarity balance, scaled to 0.7 of the rule compound's spread. The blend is a
  // design choice, not a fit: least squares on EmoBank would put almost all weight on the
  // classifier, which learned little about negated sentiment from Reddit ("no problems at all").
  constexpr double kRuleShare = 0.6;
  auto sd = [&](size_t f) {
    double m1 = 0, m2 = 0;
    for (const auto& x : xv) { m1 += x[f]; m2 += double(x[f]) * x[f]; }
    m1 /= double(xv.size());
    return std::sqrt(std::max(1e-12, m2 / double(xv.size()) - m1 * m1));
  };
  const double sc = sd(0), sb = sd(1);
  std::vector<double> blend;
  double bm = 0, bv = 0;
  for (const auto& x : xv) blend.push_back(kRuleShare * x[0] / sc + (1 - kRuleShare) * x[1] / sb);
  for (double v : blend) bm += v;
  bm /= double(blend.size());
  for (double v : blend) bv += (v - bm) * (v - bm);
  // 0.7 of the rule spread keeps most texts in the near-linear part of tanh.
  const double scale = 0.7 * sc / std::sqrt(std::max(1e-12, bv / double(blend.size())));
  m.valence_coef = {static_cast<float>(scale * kRuleShare / sc), static_cast<float>(scale * (1 - kRuleShare) / sb), 0.0f, 0.0f};
  m.arousal_coef = least_squares(xa, ya);
  nlohmann::ordered_json info = {{"rows", ratings.size()}, {"rule_share", kRuleShare}, {"valence_coef", m.valence_coef},
                                 {"arousal_coef", m.arousal_coef}};
  auto meta = m.info.metadata_json.empty() ? nlohmann::ordered_json::object() : nlohmann::ordered_json::parse(m.info.metadata_json);
  meta["calibration"] = info;
  m.info.metadata_json = meta.dump();
  return info.dump();
}

EmotionModel EmotionModel::train(const std::vector<LabeledText>& data, const ValenceLexicon& lexicon,
                                 const TrainOptions& opt) {
  if (data.empty()) throw invalid_argument("train: no training data");
  if (opt.features.hash_bits < 8 || opt.features.hash_bits > 24)
    throw invalid_argument("train: hash_bits must be in 8..24", status::out_of_range);
  if (opt.features.char_max > 8 || (opt.features.char_max != 0 && opt.features.char_min > opt.features.char_max))
    throw invalid_argument("train: char n-gram range must satisfy char_min <= char_max <= 8", status::out_of_range);
  if (opt.epochs == 0 || opt.epochs > 1000) throw invalid_argument("train: epochs must be in 1..1000", status::out_of_range);
  if (!(opt.learning_rate > 0.0f) || !std::isfinite(opt.learning_rate))
    throw invalid_argument("train: learning_rate must be positive", status::out_of_range);
  if (opt.folds < 2 || opt.folds > 20) throw invalid_argument("train: folds must be in 2..20", status::out_of_range);
  if (data.size() < opt.folds) throw invalid_argument("train: fewer examples than folds");
  const auto t0 = std::chrono::steady_clock::now();

  auto impl = std::make_unique<Impl>();
  impl->features = opt.features;
  impl->features.char_min = opt.features.char_max == 0 ? 0 : opt.features.char_min;
  impl->lexicon = lexicon;

  std::unordered_map<std::string, uint32_t> word_counts;
  auto featurize = [&](Csr& csr) {
    Scratch s;
    const bool count_words = word_counts.empty();
    for (size_t i = 0; i < data.size(); ++i) {
      if (data[i].labels == 0 || (data[i].labels >> kLabelCount) != 0)
        throw invalid_argument("train: example " + std::to_string(i) + " has no valid labels");
      try {
        impl->extract(data[i].text, s, false);
      } catch (const invalid_argument& e) {
        throw invalid_argument("train: example " + std::to_string(i) + ": " + e.what(), e.code());
      }
      if (count_words)
        for (const auto& t : s.tokens)
          if (t.kind == text::TokenKind::word && t.norm_length <= 30) ++word_counts[std::string(s.tokens.text(t))];
      csr.idx.insert(csr.idx.end(), s.idx.begin(), s.idx.end());
      csr.val.insert(csr.val.end(), s.val.begin(), s.val.end());
      csr.offsets.push_back(csr.idx.size());
      csr.y.push_back(data[i].labels);
    }
  };
  Csr csr;
  featurize(csr);
  if (opt.idf) {
    // Document frequency per row (each row counted once per text), then idf = ln((1+N)/(1+df)) + 1
    // quantized to uint8 codes; features are extracted again with it.
    std::vector<uint32_t> df(impl->rows(), 0), last(impl->rows(), UINT32_MAX);
    for (uint32_t i = 0; i < csr.size(); ++i)
      for (size_t k = csr.offsets[i]; k < csr.offsets[i + 1]; ++k)
        if (last[csr.idx[k]] != i) { last[csr.idx[k]] = i; ++df[csr.idx[k]]; }
    const double n = double(csr.size());
    const double max_idf = std::log((1.0 + n) / 1.0) + 1.0;
    impl->idf_step = static_cast<float>((max_idf - 1.0) / 255.0);
    impl->idf_codes.resize(impl->rows());
    for (size_t r = 0; r < impl->rows(); ++r) {
      const double v = std::log((1.0 + n) / (1.0 + df[r])) + 1.0;
      impl->idf_codes[r] = static_cast<uint8_t>(std::min(255.0, std::round((v - 1.0) / impl->idf_step)));
    }
    csr = Csr{};
    featurize(csr);
  }
  impl->vocabulary = select_vocabulary(word_counts, lexicon, opt.vocab_min_count, impl->tokenizer);
  if (opt.progress) opt.progress("featurized " + std::to_string(csr.size()) + " texts, " + std::to_string(csr.idx.size()) + " features");

  Trainer tr{csr, opt, {}, impl->rows() * kLabelCount};
  std::array<size_t, kLabelCount> positives{};
  for (LabelMask y : csr.y)
    for (size_t j = 0; j < kLabelCount; ++j) positives[j] += (y >> j) & 1u;
  for (size_t j = 0; j < kLabelCount; ++j) {
    const double pos = double(std::max<size_t>(1, positives[j])), neg = double(csr.size()) - pos;
    tr.class_weight[j] = static_cast<float>(std::min<double>(opt.max_class_weight,
                                                             std::max(1.0, std::pow(neg / pos, double(opt.class_weight_power)))));
  }

  // k-fold out-of-fold probabilities for threshold tuning.
  std::vector<uint32_t> perm(csr.size());
  for (uint32_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::mt19937_64 rng(opt.seed ^ 0xF01D5ull);
  shuffle(perm, rng);
  std::vector<float> oof(csr.size() * kLabelCount);
  std::vector<float> w;
  std::array<float, kLabelCount> b{};
  for (uint32_t f = 0; f < opt.folds; ++f) {
    std::vector<uint32_t> train_idx, test_idx;
    for (size_t i = 0; i < perm.size(); ++i) (i % opt.folds == f ? test_idx : train_idx).push_back(perm[i]);
    tr.fit(train_idx, w, b, "fold " + std::to_string(f + 1) + "/" + std::to_string(opt.folds));
    for (uint32_t i : test_idx) tr.predict(w, b, i, &oof[size_t(i) * kLabelCount]);
  }
  // Per-label threshold maximizing out-of-fold F1.
  for (size_t j = 0; j < kLabelCount; ++j) {
    double best_f1 = -1;
    float best_t = 0.5f;
    for (int step = 2; step <= 95; ++step) {
      const float t = float(step) / 100.0f;
      size_t tp = 0, fp = 0, fn = 0;
      for (size_t i = 0; i < csr.size(); ++i) {
        const bool p = oof[i * kLabelCount + j] >= t, g = (csr.y[i] >> j) & 1u;
        tp += p && g; fp += p && !g; fn += !p && g;
      }
      const double f1 = 2 * tp + fp + fn ? 2.0 * double(tp) / double(2 * tp + fp + fn) : 0.0;
      if (f1 > best_f1) { best_f1 = f1; best_t = t; }
    }
    impl->info.thresholds[j] = best_t;
  }
  impl->refresh_derived();
  // Marketing state calibration on the same out-of-fold predictions: the state's margin m (soft
  // maximum of its member labels' log-odds over their thresholds) -> P(a member label is among
  // the reader's labels), by Platt scaling. States with fewer than 10 positive examples keep the
  // default (slope 4, intercept -1.5: about 0.5 at a margin of 0.4, as fitted on GoEmotions).
  nlohmann::ordered_json state_meta = nlohmann::ordered_json::object();
  for (size_t k = 0; k < kStateCount; ++k) {
    const LabelMask members = Taxonomy::state_members(static_cast<MarketingState>(k));
    if (!members) continue;
    std::vector<float> margin(csr.size());
    std::vector<uint8_t> gold(csr.size());
    size_t n_pos = 0;
    for (size_t i = 0; i < csr.size(); ++i) {
      float z[kLabelCount];
      for (size_t j = 0; j < kLabelCount; ++j) {
        const float p = std::min(1.0f - 1e-6f, std::max(1e-6f, oof[i * kLabelCount + j]));
        z[j] = std::log(p / (1.0f - p));
      }
      margin[i] = impl->state_margin(members, z);
      gold[i] = (csr.y[i] & members) != 0;
      n_pos += gold[i];
    }
    double slope = 4.0, icept = -1.5;
    if (n_pos >= 10 && n_pos + 10 <= csr.size()) std::tie(slope, icept) = fit_platt(margin, gold);
    slope = std::min(50.0, std::max(0.1, slope));
    impl->state_slope[k] = static_cast<float>(slope);
    impl->state_intercept[k] = static_cast<float>(icept);
    double brier = 0;
    for (size_t i = 0; i < csr.size(); ++i) {
      const double p = 1.0 / (1.0 + std::exp(-(slope * margin[i] + icept)));
      brier += (p - gold[i]) * (p - gold[i]);
    }
    state_meta[std::string(kStateNames[k])] = {{"slope", impl->state_slope[k]}, {"intercept", impl->state_intercept[k]},
                                               {"positives", n_pos},
                                               {"out_of_fold_brier", brier / double(csr.size())}};
  }
  std::vector<LabelMask> oof_pred(csr.size());
  for (size_t i = 0; i < csr.size(); ++i) {
    LabelMask m = 0;
    size_t best = 0;
    float best_ratio = -1;
    for (size_t j = 0; j < kLabelCount; ++j) {
      const float p = oof[i * kLabelCount + j], t = impl->info.thresholds[j];
      if (p >= t) m |= LabelMask(1) << j;
      if (p / t > best_ratio) { best_ratio = p / t; best = j; }
    }
    oof_pred[i] = m ? m : LabelMask(1) << best;
  }
  const EvalResult oof_metrics = evaluate_masks(oof_pred, csr.y);
  if (opt.progress) opt.progress("out-of-fold macro_f1 " + std::to_string(oof_metrics.macro_f1));

  std::vector<uint32_t> all(csr.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  tr.fit(all, impl->weights, impl->bias, "final");
  if (opt.quantize) impl->quantize();

  EmotionModel model(std::move(impl));
  Impl& m = *model.impl_;
  nlohmann::ordered_json calib_info;
  if (!opt.calibration.empty()) calib_info = nlohmann::json::parse(model.calibrate(opt.calibration));
  nlohmann::ordered_json meta;
  meta["created_by"] = std::string("attune ") + version_string() + " EmotionModel::train";
  meta["data"] = opt.data_description;
  meta["n_train"] = csr.size();
  meta["options"] = {{"seed", opt.seed}, {"epochs", opt.epochs}, {"learning_rate", opt.learning_rate},
                     {"l2", opt.l2}, {"class_weight_power", opt.class_weight_power},
                     {"max_class_weight", opt.max_class_weight}, {"folds", opt.folds},
                     {"hash_bits", opt.features.hash_bits}, {"word_bigrams", opt.features.word_bigrams},
                     {"char_min", m.features.char_min}, {"char_max", opt.features.char_max},
                     {"lexicon_features", opt.features.lexicon_features}, {"quantized", m.quantized}, {"idf", opt.idf},
                     {"vocab_min_count", opt.vocab_min_count}};
  meta["vocabulary_words"] = m.vocabulary.size();
  meta["class_weights"] = tr.class_weight;
  meta["thresholds"] = m.info.thresholds;
  meta["out_of_fold"] = nlohmann::json::parse(oof_metrics.to_json());
  meta["state_calibration"] = state_meta;
  meta["calibration"] = calib_info;
  meta["lexicon_entries"] = m.lexicon.size();
  meta["credits"] = {"GoEmotions (Demszky et al. 2020), Apache-2.0",
                     "VADER lexicon (Hutto & Gilbert 2014), MIT",
                     "AFINN-165 (Nielsen 2011), Apache-2.0",
                     "emoji-emotion (Titus Wormer), MIT",
                     "EmoBank (Buechel & Hahn 2017), CC BY-SA 4.0: calibration coefficients only"};
  if (!opt.eval_data.empty()) {
    const EvalResult ev = evaluate(model, opt.eval_data, 1);
    meta["eval"] = {{"name", opt.eval_name}, {"metrics", nlohmann::json::parse(ev.to_json())}};
  }
  meta["train_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.info.metadata_json = meta.dump();
  return model;
}

}  // namespace attune::emotion
