#include "attune/behavior/intent_model.hpp"

#include "attune/error.hpp"
#include "attune/detail/crc32.hpp"
#include "attune/detail/read_file.hpp"
#include "attune/model_path.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

namespace attune::behavior {
namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'U', 'N', 'E', 'I', 'M'};
constexpr int kMaxDepth = 10;
constexpr uint32_t kMaxTrees = 100000;

double sigmoid(double z) noexcept { return 1.0 / (1.0 + std::exp(-z)); }

// ---- little-endian byte I/O ----------------------------------------------------------------

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { for (int i = 0; i < 2; ++i) u8(static_cast<uint8_t>(v >> (8 * i))); }
  void u32(uint32_t v) { for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i))); }
  void u64(uint64_t v) { for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i))); }
  void f64(double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    u64(v);
  }
  void bytes(const std::string& s) { buf_ += s; }
  std::string& str() { return buf_; }

 private:
  std::string buf_;
};

class Reader {
 public:
  Reader(const unsigned char* p, size_t n) : p_(p), n_(n) {}
  uint8_t u8() { need(1); return p_[pos_++]; }
  uint16_t u16() { uint16_t v = 0; for (int i = 0; i < 2; ++i) v = static_cast<uint16_t>(v | (uint16_t{u8()} << (8 * i))); return v; }
  uint32_t u32() { uint32_t v = 0; for (int i = 0; i < 4; ++i) v |= uint32_t{u8()} << (8 * i); return v; }
  uint64_t u64() { uint64_t v = 0; for (int i = 0; i < 8; ++i) v |= uint64_t{u8()} << (8 * i); return v; }
  double f64() {
    const uint64_t v = u64();
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  std::string bytes(size_t n) {
    need(n);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }
  size_t pos() const { return pos_; }

 private:
  void need(size_t k) {
    if (n_ - pos_ < k) throw attune::error(status::format_error, "intent model: file truncated at byte " + std::to_string(pos_));
  }
  const unsigned char* p_;
  size_t n_;
  size_t pos_ = 0;
};

// ---- training ------------------------------------------------------------------------------

// Bin edges of one feature: bin b holds values <= upper[b] (and > upper[b-1]); the last upper is
// +inf. Distinct values become their own bin when they fit, otherwise quantile bins.
struct Binning {
  std::vector<double> upper;
};

Binning make_bins(std::vector<double> values, int max_bins) {
  std::sort(values.begin(), values.end());
  std::vector<double> distinct;
  for (double v : values)
    if (distinct.empty() || v != distinct.back()) distinct.push_back(v);
  Binning b;
  if (distinct.size() <= static_cast<size_t>(max_bins)) {
    for (size_t i = 0; i + 1 < distinct.size(); ++i) b.upper.push_back(distinct[i]);
  } else {
    const size_t n = values.size();
    for (int k = 1; k < max_bins; ++k) {
      const double q = values[std::min(n - 1, n * static_cast<size_t>(k) / static_cast<size_t>(max_bins))];
      if (b.upper.empty() || q > b.upper.back()) b.upper.push_back(q);
    }
    // The maximum must not be an upper edge (the last bin is open above).
    while (!b.upper.empty() && b.upper.back() >= distinct.back()) b.upper.pop_back();
  }
  b.upper.push_back(std::numeric_limits<double>::infinity());
  return b;
}

uint8_t bin_of(const Binning& b, double v) {
  return static_cast<uint8_t>(std::lower_bound(b.upper.begin(), b.upper.end(), v) - b.upper.begin());
}

struct HistCell {
  double g = 0, h = 0;
  uint32_t n = 0;
};

}  // namespace

void IntentTrainOptions::validate() const {
  auto bad = [](const std::string& m) { throw attune::invalid_argument("intent train: " + m, status::out_of_range); };
  if (trees < 1 || trees > 10000) bad("trees must be in [1, 10000]");
  if (max_depth < 1 || max_depth > kMaxDepth) bad("max_depth must be in [1, 10]");
  if (!(learning_rate > 0.0 && learning_rate <= 1.0)) bad("learning_rate must be in (0, 1]");
  if (!(l2 >= 0.0) || !std::isfinite(l2)) bad("l2 must be finite and >= 0");
  if (!(min_child_hessian >= 0.0) || !std::isfinite(min_child_hessian)) bad("min_child_hessian must be finite and >= 0");
  if (min_child_samples < 1) bad("min_child_samples must be >= 1");
  if (max_bins < 2 || max_bins > 255) bad("max_bins must be in [2, 255]");
  if (!(subsample > 0.0 && subsample <= 1.0)) bad("subsample must be in (0, 1]");
  for (auto f : exclude)
    if (static_cast<size_t>(f) >= kUciFeatureCount) bad("exclude names an unknown feature");
}

