// EmotionModel: scoring, explanation, the empathy loop and loading/saving entry points.
#include "emotion_impl.hpp"

#include "attune/detail/read_file.hpp"
#include "attune/emotion/evaluation.hpp"
#include "attune/error.hpp"
#include "attune/model_path.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace attune::emotion {
namespace {

// Arousal prior of each label (0 calm .. 1 activated), after the circumplex model of affect;
// the calibration on EmoBank scales its contribution.
constexpr std::array<float, kLabelCount> kLabelArousal = {
    0.55f, 0.70f, 0.85f, 0.65f, 0.40f, 0.40f, 0.50f, 0.55f, 0.65f, 0.40f, 0.50f, 0.65f, 0.60f, 0.90f,
    0.85f, 0.50f, 0.45f, 0.75f, 0.60f, 0.75f, 0.55f, 0.60f, 0.45f, 0.30f, 0.40f, 0.30f, 0.80f, 0.30f};

float clamp01(float x) noexcept { return x < 0 ? 0 : (x > 1 ? 1 : x); }

}  // namespace

// ---- EmotionScores ----------------------------------------------------------------------------

std::vector<Label> EmotionScores::active_labels() const {
  std::vector<Label> out;
  for (size_t j = 0; j < kLabelCount; ++j)
    if (active & (LabelMask(1) << j)) out.push_back(static_cast<Label>(j));
  std::stable_sort(out.begin(), out.end(), [&](Label a, Label b) { return probability(a) > probability(b); });
  return out;
}

