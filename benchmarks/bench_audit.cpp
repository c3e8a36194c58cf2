// Audit log throughput: JSON lines {"name","items_per_s","bytes_per_s",...}.
// - append (fsync none / fsync every record) of a typical decision record, single thread, and
//   fsync every record from 4 threads (group commit);
// - verify of the resulting log (the work done on every open and by `attune audit verify`);
// - sha256 of 1 MiB buffers (the primitive under both).
// Medians of repeated passes; files go to a temporary directory that is removed afterwards.
#include "attune/detail/sha256.hpp"
#include "attune/ethics/audit_log.hpp"
#include "bench_support.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

nlohmann::json record(const attune::ethics::AuditLog& log, int i) {
  return {{"customer", log.pseudonymize("customer-" + std::to_string(i % 1000))},
          {"slot", "checkout_cta"},
          {"variant", "calm_" + std::to_string(i % 7)},
          {"propensity", 0.25},
          {"emotion_used", i % 2 == 0},
          {"states", {{"anxiety", 0.62}, {"frustration", 0.1}, {"hesitation", 0.4}}},
          {"guardrails", nlohmann::json::array({"no_urgency_when_anxious"})},
          {"decision", "d-" + std::to_string(i)}};
}

void run_append(const fs::path& dir, const char* name, attune::ethics::AuditFsync fsync, int n, int passes) {
  std::vector<double> rates, byte_rates, cpu_rates;
  for (int pass = 0; pass < passes; ++pass) {
    const std::string path = (dir / ("append_" + std::to_string(pass) + ".jsonl")).string();
    attune::ethics::AuditOptions o;
    o.salt = "bench-salt-0123456789abcdef";
    o.fsync = fsync;
    attune::ethics::AuditLog log(path, o);
    std::vector<nlohmann::json> records;
    for (int i = 0; i < n; ++i) records.push_back(record(log, i));
    const auto t0 = Clock::now();
    const double c0 = attune_bench::thread_cpu_seconds();
    for (int i = 0; i < n; ++i) log.append("decision", 1700000000000LL + i, records[static_cast<size_t>(i)]);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    cpu_rates.push_back(n / (attune_bench::thread_cpu_seconds() - c0));
    rates.push_back(n / s);
    byte_rates.push_back(static_cast<double>(fs::file_size(path)) / s);
    log.close();
    fs::remove(path);
  }
  std::printf("{\"name\":\"%s\",\"items_per_s\":%.0f,\"bytes_per_s\":%.0f,\"items_per_cpu_s\":%.0f,\"records\":%d,"
              "\"passes\":%d}\n",
              name, attune_bench::median(rates), attune_bench::median(byte_rates), attune_bench::median(cpu_rates), n, passes);
}

}  // namespace

int main() {
  const fs::path dir = fs::temp_directory_path() / ("attune_bench_audit_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  run_append(dir, "audit_append_fsync_none", attune::ethics::AuditFsync::none, 20000, 5);
  run_append(dir, "audit_append_fsync_every_record", attune::ethics::AuditFsync::every_record, 500, 3);
  {
    // Group commit: 4 threads appending with fsync per record share fsyncs.
    const int threads = 4, per_thread = 150;
    std::vector<double> rates;
    for (int pass = 0; pass < 3; ++pass) {
      const std::string path = (dir / ("group_" + std::to_string(pass) + ".jsonl")).string();
      attune::ethics::AuditOptions o;
      o.salt = "bench-salt-0123456789abcdef";
      attune::ethics::AuditLog log(path, o);
      const auto t0 = Clock::now();
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&log, t] {
          for (int i = 0; i < per_thread; ++i) log.append("decision", 1700000000000LL + i, record(log, t * per_thread + i));
        });
      }
      for (auto& th : pool) th.join();
      rates.push_back(threads * per_thread / std::chrono::duration<double>(Clock::now() - t0).count());
      log.close();
      fs::remove(path);
    }
    std::printf("{\"name\":\"audit_append_fsync_every_record_4_threads\",\"items_per_s\":%.0f,\"records\":%d,\"passes\":3}\n",
                attune_bench::median(rates), threads * per_thread);
  }

  {
    const std::string path = (dir / "verify.jsonl").string();
    attune::ethics::AuditOptions o;
    o.salt = "bench-salt-0123456789abcdef";
    o.fsync = attune::ethics::AuditFsync::none;
    const int n = 50000;
    {
      attune::ethics::AuditLog log(path, o);
      for (int i = 0; i < n; ++i) log.append("decision", 1700000000000LL + i, record(log, i));
    }
    const double bytes = static_cast<double>(fs::file_size(path));
    std::vector<double> rates, byte_rates, cpu_rates;
    for (int pass = 0; pass < 5; ++pass) {
      const auto t0 = Clock::now();
      const double c0 = attune_bench::thread_cpu_seconds();
      const auto r = attune::ethics::AuditLog::verify(path);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      cpu_rates.push_back(n / (attune_bench::thread_cpu_seconds() - c0));
      if (!r.ok) {
        std::fprintf(stderr, "verify failed: %s\n", r.reason.c_str());
        return 1;
      }
      rates.push_back(n / s);
      byte_rates.push_back(bytes / s);
    }
    std::printf("{\"name\":\"audit_verify\",\"items_per_s\":%.0f,\"bytes_per_s\":%.0f,\"items_per_cpu_s\":%.0f,\"records\":%d,"
                "\"mean_line_bytes\":%.0f,\"passes\":5}\n",
                attune_bench::median(rates), attune_bench::median(byte_rates), attune_bench::median(cpu_rates), n, bytes / n);
  }
  {
    const std::string buffer(1 << 20, 'a');
    volatile std::uint8_t sink = 0;  // keeps the hashing from being optimized away
    std::vector<double> byte_rates, cpu_rates;
    for (int pass = 0; pass < 9; ++pass) {
      const auto t0 = Clock::now();
      const double c0 = attune_bench::thread_cpu_seconds();
      for (int i = 0; i < 16; ++i) sink = static_cast<std::uint8_t>(sink ^ attune::detail::Sha256::hash(buffer)[0]);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      byte_rates.push_back(16.0 * static_cast<double>(buffer.size()) / s);
      cpu_rates.push_back(16.0 * static_cast<double>(buffer.size()) / (attune_bench::thread_cpu_seconds() - c0));
    }
    std::printf("{\"name\":\"sha256_1MiB\",\"bytes_per_s\":%.0f,\"bytes_per_cpu_s\":%.0f,\"passes\":9}\n",
                attune_bench::median(byte_rates), attune_bench::median(cpu_rates));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