IntentModel IntentModel::train(const IntentDataset& data, const IntentTrainOptions& opt) {
  opt.validate();
  const size_t n = data.size();
  if (n == 0 || data.y.size() != n) throw attune::invalid_argument("intent train: need labelled rows");
  const size_t pos = data.positives();
  if (pos == 0 || pos == n) throw attune::invalid_argument("intent train: need both classes in the labels");
  for (const auto& row : data.x) check_row(row.data());

  IntentModel m;
  m.depth_ = opt.max_depth;
  for (size_t f = 0; f < kUciFeatureCount; ++f)
    if (std::find(opt.exclude.begin(), opt.exclude.end(), static_cast<UciFeature>(f)) == opt.exclude.end())
      m.used_.push_back(static_cast<UciFeature>(f));
  if (m.used_.empty()) throw attune::invalid_argument("intent train: every feature is excluded");
  const size_t nf = m.used_.size();

  // Bin the training matrix once (column-major bins).
  std::vector<Binning> bins(nf);
  std::vector<std::vector<uint8_t>> xb(nf, std::vector<uint8_t>(n));
  for (size_t j = 0; j < nf; ++j) {
    const auto f = static_cast<size_t>(m.used_[j]);
    std::vector<double> col(n);
    for (size_t i = 0; i < n; ++i) col[i] = data.x[i][f];
    bins[j] = make_bins(col, opt.max_bins);
    for (size_t i = 0; i < n; ++i) xb[j][i] = bin_of(bins[j], col[i]);
  }

  const double prior = static_cast<double>(pos) / static_cast<double>(n);
  m.base_score_ = std::log(prior / (1.0 - prior));
  std::vector<double> score(n, m.base_score_), g(n), h(n);
  const size_t internal = (size_t{1} << opt.max_depth) - 1, leaves = size_t{1} << opt.max_depth;
  std::mt19937_64 rng(opt.seed);
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  std::vector<uint32_t> node_of(n);  // node index within the current tree, per row
  const size_t sample_n = std::max<size_t>(1, static_cast<size_t>(std::llround(opt.subsample * static_cast<double>(n))));

  for (int t = 0; t < opt.trees; ++t) {
    for (size_t i = 0; i < n; ++i) {
      const double p = sigmoid(score[i]);
      g[i] = p - data.y[i];
      h[i] = std::max(p * (1.0 - p), 1e-16);
    }
    std::vector<size_t> rows = all;
    if (sample_n < n) {
      for (size_t i = 0; i < sample_n; ++i) {  // partial Fisher-Yates
        const size_t j = i + static_cast<size_t>(rng() % (n - i));
        std::swap(rows[i], rows[j]);
      }
      rows.resize(sample_n);
    }
    for (size_t i : rows) node_of[i] = 0;
    std::vector<double> node_g(internal + leaves, 0.0), node_h(internal + leaves, 0.0);
    std::vector<uint32_t> node_n(internal + leaves, 0);
    for (size_t i : rows) { node_g[0] += g[i]; node_h[0] += h[i]; ++node_n[0]; }
    std::vector<uint8_t> feat(internal, 0);
    std::vector<double> thr(internal, std::numeric_limits<double>::infinity());
    std::vector<int> split_bin(internal, -1);
    for (int d = 0; d < opt.max_depth; ++d) {
      const size_t first = (size_t{1} << d) - 1, count = size_t{1} << d;
      // Histograms of every node of this level: [node][feature][bin].
      std::vector<HistCell> hist(count * nf * 256);
      for (size_t i : rows) {
        const size_t node = node_of[i] - first;
        HistCell* base = &hist[node * nf * 256];
        for (size_t j = 0; j < nf; ++j) {
          HistCell& c = base[j * 256 + xb[j][i]];
          c.g += g[i];
          c.h += h[i];
          ++c.n;
        }
      }
      for (size_t k = 0; k < count; ++k) {
        const size_t node = first + k;
        const double G = node_g[node], H = node_h[node];
        const uint32_t N = node_n[node];
        double best_gain = 1e-9;
        int best_f = -1, best_b = -1;
        if (N >= 2u * static_cast<uint32_t>(opt.min_child_samples)) {
          const double parent = G * G / (H + opt.l2);
          for (size_t j = 0; j < nf; ++j) {
            const HistCell* c = &hist[(k * nf + j) * 256];
            double gl = 0, hl = 0;
            uint32_t nl = 0;
            const size_t nb = bins[j].upper.size();
            for (size_t b = 0; b + 1 < nb; ++b) {
              gl += c[b].g;
              hl += c[b].h;
              nl += c[b].n;
              if (nl < static_cast<uint32_t>(opt.min_child_samples) || hl < opt.min_child_hessian) continue;
              const uint32_t nr = N - nl;
              const double gr = G - gl, hr = H - hl;
              if (nr < static_cast<uint32_t>(opt.min_child_samples)) break;
              if (hr < opt.min_child_hessian) continue;
              const double gain = gl * gl / (hl + opt.l2) + gr * gr / (hr + opt.l2) - parent;
              if (gain > best_gain) { best_gain = gain; best_f = static_cast<int>(j); best_b = static_cast<int>(b); }
            }
          }
        }
        const size_t left = 2 * node + 1, right = 2 * node + 2;
        if (best_f >= 0) {
          feat[node] = static_cast<uint8_t>(best_f);
          thr[node] = bins[static_cast<size_t>(best_f)].upper[static_cast<size_t>(best_b)];
          split_bin[node] = best_b;
        } else {
          feat[node] = 0;
          thr[node] = std::numeric_limits<double>::infinity();
          split_bin[node] = -1;
        }
        (void)left;
        (void)right;
      }
      // Route rows to the next level and accumulate child sums.
      for (size_t i : rows) {
        const size_t node = node_of[i];
        const int sb = split_bin[node];
        const bool go_right = sb >= 0 && xb[feat[node]][i] > static_cast<uint8_t>(sb);
        const size_t child = 2 * node + 1 + (go_right ? 1 : 0);
        node_of[i] = static_cast<uint32_t>(child);
        node_g[child] += g[i];
        node_h[child] += h[i];
        ++node_n[child];
      }
    }
    // Node values (the leaf value each node would have), leaf values, and score update.
    const size_t base_nodes = static_cast<size_t>(t) * internal;
    m.node_feature_.resize(base_nodes + internal);
    m.node_threshold_.resize(base_nodes + internal);
    m.node_value_.resize(base_nodes + internal);
    m.leaf_value_.resize(static_cast<size_t>(t + 1) * leaves);
    std::vector<double> value(internal + leaves, 0.0);
    for (size_t node = 0; node < internal + leaves; ++node) {
      if (node_n[node] > 0) {
        value[node] = -opt.learning_rate * node_g[node] / (node_h[node] + opt.l2);
      } else {
        value[node] = value[(node - 1) / 2];  // unreachable child of a node that did not split
      }
    }
    for (size_t node = 0; node < internal; ++node) {
      m.node_feature_[base_nodes + node] = static_cast<uint8_t>(m.used_[feat[node]]);
      m.node_threshold_[base_nodes + node] = thr[node];
      m.node_value_[base_nodes + node] = value[node];
    }
    for (size_t l = 0; l < leaves; ++l) m.leaf_value_[static_cast<size_t>(t) * leaves + l] = value[internal + l];
    m.trees_ = static_cast<size_t>(t + 1);
    // Every row (also those outside the subsample) gets this tree's output.
    for (size_t i = 0; i < n; ++i) {
      size_t node = 0;
      for (int d = 0; d < opt.max_depth; ++d) {
        const bool right = data.x[i][m.node_feature_[base_nodes + node]] > m.node_threshold_[base_nodes + node];
        node = 2 * node + 1 + (right ? 1 : 0);
      }
      score[i] += m.leaf_value_[static_cast<size_t>(t) * leaves + node - internal];
    }
  }

  nlohmann::json meta;
  meta["model"] = "attune-intent";
  meta["method"] = "gradient-boosted trees, logistic loss, histogram splits, complete trees";
  meta["training_rows"] = n;
  meta["training_positives"] = pos;
  meta["features"] = nlohmann::json::array();
  for (auto f : m.used_) meta["features"].push_back(std::string(kUciFeatureNames[static_cast<size_t>(f)]));
  meta["options"] = {{"trees", opt.trees},         {"max_depth", opt.max_depth},
                     {"learning_rate", opt.learning_rate}, {"l2", opt.l2},
                     {"min_child_hessian", opt.min_child_hessian}, {"min_child_samples", opt.min_child_samples},
                     {"max_bins", opt.max_bins},   {"subsample", opt.subsample},
                     {"seed", opt.seed}};
  m.metadata_ = meta.dump();
  return m;
}

