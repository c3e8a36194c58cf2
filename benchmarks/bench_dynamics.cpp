// Per-customer cost of the behaviour dynamics, as JSON lines (thread CPU time, median of batches):
//   bench_dynamics
// 1. Baseline::observe and Baseline::z over 10,000 customers (random dwell values, times increasing).
// 2. HesitationDetector::observe_product_view (with the customer's Baseline) and score().
// 3. EngagementMonitor::observe_day (one closed day per call, after warm-up).
// 4. TurnRiskModel::probability (rule-based default) on 6-turn conversations.
// 5. Serialized sizes of the three per-customer objects.
#include "attune/behavior/baseline.hpp"
#include "attune/behavior/engagement_monitor.hpp"
#include "attune/behavior/hesitation_detector.hpp"
#include "attune/behavior/turn_risk.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace attune::behavior;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Median over `batches` of the ns per item of `batch(items)`.
double median_ns(int batches, int items, const std::function<void(int)>& batch) {
  std::vector<double> ns;
  for (int b = 0; b < batches; ++b) {
    const double t0 = cpu_seconds();
    batch(b);
    ns.push_back((cpu_seconds() - t0) * 1e9 / items);
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

volatile double g_sink = 0;

}  // namespace

int main() {
  constexpr int kCustomers = 10000;
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> dwell(3.2, 0.8);

  std::vector<Baseline> baselines(kCustomers);
  double t = 1.7e9;
  const double baseline_ns = median_ns(21, kCustomers, [&](int) {
    t += 10;
    for (auto& b : baselines) b.observe(Signal::dwell, dwell(rng), t);
  });
  const double z_ns = median_ns(21, kCustomers, [&](int) {
    double s = 0;
    for (const auto& b : baselines) s += b.z(Signal::dwell, 45.0);
    g_sink = s;
  });
  std::printf("{\"name\":\"baseline_observe\",\"ns_per_op\":%.1f,\"customers\":%d}\n", baseline_ns, kCustomers);
  std::printf("{\"name\":\"baseline_z\",\"ns_per_op\":%.1f}\n", z_ns);

  std::vector<HesitationDetector> detectors(kCustomers);
  const std::string ids[] = {"sku-1", "sku-2", "sku-3", "sku-4", "sku-5", "sku-6"};
  const double hes_ns = median_ns(21, kCustomers, [&](int b) {
    t += 10;
    for (int c = 0; c < kCustomers; ++c)
      detectors[static_cast<size_t>(c)].observe_product_view(ids[(c + b) % 6], dwell(rng), t,
                                                             baselines[static_cast<size_t>(c)]);
  });
  const double score_ns = median_ns(21, kCustomers, [&](int) {
    double s = 0;
    for (const auto& d : detectors) s += d.score().score;
    g_sink = s;
  });
  std::printf("{\"name\":\"hesitation_observe_product_view\",\"ns_per_op\":%.1f}\n", hes_ns);
  std::printf("{\"name\":\"hesitation_score\",\"ns_per_op\":%.1f}\n", score_ns);

  std::vector<EngagementMonitor> monitors(kCustomers);
  std::poisson_distribution<int> counts(80);
  int day = 0;
  for (; day < 30; ++day)
    for (auto& m : monitors) m.observe_day(day, counts(rng));
  const double em_ns = median_ns(21, kCustomers, [&](int) {
    for (auto& m : monitors) m.observe_day(day, counts(rng));
    ++day;
  });
  std::printf("{\"name\":\"engagement_observe_day\",\"ns_per_op\":%.1f}\n", em_ns);

  const TurnRiskModel model;
  const std::vector<DialogueTurn> conv = {
      {true, "I need a table for four tonight at an Italian place downtown."},
      {false, "I found 3 restaurants. Luigi's is a good Italian restaurant downtown. Shall I book it?"},
      {true, "No, I said four people, and not Luigi's, something quieter please."},
      {false, "Sorry, I couldn't find another restaurant. Would you like Luigi's?"},
      {true, "That's not what I asked."},
      {false, "Sorry, I couldn't find another restaurant. Would you like Luigi's?"}};
  const double tr_ns = median_ns(11, 2000, [&](int) {
    double s = 0;
    for (int i = 0; i < 2000; ++i) s += model.probability(conv);
    g_sink = s;
  });
  std::printf("{\"name\":\"turn_risk_probability_6_turns\",\"ns_per_op\":%.1f}\n", tr_ns);

  std::printf(
      "{\"name\":\"per_customer_sizes\",\"baseline_bytes\":%zu,\"hesitation_bytes\":%zu,\"engagement_bytes\":%zu,"
      "\"baseline_serialized\":%zu,\"hesitation_serialized\":%zu,\"engagement_serialized\":%zu}\n",
      sizeof(Baseline), sizeof(HesitationDetector), sizeof(EngagementMonitor), baselines[0].serialize().size(),
      detectors[0].serialize().size(), monitors[0].serialize().size());
  return 0;
}
