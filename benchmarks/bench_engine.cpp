// Engine benchmarks, JSON lines (2-core x86_64 Debian bookworm in the closing notes):
//   engine_loop: observe_text + decide + reward for one customer, single thread, GoEmotions texts
//                (../shared/data/goemotions/dev.tsv) or generated ones; median of passes
//   engine_decide: decide() latency p50/p99 for a customer with emotional memory
//   engine_memory: bytes per customer (RSS growth) at N typical profiles (consent for the three
//                purposes, one text, one decision), default N = 1,000,000
//   engine_snapshot / engine_restore: snapshot and restore time of those N profiles
// Usage: bench_engine [--customers N] [--dir DIR]   (--customers 0: loop and decide only)
#include "attune/emotion/emotion_model.hpp"
#include "attune/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace attune;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kT0 = 1'780'000'000'000;

std::vector<std::string> load_texts() {
  std::vector<std::string> texts;
  std::ifstream in(std::string(ATTUNE_SOURCE_DIR) + "/../shared/data/goemotions/dev.tsv");
  std::string line;
  while (std::getline(in, line) && texts.size() < 5000) texts.push_back(line.substr(0, line.find('\t')));
  if (texts.empty()) {
    const char* base[] = {"I love this so much, thank you!", "This is not what I ordered and I'm annoyed",
                          "Is shipping free to Canada?", "I'm worried my payment failed", "ok"};
    for (int i = 0; i < 5000; ++i) texts.push_back(base[i % 5]);
  }
  return texts;
}

double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU time of this process: the machine is shared, so wall time alone is pessimistic.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

// observe_text + decide + reward on one customer, median of 5 passes (wall and CPU time).
void run_loop(Engine& e, const std::vector<std::string>& texts, int64_t& t, const char* variant) {
  for (const char* p : {"emotion_inference", "personalization", "profiling"}) e.consent("loop", p, true, t);
  std::vector<double> rates, cpu_rates;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = Clock::now();
    const double cpu0 = cpu_seconds();
    for (const auto& text : texts) {
      e.observe_text("loop", Channel::chat, text, ++t);
      const Decision d = e.decide("loop", "product_cta", ++t);
      const double value = (t % 3) == 0 ? 1.0 : 0.0;
      e.reward(d.decision_id, value, ++t);
    }
    rates.push_back(static_cast<double>(texts.size()) / seconds_since(start));
    cpu_rates.push_back(static_cast<double>(texts.size()) / (cpu_seconds() - cpu0));
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  std::printf("{\"name\":\"engine_loop\",\"variant\":\"%s\",\"calls\":\"observe_text+decide+reward\",\"texts\":%zu,"
              "\"loops_per_s\":%.0f,\"loops_per_cpu_s\":%.0f,\"threads\":1,\"statistic\":\"median of 5\","
              "\"load_average\":%.2f}\n",
              variant, texts.size(), rates[2], cpu_rates[2], load_average());
}

}  // namespace