// ---- prediction ----------------------------------------------------------------------------

void IntentModel::check_row(const double* x) {
  for (size_t f = 0; f < kUciFeatureCount; ++f)
    if (!std::isfinite(x[f]))
      throw attune::invalid_argument("intent: feature " + std::string(kUciFeatureNames[f]) + " is not a finite number",
                                     status::out_of_range);
}

double IntentModel::raw_score(const double* x) const noexcept {
  const size_t internal = (size_t{1} << depth_) - 1, leaves = size_t{1} << depth_;
  const uint8_t* feat = node_feature_.data();
  const double* thr = node_threshold_.data();
  const double* leaf = leaf_value_.data();
  double s = base_score_;
  for (size_t t = 0; t < trees_; ++t) {
    size_t node = 0;
    for (int d = 0; d < depth_; ++d) node = 2 * node + 1 + static_cast<size_t>(x[feat[node]] > thr[node]);
    s += leaf[node - internal];
    feat += internal;
    thr += internal;
    leaf += leaves;
  }
  return s;
}

double IntentModel::predict(const UciVector& x) const {
  check_row(x.data());
  return sigmoid(raw_score(x.data()));
}

double IntentModel::predict(const SessionFeatures& f) const { return predict(uci_vector(f)); }

namespace {
// Scores kBlock rows together: the tree walks of different rows are independent, so the CPU
// overlaps their loads instead of waiting on one dependent chain per row. The depth is a
// template parameter so the walk unrolls completely.
constexpr size_t kBlock = 8;

template <int D>
void score_block(const uint8_t* feat, const double* thr, const double* leaf, size_t trees, const double* rows,
                 double* acc) noexcept {
  constexpr size_t internal = (size_t{1} << D) - 1, leaves = size_t{1} << D;
  // Feature-major copy of the block: the lookup of row r's feature f is xt[f * kBlock + r].
  double xt[kUciFeatureCount * kBlock];
  for (size_t r = 0; r < kBlock; ++r)
    for (size_t f = 0; f < kUciFeatureCount; ++f) xt[f * kBlock + r] = rows[r * kUciFeatureCount + f];
  for (size_t t = 0; t < trees; ++t) {
    size_t node[kBlock];
    for (size_t r = 0; r < kBlock; ++r) node[r] = 1 + static_cast<size_t>(xt[feat[0] * kBlock + r] > thr[0]);
    for (int d = 1; d < D; ++d)
      for (size_t r = 0; r < kBlock; ++r)
        node[r] = 2 * node[r] + 1 + static_cast<size_t>(xt[feat[node[r]] * kBlock + r] > thr[node[r]]);
    for (size_t r = 0; r < kBlock; ++r) acc[r] += leaf[node[r] - internal];
    feat += internal;
    thr += internal;
    leaf += leaves;
  }
}

using BlockFn = void (*)(const uint8_t*, const double*, const double*, size_t, const double*, double*) noexcept;
BlockFn block_fn(int depth) noexcept {
  switch (depth) {
    case 1: return score_block<1>;
    case 2: return score_block<2>;
    case 3: return score_block<3>;
    case 4: return score_block<4>;
    case 5: return score_block<5>;
    case 6: return score_block<6>;
    case 7: return score_block<7>;
    case 8: return score_block<8>;
    case 9: return score_block<9>;
    default: return score_block<10>;
  }
}
}  // namespace

