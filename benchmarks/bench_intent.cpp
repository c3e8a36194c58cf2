// Purchase-intent throughput and session-update latency, as JSON lines.
//   bench_intent [model.attm]
// 1. predictions/s of the shipped intent model, single thread: predict_batch over 16,384 session
//    vectors (UCI-like values), and one-at-a-time predict().
// 2. SessionTracker::observe() cost per event: a synthetic stream over 10,000 customers (page
//    views of the three categories, product views, cart adds, pings; timestamps increasing) is
//    folded in batches of 1,000 events; the median over batches of ns/event is reported.
// 3. parse_event() cost per event (JSON -> Event), for scale.
#include "attune/behavior/event.hpp"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace attune::behavior;
#include <ctime>

// Thread CPU time: the machine is shared, so wall time would mostly measure the neighbours.
struct Clock {
  struct time_point {
    double s;
    friend double operator-(time_point a, time_point b) { return a.s - b.s; }
  };
  static time_point now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return {static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9};
  }
};
static double secs(double d) { return d; }

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  const IntentModel model = argc > 1 ? IntentModel::load(argv[1]) : IntentModel::load_default();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);

  // ---- predictions ----
  const size_t n = 16384;
  std::vector<double> rows(n * kUciFeatureCount), out(n);
  for (size_t i = 0; i < n; ++i) {
    double* x = &rows[i * kUciFeatureCount];
    x[0] = std::floor(u(rng) * 6);
    x[1] = x[0] * u(rng) * 60;
    x[2] = std::floor(u(rng) * 2);
    x[3] = x[2] * u(rng) * 50;
    x[4] = std::floor(u(rng) * 60);
    x[5] = x[4] * u(rng) * 60;
    x[6] = u(rng) * 0.05;
    x[7] = u(rng) * 0.08;
    x[8] = u(rng) < 0.2 ? u(rng) * 60 : 0;
    x[9] = u(rng) < 0.1 ? std::floor(u(rng) * 6) * 0.2 : 0;
    x[10] = 2 + std::floor(u(rng) * 11);
    x[11] = 1 + std::floor(u(rng) * 4);
    x[12] = 1 + std::floor(u(rng) * 6);
    x[13] = 1 + std::floor(u(rng) * 9);
    x[14] = 1 + std::floor(u(rng) * 15);
    x[15] = u(rng) < 0.85 ? 1 : 0;
    x[16] = u(rng) < 0.25 ? 1 : 0;
  }
  std::vector<double> batch_rates, single_rates, wall_rates;
  double sink = 0;
  for (int rep = 0; rep < 15; ++rep) {
    const auto w0 = std::chrono::steady_clock::now();
    auto t0 = Clock::now();
    model.predict_batch(rows.data(), n, out.data());
    auto t1 = Clock::now();
    const auto w1 = std::chrono::steady_clock::now();
    wall_rates.push_back(static_cast<double>(n) / std::chrono::duration<double>(w1 - w0).count());
    batch_rates.push_back(static_cast<double>(n) / secs(t1 - t0));
    sink += out[rep];
    UciVector v;
    t0 = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      std::copy(&rows[i * kUciFeatureCount], &rows[(i + 1) * kUciFeatureCount], v.begin());
      sink += model.predict(v);
    }
    t1 = Clock::now();
    single_rates.push_back(static_cast<double>(n) / secs(t1 - t0));
  }
  std::printf("{\"name\":\"intent_predict_batch\",\"items_per_s\":%.0f,\"items_per_s_wall\":%.0f,\"trees\":%zu,\"depth\":%d,\"threads\":1,\"clock\":\"thread_cpu\",\"rows\":%zu}\n",
              median(batch_rates), median(wall_rates), model.tree_count(), model.depth(), n);
  std::printf("{\"name\":\"intent_predict_single\",\"items_per_s\":%.0f,\"threads\":1}\n", median(single_rates));

  // ---- session updates ----
  const size_t customers = 10000, events_n = 400000;
  std::vector<Event> events(events_n);
  std::vector<std::string> ids(customers);
  for (size_t c = 0; c < customers; ++c) ids[c] = "customer-" + std::to_string(c);
  int64_t t = 1764340000000;  // 2025-11-28
  for (size_t i = 0; i < events_n; ++i) {
    Event& e = events[i];
    e.user_id = ids[rng() % customers];
    t += 1 + static_cast<int64_t>(rng() % 50);
    e.timestamp_ms = t;
    const double r = u(rng);
    if (r < 0.6) {
      e.type = EventType::page;
      e.kind = EventKind::page_viewed;
      e.page_category = r < 0.1 ? PageCategory::administrative : r < 0.15 ? PageCategory::informational : PageCategory::product;
      e.bounce_rate = u(rng) * 0.05;
      e.exit_rate = u(rng) * 0.1;
      e.page_value = r < 0.2 ? u(rng) * 20 : 0;
    } else {
      e.type = EventType::track;
      e.kind = r < 0.75 ? EventKind::product_viewed : r < 0.85 ? EventKind::product_added : EventKind::engagement_ping;
      e.name = std::string(event_kind_name(e.kind));
      e.product_id = "sku-" + std::to_string(rng() % 500);
    }
  }
  SessionTracker tracker;
  for (size_t i = 0; i < 50000; ++i) tracker.observe(events[i]);  // warm the customer table
  std::vector<double> ns_per_event;
  const size_t chunk = 1000;
  for (size_t s = 50000; s + chunk <= events_n; s += chunk) {
    const auto t0 = Clock::now();
    for (size_t i = s; i < s + chunk; ++i) tracker.observe(events[i]);
    const auto t1 = Clock::now();
    ns_per_event.push_back((t1 - t0) * 1e9 / chunk);
  }
  std::vector<double> feat_ns;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = Clock::now();
    for (size_t c = 0; c < 1000; ++c) sink += tracker.features(ids[c])->product_related_duration;
    const auto t1 = Clock::now();
    feat_ns.push_back((t1 - t0) * 1e9 / 1000);
  }
  std::printf("{\"name\":\"session_update\",\"ns_median\":%.1f,\"ns_p90_batch\":%.1f,\"customers\":%zu,\"events\":%zu}\n",
              median(ns_per_event), [&] { auto v = ns_per_event; std::sort(v.begin(), v.end()); return v[v.size() * 9 / 10]; }(),
              customers, events_n - 50000);
  std::printf("{\"name\":\"session_features\",\"ns_median\":%.1f}\n", median(feat_ns));

  // ---- parsing ----
  const std::string json =
      R"({"type":"track","userId":"customer-42","event":"Product Viewed","properties":{"product_id":"sku-7","price":19.9,"currency":"EUR"},"context":{"ip":"203.0.113.1"},"timestamp":"2026-11-28T18:03:11.250+01:00"})";
  std::vector<double> parse_ns;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = Clock::now();
    for (int i = 0; i < 2000; ++i) sink += static_cast<double>(parse_event(json).timestamp_ms & 1);
    const auto t1 = Clock::now();
    parse_ns.push_back((t1 - t0) * 1e9 / 2000);
  }
  std::printf("{\"name\":\"parse_event\",\"ns_median\":%.1f,\"bytes\":%zu}\n", median(parse_ns), json.size());
  if (sink == 42.4242) std::printf("#\n");
  return 0;
}
