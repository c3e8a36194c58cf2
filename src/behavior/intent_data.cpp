#include "attune/behavior/intent_data.hpp"

#include "attune/error.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>

namespace attune::behavior {
namespace {

[[noreturn]] void parse_fail(const std::string& where, const std::string& msg) {
  throw attune::invalid_argument(where + ": " + msg, status::parse_error);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { cur += '"'; ++i; }
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool parse_bool(const std::string& s, const std::string& where) {
  const std::string u = upper(s);
  if (u == "TRUE" || u == "1") return true;
  if (u == "FALSE" || u == "0") return false;
  parse_fail(where, "expected TRUE or FALSE, got '" + s + "'");
}

double parse_number(const std::string& s, const std::string& where) {
  if (s.empty()) parse_fail(where, "empty value");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    parse_fail(where, "expected a finite number, got '" + s + "'");
  return v;
}

double parse_cell(size_t feature, const std::string& s, const std::string& where) {
  switch (static_cast<UciFeature>(feature)) {
    case UciFeature::month: {
      const int m = month_from_name(s);
      if (m == 0) parse_fail(where, "expected a month name, got '" + s + "'");
      return m;
    }
    case UciFeature::visitor_type: {
      auto v = visitor_type_from_name(s);
      if (!v || *v == VisitorType::unknown) parse_fail(where, "expected New_Visitor, Returning_Visitor or Other, got '" + s + "'");
      return *v == VisitorType::returning_visitor ? 1.0 : *v == VisitorType::other ? 2.0 : 0.0;
    }
    case UciFeature::weekend: return parse_bool(s, where) ? 1.0 : 0.0;
    default: {
      const double v = parse_number(s, where);
      if (v < 0) parse_fail(where, "expected a value >= 0, got '" + s + "'");
      return v;
    }
  }
}

void chomp(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

}  // namespace

size_t IntentDataset::positives() const noexcept {
  size_t n = 0;
  for (auto v : y) n += v;
  return n;
}

IntentDataset IntentDataset::subset(const std::vector<size_t>& idx) const {
  IntentDataset d;
  d.header = header;
  d.x.reserve(idx.size());
  for (size_t i : idx) {
    if (i >= x.size()) throw attune::invalid_argument("subset index out of range", status::out_of_range);
    d.x.push_back(x[i]);
    if (!y.empty()) d.y.push_back(y[i]);
    if (i < lines.size()) d.lines.push_back(lines[i]);
  }
  return d;
}

IntentDataset read_uci_csv(std::istream& in, const std::string& source) {
  IntentDataset d;
  std::string line;
  if (!std::getline(in, line)) parse_fail(source, "empty file (expected a header line)");
  chomp(line);
  if (line.size() >= 3 && static_cast<unsigned char>(line[0]) == 0xEF) line.erase(0, 3);  // UTF-8 BOM
  d.header = line;
  const auto names = split_csv(line);
  // column -> UCI feature index, kUciFeatureCount for Revenue, -1 for unknown columns.
  std::vector<int> role(names.size(), -1);
  std::vector<bool> seen(kUciFeatureCount, false);
  bool has_label = false;
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == "Revenue") { role[c] = static_cast<int>(kUciFeatureCount); has_label = true; continue; }
    for (size_t f = 0; f < kUciFeatureCount; ++f)
      if (names[c] == kUciFeatureNames[f]) {
        if (seen[f]) parse_fail(source + ":1", "column " + names[c] + " appears twice");
        role[c] = static_cast<int>(f);
        seen[f] = true;
      }
    if (role[c] < 0) parse_fail(source + ":1", "unknown column '" + names[c] + "'");
  }
  for (size_t f = 0; f < kUciFeatureCount; ++f)
    if (!seen[f]) parse_fail(source + ":1", "missing column " + std::string(kUciFeatureNames[f]));
  size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    chomp(line);
    if (line.empty()) continue;
    const auto cells = split_csv(line);
    const std::string where = source + ":" + std::to_string(lineno);
    if (cells.size() != names.size())
      parse_fail(where, std::to_string(cells.size()) + " columns, the header has " + std::to_string(names.size()));
    UciVector v{};
    uint8_t label = 0;
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string w = where + " (" + names[c] + ")";
      if (role[c] == static_cast<int>(kUciFeatureCount)) label = parse_bool(cells[c], w) ? 1 : 0;
      else v[static_cast<size_t>(role[c])] = parse_cell(static_cast<size_t>(role[c]), cells[c], w);
    }
    d.x.push_back(v);
    if (has_label) d.y.push_back(label);
    d.lines.push_back(line);
  }
  return d;
}