void IntentModel::predict_batch(const double* rows, size_t n, double* out) const {
  if (n == 0) return;
  if (rows == nullptr || out == nullptr) throw attune::invalid_argument("intent: rows and out must not be null");
  for (size_t i = 0; i < n; ++i) check_row(rows + i * kUciFeatureCount);
  const BlockFn fn = block_fn(depth_);
  size_t b = 0;
  for (; b + kBlock <= n; b += kBlock) {
    double acc[kBlock];
    for (size_t r = 0; r < kBlock; ++r) acc[r] = base_score_;
    fn(node_feature_.data(), node_threshold_.data(), leaf_value_.data(), trees_, rows + b * kUciFeatureCount, acc);
    for (size_t r = 0; r < kBlock; ++r) out[b + r] = sigmoid(acc[r]);
  }
  for (; b < n; ++b) out[b] = sigmoid(raw_score(rows + b * kUciFeatureCount));
}

IntentExplanation IntentModel::explain(const UciVector& x) const {
  check_row(x.data());
  IntentExplanation e;
  const size_t internal = (size_t{1} << depth_) - 1, leaves = size_t{1} << depth_;
  e.bias = base_score_;
  double logit = base_score_;
  for (size_t t = 0; t < trees_; ++t) {
    const uint8_t* feat = &node_feature_[t * internal];
    const double* thr = &node_threshold_[t * internal];
    const double* val = &node_value_[t * internal];
    const double* leaf = &leaf_value_[t * leaves];
    e.bias += val[0];
    size_t node = 0;
    for (int d = 0; d < depth_; ++d) {
      const size_t child = 2 * node + 1 + static_cast<size_t>(x[feat[node]] > thr[node]);
      const double child_value = child >= internal ? leaf[child - internal] : val[child];
      // A node that did not split (threshold +inf) sends every input left, so whatever its child
      // adds is the same for all inputs: it goes to the bias, never to a feature (trained models
      // pass the value on unchanged; a hand-made file may not, and bias + contributions must
      // still equal the logit).
      if (thr[node] != std::numeric_limits<double>::infinity()) e.contributions[feat[node]] += child_value - val[node];
      else e.bias += child_value - val[node];
      node = child;
    }
    logit += leaf[node - internal];
  }
  e.logit = logit;
  e.probability = sigmoid(logit);
  return e;
}

