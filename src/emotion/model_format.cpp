// The emotion model file format (version 2). All integers and floats little-endian, floats
// IEEE-754 binary32; independent of the host's endianness and word size.
//
//   magic        8 bytes  "ATTUNEEM"
//   version      u32      kModelFormatVersion
//   labels       u32 n (= 28), then n x (u16 length, UTF-8 bytes)   must equal Taxonomy names
//   features     u32 hash_bits, u32 flags (1 = word bigrams, 2 = lexicon features),
//                u32 char_min, u32 char_max, u32 tokenizer contract (= 1)
//   bias         n x f32
//   thresholds   n x f32
//   calibration  4 x f32 valence coefficients, 5 x f32 arousal coefficients
//   states       8 x (f32 slope, f32 intercept), MarketingState order: state = sigmoid(slope * m +
//                intercept), m = 0.5 * log(sum over member labels of exp(2 * (z - logit(threshold))));
//                states without member labels store 0, 0 (ignored). New in version 2.
//   weights      u32 encoding (0 = f32, 1 = int8 with per-label step), u64 rows (= 2^hash_bits),
//                encoding 1: n x f32 steps, then rows x n int8 (row-major)
//                encoding 0: rows x n f32
//   idf          u32 encoding (0 = none, 1 = uint8 codes), if 1: f32 step, rows x u8
//                (idf = 1 + code * step)
//   lexicon      u32 count, then count x (u16 length, UTF-8 token, f32 valence)
//   vocabulary   u32 count (<= 2^20), then count x (u8 length 1..30, normalized word bytes):
//                the words whose character n-grams are pre-summed at load (a speed cache;
//                scores do not depend on it). New in version 2.
//   metadata     u32 length, UTF-8 JSON (training data, options, metrics, credits)
//   checksum     u32 CRC-32 (IEEE) of every byte before it
#include "emotion_impl.hpp"

#include "attune/detail/crc32.hpp"
#include "attune/error.hpp"

#include <cmath>
#include <cstring>

namespace attune::emotion {
namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'U', 'N', 'E', 'E', 'M'};
constexpr uint32_t kTokenizerContract = 1;
constexpr size_t kMaxVocabWord = 30;             // longer words have no character n-grams
constexpr uint32_t kMaxVocabSize = 1u << 20;

