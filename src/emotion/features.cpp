// Feature extraction and the lexicon rule score of the emotion model.
//
// Everything here is part of the model contract: changing a hash seed, a rule constant or the
// feature layout changes what a stored model means, so such changes need a new format version
// or a retrained model.
#include "emotion_impl.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace attune::emotion {
namespace {

using text::TokenKind;

// Rule constants (VADER paper, Hutto & Gilbert 2014): booster/dampener increment, caps
// increment, negation scalar, per-'!' amplification, per-'?' amplification, normalization alpha.
constexpr float kBooster = 0.293f;
constexpr float kCaps = 0.733f;
constexpr float kNegation = -0.74f;
constexpr float kExclaim = 0.292f;
constexpr float kQuestion = 0.18f;
constexpr float kAlpha = 15.0f;

constexpr std::string_view kBoosters[] = {
    "absolutely", "amazingly", "awfully", "completely", "considerably", "decidedly", "deeply",
    "enormously", "entirely", "especially", "exceptionally", "extremely", "fabulously", "fully",
    "greatly", "highly", "hugely", "incredibly", "intensely", "majorly", "more", "most",
    "particularly", "purely", "quite", "really", "remarkably", "so", "substantially", "super",
    "thoroughly", "totally", "tremendously", "truly", "unbelievably", "utterly", "very", "too"};
constexpr std::string_view kDampeners[] = {
    "almost", "barely", "hardly", "kinda", "less", "little", "marginally", "occasionally",
    "partly", "scarcely", "slightly", "somewhat", "sorta", "bit"};
constexpr std::string_view kHedges[] = {
    "maybe", "perhaps", "possibly", "unsure", "undecided", "hmm", "hm", "guess", "wondering",
    "considering", "might", "probably", "idk", "dunno", "hesitant", "torn", "debating",
    "thinking", "whether", "unsure", "doubt"};
constexpr std::string_view kFlat[] = {"ok", "okay", "k", "kk", "fine", "whatever", "meh", "idc",
                                      "nvm", "sure", "alright", "yeah", "yep", "nope", "nah",
                                      "yes", "no", "np", "fine."};

template <size_t N>
bool in(const std::string_view (&set)[N], std::string_view w) noexcept {
  for (auto s : set)
    if (s == w) return true;
  return false;
}

bool is_scored_kind(TokenKind k) noexcept {
  return k == TokenKind::word || k == TokenKind::emoji || k == TokenKind::emoticon || k == TokenKind::hashtag;
}

std::string_view lex_key(const text::Tokens& tokens, const text::Token& t) noexcept {
  std::string_view w = tokens.text(t);
  if (t.kind == TokenKind::hashtag && !w.empty() && w.front() == '#') w.remove_prefix(1);
  return w;
}

float signum(float x) noexcept { return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f); }

inline uint64_t mix64(uint64_t x) noexcept {  // splitmix64 finalizer
  x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27; x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t kSeedUnigram = 0x1111111111111111ull;
constexpr uint64_t kSeedNegated = 0x2222222222222222ull;
constexpr uint64_t kSeedBigram = 0x3333333333333333ull;
constexpr uint64_t kSeedChar = 0x4444444444444444ull;
constexpr uint64_t kSeedLexBin = 0x5555555555555555ull;
constexpr uint64_t kSeedDense = 0x6666666666666666ull;
constexpr uint64_t kBos = 0x7777777777777777ull;

}  // namespace