IntentDataset read_uci_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw attune::error(status::io_error, "cannot read '" + path + "'");
  return read_uci_csv(in, path);
}

UciVector parse_uci_row(const std::string& raw) {
  std::string line = raw;
  chomp(line);
  const auto cells = split_csv(line);
  if (cells.size() != kUciFeatureCount && cells.size() != kUciFeatureCount + 1)
    parse_fail("row", std::to_string(cells.size()) + " columns, expected 17 (UCI order, optionally Revenue last)");
  UciVector v{};
  for (size_t f = 0; f < kUciFeatureCount; ++f)
    v[f] = parse_cell(f, cells[f], "row (" + std::string(kUciFeatureNames[f]) + ")");
  return v;
}

std::pair<std::vector<size_t>, std::vector<size_t>> stratified_split(const std::vector<uint8_t>& y, double fraction,
                                                                      uint64_t seed) {
  if (!(fraction > 0.0 && fraction < 1.0)) throw attune::invalid_argument("split fraction must be in (0,1)", status::out_of_range);
  std::mt19937_64 rng(seed);
  std::vector<size_t> train, test;
  for (uint8_t cls = 0; cls <= 1; ++cls) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < y.size(); ++i)
      if (y[i] == cls) rows.push_back(i);
    // Fisher-Yates with the seeded engine (std::shuffle's algorithm is not specified, so its
    // output could differ between standard libraries).
    for (size_t i = rows.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(rng() % i);
      std::swap(rows[i - 1], rows[j]);
    }
    const auto hold = static_cast<size_t>(std::llround(fraction * static_cast<double>(rows.size())));
    test.insert(test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(hold));
    train.insert(train.end(), rows.begin() + static_cast<std::ptrdiff_t>(hold), rows.end());
  }
  std::sort(train.begin(), train.end());
  std::sort(test.begin(), test.end());
  return {train, test};
}

BinaryMetrics binary_metrics(const std::vector<double>& p, const std::vector<uint8_t>& y) {
  if (p.size() != y.size()) throw attune::invalid_argument("metrics: probabilities and labels differ in size");
  BinaryMetrics m;
  m.n = p.size();
  for (size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0.0 && p[i] <= 1.0)) throw attune::invalid_argument("metrics: probability outside [0,1]", status::out_of_range);
    m.positives += y[i] ? 1 : 0;
  }
  const size_t pos = m.positives, neg = m.n - pos;
  if (pos == 0 || neg == 0) throw attune::invalid_argument("metrics: need both classes");
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  // ROC-AUC by ranks (average rank for ties); AP as sum over thresholds of precision * d(recall).
  double auc_sum = 0;
  size_t tp = 0, fp = 0;
  double ap = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i, tp_group = 0, fp_group = 0;
    while (j < order.size() && p[order[j]] == p[order[i]]) {
      if (y[order[j]]) ++tp_group;
      else ++fp_group;
      ++j;
    }
    // Negatives in this group rank below the tp seen before and tie with tp_group.
    auc_sum += static_cast<double>(fp_group) * (static_cast<double>(tp) + 0.5 * static_cast<double>(tp_group));
    tp += tp_group;
    fp += fp_group;
    if (tp_group) ap += static_cast<double>(tp_group) / static_cast<double>(pos) * static_cast<double>(tp) / static_cast<double>(tp + fp);
    i = j;
  }
  m.roc_auc = auc_sum / (static_cast<double>(pos) * static_cast<double>(neg));
  m.pr_auc = ap;
  double brier = 0, ll = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double d = p[i] - y[i];
    brier += d * d;
    const double q = std::clamp(p[i], 1e-15, 1.0 - 1e-15);
    ll -= y[i] ? std::log(q) : std::log(1.0 - q);
  }
  m.brier = brier / static_cast<double>(m.n);
  m.log_loss = ll / static_cast<double>(m.n);
  return m;
}

}  // namespace attune::behavior
