#include "attune/select/simulate.hpp"

#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>

namespace attune::select {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!out.empty() && !out.back().empty() && out.back().back() == '\r') out.back().pop_back();
  return out;
}

double parse_number(const char* begin, const char* end, size_t line) {
  char* stop = nullptr;
  const double v = std::strtod(begin, &stop);
  if (stop != end || begin == end || !std::isfinite(v))
    throw invalid_argument("line " + std::to_string(line) + ": expected a number", status::parse_error);
  return v;
}

}  // namespace

World load_rounds_csv(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw error(status::io_error, "cannot open '" + path + "'");
  std::string line;
  if (!std::getline(f, line)) throw invalid_argument(path + ": empty file", status::parse_error);
  const auto head = split_csv(line);
  size_t first_attr = head.size(), first_mu = head.size();
  for (size_t i = 0; i < head.size(); ++i) {
    if (first_attr == head.size() && head[i].rfind("a0_", 0) == 0) first_attr = i;
    if (first_mu == head.size() && head[i].rfind("mu", 0) == 0) first_mu = i;
  }
  if (first_attr == head.size() || first_mu == head.size() || first_mu < first_attr || first_attr == 0)
    throw invalid_argument(path + ": header needs context columns, a<k>_<name> columns and mu<k> columns",
                           status::parse_error);
  World w;
  w.context_dim = first_attr;
  w.context_names.assign(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(first_attr));
  const size_t k = head.size() - first_mu;
  const size_t attr_cols = first_mu - first_attr;
  if (k == 0 || attr_cols % k != 0) throw invalid_argument(path + ": attribute columns do not split into variants", status::parse_error);
  w.variants.count = k;
  w.variants.dim = attr_cols / k;
  for (size_t j = 0; j < w.variants.dim; ++j) w.variants.names.push_back(head[first_attr + j].substr(3));
  const size_t cols = head.size();
  std::vector<double> row(cols);
  size_t lineno = 1;
  while (std::getline(f, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    size_t c = 0;
    const char* p = line.c_str();
    const char* end = p + line.size();
    if (end > p && end[-1] == '\r') --end;
    while (p <= end && c < cols) {
      const char* q = p;
      while (q < end && *q != ',') ++q;
      row[c++] = parse_number(p, q, lineno);
      p = q + 1;
    }
    if (c != cols || p <= end) throw invalid_argument(path + ": line " + std::to_string(lineno) + " has the wrong number of fields", status::parse_error);
    if (w.rounds == 0) w.variants.values.assign(row.begin() + static_cast<std::ptrdiff_t>(first_attr), row.begin() + static_cast<std::ptrdiff_t>(first_mu));
    w.contexts.insert(w.contexts.end(), row.begin(), row.begin() + static_cast<std::ptrdiff_t>(first_attr));
    for (size_t a = 0; a < k; ++a) {
      const double m = row[first_mu + a];
      if (m < 0.0 || m > 1.0) throw invalid_argument(path + ": line " + std::to_string(lineno) + ": mu outside [0,1]", status::parse_error);
      w.mu.push_back(m);
    }
    ++w.rounds;
  }
  if (w.rounds == 0) throw invalid_argument(path + ": no rounds", status::parse_error);
  return w;
}

World synthetic_world(size_t rounds, size_t variants, uint64_t seed) {
  if (rounds == 0 || variants == 0 || variants > kMaxVariantsPerSlot)
    throw invalid_argument("synthetic world needs rounds >= 1 and 1..256 variants");
  Rng rng(seed);
  World w;
  w.rounds = rounds;
  w.context_dim = 8;
  w.context_names = {"emo_a", "emo_b", "emo_c", "intent_browse", "intent_buy", "z", "u", "flag"};
  const size_t p = 3;
  w.variants.count = variants;
  w.variants.dim = p;
  w.variants.names = {"attr0", "attr1", "attr2"};
  for (size_t k = 0; k < variants * p; ++k) w.variants.values.push_back(rng.uniform());
  std::vector<double> W(w.context_dim * p), c(p);
  for (auto& v : W) v = 1.5 * rng.normal();
  for (auto& v : c) v = 0.5 * rng.normal();
  w.contexts.resize(rounds * w.context_dim);
  w.mu.resize(rounds * variants);
  for (size_t t = 0; t < rounds; ++t) {
    double* x = &w.contexts[t * w.context_dim];
    double e[3], s = 0;
    for (double& v : e) { v = -std::log(1.0 - rng.uniform()); s += v; }  // Dirichlet(1,1,1)
    for (int i = 0; i < 3; ++i) x[i] = e[i] / s;
    const bool buy = rng.uniform() < 0.4;
    x[3] = buy ? 0.0 : 1.0;
    x[4] = buy ? 1.0 : 0.0;
    x[5] = rng.normal();
    x[6] = rng.uniform();
    x[7] = rng.uniform() < 0.5 ? 1.0 : 0.0;
    for (size_t k = 0; k < variants; ++k) {
      const double* a = w.variants.row(k);
      double logit = -1.0;
      for (size_t j = 0; j < p; ++j) {
        double xw = 0;
        for (size_t i = 0; i < w.context_dim; ++i) xw += x[i] * W[i * p + j];
        logit += (xw + c[j]) * a[j];
      }
      w.mu[t * variants + k] = 1.0 / (1.0 + std::exp(-logit));
    }
  }
  return w;
}

std::string SimulationResult::to_json() const {
  nlohmann::json j;
  j["policy"] = policy;
  j["rounds"] = rounds;
  j["avg_reward"] = avg_reward;
  j["avg_expected_reward"] = avg_expected_reward;
  j["optimal_avg_reward"] = optimal_avg_reward;
  j["uniform_avg_reward"] = uniform_avg_reward;
  j["regret_per_round"] = regret_per_round;
  j["decisions_per_s"] = decisions_per_s;
  j["decisions_per_s_wall"] = decisions_per_s_wall;
  return j.dump();
}

SimulationResult simulate(const World& world, const PolicyOptions& options, uint64_t seed) {
  auto policy = make_policy(options, world.context_dim, world.variants);
  Rng rng(seed);
  Rng reward_rng(splitmix64(seed) ^ 0x5eedULL);
  const size_t k = world.variants.count;
  std::vector<uint32_t> all(k);
  for (size_t i = 0; i < k; ++i) all[i] = static_cast<uint32_t>(i);
  double sum_r = 0, sum_exp = 0, sum_opt = 0, sum_uni = 0;
  const auto t0 = std::chrono::steady_clock::now();
  timespec c0{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  for (size_t t = 0; t < world.rounds; ++t) {
    const double* x = &world.contexts[t * world.context_dim];
    const double* mu = &world.mu[t * k];
    const Choice c = policy->choose(x, all, rng);
    const double r = reward_rng.uniform() < mu[c.variant] ? 1.0 : 0.0;
    policy->learn(x, c.variant, r, c.propensity);
    sum_r += r;
    sum_exp += mu[c.variant];
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  timespec c1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  const double cpu = static_cast<double>(c1.tv_sec - c0.tv_sec) + 1e-9 * static_cast<double>(c1.tv_nsec - c0.tv_nsec);
  for (size_t t = 0; t < world.rounds; ++t) {
    const double* mu = &world.mu[t * k];
    double best = 0, mean = 0;
    for (size_t a = 0; a < k; ++a) { best = std::max(best, mu[a]); mean += mu[a]; }
    sum_opt += best;
    sum_uni += mean / static_cast<double>(k);
  }
  SimulationResult res;
  const double n = static_cast<double>(world.rounds);
  res.policy = policy_kind_name(options.kind);
  res.rounds = world.rounds;
  res.avg_reward = sum_r / n;
  res.avg_expected_reward = sum_exp / n;
  res.optimal_avg_reward = sum_opt / n;
  res.uniform_avg_reward = sum_uni / n;
  res.regret_per_round = res.optimal_avg_reward - res.avg_expected_reward;
  res.seconds = secs;
  res.cpu_seconds = cpu;
  res.decisions_per_s = cpu > 0 ? n / cpu : 0.0;
  res.decisions_per_s_wall = secs > 0 ? n / secs : 0.0;
  return res;
}

}  // namespace attune::select
