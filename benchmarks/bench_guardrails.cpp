// Guardrail evaluation: allocations per evaluate() in steady state (must be 0) and CPU time per
// evaluation with the shipped default rules. JSON lines. The 1M-decision property run is
// `attune guardrails bench`.
//
// Allocations are counted by replacing the global operator new in this executable only.
#include "attune/ethics/guardrails.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include <time.h>

namespace {
std::atomic<long long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main() {
  using namespace attune;
  using namespace attune::ethics;
  setenv("ATTUNE_MODEL_DIR", ATTUNE_SOURCE_DIR "/models", 0);
  const Guardrails g = Guardrails::load_default();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const std::vector<std::string> vocab{"urgency", "scarcity", "sales", "non_sales", "calming", "social_proof", "discount"};
  const size_t pool = 4096;
  std::vector<std::vector<Candidate>> catalogs(pool);
  std::vector<std::vector<TagBits>> compiled(pool);
  std::vector<GuardrailContext> contexts(pool);
  std::vector<std::vector<int64_t>> histories(pool);
  std::vector<std::vector<StatePeak>> peaks(pool);
  const std::vector<std::string> price{"price"}, sales{"sales"};
  const std::vector<NamedScore> sad{{"sadness", 0.7f}};
  const int64_t now = 1700000000000;
  size_t max_candidates = 0;
  for (size_t i = 0; i < pool; ++i) {
    catalogs[i].resize(2 + rng() % 15);
    max_candidates = std::max(max_candidates, catalogs[i].size());
    for (auto& c : catalogs[i]) {
      for (const auto& t : vocab)
        if (rng() % 4 == 0) c.tags.push_back(t);
      compiled[i].push_back(g.tag_set(c.tags));
    }
    for (int n = static_cast<int>(rng() % 8); n > 0; --n) histories[i].push_back(now - static_cast<int64_t>(rng() % (48 * 3600000LL)));
    if (rng() % 3 == 0) peaks[i].push_back({MarketingState::frustration, u(rng), now - static_cast<int64_t>(rng() % (48 * 3600000LL))});
    GuardrailContext& ctx = contexts[i];
    ctx.slot = "slot";
    ctx.slot_tags = (rng() % 4 == 0) ? price : sales;
    ctx.now_ms = now;
    StateVector s;
    for (auto& x : s) x = u(rng);
    ctx.states = s;
    if (rng() % 2) ctx.signals = sad;
    ctx.recent_decisions_ms = histories[i];
    ctx.state_peaks = peaks[i];
  }
  GuardrailResult result;
  for (size_t i = 0; i < pool; ++i) g.evaluate(contexts[i], catalogs[i], result);  // grow to the largest catalog
  const size_t evals = 400000;
  std::vector<double> cpu_compiled, cpu_strings;
  long long alloc_compiled = 0, alloc_strings = 0;
  size_t sink = 0;
  for (int pass = 0; pass < 7; ++pass) {
    long long a0 = g_allocations.load();
    double c0 = thread_cpu_ns();
    for (size_t i = 0; i < evals; ++i) {
      g.evaluate_tags(contexts[i % pool], compiled[i % pool], result);
      sink += result.allowed_count;
    }
    double c1 = thread_cpu_ns();
    long long a1 = g_allocations.load();
    for (size_t i = 0; i < evals; ++i) {
      g.evaluate(contexts[i % pool], catalogs[i % pool], result);
      sink += result.allowed_count;
    }
    double c2 = thread_cpu_ns();
    long long a2 = g_allocations.load();
    cpu_compiled.push_back((c1 - c0) / static_cast<double>(evals));
    cpu_strings.push_back((c2 - c1) / static_cast<double>(evals));
    alloc_compiled += a1 - a0;
    alloc_strings += a2 - a1;
  }
  std::sort(cpu_compiled.begin(), cpu_compiled.end());
  std::sort(cpu_strings.begin(), cpu_strings.end());
  std::printf("{\"name\":\"guardrails_evaluate_compiled_tags\",\"cpu_ns_per_eval_median\":%.1f,\"allocations_per_eval\":%.6f,"
              "\"evals\":%zu,\"passes\":7,\"max_candidates\":%zu,\"rules\":%zu}\n",
              cpu_compiled[3], static_cast<double>(alloc_compiled) / (7.0 * evals), evals, max_candidates, g.size());
  std::printf("{\"name\":\"guardrails_evaluate_string_tags\",\"cpu_ns_per_eval_median\":%.1f,\"allocations_per_eval\":%.6f,"
              "\"evals\":%zu,\"passes\":7,\"checksum\":%zu}\n",
              cpu_strings[3], static_cast<double>(alloc_strings) / (7.0 * evals), evals, sink);
  return (alloc_compiled == 0 && alloc_strings == 0) ? 0 : 1;
}
