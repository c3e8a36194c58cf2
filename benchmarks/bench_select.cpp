// bench_select: speed of the selection layer, one JSON line per measurement.
//   1. choose + learn rounds per second, 6 variants x 4 attributes, 16 context features (the
//      shape of ../shared/bench/cb_sim.py), for each policy, single thread, in-process;
//   2. choose latency (p50, p90, p99 wall per call) with 50 variants and 64 context features
//      (default policy, per_variant), and with the shared layout on the 6 x 4 / 16 shape: after
//      5,000 choose+learn rounds (a trained posterior, not the prior) and 2,000 untimed choose
//      calls (warm caches and branch predictors: the warm-up jitter is not part of the figure).
// Each line carries the 1-minute load average at its end ("loadavg"): on a shared machine the
// wall-clock tail mostly measures the other processes.
// Contexts come from the synthetic generator below (no data files). Throughput is reported per
// second of wall time and per second of this thread's CPU time: the benchmark machine is shared,
// and CPU time is what the code costs.
#include "attune/select/policy.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

using namespace attune::select;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double load_average() {
  double l[1] = {0.0};
  return getloadavg(l, 1) == 1 ? l[0] : -1.0;
}
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<double> contexts(size_t n, size_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> x(n * d);
  for (auto& v : x) v = rng.uniform();
  return x;
}

VariantFeatures attributes(size_t k, size_t p, uint64_t seed) {
  Rng rng(seed);
  VariantFeatures v;
  v.count = k;
  v.dim = p;
  v.values.resize(k * p);
  for (auto& a : v.values) a = rng.uniform();
  return v;
}

void throughput(PolicyKind kind, ModelKind model, size_t rounds) {
  const size_t d = 16, k = 6;
  PolicyOptions o;
  o.kind = kind;
  o.model = model;
  auto policy = make_policy(o, d, attributes(k, 4, 2));
  const auto x = contexts(4096, d, 3);
  std::vector<uint32_t> all(k);
  for (uint32_t i = 0; i < k; ++i) all[i] = i;
  Rng rng(7), reward(8);
  const double w0 = wall_seconds(), c0 = cpu_seconds();
  double sink = 0;
  for (size_t t = 0; t < rounds; ++t) {
    const double* ctx = &x[(t & 4095) * d];
    const Choice c = policy->choose(ctx, all, rng);
    const double r = reward.uniform() < 0.1 + 0.1 * static_cast<double>(c.variant) / k + 0.3 * ctx[c.variant] ? 1.0 : 0.0;
    policy->learn(ctx, c.variant, r, c.propensity);
    sink += c.propensity;
  }
  const double wall = wall_seconds() - w0, cpu = cpu_seconds() - c0;
  std::printf(
      "{\"name\":\"select.choose_learn\",\"policy\":\"%s\",\"model\":\"%s\",\"variants\":%zu,\"context_dim\":%zu,"
      "\"rounds\":%zu,\"rounds_per_s_cpu\":%.0f,\"rounds_per_s_wall\":%.0f,\"us_per_round_cpu\":%.3f,\"loadavg\":%.2f,"
      "\"check\":%.3f}\n",
      policy_kind_name(kind), model_kind_name(model), k, d, rounds, static_cast<double>(rounds) / cpu, static_cast<double>(rounds) / wall, 1e6 * cpu / static_cast<double>(rounds),
      load_average(), sink / static_cast<double>(rounds));
}

void latency(ModelKind model, size_t k, size_t d, size_t p, size_t calls) {
  PolicyOptions o;
  o.model = model;
  auto policy = make_policy(o, d, attributes(k, p, 4));
  const auto x = contexts(1024, d, 5);
  std::vector<uint32_t> all(k);
  for (uint32_t i = 0; i < k; ++i) all[i] = i;
  Rng rng(9), reward(10);
  for (size_t t = 0; t < 5000; ++t) {  // a trained posterior, not the prior
    const double* ctx = &x[(t & 1023) * d];
    const Choice c = policy->choose(ctx, all, rng);
    policy->learn(ctx, c.variant, reward.uniform() < 0.2 + 0.5 * ctx[c.variant % d] ? 1.0 : 0.0, c.propensity);
  }
  double sink = 0;
  for (size_t t = 0; t < 2000; ++t) sink += policy->choose(&x[(t & 1023) * d], all, rng).propensity;  // warm-up
  // Wall time per call, and the thread's CPU time per call (read outside the wall interval; it
  // includes one clock read): on a shared machine the wall p99 mostly measures preemption by other
  // processes, the CPU-time p99 what a call costs.
  std::vector<double> us(calls), cpu_us(calls);
  const double c0 = cpu_seconds();
  for (size_t t = 0; t < calls; ++t) {
    const double* ctx = &x[(t & 1023) * d];
    const double ca = cpu_seconds();
    const auto a = std::chrono::steady_clock::now();
    const Choice c = policy->choose(ctx, all, rng);
    const auto b = std::chrono::steady_clock::now();
    cpu_us[t] = 1e6 * (cpu_seconds() - ca);
    us[t] = std::chrono::duration<double, std::micro>(b - a).count();
    sink += c.propensity;
  }
  const double cpu = cpu_seconds() - c0;
  std::sort(us.begin(), us.end());
  std::sort(cpu_us.begin(), cpu_us.end());
  std::printf(
      "{\"name\":\"select.choose_latency\",\"policy\":\"linear_thompson\",\"model\":\"%s\",\"variants\":%zu,"
      "\"context_dim\":%zu,\"attributes\":%zu,\"calls\":%zu,\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,"
      "\"p50_us_thread_cpu\":%.2f,\"p99_us_thread_cpu\":%.2f,\"mean_us_cpu\":%.2f,\"loadavg\":%.2f,\"check\":%.3f}\n",
      model_kind_name(model), k, d, p, calls, us[calls / 2], us[calls * 9 / 10], us[calls * 99 / 100],
      cpu_us[calls / 2], cpu_us[calls * 99 / 100], 1e6 * cpu / static_cast<double>(calls), load_average(), sink / static_cast<double>(calls + 2000));
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rounds = argc > 1 ? static_cast<size_t>(std::stoul(argv[1])) : 500000;
  throughput(PolicyKind::linear_thompson, ModelKind::per_variant, rounds);
  throughput(PolicyKind::lin_ucb, ModelKind::per_variant, rounds);
  throughput(PolicyKind::epsilon_greedy, ModelKind::per_variant, rounds);
  throughput(PolicyKind::uniform, ModelKind::per_variant, rounds);
  throughput(PolicyKind::linear_thompson, ModelKind::shared, rounds / 10);
  latency(ModelKind::per_variant, 50, 64, 8, 20000);
  latency(ModelKind::shared, 6, 16, 4, 20000);
  return 0;
}