void rule_score(const ValenceLexicon& lex, const text::Tokens& tokens, bool vader_compat,
                std::vector<float>& tokval, TextStats& st) {
  const size_t n = tokens.size();
  tokval.assign(n, 0.0f);
  bool any_lower = false, any_caps = false;
  size_t but_at = n;  // last "but"
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tokens[i];
    if (t.kind != TokenKind::word) continue;
    if (t.has(text::flag_all_caps)) any_caps = true; else any_lower = true;
    if (tokens.text(t) == "but") but_at = i;
  }
  const bool caps_differential = any_caps && any_lower;
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tokens[i];
    if (!is_scored_kind(t.kind)) continue;
    // Negators are operators here, not sentiment: "no problems at all" is not negative.
    if (!vader_compat && t.has(text::flag_negator)) continue;
    const auto found = lex.find(lex_key(tokens, t));
    if (!found || *found == 0.0f) continue;
    float x = *found;
    const float sg = signum(x);
    // Boosters and dampeners among the 3 preceding words (decaying with distance).
    size_t seen = 0;
    bool negated_window = false;
    for (size_t j = i; j-- > 0 && seen < 3;) {
      const auto& p = tokens[j];
      if (p.kind == TokenKind::punctuation) break;
      if (p.kind != TokenKind::word) continue;
      const std::string_view w = tokens.text(p);
      const float decay = 1.0f - 0.05f * static_cast<float>(seen);
      if (in(kBoosters, w)) x += sg * kBooster * decay;
      else if (in(kDampeners, w)) x -= sg * kBooster * decay;
      if (p.has(text::flag_negator)) negated_window = true;
      ++seen;
    }
    if (t.has(text::flag_all_caps) && (!vader_compat || caps_differential)) x += sg * kCaps;
    if (!vader_compat && t.has(text::flag_elongated)) x += sg * kBooster;
    const bool negated = vader_compat ? negated_window : t.has(text::flag_negated);
    if (negated) x *= kNegation;
    if (but_at < n) x *= i < but_at ? 0.5f : (i > but_at ? 1.5f : 1.0f);
    tokval[i] = x;
  }
  float sum = 0.0f, pos = 0.0f, neg = 0.0f;
  uint32_t ex = 0, qu = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += tokval[i];
    if (tokval[i] > 0) pos += tokval[i]; else neg -= tokval[i];
    const auto& t = tokens[i];
    if (t.kind == TokenKind::punctuation)
      for (char c : tokens.text(t)) { ex += c == '!'; qu += c == '?'; }
  }
  float emph = kExclaim * static_cast<float>(std::min<uint32_t>(ex, 4));
  if (qu > 1) emph += std::min(kQuestion * static_cast<float>(qu), 0.96f);
  float total = sum;
  if (total > 0) total += emph; else if (total < 0) total -= emph;
  st.sum = sum;
  st.pos = pos;
  st.neg = neg;
  st.exclaims = ex;
  st.questions = qu;
  st.compound = total / std::sqrt(total * total + kAlpha);
}

