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

uint8_t word_class(std::string_view w) noexcept {
  uint8_t c = 0;
  if (in(kBoosters, w)) c |= cls_booster;
  else if (in(kDampeners, w)) c |= cls_dampener;
  if (in(kHedges, w)) c |= cls_hedge;
  if (in(kFlat, w)) c |= cls_flat;
  if (w == "sure" || w == "certain") c |= cls_sure;
  if (w == "but") c |= cls_but;
  return c;
}

void classify_tokens(const ValenceLexicon& lex, const text::Tokens& tokens, std::vector<float>& lexval,
                     std::vector<uint8_t>& cls) {
  const size_t n = tokens.size();
  lexval.assign(n, 0.0f);
  cls.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tokens[i];
    if (!is_scored_kind(t.kind)) continue;
    if (const auto found = lex.find(lex_key(tokens, t))) lexval[i] = *found;
    if (t.kind == TokenKind::word) cls[i] = word_class(tokens.text(t));
  }
}

void rule_score(const text::Tokens& tokens, const float* lexval, const uint8_t* cls, bool vader_compat,
                std::vector<float>& tokval, TextStats& st) {
  const size_t n = tokens.size();
  tokval.assign(n, 0.0f);
  bool any_lower = false, any_caps = false;
  size_t but_at = n;  // last "but"
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tokens[i];
    if (t.kind != TokenKind::word) continue;
    if (t.has(text::flag_all_caps)) any_caps = true; else any_lower = true;
    if (cls[i] & cls_but) but_at = i;
  }
  const bool caps_differential = any_caps && any_lower;
  for (size_t i = 0; i < n; ++i) {
    const auto& t = tokens[i];
    if (!is_scored_kind(t.kind)) continue;
    // Negators are operators here, not sentiment: "no problems at all" is not negative.
    if (!vader_compat && t.has(text::flag_negator)) continue;
    if (lexval[i] == 0.0f) continue;
    float x = lexval[i];
    const float sg = signum(x);
    // Boosters and dampeners among the 3 preceding words (decaying with distance).
    size_t seen = 0;
    bool negated_window = false;
    for (size_t j = i; j-- > 0 && seen < 3;) {
      const auto& p = tokens[j];
      if (p.kind == TokenKind::punctuation) break;
      if (p.kind != TokenKind::word) continue;
      const float decay = 1.0f - 0.05f * static_cast<float>(seen);
      if (cls[j] & cls_booster) x += sg * kBooster * decay;
      else if (cls[j] & cls_dampener) x -= sg * kBooster * decay;
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

namespace {

/// Calls f(row) for every character n-gram of word `w` (with < > boundary marks). Words shorter
/// than 2 or longer than 30 bytes have none.
template <class F>
void for_each_char_gram(std::string_view w, const FeatureOptions& fo, unsigned shift, F&& f) {
  if (fo.char_min == 0 || fo.char_max < fo.char_min || w.size() < 2 || w.size() > 30) return;
  char buf[34];
  const size_t len = w.size() + 2;
  buf[0] = '<';
  w.copy(buf + 1, w.size());
  buf[len - 1] = '>';
  for (size_t a = 0; a < len; ++a) {
    uint64_t h = kSeedChar;
    for (size_t n = 1; n <= fo.char_max && a + n <= len; ++n) {
      h = (h ^ static_cast<unsigned char>(buf[a + n - 1])) * 0x100000001b3ull;
      if (n >= fo.char_min) f(static_cast<uint32_t>(mix64(h) >> shift));
    }
  }
}

}  // namespace

// Integer row sums. With GCC/Clang vector extensions (x86 SSE2, ARM NEON, ...): two 16-byte
// loads per 32-byte row, 16-bit lane sums over blocks of at most 256 rows (256 * 127 < 2^15),
// widened to 32 bits after each block. Other compilers: the plain loop (same integers).
#if defined(__GNUC__)
#define ATTUNE_EMOTION_VECTOR 1
using v16i8 = int8_t __attribute__((vector_size(16)));
using v16i16 = int16_t __attribute__((vector_size(32)));
using v16i32 = int32_t __attribute__((vector_size(64)));
#endif

void add_rows(const QRow* rows, const uint32_t* idx, size_t n, Sums32& out) noexcept {
#ifdef ATTUNE_EMOTION_VECTOR
  v16i32 o0, o1;
  std::memcpy(&o0, out.v, 64);
  std::memcpy(&o1, out.v + 16, 64);
  for (size_t a = 0; a < n; a += 256) {
    const size_t b = std::min(n, a + 256);
    v16i16 s0 = {}, s1 = {};
    for (size_t k = a; k < b; ++k) {
      const int8_t* r = rows[idx[k]].c.data();
      v16i8 x, y;
      std::memcpy(&x, r, 16);
      std::memcpy(&y, r + 16, 16);
      s0 += __builtin_convertvector(x, v16i16);
      s1 += __builtin_convertvector(y, v16i16);
    }
    o0 += __builtin_convertvector(s0, v16i32);
    o1 += __builtin_convertvector(s1, v16i32);
  }
  std::memcpy(out.v, &o0, 64);
  std::memcpy(out.v + 16, &o1, 64);
#else
  for (size_t k = 0; k < n; ++k)
    for (size_t j = 0; j < 32; ++j) out.v[j] += rows[idx[k]].c[j];
#endif
}

void add_entry(const WordEntry& e, Sums32& out) noexcept {
#ifdef ATTUNE_EMOTION_VECTOR
  // The entry is one 64-byte line: chars[0..27] then the other fields, masked off here.
  v16i16 x, y;
  std::memcpy(&x, &e, 32);
  std::memcpy(&y, reinterpret_cast<const char*>(&e) + 32, 32);
  const v16i16 keep = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0};
  y &= keep;
  v16i32 o0, o1;
  std::memcpy(&o0, out.v, 64);
  std::memcpy(&o1, out.v + 16, 64);
  o0 += __builtin_convertvector(x, v16i32);
  o1 += __builtin_convertvector(y, v16i32);
  std::memcpy(out.v, &o0, 64);
  std::memcpy(out.v + 16, &o1, 64);
#else
  for (size_t j = 0; j < kLabelCount; ++j) out.v[j] += e.chars[j];
#endif
}

void EmotionModel::Impl::build_word_cache() {
  word_cache.clear();
  if (!quantized || !idf_codes.empty() || vocabulary.empty()) return;
  WordCache& c = word_cache;
  const unsigned shift = 64u - features.hash_bits;
  c.entries_.reserve(vocabulary.size());
  size_t cap = 16;
  while (cap < 2 * vocabulary.size()) cap <<= 1;
  const size_t mask = cap - 1;
  c.slots_.assign(cap, WordCache::Slot{0, 0});
  // Blocks of words: compute and prefetch all their n-gram rows first, then sum them, so the
  // scattered reads of the weight table overlap (this is most of the load time).
  constexpr size_t kBlock = 32;
  std::vector<uint32_t> rows;
  std::vector<size_t> ends;
  for (size_t b = 0; b < vocabulary.size(); b += kBlock) {
    const size_t e_end = std::min(vocabulary.size(), b + kBlock);
    rows.clear();
    ends.clear();
    for (size_t v = b; v < e_end; ++v) {
      for_each_char_gram(vocabulary[v], features, shift, [&](uint32_t row) {
        __builtin_prefetch(&qrows[row]);
        rows.push_back(row);
      });
      ends.push_back(rows.size());
    }
    size_t r = 0;
    for (size_t v = b; v < e_end; ++v) {
      const size_t r_end = ends[v - b];
      const std::string& w = vocabulary[v];
      const uint64_t h = fnv1a64(w);
      if (w.empty() || w.size() > 30 || c.find(w, h)) { r = r_end; continue; }  // unusable or duplicate
      Sums32 sum{};
      add_rows(qrows.data(), rows.data() + r, r_end - r, sum);
      WordEntry e{};
      // |sum| <= 228 grams * 127 < 2^15 for words of at most 30 bytes and n-grams up to 8.
      for (size_t j = 0; j < kLabelCount; ++j) e.chars[j] = static_cast<int16_t>(sum.v[j]);
      e.ngrams = static_cast<uint16_t>(r_end - r);
      r = r_end;
      e.lexval = lexicon.find(w).value_or(0.0f);
      e.cls = word_class(w);
      e.length = static_cast<uint8_t>(w.size());
      size_t i = static_cast<size_t>(h) & mask;
      while (c.slots_[i].index != 0) i = (i + 1) & mask;
      c.offsets_.push_back(static_cast<uint32_t>(c.arena_.size()));
      c.arena_ += w;
      c.entries_.push_back(e);
      c.slots_[i] = WordCache::Slot{static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(c.entries_.size())};
    }
  }
}

void EmotionModel::Impl::extract(std::string_view input, Scratch& s, bool with_origin, bool use_cache) const {
  tokenizer.tokenize(input, s.tokens);
  s.idx.clear();
  s.val.clear();
  s.origin.clear();
  s.stats = TextStats{};
  s.cached_chars = Sums32{};
  s.cached_grams = 0;
  const auto& toks = s.tokens;
  const size_t n_tok = toks.size();
  const WordCache* cache = use_cache && !word_cache.empty() ? &word_cache : nullptr;
  // Feature text hashes, lexicon valences and word classes (from the word cache when possible).
  s.hash.resize(n_tok);
  auto& entry = s.entry;
  entry.assign(n_tok, nullptr);
  if (cache) {
    s.lexval.resize(n_tok);
    s.cls.resize(n_tok);
  } else {
    classify_tokens(lexicon, toks, s.lexval, s.cls);
  }
  auto feature_text = [&](const text::Token& t) {
    if (t.kind == TokenKind::url) return std::string_view("<url>");
    if (t.kind == TokenKind::mention) return std::string_view("<user>");
    return toks.text(t);
  };
  for (size_t i = 0; i < n_tok; ++i) {
    s.hash[i] = fnv1a64(feature_text(toks[i]));
    if (cache && toks[i].kind == TokenKind::word) cache->prefetch_slot(s.hash[i]);
  }
  if (cache) {
    // Pipelined word cache lookups: slots were requested above, entries are requested here for
    // every word, and only then used, so the cache misses of a text overlap.
    auto& cand = s.candidate;
    cand.assign(n_tok, 0);
    for (size_t i = 0; i < n_tok; ++i)
      if (toks[i].kind == TokenKind::word) cand[i] = cache->candidate(s.hash[i]);
    for (size_t i = 0; i < n_tok; ++i) {
      const auto& t = toks[i];
      if (t.kind == TokenKind::word && (entry[i] = cache->resolve(toks.text(t), s.hash[i], cand[i])) != nullptr) {
        s.lexval[i] = entry[i]->lexval;
        s.cls[i] = entry[i]->cls;
      } else {
        s.lexval[i] = 0.0f;
        s.cls[i] = 0;
        if (is_scored_kind(t.kind)) {
          if (const auto found = lexicon.find(lex_key(toks, t))) s.lexval[i] = *found;
          if (t.kind == TokenKind::word) s.cls[i] = word_class(toks.text(t));
        }
      }
    }
  }
  rule_score(toks, s.lexval.data(), s.cls.data(), false, s.tokval, s.stats);
  TextStats& st = s.stats;
  const unsigned shift = 64u - features.hash_bits;
  // Rows are requested as soon as they are known, so their loads overlap the rest of the work.
  const QRow* prefetch_base = cache ? qrows.data() : nullptr;
  auto add = [&](uint64_t key, float v, int32_t o) {
    const auto row = static_cast<uint32_t>(mix64(key) >> shift);
    if (prefetch_base) __builtin_prefetch(prefetch_base + row);
    s.idx.push_back(row);
    s.val.push_back(v);
    if (with_origin) s.origin.push_back(o);
  };
  uint64_t prev = kBos;
  // Pass 1: word-level features (unigrams, bigrams, lexicon bins).
  for (size_t i = 0; i < n_tok; ++i) {
    const auto& t = toks[i];
    const auto o = static_cast<int32_t>(i);
    const uint64_t h = s.hash[i];
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
      if ((s.cls[i] & cls_hedge) || ((s.cls[i] & cls_sure) && negated)) ++st.hedges;
      if (s.cls[i] & cls_flat) ++st.flat;
    }
  }
  s.word_end = s.idx.size();
  // Pass 2: character n-grams of words, with < > boundary marks. A cached word contributes its
  // pre-summed codes (the same integers the rows would add up to).
  for (size_t i = 0; i < n_tok; ++i) {
    const auto& t = toks[i];
    if (t.kind != TokenKind::word) continue;
    if (const WordEntry* e = entry[i]) {
      add_entry(*e, s.cached_chars);
      s.cached_grams += e->ngrams;
      continue;
    }
    const auto o = static_cast<int32_t>(i);
    for_each_char_gram(toks.text(t), features, shift, [&](uint32_t row) {
      s.idx.push_back(row);
      s.val.push_back(1.0f);
      if (with_origin) s.origin.push_back(o);
    });
  }
  s.char_end = s.idx.size();
  // Each group (words, characters) is scaled by IDF and L2-normalized on its own, as with two
  // TF-IDF vectorizers side by side. Without IDF every feature value is 1, so the norm is
  // sqrt(count): that is what makes a word's character n-grams summable ahead of time.
  auto normalize = [&](size_t a, size_t b, uint32_t extra) {
    float ss = static_cast<float>(extra);
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
  normalize(0, s.word_end, 0);
  normalize(s.word_end, s.char_end, s.cached_grams);
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
  const size_t n = s.idx.size();
  if (quantized && idf_codes.empty()) {
    // Without IDF every sparse feature of a group has the same value 1/sqrt(count): sum the
    // int8 codes of each group exactly in integers, then scale once. The word cache relies on
    // this (its entries are such integer sums), and the fast and slow paths agree bit for bit.
    const QRow* w = qrows.data();
    for (size_t k = 0; k < n; ++k) __builtin_prefetch(w + s.idx[k]);
    Sums32 word{}, chars = s.cached_chars;
    add_rows(w, s.idx.data(), s.word_end, word);
    add_rows(w, s.idx.data() + s.word_end, s.char_end - s.word_end, chars);
    float dense[kLabelCount] = {};
    for (size_t k = s.char_end; k < n; ++k) {
      const int8_t* row = w[s.idx[k]].c.data();
      const float v = s.val[k];
      for (size_t j = 0; j < kLabelCount; ++j) dense[j] += v * static_cast<float>(row[j]);
    }
    const float nw = static_cast<float>(s.word_end);
    const float nc = static_cast<float>(s.char_end - s.word_end + s.cached_grams);
    const float iw = nw > 0.0f ? 1.0f / std::sqrt(nw) : 0.0f;
    const float ic = nc > 0.0f ? 1.0f / std::sqrt(nc) : 0.0f;
    for (size_t j = 0; j < kLabelCount; ++j)
      z[j] = bias[j] + scales[j] * (static_cast<float>(word.v[j]) * iw + static_cast<float>(chars.v[j]) * ic + dense[j]);
    return;
  }
  float acc[kLabelCount] = {};
  // The rows are scattered over a table larger than L2: request them all first so the memory
  // accesses overlap instead of waiting one by one.
  if (quantized) {
    const QRow* w = qrows.data();
    for (size_t k = 0; k < n; ++k) __builtin_prefetch(w + s.idx[k]);
    for (size_t k = 0; k < n; ++k) {
      const int8_t* row = w[s.idx[k]].c.data();
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