int main(int argc, char** argv) {
  long long customers = 1'000'000;
  std::string dir = (std::filesystem::temp_directory_path() / "attune-bench-engine").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--customers")) customers = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  const bool loop_only = customers == 0;
  const auto texts = load_texts();
  {
    // Reference in the same run: the shipped emotion model alone on the same texts, so the
    // engine's own share of the loop is loop time minus this.
    const auto model = emotion::EmotionModel::load_default();
    std::vector<double> cpu_rates;
    float sink = 0;
    for (int pass = 0; pass < 5; ++pass) {
      const double cpu0 = cpu_seconds();
      for (const auto& text : texts) sink += model.score(text).valence;
      cpu_rates.push_back(static_cast<double>(texts.size()) / (cpu_seconds() - cpu0));
    }
    std::sort(cpu_rates.begin(), cpu_rates.end());
    std::printf("{\"name\":\"emotion_score_reference\",\"texts\":%zu,\"texts_per_cpu_s\":%.0f,\"us_per_text\":%.2f,"
                "\"statistic\":\"median of 5\",\"checksum\":%.3f}\n",
                texts.size(), cpu_rates[2], 1e6 / cpu_rates[2], static_cast<double>(sink));
  }
  int64_t t = kT0;
  auto e = Engine::from_json(R"({"seed": 1})");
  run_loop(*e, texts, t, "memory only");
  {
    // The same loop with persistence and the audit log: every call journaled (durability
    // "batched", the default) and every call audited (SHA-256 chained JSON lines).
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto ep = Engine::from_json(R"({"seed": 1, "state_dir": ")" + dir +
                                R"(", "audit": {"path": "audit.jsonl", "salt": "bench-engine-salt-0123456789"}})");
    run_loop(*ep, texts, t, "state_dir + audit log (durability batched)");
  }
  {
    std::vector<double> lat;
    const double cpu0 = cpu_seconds();
    for (int i = 0; i < 20000; ++i) {
      const auto start = Clock::now();
      const Decision d = e->decide("loop", "product_cta", ++t);
      lat.push_back(seconds_since(start) * 1e6);
      (void)d;
    }
    const double cpu_us = (cpu_seconds() - cpu0) * 1e6 / static_cast<double>(lat.size());
    std::sort(lat.begin(), lat.end());
    std::printf("{\"name\":\"engine_decide\",\"decisions\":%zu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_cpu_us\":%.2f,"
                "\"decisions_per_s\":%.0f,\"load_average\":%.2f}\n",
                lat.size(), lat[lat.size() / 2], lat[lat.size() * 99 / 100], cpu_us, 1e6 / lat[lat.size() / 2],
                load_average());
  }
  if (!loop_only) {
    std::filesystem::remove_all(dir);
    // No automatic snapshots while the customers are built: the snapshot measured below folds
    // the whole journal of their 5 million calls (2 GB), the worst case for its removal.
    const std::string config =
        R"({"seed": 2, "state_dir": ")" + dir + R"(", "durability": "none", "checkpoint_every_records": 1000000000000})";
    auto store = Engine::from_json(config);
    const double before = rss_bytes();
    for (long long i = 0; i < customers; ++i) {
      const std::string c = "customer-" + std::to_string(i);
      for (const char* p : {"emotion_inference", "personalization", "profiling"}) store->consent(c, p, true, kT0);
      store->observe_text(c, Channel::web, texts[static_cast<size_t>(i) % texts.size()], kT0 + 1);
      store->decide(c, "product_cta", kT0 + 2);
    }
    const double after = rss_bytes();
    std::printf("{\"name\":\"engine_memory\",\"customers\":%lld,\"bytes_per_customer\":%.0f,"
                "\"includes\":\"profile, consent records, map overhead (RSS growth)\"}\n",
                customers, (after - before) / static_cast<double>(customers));
    // The journal of the million calls above (durability "none") is flushed first and timed on
    // its own: the snapshot's time is the state's, not the page cache's backlog.
    auto start = Clock::now();
    store->sync();
    std::printf("{\"name\":\"engine_journal_sync_before_snapshot\",\"seconds\":%.3f}\n", seconds_since(start));
    start = Clock::now();
    double cpu0 = cpu_seconds();
    store->snapshot();
    const double snap_s = seconds_since(start), snap_cpu = cpu_seconds() - cpu0;
    uintmax_t snap_bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir))
      if (f.path().filename().string().rfind("snapshot-", 0) == 0) snap_bytes = f.file_size();
    std::printf("{\"name\":\"engine_snapshot\",\"customers\":%lld,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"bytes\":%ju,"
                "\"load_average\":%.2f}\n",
                customers, snap_s, snap_cpu, snap_bytes, load_average());
    store.reset();
    start = Clock::now();
    cpu0 = cpu_seconds();
    auto restored = Engine::from_json(config);
    const double restore_s = seconds_since(start), restore_cpu = cpu_seconds() - cpu0;
    std::printf("{\"name\":\"engine_restore\",\"customers\":%zu,\"seconds\":%.3f,\"cpu_seconds\":%.3f,"
                "\"includes\":\"engine construction (models, catalog) + snapshot verify + load\",\"load_average\":%.2f}\n",
                restored->customer_count(), restore_s, restore_cpu, load_average());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