void EmotionModel::Impl::extract(std::string_view input, Scratch& s, bool with_origin) const {
  tokenizer.tokenize(input, s.tokens);
  s.idx.clear();
  s.val.clear();
  s.origin.clear();
  s.stats = TextStats{};
  rule_score(lexicon, s.tokens, false, s.tokval, s.stats);
  TextStats& st = s.stats;
  const unsigned shift = 64u - features.hash_bits;
  auto add = [&](uint64_t key, float v, int32_t o) {
    s.idx.push_back(static_cast<uint32_t>(mix64(key) >> shift));
    s.val.push_back(v);
    if (with_origin) s.origin.push_back(o);
  };
  const auto& toks = s.tokens;
  uint64_t prev = kBos;
  size_t char_begin = 0;
  // Pass 1: word-level features (unigrams, bigrams, lexicon bins).
  for (size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    const auto o = static_cast<int32_t>(i);
    std::string_view w = toks.text(t);
    if (t.kind == TokenKind::url) w = "<url>";
    else if (t.kind == TokenKind::mention) w = "<user>";
    const uint64_t h = fnv1a64(w);
    const bool negated = t.has(text::flag_negated);
    add((negated ? kSeedNegated : kSeedUnigram) ^ h, 1.0f, o);
    if (features.word_bigrams) add(kSeedBigram ^ (prev * 0x9E3779B97F4A7C15ull + h), 1.0f, o);
    prev = h;
    if (features.lexicon_features && s.tokval[i] != 0.0f) {
      const float b = std::max(-4.0f, std::min(4.0f, std::round(s.tokval[i])));
      add(kSeedLexBin + static_cast<uint64_t>(static_cast<int64_t>(b) + 8) * 2 + (negated ? 1 : 0), 1.0f, o);
    }
    if (t.kind == TokenKind::word || t.kind == TokenKind::emoji || t.kind == TokenKind::emoticon) ++st.words;
    if (t.flags & (text::flag_all_caps | text::flag_elongated | text::flag_emphasis)) ++st.emphasis;
    if (t.kind == TokenKind::word) {
      if (in(kHedges, w) || ((w == "sure" || w == "certain") && negated)) ++st.hedges;
      if (in(kFlat, w)) ++st.flat;
    }
  }
  const size_t word_count = s.idx.size();
  char_begin = word_count;
  // Pass 2: character n-grams of words, with < > boundary marks.
  if (features.char_min > 0 && features.char_max >= features.char_min) {
    char buf[34];
    for (size_t i = 0; i < toks.size(); ++i) {
      const auto& t = toks[i];
      if (t.kind != TokenKind::word) continue;
      const std::string_view w = toks.text(t);
      if (w.size() < 2 || w.size() > 30) continue;
      const size_t len = w.size() + 2;
      buf[0] = '<';
      w.copy(buf + 1, w.size());
      buf[len - 1] = '>';
      for (size_t a = 0; a < len; ++a) {
        uint64_t h = kSeedChar;
        for (size_t n = 1; n <= features.char_max && a + n <= len; ++n) {
          h = (h ^ static_cast<unsigned char>(buf[a + n - 1])) * 0x100000001b3ull;
          if (n >= features.char_min) add(h, 1.0f, static_cast<int32_t>(i));
        }
      }
    }
  }
  // Each group (words, characters) is scaled by IDF and L2-normalized on its own, as with two
  // TF-IDF vectorizers side by side.
  auto normalize = [&](size_t a, size_t b) {
    float ss = 0.0f;
    for (size_t k = a; k < b; ++k) {
      const float v = idf(s.idx[k]);
      s.val[k] = v;
      ss += v * v;
    }
    if (ss > 0.0f) {
      const float inv = 1.0f / std::sqrt(ss);
      for (size_t k = a; k < b; ++k) s.val[k] *= inv;
    }
  };
  normalize(0, word_count);
  normalize(char_begin, s.idx.size());
  // Dense features: lexicon totals and emphasis counters (origin -1: the whole text).
  if (features.lexicon_features) {
    add(kSeedDense + 1, st.compound, -1);
    add(kSeedDense + 2, std::tanh(st.pos / 4.0f), -1);
    add(kSeedDense + 3, std::tanh(st.neg / 4.0f), -1);
  }
  add(kSeedDense + 4, static_cast<float>(std::min<uint32_t>(st.exclaims, 4)) / 4.0f, -1);
  add(kSeedDense + 5, static_cast<float>(std::min<uint32_t>(st.questions, 3)) / 3.0f, -1);
  add(kSeedDense + 6, static_cast<float>(std::min<uint32_t>(st.emphasis, 3)) / 3.0f, -1);
  add(kSeedDense + 7, std::log1p(static_cast<float>(st.words)) / 4.0f, -1);
  if (st.words == 0) add(kSeedDense + 8, 1.0f, -1);
}

void EmotionModel::Impl::logits(const Scratch& s, float* z) const noexcept {
  float acc[kLabelCount] = {};
  const size_t n = s.idx.size();
  // The rows are scattered over a table larger than L2: request them all first so the memory
  // accesses overlap instead of waiting one by one.
  if (quantized) {
    const int8_t* w = qweights.data();
    for (size_t k = 0; k < n; ++k) __builtin_prefetch(w + static_cast<size_t>(s.idx[k]) * kLabelCount);
    for (size_t k = 0; k < n; ++k) {
      const int8_t* row = w + static_cast<size_t>(s.idx[k]) * kLabelCount;
      const float v = s.val[k];
      for (size_t j = 0; j < kLabelCount; ++j) acc[j] += v * static_cast<float>(row[j]);
    }
    for (size_t j = 0; j < kLabelCount; ++j) z[j] = bias[j] + acc[j] * scales[j];
  } else {
    const float* w = weights.data();
    for (size_t k = 0; k < n; ++k) {
      const float* row = w + static_cast<size_t>(s.idx[k]) * kLabelCount;
      __builtin_prefetch(row);
      __builtin_prefetch(row + 16);
    }
    for (size_t k = 0; k < n; ++k) {
      const float* row = w + static_cast<size_t>(s.idx[k]) * kLabelCount;
      const float v = s.val[k];
      for (size_t j = 0; j < kLabelCount; ++j) acc[j] += v * row[j];
    }
    for (size_t j = 0; j < kLabelCount; ++j) z[j] = bias[j] + acc[j];
  }
}

Scratch& thread_scratch() {
  static thread_local Scratch scratch;
  return scratch;
}

}  // namespace attune::emotion