Label EmotionScores::top_label() const noexcept {
  return static_cast<Label>(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
}

// ---- Impl: from features to scores ----------------------------------------------------------

std::array<float, kValenceCoefs> EmotionModel::Impl::valence_features(const TextStats& st,
                                                                      const std::array<float, kLabelCount>& p) noexcept {
  float pos = 0, neg = 0;
  for (size_t j = 0; j < kLabelCount; ++j) {
    const auto pol = Taxonomy::polarity_of(static_cast<Label>(j));
    if (pol == Polarity::positive) pos += p[j];
    else if (pol == Polarity::negative) neg += p[j];
  }
  // Polarity balance of the label probabilities, in [-1,1] (neutral mass dilutes it).
  const float balance = (pos - neg) / (pos + neg + p[kLabelCount - 1] + 1e-3f);
  return {st.compound, balance, std::tanh(st.sum / 4.0f), 1.0f};
}

std::array<float, kArousalCoefs> EmotionModel::Impl::arousal_features(const TextStats& st,
                                                                      const std::array<float, kLabelCount>& p) noexcept {
  float mass = 0, weighted = 0;
  for (size_t j = 0; j < kLabelCount; ++j) { mass += p[j]; weighted += p[j] * kLabelArousal[j]; }
  const float label_arousal = mass > 0 ? weighted / mass : 0.3f;
  const float emph = std::min(1.0f, static_cast<float>(std::min<uint32_t>(st.exclaims, 4)) / 4.0f +
                                        static_cast<float>(std::min<uint32_t>(st.emphasis, 3)) / 3.0f);
  return {1.0f, std::fabs(st.compound), emph, label_arousal, 1.0f - p[kLabelCount - 1]};
}

float EmotionModel::Impl::valence_of(const TextStats& st, const std::array<float, kLabelCount>& p) const noexcept {
  const auto f = valence_features(st, p);
  float v = 0;
  for (size_t i = 0; i < kValenceCoefs; ++i) v += valence_coef[i] * f[i];
  // tanh keeps the order of strong texts ("terrible!!!" below "terrible") instead of clipping.
  return std::tanh(v);
}

float EmotionModel::Impl::arousal_of(const TextStats& st, const std::array<float, kLabelCount>& p) const noexcept {
  const auto f = arousal_features(st, p);
  float a = 0;
  for (size_t i = 0; i < kArousalCoefs; ++i) a += arousal_coef[i] * f[i];
  return clamp01(a);
}

void EmotionModel::Impl::finish(const Scratch& s, const float* z, EmotionScores& out) const noexcept {
  auto& p = out.probabilities;
  const auto& thr = info.thresholds;
  LabelMask mask = 0;
  size_t best = 0;
  float best_ratio = -1.0f;
  for (size_t j = 0; j < kLabelCount; ++j) {
    p[j] = sigmoid(z[j]);
    if (p[j] >= thr[j]) mask |= LabelMask(1) << j;
    const float ratio = p[j] / thr[j];
    if (ratio > best_ratio) { best_ratio = ratio; best = j; }
  }
  if (mask == 0) mask = LabelMask(1) << best;
  out.active = mask;
  out.ekman.fill(0.0f);
  out.ekman_active = 0;
  for (size_t j = 0; j < kLabelCount; ++j) {
    const auto e = static_cast<size_t>(Taxonomy::ekman_of(static_cast<Label>(j)));
    out.ekman[e] = std::max(out.ekman[e], p[j]);
    if (mask & (LabelMask(1) << j)) out.ekman_active |= 1u << e;
  }
  // Label-derived states: calibrated probability that a reader would mark the text with one of
  // the state's emotions, from the strongest member label's margin over its threshold.
  for (size_t k = 0; k < kStateCount; ++k) {
    const LabelMask members = Taxonomy::state_members(static_cast<MarketingState>(k));
    out.states[k] = members ? sigmoid(state_slope[k] * state_margin(members, z) + state_intercept[k]) : 0.0f;
  }
  const TextStats& st = s.stats;
  // Hesitation (text evidence only): each hedge halves the remaining doubt.
  out.states[index(MarketingState::hesitation)] = 1.0f - std::pow(0.5f, static_cast<float>(std::min<uint32_t>(st.hedges, 8)));
  // Detachment (text evidence only): short, flat, unemphatic replies.
  float shortness = st.words == 0 ? 0.0f : st.words <= 2 ? 1.0f : st.words <= 4 ? 0.6f : st.words <= 6 ? 0.3f : 0.0f;
  const float pn = p[kLabelCount - 1];
  // A flat word ("ok", "fine", "whatever") is the evidence; a short neutral text without one
  // ("The meeting is at noon.") is only weak evidence.
  float flat = st.flat > 0 ? std::max(0.8f, pn) : 0.6f * pn;
  if (st.exclaims > 0 || st.emphasis > 0) flat *= 0.5f;
  out.states[index(MarketingState::detachment)] = clamp01(shortness * flat);

  out.valence = valence_of(st, p);
  out.arousal = arousal_of(st, p);
  float conf = 1.0f;
  for (size_t j = 0; j < kLabelCount; ++j) {
    const bool on = (mask >> j) & 1u;
    const float t = thr[j];
    const float c = on ? (p[j] >= t ? (p[j] - t) / std::max(1e-6f, 1.0f - t) : 0.0f) : (t - p[j]) / std::max(1e-6f, t);
    conf = std::min(conf, c);
  }
  out.confidence = clamp01(conf);
}

// ---- EmotionModel ----------------------------------------------------------------------------

EmotionModel::EmotionModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmotionModel::EmotionModel(const EmotionModel& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
EmotionModel& EmotionModel::operator=(const EmotionModel& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
EmotionModel::EmotionModel(EmotionModel&&) noexcept = default;
EmotionModel& EmotionModel::operator=(EmotionModel&&) noexcept = default;
EmotionModel::~EmotionModel() = default;

const ModelInfo& EmotionModel::info() const noexcept { return impl_->info; }
const FeatureOptions& EmotionModel::feature_options() const noexcept { return impl_->features; }
const ValenceLexicon& EmotionModel::lexicon() const noexcept { return impl_->lexicon; }

EmotionScores EmotionModel::score(std::string_view text) const {
  Scratch& s = thread_scratch();
  impl_->extract(text, s, false, true);
  float z[kLabelCount];
  impl_->logits(s, z);
  EmotionScores out;
  impl_->finish(s, z, out);
  return out;
}

void EmotionModel::score_batch(const std::vector<std::string_view>& texts, std::vector<EmotionScores>& out,
                               unsigned threads) const {
  std::vector<EmotionScores> result(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, texts.size() / 64)));
  std::vector<std::exception_ptr> errors(threads);
  std::vector<size_t> error_at(threads, texts.size());
  auto work = [&](unsigned t) {
    const size_t begin = texts.size() * t / threads, end = texts.size() * (t + 1) / threads;
    for (size_t i = begin; i < end; ++i) {
      try {
        result[i] = score(texts[i]);
      } catch (...) {
        errors[t] = std::current_exception();
        error_at[t] = i;
        return;
      }
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
  }
  for (unsigned t = 0; t < threads; ++t) {
    if (!errors[t]) continue;
    try {
      std::rethrow_exception(errors[t]);
    } catch (const invalid_argument& e) {
      throw invalid_argument("text " + std::to_string(error_at[t]) + ": " + e.what(), e.code());
    }
  }
  out = std::move(result);
}

std::vector<LabelExplanation> EmotionModel::explain(std::string_view text, size_t top_k) const {
  Scratch s;
  impl_->extract(text, s, true);
  float z[kLabelCount];
  impl_->logits(s, z);
  EmotionScores sc;
  impl_->finish(s, z, sc);
  std::vector<LabelExplanation> out;
  const size_t n_tok = s.tokens.size();
  for (Label l : sc.active_labels()) {
    const size_t j = static_cast<size_t>(l);
    std::vector<float> per_token(n_tok + 1, 0.0f);  // last slot: whole-text features
    for (size_t k = 0; k < s.idx.size(); ++k) {
      const float c = s.val[k] * impl_->weight(s.idx[k], j);
      per_token[s.origin[k] < 0 ? n_tok : static_cast<size_t>(s.origin[k])] += c;
    }
    LabelExplanation e;
    e.label = l;
    e.probability = sc.probabilities[j];
    e.threshold = impl_->info.thresholds[j];
    e.bias = impl_->bias[j];
    for (size_t i = 0; i <= n_tok; ++i) {
      if (per_token[i] == 0.0f) continue;
      TokenContribution c;
      if (i < n_tok) {
        c.token = std::string(s.tokens.text(s.tokens[i]));
        c.offset = s.tokens[i].offset;
        c.length = s.tokens[i].length;
      } else {
        c.token = "(lexicon and emphasis totals)";
        c.offset = 0;
        c.length = static_cast<uint32_t>(text.size());
      }
      c.weight = per_token[i];
      e.tokens.push_back(std::move(c));
    }
    std::stable_sort(e.tokens.begin(), e.tokens.end(),
                     [](const TokenContribution& a, const TokenContribution& b) { return a.weight > b.weight; });
    if (e.tokens.size() > top_k) e.tokens.resize(top_k);
    out.push_back(std::move(e));
  }
  return out;
}

void EmotionModel::partial_fit(const std::vector<LabeledText>& examples, const PartialFitOptions& options) {
  if (!(options.learning_rate > 0.0f) || !std::isfinite(options.learning_rate) || options.learning_rate > 10.0f)
    throw invalid_argument("partial_fit: learning_rate must be in (0, 10]", status::out_of_range);
  if (!(options.max_weight_change > 0.0f) || !std::isfinite(options.max_weight_change))
    throw invalid_argument("partial_fit: max_weight_change must be positive and finite", status::out_of_range);
  if (options.epochs == 0 || options.epochs > 100)
    throw invalid_argument("partial_fit: epochs must be in 1..100", status::out_of_range);
  // Validate and featurize everything first, so an error changes nothing.
  struct Row { std::vector<uint32_t> idx; std::vector<float> val; LabelMask y; };
  std::vector<Row> rows;
  rows.reserve(examples.size());
  Scratch s;
  for (size_t i = 0; i < examples.size(); ++i) {
    const LabelMask y = examples[i].labels;
    if (y == 0 || (y >> kLabelCount) != 0)
      throw invalid_argument("partial_fit: example " + std::to_string(i) + " has no valid labels");
    try {
      impl_->extract(examples[i].text, s, false);
    } catch (const invalid_argument& e) {
      throw invalid_argument("partial_fit: example " + std::to_string(i) + ": " + e.what(), e.code());
    }
    rows.push_back(Row{s.idx, s.val, y});
  }
  // Validation is done: from here on only allocation can fail. Online learning needs float
  // weights; the adapted model is saved with float weights (encoding 0).
  impl_->dequantize();
  // Original values of every weight this call may touch: the clip reference.
  std::unordered_map<uint32_t, std::array<float, kLabelCount>> original;
  for (const auto& r : rows)
    for (uint32_t k : r.idx) {
      if (original.count(k)) continue;
      std::array<float, kLabelCount> a;
      std::copy_n(impl_->weights.begin() + static_cast<std::ptrdiff_t>(size_t(k) * kLabelCount), kLabelCount, a.begin());
      original.emplace(k, a);
    }
  const auto bias0 = impl_->bias;
  const float lr = options.learning_rate, cap = options.max_weight_change;
  for (uint32_t epoch = 0; epoch < options.epochs; ++epoch) {
    for (const auto& r : rows) {
      float z[kLabelCount];
      for (size_t j = 0; j < kLabelCount; ++j) z[j] = impl_->bias[j];
      for (size_t k = 0; k < r.idx.size(); ++k) {
        const float* row = impl_->weights.data() + size_t(r.idx[k]) * kLabelCount;
        for (size_t j = 0; j < kLabelCount; ++j) z[j] += r.val[k] * row[j];
      }
      float g[kLabelCount];
      for (size_t j = 0; j < kLabelCount; ++j) g[j] = sigmoid(z[j]) - static_cast<float>((r.y >> j) & 1u);
      for (size_t k = 0; k < r.idx.size(); ++k) {
        float* row = impl_->weights.data() + size_t(r.idx[k]) * kLabelCount;
        const auto& orig = original.at(r.idx[k]);
        for (size_t j = 0; j < kLabelCount; ++j) {
          const float w = row[j] - lr * g[j] * r.val[k];
          row[j] = std::max(orig[j] - cap, std::min(orig[j] + cap, w));
        }
      }
      for (size_t j = 0; j < kLabelCount; ++j) {
        const float b = impl_->bias[j] - 0.1f * lr * g[j];
        impl_->bias[j] = std::max(bias0[j] - cap, std::min(bias0[j] + cap, b));
      }
    }
  }
  if (!rows.empty()) impl_->info.adapted = true;
}

void EmotionModel::correct(std::string_view text, const std::vector<Label>& labels, const PartialFitOptions& options) {
  LabelMask mask = 0;
  for (Label l : labels) {
    if (static_cast<size_t>(l) >= kLabelCount) throw invalid_argument("correct: unknown label", status::not_found);
    mask |= Taxonomy::bit(l);
  }
  if (mask == 0) throw invalid_argument("correct: at least one label is required");
  partial_fit({LabeledText{std::string(text), mask}}, options);
}

float EmotionModel::rule_valence(std::string_view text, bool vader_compat) const {
  Scratch& s = thread_scratch();
  impl_->tokenizer.tokenize(text, s.tokens);
  TextStats st;
  classify_tokens(impl_->lexicon, s.tokens, s.lexval, s.cls);
  rule_score(s.tokens, s.lexval.data(), s.cls.data(), vader_compat, s.tokval, st);
  return st.compound;
}

// ---- files -------------------------------------------------------------------------------------

std::vector<uint8_t> EmotionModel::to_bytes() const { return impl_->serialize(); }

void EmotionModel::save(const std::string& path) const {
  const auto bytes = to_bytes();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw error(status::io_error, "cannot write " + tmp);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw error(status::io_error, "write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw error(status::io_error, "cannot rename " + tmp + " to " + path);
  }
}

EmotionModel EmotionModel::from_bytes(const void* data, size_t size) {
  if (data == nullptr && size != 0) throw invalid_argument("model bytes are NULL");
  return EmotionModel(Impl::deserialize(static_cast<const uint8_t*>(data), size));
}

EmotionModel EmotionModel::load(const std::string& path) {
  // Size-checked before allocating: a directory or a huge file is an error, not a bad_alloc.
  const std::string bytes = detail::read_file_limited(path, detail::kMaxModelFileBytes, "emotion model");
  try {
    return from_bytes(bytes.data(), bytes.size());
  } catch (const error& e) {
    throw error(e.code(), path + ": " + e.what());
  }
}

EmotionModel EmotionModel::load_default() { return load(find_model(kDefaultModelFile)); }

std::shared_ptr<const EmotionModel> EmotionModel::shared_default() {
  static std::mutex mu;
  static std::shared_ptr<const EmotionModel> instance;
  std::lock_guard<std::mutex> lock(mu);
  if (!instance) instance = std::make_shared<const EmotionModel>(load_default());
  return instance;
}

}  // namespace attune::emotion
