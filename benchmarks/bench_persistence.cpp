// Persistence throughput: JSON lines.
//   journal_append/<policy>: appends/s of ~300-byte records, one thread (and 4 threads for
//     every_record, where concurrent appenders share an fdatasync), with latency p50/p99.
//   snapshot_write / snapshot_read / snapshot_verify: 1,000,000 records of 250..350 bytes
//     (length-prefixed, ~300 MB) through SnapshotWriter/SnapshotReader; write includes fsync,
//     rename and directory fsync; read is reported warm (page cache) and cold (pages dropped with
//     POSIX_FADV_DONTNEED after the fsync).
//   state_directory_checkpoint / state_directory_open: the same state through StateDirectory
//     (open = verify pass + streamed read + journal replay), which is what the engine pays.
// Medians of `--passes` runs (default 3). Usage: bench_persistence [--dir DIR] [--records N]
//   [--passes P] [--seconds S per journal measurement]
#include "attune/profile/journal.hpp"
#include "attune/profile/snapshot.hpp"
#include "attune/profile/state_directory.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace attune::profile;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// A pool of distinct record bodies; record i is pool[i % pool.size()] with i in its first 8 bytes.
std::vector<std::string> make_pool() {
  std::mt19937_64 rng(3);
  std::vector<std::string> pool(4096);
  for (auto& p : pool) {
    p.resize(250 + rng() % 101);
    for (auto& c : p) c = static_cast<char>(rng());
  }
  return pool;
}

void drop_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

void bench_journal(const std::string& dir, FsyncPolicy policy, int threads, double seconds,
                   const std::vector<std::string>& pool) {
  std::vector<double> rates, latencies;
  std::uint64_t total = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const std::string path = dir + "/bench-journal.log";
    std::filesystem::remove(path);
    JournalOptions o;
    o.fsync = policy;
    o.batch_interval = std::chrono::milliseconds(10);
    Journal j = Journal::create(path, 0, o);
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
    std::vector<std::uint64_t> counts(static_cast<std::size_t>(threads), 0);
    const auto t0 = Clock::now();
    std::vector<std::thread> pool_threads;
    for (int t = 0; t < threads; ++t)
      pool_threads.emplace_back([&, t] {
        std::size_t i = static_cast<std::size_t>(t);
        while (since(t0) < seconds) {
          for (int k = 0; k < 64; ++k, i += static_cast<std::size_t>(threads)) {
            const auto a = Clock::now();
            j.append(1, pool[i % pool.size()]);
            if ((i & 15) == 0 || policy == FsyncPolicy::every_record)
              lat[static_cast<std::size_t>(t)].push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
            ++counts[static_cast<std::size_t>(t)];
          }
        }
      });
    for (auto& th : pool_threads) th.join();
    const double elapsed = since(t0);
    std::uint64_t n = 0;
    for (auto c : counts) n += c;
    j.close();
    total += n;
    rates.push_back(static_cast<double>(n) / elapsed);
    for (auto& l : lat) latencies.insert(latencies.end(), l.begin(), l.end());
    std::filesystem::remove(path);
  }
  std::printf(
      "{\"name\":\"journal_append/%s\",\"threads\":%d,\"record_bytes\":300,\"items_per_s\":%.0f,"
      "\"latency_us_p50\":%.1f,\"latency_us_p99\":%.1f,\"records\":%llu,\"passes\":3,\"statistic\":\"median\"}\n",
      fsync_policy_name(policy), threads, median(rates), percentile(latencies, 0.5), percentile(latencies, 0.99),
      static_cast<unsigned long long>(total));
  std::fflush(stdout);
}

void write_records(SnapshotWriter& w, std::size_t n, const std::vector<std::string>& pool) {
  w.write_u64(n);
  std::string rec;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& body = pool[i % pool.size()];
    w.write_u32(static_cast<std::uint32_t>(body.size()));
    w.write(&i, 8);  // the record's id, then the rest of the body
    w.write(body.data() + 8, body.size() - 8);
  }
}

std::uint64_t read_records(SnapshotReader& r) {
  const std::uint64_t n = r.read_u64();
  std::uint64_t check = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint32_t len = r.read_u32();
    const std::string_view v = r.read_view(len);
    check += static_cast<unsigned char>(v[8]) + static_cast<unsigned char>(v[len - 1]);
  }
  return check;
}

