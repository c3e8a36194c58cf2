// TurnRiskModel: text cues of the conversation so far -> P(next customer turn dissatisfied).
#include "attune/behavior/turn_risk.hpp"

#include "attune/behavior/detail/dynamics_bytes.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/error.hpp"
#include "attune/text/tokenizer.hpp"
#include "attune/text/utf8.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

namespace attune::behavior {
namespace {

// Dense cue order; names are API (reasons, docs).
enum Cue : size_t {
  first_turn, log_turn_index, sys_len, sys_question, sys_apology, sys_failure, sys_confirm, sys_offer, sys_repeat,
  sys_positive, sys_apology_count, cust_len, cust_len_trend, cust_negation, cust_question, cust_exclaim,
  cust_repeat, cust_sys_overlap, cust_negation_share, cust_thanks, cust_twice,
  // Emotion cues (attune's shipped emotion model on each customer turn and the last system reply).
  emo_cust_negative, emo_cust_positive, emo_cust_confusion, emo_cust_negative_max, emo_cust_negative_trend,
  emo_cust_positive_trend, emo_sys_negative, emo_sys_positive, emo_sys_remorse, emo_twice_negative,
  emo_twice_positive, twice_negation, emo_cust_negative_mean, emo_cust_positive_mean, sys_turns_in_a_row, kCueCount
};

const std::vector<std::string> kCueNames = {
    "first_turn",   "log_turn_index",  "sys_len",         "sys_question",      "sys_apology",
    "sys_failure",  "sys_confirm",     "sys_offer",       "sys_repeat",        "sys_positive",
    "sys_apology_count", "cust_len",   "cust_len_trend",  "cust_negation",     "cust_question",
    "cust_exclaim", "cust_repeat",     "cust_sys_overlap", "cust_negation_share", "cust_thanks",
    "cust_twice",   "emo_cust_negative", "emo_cust_positive", "emo_cust_confusion", "emo_cust_negative_max",
    "emo_cust_negative_trend", "emo_cust_positive_trend", "emo_sys_negative", "emo_sys_positive",
    "emo_sys_remorse", "emo_twice_negative", "emo_twice_positive", "twice_negation", "emo_cust_negative_mean",
    "emo_cust_positive_mean", "sys_turns_in_a_row"};

// Hand-set weights of the rule-based default (logit scale, raw feature units). Judgement from the
// literature on task-oriented dialogue failure (apologies, failures, confirmations that go wrong,
// the user repeating or negating), not fitted to any data set.
const std::array<float, kCueCount> kRuleWeights = {
    -1.2f,  // first_turn: openings are rarely dissatisfied
    0.35f,  // log_turn_index: longer conversations accumulate trouble
    0.0f,   // sys_len
    0.2f,   // sys_question
    0.6f,   // sys_apology
    0.6f,   // sys_failure
    0.6f,   // sys_confirm: a confirmation is where wrong details surface
    0.35f,  // sys_offer
    0.8f,   // sys_repeat: the system says the same thing again
    -0.4f,  // sys_positive
    0.2f,   // sys_apology_count
    0.0f,   // cust_len
    0.0f,   // cust_len_trend
    0.5f,   // cust_negation
    0.0f,   // cust_question
    0.1f,   // cust_exclaim
    0.8f,   // cust_repeat: the customer has to say it again
    -0.2f,  // cust_sys_overlap: the reply addresses what was asked
    0.6f,   // cust_negation_share
    -0.4f,  // cust_thanks
    0.3f,   // cust_twice
    1.0f,   // emo_cust_negative: anger/annoyance/disappointment/disapproval in the last customer turn
    -0.5f,  // emo_cust_positive: gratitude/approval/admiration/joy/relief
    0.5f,   // emo_cust_confusion
    0.5f,   // emo_cust_negative_max: frustration earlier in the conversation lingers
    0.5f,   // emo_cust_negative_trend: getting more negative than their own average
    -0.3f,  // emo_cust_positive_trend
    0.5f,   // emo_sys_negative
    -0.3f,  // emo_sys_positive
    0.5f,   // emo_sys_remorse: the system apologizes
    1.0f,   // emo_twice_negative: a negative customer line continued by the same customer
    -0.5f,  // emo_twice_positive
    0.3f,   // twice_negation
    0.5f,   // emo_cust_negative_mean: the customer's mood over the whole conversation
    -0.3f,  // emo_cust_positive_mean
    0.0f,   // sys_turns_in_a_row (log1p): the system talking over the customer
};
constexpr float kRuleBias = -2.9f;  // ~5% base rate at all-zero cues

struct TurnText {
  std::vector<std::string> words;  // normalized words and numbers
  bool question = false, exclaim = false, negation = false;
  std::string lower;               // words joined by single spaces, for phrase cues
};

const text::Tokenizer& tokenizer() {
  static const text::Tokenizer t;
  return t;
}

TurnText analyse(std::string_view s) {
  if (s.size() > TurnRiskModel::kMaxTurnBytes)
    throw invalid_argument("TurnRiskModel: turn text larger than 1 MiB", status::limit_exceeded);
  text::Tokens toks;
  tokenizer().tokenize(s, toks);  // validates UTF-8 (strict)
  TurnText t;
  for (const auto& tok : toks) {
    const auto w = toks.text(tok);
    if (tok.kind == text::TokenKind::punctuation) {
      if (w.find('?') != std::string_view::npos) t.question = true;
      if (w.find('!') != std::string_view::npos) t.exclaim = true;
      continue;
    }
    if (tok.kind != text::TokenKind::word && tok.kind != text::TokenKind::number) continue;
    if (tok.has(text::flag_negator)) t.negation = true;
    t.words.emplace_back(w);
    if (!t.lower.empty()) t.lower += ' ';
    t.lower += w;
  }
  static const std::unordered_set<std::string> extra_neg = {"wrong", "incorrect", "nope", "negative"};
  for (const auto& w : t.words)
    if (extra_neg.count(w)) t.negation = true;
  return t;
}

bool has_any(const TurnText& t, std::initializer_list<const char*> phrases) {
  const std::string padded = " " + t.lower + " ";
  for (const char* p : phrases)
    if (padded.find(std::string(" ") + p + " ") != std::string::npos) return true;
  return false;
}

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return 0;
  std::unordered_set<std::string_view> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  size_t inter = 0;
  for (auto w : sa) inter += sb.count(w);
  const size_t uni = sa.size() + sb.size() - inter;
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

bool apology(const TurnText& t) { return has_any(t, {"sorry", "apologize", "apologise", "apologies", "unfortunately"}); }

uint32_t fnv(std::string_view s, uint32_t h = 2166136261u) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Emotion groups of one turn: the sums of the label probabilities of the shipped emotion model.
struct TurnEmotion {
  double negative = 0, positive = 0, confusion = 0, remorse = 0;
};

TurnEmotion turn_emotion(std::string_view text) {
  using emotion::Label;
  static const std::shared_ptr<const emotion::EmotionModel> model = emotion::EmotionModel::shared_default();
  const auto sc = model->score(text);
  TurnEmotion e;
  for (Label l : {Label::anger, Label::annoyance, Label::disappointment, Label::disapproval})
    e.negative += sc.probability(l);
  for (Label l : {Label::gratitude, Label::approval, Label::admiration, Label::joy, Label::relief})
    e.positive += sc.probability(l);
  e.confusion = sc.probability(Label::confusion);
  e.remorse = sc.probability(Label::remorse);
  return e;
}

}  // namespace

struct TurnRiskModel::Features {
  std::array<double, kCueCount> x{};
  std::vector<std::pair<uint32_t, float>> hashed;  // bucket, value
  std::vector<std::string> hashed_names;           // for reasons (only filled on request)
};

const std::vector<std::string>& TurnRiskModel::feature_names() { return kCueNames; }

TurnRiskModel::TurnRiskModel() {
  bias_ = kRuleBias;
  w_.assign(kRuleWeights.begin(), kRuleWeights.end());
  mean_.assign(kCueCount, 0.0f);
  sd_.assign(kCueCount, 1.0f);
}

void TurnRiskModel::features(const std::vector<DialogueTurn>& history, Features& f) const {
  if (history.size() > kMaxTurns)
    throw invalid_argument("TurnRiskModel: conversation longer than 10000 turns", status::limit_exceeded);
  // Analyse every turn first: all validation happens before anything is computed.
  std::vector<TurnText> turns;
  turns.reserve(history.size());
  for (const auto& t : history) turns.push_back(analyse(t.text));

  std::vector<const TurnText*> cust, sys;
  for (size_t i = 0; i < history.size(); ++i) (history[i].customer ? cust : sys).push_back(&turns[i]);
  auto& x = f.x;
  x.fill(0);
  x[first_turn] = cust.empty() ? 1 : 0;
  x[log_turn_index] = std::log1p(static_cast<double>(cust.size()));
  x[cust_twice] = !history.empty() && history.back().customer ? 1 : 0;
  if (!sys.empty()) {
    const TurnText& s = *sys.back();
    x[sys_len] = std::log1p(static_cast<double>(s.words.size()));
    x[sys_question] = s.question;
    x[sys_apology] = apology(s);
    x[sys_failure] = has_any(s, {"couldn't", "could not", "cannot", "can't", "unable", "unavailable",
                                 "not available", "no results", "failed", "didn't go through", "did not go through",
                                 "wasn't able", "was not able", "impossible"});
    x[sys_confirm] = has_any(s, {"confirm", "is that correct", "is this correct", "is that right", "is this right",
                                 "correct", "right"}) && s.question;
    x[sys_offer] = has_any(s, {"would you like", "do you want", "shall i", "should i", "can i", "would you want"}) &&
                   s.question;
    double rep = 0;
    for (size_t i = 0; i + 1 < sys.size(); ++i) rep = std::max(rep, jaccard(s.words, sys[i]->words));
    x[sys_repeat] = rep;
    x[sys_positive] = has_any(s, {"great", "glad", "welcome", "enjoy", "wonderful", "perfect", "awesome"});
    double apologies = 0;
    for (const auto* t : sys) apologies += apology(*t);
    x[sys_apology_count] = std::log1p(apologies);
  }
  if (!cust.empty()) {
    const TurnText& c = *cust.back();
    x[cust_len] = std::log1p(static_cast<double>(c.words.size()));
    double mean_len = 0;
    for (const auto* t : cust) mean_len += static_cast<double>(t->words.size());
    mean_len /= static_cast<double>(cust.size());
    x[cust_len_trend] = (static_cast<double>(c.words.size()) - mean_len) / (1.0 + mean_len);
    x[cust_negation] = c.negation;
    x[cust_question] = c.question;
    x[cust_exclaim] = c.exclaim;
    double rep = 0;
    for (size_t i = 0; i + 1 < cust.size(); ++i) rep = std::max(rep, jaccard(c.words, cust[i]->words));
    x[cust_repeat] = rep;
    if (!sys.empty()) x[cust_sys_overlap] = jaccard(c.words, sys.back()->words);
    double neg = 0;
    for (const auto* t : cust) neg += t->negation;
    x[cust_negation_share] = neg / static_cast<double>(cust.size());
    x[cust_thanks] = has_any(c, {"thanks", "thank", "appreciate"});
  }

  // Emotion cues: every customer turn (their trend) and the reply the customer is answering.
  {
    std::vector<TurnEmotion> ce;
    ce.reserve(cust.size());
    for (size_t i = 0; i < history.size(); ++i)
      if (history[i].customer) ce.push_back(turn_emotion(history[i].text));
    if (!ce.empty()) {
      const TurnEmotion& last = ce.back();
      double neg_mean = 0, pos_mean = 0, neg_max = 0;
      for (const auto& e : ce) {
        neg_mean += e.negative;
        pos_mean += e.positive;
        neg_max = std::max(neg_max, e.negative);
      }
      neg_mean /= static_cast<double>(ce.size());
      pos_mean /= static_cast<double>(ce.size());
      x[emo_cust_negative] = last.negative;
      x[emo_cust_positive] = last.positive;
      x[emo_cust_confusion] = last.confusion;
      x[emo_cust_negative_max] = neg_max;
      x[emo_cust_negative_trend] = last.negative - neg_mean;
      x[emo_cust_positive_trend] = last.positive - pos_mean;
      x[emo_twice_negative] = x[cust_twice] * last.negative;
      x[emo_twice_positive] = x[cust_twice] * last.positive;
      x[twice_negation] = x[cust_twice] * x[cust_negation];
      x[emo_cust_negative_mean] = neg_mean;
      x[emo_cust_positive_mean] = pos_mean;
    }
    size_t sys_run = 0;
    for (size_t i = history.size(); i-- > 0 && !history[i].customer;) ++sys_run;
    x[sys_turns_in_a_row] = std::log1p(static_cast<double>(sys_run));
    for (size_t i = history.size(); i-- > 0;)
      if (!history[i].customer) {
        const TurnEmotion e = turn_emotion(history[i].text);
        x[emo_sys_negative] = e.negative;
        x[emo_sys_positive] = e.positive;
        x[emo_sys_remorse] = e.remorse;
        break;
      }
  }

  f.hashed.clear();
  if (hashed_.empty()) return;
  const uint32_t mask = (1u << kHashBits) - 1;
  auto add_field = [&](const TurnText* t, char tag) {
    if (t == nullptr || t->words.empty()) return;
    const size_t start = f.hashed.size();
    const char prefix[2] = {tag, ':'};
    const uint32_t seed = fnv(std::string_view(prefix, 2));
    for (size_t i = 0; i < t->words.size(); ++i) {
      f.hashed.push_back({fnv(t->words[i], seed) & mask, 1.0f});
      if (i + 1 < t->words.size()) {
        const uint32_t h = fnv(t->words[i + 1], fnv(" ", fnv(t->words[i], seed)));
        f.hashed.push_back({h & mask, 1.0f});
      }
    }
    if (t->question) f.hashed.push_back({fnv("?", seed) & mask, 1.0f});
    // l2-normalize the field
    const float norm = 1.0f / std::sqrt(static_cast<float>(f.hashed.size() - start));
    for (size_t i = start; i < f.hashed.size(); ++i) f.hashed[i].second = norm;
  };
  add_field(sys.empty() ? nullptr : sys.back(), 's');
  add_field(cust.empty() ? nullptr : cust.back(), 'c');
}

double TurnRiskModel::logit(const Features& f) const {
  double z = bias_;
  for (size_t i = 0; i < kCueCount; ++i) z += w_[i] * (f.x[i] - mean_[i]) / sd_[i];
  for (const auto& [b, v] : f.hashed) z += hashed_[b] * v;
  return z;
}

float TurnRiskModel::probability(const std::vector<DialogueTurn>& history) const {
  Features f;
  features(history, f);
  return static_cast<float>(sigmoid(logit(f)));
}

TurnRisk TurnRiskModel::predict(const std::vector<DialogueTurn>& history) const {
  Features f;
  features(history, f);
  TurnRisk r;
  r.probability = static_cast<float>(sigmoid(logit(f)));
  for (size_t i = 0; i < kCueCount; ++i) {
    const double c = w_[i] * (f.x[i] - mean_[i]) / sd_[i];
    if (c != 0) r.reasons.push_back({kCueNames[i], static_cast<float>(c)});
  }
  std::sort(r.reasons.begin(), r.reasons.end(), [](const TurnRiskReason& a, const TurnRiskReason& b) {
    return std::fabs(a.contribution) > std::fabs(b.contribution);
  });
  if (r.reasons.size() > 8) r.reasons.resize(8);
  return r;
}

std::string TurnRisk::to_json() const {
  nlohmann::json j;
  j["probability"] = probability;
  j["reasons"] = nlohmann::json::array();
  for (const auto& r : reasons) j["reasons"].push_back({{"feature", r.feature}, {"contribution", r.contribution}});
  return j.dump();
}

void TurnRiskModel::fit(const std::vector<LabelledDialogue>& data, const FitOptions& o) {
  if (!std::isfinite(o.l2) || o.l2 < 0 || o.l2 > 1 || o.iterations < 1 || o.iterations > 100000 ||
      !std::isfinite(o.learning_rate) || o.learning_rate <= 0 || o.learning_rate > 10)
    throw invalid_argument("TurnRiskModel::fit: options out of range", status::out_of_range);
  // Build the examples (validates everything before the model changes).
  TurnRiskModel work;  // feature extraction with words enabled
  work.hashed_.assign(o.words ? (size_t(1) << kHashBits) : 0, 0.0f);
  std::vector<Features> ex;
  std::vector<float> y;
  for (size_t d = 0; d < data.size(); ++d) {
    const auto& dl = data[d];
    if (dl.labels.size() != dl.turns.size())
      throw invalid_argument("TurnRiskModel::fit: dialogue " + std::to_string(d) + " has " +
                             std::to_string(dl.labels.size()) + " labels for " + std::to_string(dl.turns.size()) +
                             " turns");
    std::vector<DialogueTurn> history;
    for (size_t i = 0; i < dl.turns.size(); ++i) {
      const int8_t lab = dl.labels[i];
      if (lab < -1 || lab > 1) throw invalid_argument("TurnRiskModel::fit: labels must be -1, 0 or 1");
      if (lab >= 0) {
        if (!dl.turns[i].customer) throw invalid_argument("TurnRiskModel::fit: only customer turns may be labelled");
        ex.emplace_back();
        work.features(history, ex.back());
        y.push_back(static_cast<float>(lab));
      }
      history.push_back(dl.turns[i]);
    }
  }
  const double pos = std::accumulate(y.begin(), y.end(), 0.0);
  if (pos == 0 || pos == static_cast<double>(y.size()))
    throw invalid_argument("TurnRiskModel::fit: need both dissatisfied and other examples");

  // Standardize the dense cues.
  std::vector<float> mean(kCueCount, 0), sd(kCueCount, 1);
  for (size_t i = 0; i < kCueCount; ++i) {
    double m = 0, v = 0;
    for (const auto& e : ex) m += e.x[i];
    m /= static_cast<double>(ex.size());
    for (const auto& e : ex) v += (e.x[i] - m) * (e.x[i] - m);
    v /= static_cast<double>(ex.size());
    mean[i] = static_cast<float>(m);
    sd[i] = static_cast<float>(v > 1e-12 ? std::sqrt(v) : 1.0);
  }
  // Full-batch Adam on the mean logistic loss + (l2/2)|w|^2 (bias not penalized), bias started
  // at the base rate. Deterministic: no sampling, fixed iteration count.
  const double rate = pos / static_cast<double>(y.size());
  const size_t nd = kCueCount, nh = work.hashed_.size(), np = 1 + nd + nh;
  std::vector<double> th(np, 0.0), g(np), m1(np, 0.0), m2(np, 0.0);
  th[0] = std::log(rate / (1 - rate));
  // Standardized dense values, computed once.
  std::vector<double> xs(ex.size() * nd);
  for (size_t k = 0; k < ex.size(); ++k)
    for (size_t i = 0; i < nd; ++i) xs[k * nd + i] = (ex[k].x[i] - mean[i]) / sd[i];
  const double inv_n = 1.0 / static_cast<double>(ex.size());
  const double b1 = 0.9, b2 = 0.999;
  double b1t = 1, b2t = 1;
  for (int it = 0; it < o.iterations; ++it) {
    std::fill(g.begin(), g.end(), 0.0);
    for (size_t k = 0; k < ex.size(); ++k) {
      const double* xk = &xs[k * nd];
      double z = th[0];
      for (size_t i = 0; i < nd; ++i) z += th[1 + i] * xk[i];
      for (const auto& [bk, v] : ex[k].hashed) z += th[1 + nd + bk] * v;
      const double err = (sigmoid(z) - y[k]) * inv_n;
      g[0] += err;
      for (size_t i = 0; i < nd; ++i) g[1 + i] += err * xk[i];
      for (const auto& [bk, v] : ex[k].hashed) g[1 + nd + bk] += err * v;
    }
    for (size_t i = 1; i < np; ++i) g[i] += o.l2 * th[i];
    b1t *= b1;
    b2t *= b2;
    for (size_t i = 0; i < np; ++i) {
      m1[i] = b1 * m1[i] + (1 - b1) * g[i];
      m2[i] = b2 * m2[i] + (1 - b2) * g[i] * g[i];
      th[i] -= o.learning_rate * (m1[i] / (1 - b1t)) / (std::sqrt(m2[i] / (1 - b2t)) + 1e-8);
    }
  }
  const double bias = th[0];
  std::vector<double> w(th.begin() + 1, th.begin() + 1 + static_cast<long>(nd));
  std::vector<double> hw(th.begin() + 1 + static_cast<long>(nd), th.end());
  bias_ = static_cast<float>(bias);
  w_.assign(w.begin(), w.end());
  mean_ = mean;
  sd_ = sd;
  hashed_.assign(hw.begin(), hw.end());
  fitted_ = true;
}

std::vector<uint8_t> TurnRiskModel::serialize() const {
  detail::ByteWriter out;
  out.magic("ATTR");
  out.u8(2);
  out.u8(fitted_);
  out.u8(hashed_.empty() ? 0 : 1);
  out.u32(static_cast<uint32_t>(kCueCount));
  out.f32(bias_);
  for (size_t i = 0; i < kCueCount; ++i) {
    out.f32(w_[i]);
    out.f32(mean_[i]);
    out.f32(sd_[i]);
  }
  for (float h : hashed_) out.f32(h);
  return out.take();
}

TurnRiskModel TurnRiskModel::deserialize(const uint8_t* data, size_t size) {
  detail::ByteReader r(data, size, "TurnRiskModel");
  r.header("ATTR", 2);
  TurnRiskModel m;
  m.fitted_ = r.u8() != 0;
  const bool words = r.u8() != 0;
  if (r.u32() != kCueCount) throw error(status::format_error, "TurnRiskModel: feature count differs from this library");
  m.bias_ = r.f32();
  bool ok = std::isfinite(m.bias_);
  for (size_t i = 0; i < kCueCount; ++i) {
    m.w_[i] = r.f32();
    m.mean_[i] = r.f32();
    m.sd_[i] = r.f32();
    ok = ok && std::isfinite(m.w_[i]) && std::isfinite(m.mean_[i]) && std::isfinite(m.sd_[i]) && m.sd_[i] > 0;
  }
  if (words) {
    m.hashed_.resize(size_t(1) << kHashBits);
    for (float& h : m.hashed_) {
      h = r.f32();
      ok = ok && std::isfinite(h);
    }
  }
  if (!ok) throw error(status::format_error, "TurnRiskModel: corrupt weights");
  r.finish();
  return m;
}

}  // namespace attune::behavior
