// Engine benchmarks, JSON lines (2-core x86_64 Debian bookworm in the closing notes):
//   engine_loop: observe_text + decide + reward for one customer, single thread, GoEmotions texts
//                (../shared/data/goemotions/dev.tsv) or generated ones; median of passes
//   engine_decide: decide() latency p50/p99 for a customer with emotional memory
//   engine_memory: bytes per customer (RSS growth) at N typical profiles (consent for the three
//                purposes, one text, one decision), default N = 1,000,000
//   engine_snapshot / engine_restore: snapshot and restore time of those N profiles
// Usage: bench_engine [--customers N] [--dir DIR]
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

}  // namespace

int main(int argc, char** argv) {
  long long customers = 1'000'000;
  std::string dir = (std::filesystem::temp_directory_path() / "attune-bench-engine").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--customers")) customers = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  const auto texts = load_texts();
  {
    auto e = Engine::from_json(R"({"seed": 1})");
    for (const char* p : {"emotion_inference", "personalization", "profiling"}) e->consent("loop", p, true, kT0);
    std::vector<double> rates;
    int64_t t = kT0;
    for (int pass = 0; pass < 5; ++pass) {
      const auto start = Clock::now();
      for (const auto& text : texts) {
        e->observe_text("loop", Channel::chat, text, ++t);
        const Decision d = e->decide("loop", "product_cta", ++t);
        const double value = (t % 3) == 0 ? 1.0 : 0.0;
        e->reward(d.decision_id, value, ++t);
      }
      rates.push_back(static_cast<double>(texts.size()) / seconds_since(start));
    }
    std::sort(rates.begin(), rates.end());
    std::printf("{\"name\":\"engine_loop\",\"calls\":\"observe_text+decide+reward\",\"texts\":%zu,\"loops_per_s\":%.0f,"
                "\"threads\":1,\"statistic\":\"median of 5\"}\n",
                texts.size(), rates[2]);
    std::vector<double> lat;
    for (int i = 0; i < 20000; ++i) {
      const auto start = Clock::now();
      const Decision d = e->decide("loop", "product_cta", ++t);
      lat.push_back(seconds_since(start) * 1e6);
      (void)d;
    }
    std::sort(lat.begin(), lat.end());
    std::printf("{\"name\":\"engine_decide\",\"decisions\":%zu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"decisions_per_s\":%.0f}\n",
                lat.size(), lat[lat.size() / 2], lat[lat.size() * 99 / 100], 1e6 / lat[lat.size() / 2]);
  }
  {
    std::filesystem::remove_all(dir);
    const std::string config = R"({"seed": 2, "state_dir": ")" + dir + R"(", "durability": "none"})";
    auto e = Engine::from_json(config);
    const double before = rss_bytes();
    for (long long i = 0; i < customers; ++i) {
      const std::string c = "customer-" + std::to_string(i);
      for (const char* p : {"emotion_inference", "personalization", "profiling"}) e->consent(c, p, true, kT0);
      e->observe_text(c, Channel::web, texts[static_cast<size_t>(i) % texts.size()], kT0 + 1);
      e->decide(c, "product_cta", kT0 + 2);
    }
    const double after = rss_bytes();
    std::printf("{\"name\":\"engine_memory\",\"customers\":%lld,\"bytes_per_customer\":%.0f,"
                "\"includes\":\"profile, consent records, map overhead (RSS growth)\"}\n",
                customers, (after - before) / static_cast<double>(customers));
    auto start = Clock::now();
    e->snapshot();
    std::printf("{\"name\":\"engine_snapshot\",\"customers\":%lld,\"seconds\":%.3f}\n", customers, seconds_since(start));
    e.reset();
    start = Clock::now();
    auto restored = Engine::from_json(config);
    std::printf("{\"name\":\"engine_restore\",\"customers\":%zu,\"seconds\":%.3f}\n", restored->customer_count(),
                seconds_since(start));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