IntentExplanation IntentModel::explain(const SessionFeatures& f) const { return explain(uci_vector(f)); }

bool IntentModel::uses(UciFeature f) const noexcept {
  return std::find(used_.begin(), used_.end(), f) != used_.end();
}

std::string IntentExplanation::to_json(const std::vector<UciFeature>& used) const {
  nlohmann::ordered_json j;
  j["probability"] = probability;
  j["logit"] = logit;
  j["bias"] = bias;
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  for (auto f : used) c[std::string(kUciFeatureNames[static_cast<size_t>(f)])] = contributions[static_cast<size_t>(f)];
  j["contributions"] = std::move(c);
  return j.dump();
}

void IntentModel::set_metadata_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw attune::invalid_argument(std::string("intent metadata: ") + e.what(), status::parse_error);
  }
  if (!j.is_object()) throw attune::invalid_argument("intent metadata must be a JSON object", status::parse_error);
  metadata_ = j.dump();
}

// ---- file format ---------------------------------------------------------------------------

std::string IntentModel::to_bytes() const {
  Writer w;
  w.bytes(std::string(kMagic, 8));
  w.u32(kIntentModelFormatVersion);
  w.u32(0);
  w.u32(static_cast<uint32_t>(used_.size()));
  for (auto f : used_) {
    const auto name = kUciFeatureNames[static_cast<size_t>(f)];
    w.u8(static_cast<uint8_t>(f));
    w.u16(static_cast<uint16_t>(name.size()));
    w.bytes(std::string(name));
  }
  w.u32(static_cast<uint32_t>(depth_));
  w.u32(static_cast<uint32_t>(trees_));
  w.f64(base_score_);
  const size_t internal = (size_t{1} << depth_) - 1, leaves = size_t{1} << depth_;
  for (size_t t = 0; t < trees_; ++t) {
    for (size_t k = 0; k < internal; ++k) {
      w.u8(node_feature_[t * internal + k]);
      w.f64(node_threshold_[t * internal + k]);
      w.f64(node_value_[t * internal + k]);
    }
    for (size_t l = 0; l < leaves; ++l) w.f64(leaf_value_[t * leaves + l]);
  }
  w.u32(static_cast<uint32_t>(metadata_.size()));
  w.bytes(metadata_);
  const uint32_t crc = detail::crc32(w.str().data(), w.str().size());
  w.u32(crc);
  return std::move(w.str());
}