class Writer {
 public:
  std::vector<uint8_t> bytes;
  void u8(uint8_t v) { bytes.push_back(v); }
  void u16(uint16_t v) { for (int i = 0; i < 2; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i))); }
  void u32(uint32_t v) { for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i))); }
  void u64(uint64_t v) { for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i))); }
  void f32(float f) { uint32_t v; std::memcpy(&v, &f, 4); u32(v); }
  void str16(const std::string& s) {
    if (s.size() > 0xFFFF) throw invalid_argument("string too long for the model file");
    u16(static_cast<uint16_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  void need(size_t k, const char* what) const {
    if (n_ - pos_ < k) throw error(status::format_error, std::string("emotion model truncated while reading ") + what);
  }
  uint8_t u8(const char* w) { need(1, w); return p_[pos_++]; }
  uint16_t u16(const char* w) { need(2, w); uint16_t v = static_cast<uint16_t>(p_[pos_] | (p_[pos_ + 1] << 8)); pos_ += 2; return v; }
  uint32_t u32(const char* w) {
    need(4, w);
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p_[pos_ + static_cast<size_t>(i)];
    pos_ += 4;
    return v;
  }
  uint64_t u64(const char* w) {
    need(8, w);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p_[pos_ + static_cast<size_t>(i)];
    pos_ += 8;
    return v;
  }
  float f32(const char* w) {
    const uint32_t v = u32(w);
    float f;
    std::memcpy(&f, &v, 4);
    if (!std::isfinite(f)) throw error(status::format_error, std::string("emotion model has a non-finite ") + w);
    return f;
  }
  std::string str16(const char* w) {
    const uint16_t len = u16(w);
    need(len, w);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return s;
  }
  const uint8_t* take(size_t k, const char* w) { need(k, w); const uint8_t* q = p_ + pos_; pos_ += k; return q; }
  size_t pos() const { return pos_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

}  // namespace

void EmotionModel::Impl::quantize() {
  if (quantized) return;
  const size_t n = rows();
  for (size_t j = 0; j < kLabelCount; ++j) {
    float m = 0.0f;
    for (size_t r = 0; r < n; ++r) m = std::max(m, std::fabs(weights[r * kLabelCount + j]));
    scales[j] = m > 0.0f ? m / 127.0f : 1.0f;
  }
  qrows.assign(n, QRow{});
  for (size_t r = 0; r < n; ++r)
    for (size_t j = 0; j < kLabelCount; ++j) {
      const float q = std::round(weights[r * kLabelCount + j] / scales[j]);
      qrows[r].c[j] = static_cast<int8_t>(std::max(-127.0f, std::min(127.0f, q)));
    }
  std::vector<float>().swap(weights);
  quantized = true;
  build_word_cache();
}

void EmotionModel::Impl::dequantize() {
  if (!quantized) return;
  weights.resize(qrows.size() * kLabelCount);
  for (size_t r = 0; r < qrows.size(); ++r)
    for (size_t j = 0; j < kLabelCount; ++j) weights[r * kLabelCount + j] = static_cast<float>(qrows[r].c[j]) * scales[j];
  std::vector<QRow>().swap(qrows);
  quantized = false;
  word_cache.clear();  // its entries are sums of int8 codes
}

std::vector<uint8_t> EmotionModel::Impl::serialize() const {
  Writer w;
  w.bytes.reserve(rows() * kLabelCount * (quantized ? 1 : 4) + 1024 * 1024);
  for (char c : kMagic) w.u8(static_cast<uint8_t>(c));
  w.u32(kModelFormatVersion);
  w.u32(static_cast<uint32_t>(kLabelCount));
  for (auto name : kLabelNames) w.str16(std::string(name));
  w.u32(features.hash_bits);
  w.u32((features.word_bigrams ? 1u : 0u) | (features.lexicon_features ? 2u : 0u));
  w.u32(features.char_min);
  w.u32(features.char_max);
  w.u32(kTokenizerContract);
  for (float b : bias) w.f32(b);
  for (float t : info.thresholds) w.f32(t);
  for (float c : valence_coef) w.f32(c);
  for (float c : arousal_coef) w.f32(c);
  for (size_t k = 0; k < kStateCount; ++k) { w.f32(state_slope[k]); w.f32(state_intercept[k]); }
  w.u32(quantized ? 1u : 0u);
  w.u64(rows());
  if (quantized) {
    for (float s : scales) w.f32(s);
    for (const QRow& row : qrows)
      for (size_t j = 0; j < kLabelCount; ++j) w.u8(static_cast<uint8_t>(row.c[j]));
  } else {
    for (float x : weights) w.f32(x);
  }
  w.u32(idf_codes.empty() ? 0u : 1u);
  if (!idf_codes.empty()) {
    w.f32(idf_step);
    w.bytes.insert(w.bytes.end(), idf_codes.begin(), idf_codes.end());
  }
  w.u32(static_cast<uint32_t>(lexicon.size()));
  for (const auto& [tok, v] : lexicon.entries()) { w.str16(tok); w.f32(v); }
  w.u32(static_cast<uint32_t>(vocabulary.size()));
  for (const auto& word : vocabulary) {
    if (word.empty() || word.size() > kMaxVocabWord) throw invalid_argument("vocabulary word length outside 1..30");
    w.u8(static_cast<uint8_t>(word.size()));
    w.bytes.insert(w.bytes.end(), word.begin(), word.end());
  }
  if (info.metadata_json.size() > 0xFFFFFFFFu) throw invalid_argument("metadata too large");
  w.u32(static_cast<uint32_t>(info.metadata_json.size()));
  w.bytes.insert(w.bytes.end(), info.metadata_json.begin(), info.metadata_json.end());
  w.u32(detail::crc32(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

std::unique_ptr<EmotionModel::Impl> EmotionModel::Impl::deserialize(const uint8_t* data, size_t size) {
  if (size < sizeof kMagic + 8 || std::memcmp(data, kMagic, sizeof kMagic) != 0)
    throw error(status::format_error, "not an attune emotion model (bad magic or too short)");
  Reader r(data, size);
  r.take(sizeof kMagic, "magic");
  const uint32_t version = r.u32("version");
  if (version != kModelFormatVersion)
    throw error(status::version_mismatch, "emotion model format version " + std::to_string(version) +
                                              " is not supported (this library reads version " +
                                              std::to_string(kModelFormatVersion) + ")");
  const uint32_t crc_stored = [&] {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | data[size - 4 + static_cast<size_t>(i)];
    return v;
  }();
  if (detail::crc32(data, size - 4) != crc_stored)
    throw error(status::format_error, "emotion model checksum mismatch (file corrupt or truncated)");
  auto impl = std::make_unique<Impl>();
  const uint32_t n = r.u32("label count");
  if (n != kLabelCount) throw error(status::format_error, "emotion model has " + std::to_string(n) + " labels, expected 28");
  for (size_t j = 0; j < kLabelCount; ++j)
    if (r.str16("label name") != kLabelNames[j])
      throw error(status::format_error, "emotion model label set differs from the GoEmotions label order");
  impl->features.hash_bits = r.u32("hash bits");
  if (impl->features.hash_bits < 8 || impl->features.hash_bits > 24)
    throw error(status::format_error, "emotion model hash_bits out of range");
  const uint32_t flags = r.u32("feature flags");
  impl->features.word_bigrams = flags & 1u;
  impl->features.lexicon_features = flags & 2u;
  impl->features.char_min = r.u32("char_min");
  impl->features.char_max = r.u32("char_max");
  if (impl->features.char_max > 8 || impl->features.char_min > impl->features.char_max)
    throw error(status::format_error, "emotion model char n-gram range invalid");
  if (r.u32("tokenizer contract") != kTokenizerContract)
    throw error(status::version_mismatch, "emotion model was trained for another tokenizer contract");
  for (auto& b : impl->bias) b = r.f32("bias");
  for (auto& t : impl->info.thresholds) {
    t = r.f32("threshold");
    if (!(t > 0.0f && t < 1.0f)) throw error(status::format_error, "emotion model threshold outside (0,1)");
  }
  for (auto& c : impl->valence_coef) c = r.f32("valence calibration");
  for (auto& c : impl->arousal_coef) c = r.f32("arousal calibration");
  for (size_t k = 0; k < kStateCount; ++k) {
    impl->state_slope[k] = r.f32("state slope");
    impl->state_intercept[k] = r.f32("state intercept");
    if (impl->state_slope[k] < 0.0f) throw error(status::format_error, "emotion model state slope negative");
  }
  const uint32_t encoding = r.u32("weight encoding");
  const uint64_t rows = r.u64("row count");
  if (rows != impl->rows()) throw error(status::format_error, "emotion model row count does not match hash_bits");
  const size_t cells = impl->rows() * kLabelCount;
  if (encoding == 1) {
    for (auto& s : impl->scales) {
      s = r.f32("weight step");
      if (!(s > 0.0f)) throw error(status::format_error, "emotion model weight step not positive");
    }
    const uint8_t* q = r.take(cells, "weights");
    if (std::memchr(q, 0x80, cells) != nullptr)  // the byte of int8 -128
      throw error(status::format_error, "emotion model weight code -128 is not used by this format");
    impl->qrows.assign(impl->rows(), QRow{});
    for (size_t row = 0; row < impl->rows(); ++row)  // int8 is two's complement on every target
      std::memcpy(impl->qrows[row].c.data(), q + row * kLabelCount, kLabelCount);
    impl->quantized = true;
  } else if (encoding == 0) {
    const uint8_t* q = r.take(cells * 4, "weights");
    impl->weights.resize(cells);
    for (size_t i = 0; i < cells; ++i) {
      uint32_t v = uint32_t(q[4 * i]) | uint32_t(q[4 * i + 1]) << 8 | uint32_t(q[4 * i + 2]) << 16 | uint32_t(q[4 * i + 3]) << 24;
      std::memcpy(&impl->weights[i], &v, 4);
      if (!std::isfinite(impl->weights[i])) throw error(status::format_error, "emotion model has a non-finite weight");
    }
    impl->quantized = false;
  } else {
    throw error(status::format_error, "emotion model weight encoding " + std::to_string(encoding) + " unknown");
  }
  const uint32_t idf_encoding = r.u32("idf encoding");
  if (idf_encoding == 1) {
    impl->idf_step = r.f32("idf step");
    if (!(impl->idf_step >= 0.0f && impl->idf_step < 1.0f)) throw error(status::format_error, "emotion model idf step out of range");
    const uint8_t* q = r.take(impl->rows(), "idf");
    impl->idf_codes.assign(q, q + impl->rows());
  } else if (idf_encoding != 0) {
    throw error(status::format_error, "emotion model idf encoding unknown");
  }
  const uint32_t lex = r.u32("lexicon size");
  for (uint32_t i = 0; i < lex; ++i) {
    std::string tok = r.str16("lexicon token");
    impl->lexicon.set(tok, r.f32("lexicon valence"));
  }
  const uint32_t vocab = r.u32("vocabulary size");
  if (vocab > kMaxVocabSize) throw error(status::format_error, "emotion model vocabulary too large");
  for (uint32_t i = 0; i < vocab; ++i) {
    const uint8_t len = r.u8("vocabulary word length");
    if (len == 0 || len > kMaxVocabWord) throw error(status::format_error, "emotion model vocabulary word length outside 1..30");
    const uint8_t* p = r.take(len, "vocabulary word");
    impl->vocabulary.emplace_back(reinterpret_cast<const char*>(p), len);
  }
  const uint32_t meta = r.u32("metadata length");
  const uint8_t* m = r.take(meta, "metadata");
  impl->info.metadata_json.assign(reinterpret_cast<const char*>(m), meta);
  r.take(4, "checksum");
  if (r.pos() != size) throw error(status::format_error, "emotion model has trailing bytes");
  impl->info.format_version = version;
  impl->refresh_derived();
  impl->build_word_cache();
  return impl;
}

}  // namespace attune::emotion