void report(const char* name, std::size_t records, std::uint64_t bytes, const std::vector<double>& secs,
            const char* extra = "") {
  const double s = median(secs);
  std::printf(
      "{\"name\":\"%s\",\"records\":%zu,\"bytes\":%llu,\"seconds\":%.3f,\"mb_per_s\":%.0f,\"items_per_s\":%.0f,"
      "\"passes\":%zu,\"statistic\":\"median\"%s}\n",
      name, records, static_cast<unsigned long long>(bytes), s, static_cast<double>(bytes) / s / 1e6,
      static_cast<double>(records) / s, secs.size(), extra);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::size_t records = 1000000;
  int passes = 3;
  double seconds = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    else if (a == "--records") records = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--passes") passes = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  const bool own = dir.empty();
  if (own) {
    char tmpl[] = "/tmp/attune-bench-persist-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    dir = tmpl;
  }
  const auto pool = make_pool();

  bench_journal(dir, FsyncPolicy::every_record, 1, seconds, pool);
  bench_journal(dir, FsyncPolicy::every_record, 4, seconds, pool);
  bench_journal(dir, FsyncPolicy::batched, 1, seconds, pool);
  bench_journal(dir, FsyncPolicy::none, 1, seconds, pool);

  const std::string snap = dir + "/bench-snapshot.bin";
  std::vector<double> w, rw, rc, v;
  std::uint64_t bytes = 0, check = 0;
  for (int p = 0; p < passes; ++p) {
    auto t0 = Clock::now();
    bytes = Snapshot::write(snap, 1, [&](SnapshotWriter& sw) { write_records(sw, records, pool); }).payload_bytes;
    w.push_back(since(t0));
    t0 = Clock::now();
    Snapshot::read(snap, [&](SnapshotReader& r) { check += read_records(r); });
    rw.push_back(since(t0));
    t0 = Clock::now();
    Snapshot::verify(snap);
    v.push_back(since(t0));
    drop_cache(snap);
    t0 = Clock::now();
    Snapshot::read(snap, [&](SnapshotReader& r) { check += read_records(r); });
    rc.push_back(since(t0));
  }
  report("snapshot_write", records, bytes, w, ",\"sync\":true");
  report("snapshot_read", records, bytes, rw, ",\"cache\":\"warm\"");
  report("snapshot_read", records, bytes, rc, ",\"cache\":\"cold\"");
  report("snapshot_verify", records, bytes, v, ",\"cache\":\"warm\"");
  std::filesystem::remove(snap);

  // Through the state directory, as the engine uses it.
  const std::string state = dir + "/state";
  std::vector<double> cp, op;
  StateDirectoryOptions o;
  o.journal.fsync = FsyncPolicy::batched;
  for (int p = 0; p < passes; ++p) {
    {
      StateDirectory sd = StateDirectory::open(state, o, {}, {});
      for (int i = 0; i < 1000; ++i) sd.append(1, pool[static_cast<std::size_t>(i)]);
      const auto t0 = Clock::now();
      sd.checkpoint([&](SnapshotWriter& sw) { write_records(sw, records, pool); });
      cp.push_back(since(t0));
      for (int i = 0; i < 1000; ++i) sd.append(1, pool[static_cast<std::size_t>(i)]);
    }
    const auto t0 = Clock::now();
    std::uint64_t replayed = 0;
    StateDirectory sd = StateDirectory::open(
        state, o, [&](SnapshotReader& r) { check += read_records(r); },
        [&](std::uint8_t, std::string_view) { ++replayed; });
    op.push_back(since(t0));
    if (replayed != 1000) std::fprintf(stderr, "unexpected replay count %llu\n", static_cast<unsigned long long>(replayed));
  }
  report("state_directory_checkpoint", records, bytes, cp, ",\"sync\":true");
  report("state_directory_open", records, bytes, op, ",\"cache\":\"warm\",\"journal_records\":1000");
  if (own) std::filesystem::remove_all(dir);
  std::fprintf(stderr, "checksum %llu\n", static_cast<unsigned long long>(check));
  return 0;
}