IntentModel IntentModel::load_from_memory(const void* data, size_t size) {
  if (data == nullptr && size != 0) throw attune::invalid_argument("intent model: data is null");
  const auto* p = static_cast<const unsigned char*>(data);
  auto bad = [](const std::string& m) { throw attune::error(status::format_error, "intent model: " + m); };
  if (size < 12 || std::memcmp(p, kMagic, 8) != 0) bad("not an attune intent model (bad magic)");
  Reader r(p, size);
  r.bytes(8);
  const uint32_t version = r.u32();
  if (version != kIntentModelFormatVersion)
    throw attune::error(status::version_mismatch, "intent model: format version " + std::to_string(version) +
                                                      " is not supported (this library reads version " +
                                                      std::to_string(kIntentModelFormatVersion) + ")");
  if (size < 16) bad("file truncated");
  const uint32_t stored_crc = uint32_t{p[size - 4]} | uint32_t{p[size - 3]} << 8 | uint32_t{p[size - 2]} << 16 |
                              uint32_t{p[size - 1]} << 24;
  if (detail::crc32(p, size - 4) != stored_crc) bad("checksum mismatch (file corrupt or truncated)");
  Reader body(p, size - 4);
  body.bytes(12);
  if (body.u32() != 0) bad("unknown flags");
  IntentModel m;
  const uint32_t nf = body.u32();
  if (nf == 0 || nf > kUciFeatureCount) bad("feature count out of range");
  for (uint32_t j = 0; j < nf; ++j) {
    const uint8_t idx = body.u8();
    const uint16_t len = body.u16();
    const std::string name = body.bytes(len);
    if (idx >= kUciFeatureCount || kUciFeatureNames[idx] != name)
      bad("feature spec does not match this library's UCI features ('" + name + "')");
    if (!m.used_.empty() && static_cast<uint8_t>(m.used_.back()) >= idx) bad("feature spec out of order");
    m.used_.push_back(static_cast<UciFeature>(idx));
  }
  const uint32_t depth = body.u32(), trees = body.u32();
  if (depth < 1 || depth > static_cast<uint32_t>(kMaxDepth)) bad("tree depth out of range");
  if (trees < 1 || trees > kMaxTrees) bad("tree count out of range");
  m.depth_ = static_cast<int>(depth);
  m.trees_ = trees;
  m.base_score_ = body.f64();
  // Logits of a boosted model are small numbers; values far beyond any trained model's would make
  // explanations cancel catastrophically (bias + contributions must equal the logit).
  constexpr double kMaxValue = 1e6;
  if (!(std::fabs(m.base_score_) <= kMaxValue)) bad("base score is not finite or out of range");
  const size_t internal = (size_t{1} << depth) - 1, leaves = size_t{1} << depth;
  if ((size - body.pos()) / (internal * 17 + leaves * 8) < trees) bad("file truncated (trees)");
  m.node_feature_.resize(trees * internal);
  m.node_threshold_.resize(trees * internal);
  m.node_value_.resize(trees * internal);
  m.leaf_value_.resize(trees * leaves);
  for (size_t t = 0; t < trees; ++t) {
    for (size_t k = 0; k < internal; ++k) {
      const uint8_t f = body.u8();
      const double th = body.f64(), v = body.f64();
      if (!m.uses(static_cast<UciFeature>(f))) bad("a tree splits on a feature outside the feature spec");
      if (std::isnan(th) || th == -std::numeric_limits<double>::infinity() || !(std::fabs(v) <= kMaxValue))
        bad("bad node value");
      m.node_feature_[t * internal + k] = f;
      m.node_threshold_[t * internal + k] = th;
      m.node_value_[t * internal + k] = v;
    }
    for (size_t l = 0; l < leaves; ++l) {
      const double v = body.f64();
      if (!(std::fabs(v) <= kMaxValue)) bad("bad leaf value");
      m.leaf_value_[t * leaves + l] = v;
    }
  }
  const uint32_t mlen = body.u32();
  m.metadata_ = body.bytes(mlen);
  if (body.pos() != size - 4) bad("trailing bytes before the checksum");
  return m;
}

void IntentModel::save(const std::string& path) const {
  const std::string bytes = to_bytes();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw attune::error(status::io_error, "cannot write '" + tmp + "'");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw attune::error(status::io_error, "cannot write '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw attune::error(status::io_error, "cannot rename '" + tmp + "' to '" + path + "'");
  }
}

IntentModel IntentModel::load(const std::string& path) {
  const std::string bytes = detail::read_file_limited(path, detail::kMaxModelFileBytes, "intent model");
  return load_from_memory(bytes.data(), bytes.size());
}

IntentModel IntentModel::load_default() { return load(find_model(kDefaultIntentModelFile)); }
IntentModel IntentModel::load_default_without_page_values() { return load(find_model(kNoPageValuesIntentModelFile)); }

BinaryMetrics evaluate(const IntentModel& model, const IntentDataset& data) {
  std::vector<double> p(data.size());
  if (!data.x.empty()) model.predict_batch(data.x[0].data(), data.size(), p.data());
  return binary_metrics(p, data.y);
}

}  // namespace attune::behavior
