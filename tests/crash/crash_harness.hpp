// Crash test of the persistence layer: a child process runs a write-heavy workload on a
// StateDirectory (appends of deterministic records, checkpoints with multi-megabyte snapshots) and
// acknowledges each append through a pipe once append() has returned; the parent SIGKILLs it after
// a random delay, reopens the directory itself and checks that
//   - every acknowledged record is present, in order, with its exact payload (records folded into
//     a snapshot are checked through a hash chain over all payloads, stored in the snapshot);
//   - nothing else is there (at most the one record whose ack was not yet written);
//   - no damaged record or snapshot is accepted (every payload must equal its deterministic value).
// Then it starts the next child on the same directory. Used by tests/cpp/test_profile_crash.cpp
// (ctest, quick) and benchmarks/bench_crash.cpp (long runs, JSON report).
//
// The child is fork()ed without exec so the test needs no extra executable; the parent is
// single-threaded at fork time (no StateDirectory open), which keeps fork safe, also under ASan.
#pragma once

#include "attune/detail/crc32c.hpp"
#include "attune/profile/state_directory.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace attune_crash {

using attune::profile::FsyncPolicy;
using attune::profile::SnapshotReader;
using attune::profile::SnapshotWriter;
using attune::profile::StateDirectory;
using attune::profile::StateDirectoryOptions;

struct Config {
  std::string dir;            // the state directory (created if missing)
  int kills = 200;            // stop after this many kills...
  double max_seconds = 45;    // ...or after this much time, whichever comes first
  int max_delay_ms = 60;      // kill after a uniform random delay in [0, max_delay_ms]
  std::uint64_t seed = 1;
  bool rotate_policies = true;  // cycle every_record / batched / none; else `policy` only
  FsyncPolicy policy = FsyncPolicy::batched;
  std::size_t max_snapshot_padding = 3u << 20;  // bytes of filler per snapshot, so kills hit writes
  int torn_tail_every = 4;  // after every n-th kill, also leave a partly written record (as a power
                            // loss or a kill inside a large write would); 0 = never
};

struct Result {
  int kills = 0;
  int kills_in_open = 0, kills_in_append = 0, kills_in_checkpoint = 0;
  std::uint64_t acknowledged = 0;      // highest acknowledged sequence number
  std::uint64_t lost = 0;              // acknowledged records missing after a restart (must be 0)
  std::uint64_t corrupt = 0;           // damaged/out-of-order/phantom records accepted (must be 0)
  std::uint64_t unacked_present = 0;   // restarts that found the in-flight, unacknowledged record
  std::uint64_t torn_tails = 0;        // restarts that found (and repaired) a torn journal tail
  std::uint64_t injected_torn_tails = 0;  // partial records the parent added (Config::torn_tail_every)
  std::uint64_t checkpoints = 0;       // checkpoints completed by the children
  std::uint64_t final_generation = 0;
  std::vector<std::string> failures;   // human-readable, empty when all is well
  double seconds = 0;
};

// ---- the deterministic workload -----------------------------------------------------------

inline std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Record `seq`: 8 bytes of seq, then bytes from a generator seeded by seq. Mostly 8..520 bytes,
// 2% between 8 and 64 KiB (writes that large can be torn by a SIGKILL).
inline std::string payload_for(std::uint64_t seq) {
  std::uint64_t s = seq * 0x2545F4914F6CDD1Dull;
  const std::uint64_t r = splitmix(s);
  std::size_t len = 8 + static_cast<std::size_t>(r % 513);
  if (r % 50 == 0) len = 8 + static_cast<std::size_t>((r >> 16) % 65536);
  std::string p(len, '\0');
  for (int i = 0; i < 8; ++i) p[static_cast<std::size_t>(i)] = static_cast<char>(seq >> (8 * i));
  for (std::size_t i = 8; i < len; i += 8) {
    const std::uint64_t v = splitmix(s);
    for (std::size_t k = 0; k < 8 && i + k < len; ++k) p[i + k] = static_cast<char>(v >> (8 * k));
  }
  return p;
}

inline std::uint64_t chain(std::uint64_t h, std::uint64_t seq, const std::string& payload) {
  std::uint64_t x = h ^ (static_cast<std::uint64_t>(attune::detail::crc32c(payload.data(), payload.size())) << 32) ^ seq;
  return splitmix(x);
}

inline std::size_t padding_for(std::uint64_t n, std::size_t max_padding) {
  std::uint64_t s = n ^ 0xABCDEFull;
  return max_padding ? static_cast<std::size_t>(splitmix(s) % max_padding) : 0;
}
// The filler repeats with period 256, so one 64 KiB chunk (a multiple of it) describes it all.
inline std::string padding_chunk(std::uint64_t n) {
  std::string c(64 * 1024, '\0');
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<char>((n * 31 + i * 7) & 0xFF);
  return c;
}

// State of the workload: how many records, and the hash chain over all of them.
struct State {
  std::uint64_t n = 0;
  std::uint64_t hash = 0;
};

inline void write_state(SnapshotWriter& w, const State& st, std::size_t max_padding) {
  w.write_u64(st.n);
  w.write_u64(st.hash);
  const std::size_t pad = padding_for(st.n, max_padding);
  w.write_u64(pad);
  const std::string chunk = padding_chunk(st.n);
  for (std::size_t done = 0; done < pad; done += chunk.size()) w.write(chunk.data(), std::min(chunk.size(), pad - done));
}

// Reads a snapshot; returns "" or what is wrong with it.
inline std::string read_state(SnapshotReader& r, State& st, std::size_t max_padding) {
  st.n = r.read_u64();
  st.hash = r.read_u64();
  const std::uint64_t pad = r.read_u64();
  if (pad != padding_for(st.n, max_padding)) return "snapshot padding length is wrong";
  const std::string chunk = padding_chunk(st.n);
  for (std::uint64_t done = 0; done < pad; done += chunk.size()) {
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(pad - done, chunk.size()));
    if (r.read_view(len) != std::string_view(chunk.data(), len)) return "snapshot padding is damaged";
  }
  return "";
}

enum Message : std::uint64_t { kOpened = 1, kAck = 2, kCheckpointBegin = 3, kCheckpointEnd = 4 };
inline std::uint64_t message(Message m, std::uint64_t value) { return (static_cast<std::uint64_t>(m) << 56) | value; }

inline void send(int fd, std::uint64_t msg) {
  const char* p = reinterpret_cast<const char*>(&msg);
  std::size_t left = 8;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);  // the parent went away
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

inline FsyncPolicy policy_for(const Config& cfg, int cycle) {
  if (!cfg.rotate_policies) return cfg.policy;
  const FsyncPolicy all[] = {FsyncPolicy::batched, FsyncPolicy::every_record, FsyncPolicy::none};
  return all[cycle % 3];
}

// The child: recover, then append and checkpoint until killed. Never returns.
[[noreturn]] inline void child_main(const Config& cfg, int cycle, int ack_fd) {
  try {
    StateDirectoryOptions o;
    o.journal.fsync = policy_for(cfg, cycle);
    o.journal.batch_interval = std::chrono::milliseconds(5);
    o.journal.repair = true;
    State st;
    StateDirectory sd = StateDirectory::open(
        cfg.dir, o,
        [&](SnapshotReader& r) {
          if (!read_state(r, st, cfg.max_snapshot_padding).empty()) ::_exit(5);
        },
        [&](std::uint8_t, std::string_view p) {
          ++st.n;
          st.hash = chain(st.hash, st.n, std::string(p));
        });
    send(ack_fd, message(kOpened, st.n));
    std::mt19937_64 rng(cfg.seed * 1000003u + static_cast<std::uint64_t>(cycle));
    for (;;) {
      const int batch = 20 + static_cast<int>(rng() % 300);
      for (int i = 0; i < batch; ++i) {
        const std::uint64_t seq = st.n + 1;
        const std::string p = payload_for(seq);
        sd.append(1, p);
        st.n = seq;
        st.hash = chain(st.hash, seq, p);
        send(ack_fd, message(kAck, seq));
      }
      send(ack_fd, message(kCheckpointBegin, st.n));
      sd.checkpoint([&](SnapshotWriter& w) { write_state(w, st, cfg.max_snapshot_padding); });
      send(ack_fd, message(kCheckpointEnd, sd.generation()));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash child: %s\n", e.what());
    ::_exit(3);
  }
}

// Appends the first `keep` bytes of a record framed as docs/persistence.md describes (written
// independently of the library, so the format is checked too) to the newest journal in `dir`.
inline bool append_partial_record(const std::string& dir, std::uint64_t seq, std::uint64_t r) {
  std::string newest;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("journal-", 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0 &&
        name > newest)
      newest = name;
  }
  if (newest.empty()) return false;
  const std::string payload = payload_for(seq);
  std::string rec(16, '\0');
  const auto put32 = [&rec](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) rec[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  };
  put32(0, 0xA77E4A52u);
  put32(4, static_cast<std::uint32_t>(payload.size()));
  rec[8] = 1;
  std::uint32_t crc = attune::detail::crc32c(rec.data(), 12);
  crc = attune::detail::crc32c_extend(crc, payload.data(), payload.size());
  put32(12, crc);
  rec += payload;
  const std::size_t keep = 1 + static_cast<std::size_t>(r % (rec.size() - 1));
  std::FILE* f = std::fopen((dir + "/" + newest).c_str(), "ab");
  if (!f) return false;
  const bool ok = std::fwrite(rec.data(), 1, keep, f) == keep;
  return std::fclose(f) == 0 && ok;
}

// ---- the parent ---------------------------------------------------------------------------

class Verifier {
 public:
  // Expected chain hash after record n.
  std::uint64_t expected_hash(std::uint64_t n) {
    while (hashes_.size() <= n) {
      const std::uint64_t seq = hashes_.size();
      hashes_.push_back(chain(hashes_.back(), seq, payload_for(seq)));
    }
    return hashes_[n];
  }

 private:
  std::vector<std::uint64_t> hashes_{0};
};

inline Result run(const Config& cfg) {
  Result res;
  Verifier verifier;
  std::mt19937_64 rng(cfg.seed);
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const auto fail = [&](const std::string& what) {
    if (res.failures.size() < 20) res.failures.push_back("kill " + std::to_string(res.kills) + ": " + what);
  };

  for (int cycle = 0; res.kills < cfg.kills && elapsed() < cfg.max_seconds; ++cycle) {
    int fds[2];
    if (::pipe(fds) != 0) {
      fail("pipe failed");
      break;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      fail("fork failed");
      break;
    }
    if (pid == 0) {
      ::close(fds[0]);
      child_main(cfg, cycle, fds[1]);
    }
    ::close(fds[1]);

    // Collect messages until the kill time, then SIGKILL and drain what the child managed to send.
    Message last = kCheckpointEnd;
    bool opened = false;
    const auto handle = [&](std::uint64_t msg) {
      const auto kind = static_cast<Message>(msg >> 56);
      const std::uint64_t value = msg & ((1ull << 56) - 1);
      if (kind == kOpened) opened = true;
      if (kind == kAck) res.acknowledged = std::max(res.acknowledged, value);
      if (kind == kCheckpointEnd) ++res.checkpoints;
      last = kind;
    };
    std::uint64_t buf[512];
    std::size_t pending = 0;  // bytes of a partial message at the front of buf
    // Reads what is available within timeout_ms: 1 data or timeout, 0 end of file (child gone).
    const auto read_messages = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      const int ready = ::poll(&p, 1, timeout_ms);
      if (ready < 0) return errno == EINTR ? 1 : 0;
      if (ready == 0) return 1;
      char* base = reinterpret_cast<char*>(buf);
      const ssize_t n = ::read(fds[0], base + pending, sizeof buf - pending);
      if (n < 0) return errno == EINTR ? 1 : 0;
      if (n == 0) return 0;
      pending += static_cast<std::size_t>(n);
      const std::size_t whole = pending / 8;
      for (std::size_t i = 0; i < whole; ++i) handle(buf[i]);
      std::memmove(base, base + whole * 8, pending - whole * 8);
      pending -= whole * 8;
      return 1;
    };
    // One kill in 8 counts its delay from the fork, so it may land in the child's recovery; the
    // others count from the end of recovery, so they land in the workload however slow the build
    // (sanitizers) makes recovery.
    const bool from_fork = rng() % 8 == 0;
    const int delay = from_fork ? static_cast<int>(rng() % 8)
                                : static_cast<int>(rng() % static_cast<std::uint64_t>(cfg.max_delay_ms + 1));
    bool child_alive = true;
    if (!from_fork) {
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!opened && child_alive && std::chrono::steady_clock::now() < give_up) child_alive = read_messages(50) != 0;
    }
    const auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
    while (child_alive && std::chrono::steady_clock::now() < kill_at) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - std::chrono::steady_clock::now());
      if (read_messages(static_cast<int>(std::max<std::int64_t>(1, left.count()))) == 0) {
        child_alive = false;  // end of file before the kill: the child died by itself
        break;
      }
    }
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    // The child is gone, so its end of the pipe is closed: read every ack it sent, up to EOF.
    for (int guard = 0; guard < 100000 && read_messages(1000) != 0; ++guard) {
    }
    ::close(fds[0]);
    if (!child_alive || !WIFSIGNALED(wstatus) || WTERMSIG(wstatus) != SIGKILL) {
      fail("the child exited by itself (status " + std::to_string(wstatus) + "); see its stderr");
      break;
    }
    ++res.kills;
    if (!opened) ++res.kills_in_open;
    else if (last == kCheckpointBegin) ++res.kills_in_checkpoint;
    else ++res.kills_in_append;

    // Restart: open the directory and check it against what was acknowledged.
    try {
      if (cfg.torn_tail_every > 0 && res.kills % cfg.torn_tail_every == 0 && opened) {
        // The in-flight record (if it made it) is acknowledged+1; tear the one after it.
        std::error_code ec;
        if (std::filesystem::exists(cfg.dir, ec) && append_partial_record(cfg.dir, res.acknowledged + 2, rng())) ++res.injected_torn_tails;
      }
      StateDirectoryOptions o;
      o.journal.fsync = FsyncPolicy::none;
      o.journal.repair = true;
      State st;
      std::uint64_t bad = 0;
      std::string first_bad;
      StateDirectory sd = StateDirectory::open(
          cfg.dir, o,
          [&](SnapshotReader& r) {
            const std::string why = read_state(r, st, cfg.max_snapshot_padding);
            if (!why.empty()) {
              ++bad;
              first_bad = why;
            } else if (st.hash != verifier.expected_hash(st.n)) {
              ++bad;
              first_bad = "snapshot hash chain differs at record " + std::to_string(st.n);
            }
          },
          [&](std::uint8_t type, std::string_view p) {
            const std::uint64_t seq = st.n + 1;
            if (type != 1 || p != payload_for(seq)) {
              if (++bad == 1) first_bad = "record " + std::to_string(seq) + " is damaged or out of order";
            }
            st.n = seq;
          });
      const auto& rep = sd.open_report();
      if (rep.torn_tail) ++res.torn_tails;
      res.final_generation = rep.generation;
      sd.close();
      if (bad) {
        res.corrupt += bad;
        fail(first_bad);
      }
      if (st.n < res.acknowledged) {
        res.lost += res.acknowledged - st.n;
        fail("acknowledged record(s) " + std::to_string(st.n + 1) + ".." + std::to_string(res.acknowledged) + " lost");
      } else if (st.n == res.acknowledged + 1) {
        ++res.unacked_present;  // appended, killed before its ack: allowed
      } else if (st.n > res.acknowledged + 1) {
        ++res.corrupt;
        fail("records beyond the last acknowledged + 1 appeared (" + std::to_string(st.n) + " > " +
             std::to_string(res.acknowledged) + " + 1)");
      }
      // The next child continues from what is on disk; acks refer to those sequence numbers.
      res.acknowledged = std::max(res.acknowledged, st.n);
    } catch (const std::exception& e) {
      fail(std::string("reopen failed: ") + e.what());
      break;
    }
  }
  res.seconds = elapsed();
  return res;
}

inline std::string to_json(const Config& cfg, const Result& r) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"name\":\"crash_test\",\"kills\":%d,\"kills_survived\":%d,\"kills_in_open\":%d,"
                "\"kills_in_append\":%d,\"kills_in_checkpoint\":%d,\"acknowledged_records\":%llu,"
                "\"acknowledged_lost\":%llu,\"corrupt_accepted\":%llu,\"unacked_record_present\":%llu,"
                "\"torn_tails_repaired\":%llu,\"torn_tails_injected\":%llu,\"checkpoints\":%llu,\"final_generation\":%llu,"
                "\"policies\":\"%s\",\"max_delay_ms\":%d,\"seconds\":%.1f,\"failures\":%zu}",
                r.kills, r.failures.empty() ? r.kills : 0, r.kills_in_open, r.kills_in_append, r.kills_in_checkpoint,
                static_cast<unsigned long long>(r.acknowledged), static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.corrupt), static_cast<unsigned long long>(r.unacked_present),
                static_cast<unsigned long long>(r.torn_tails), static_cast<unsigned long long>(r.injected_torn_tails),
                static_cast<unsigned long long>(r.checkpoints),
                static_cast<unsigned long long>(r.final_generation),
                cfg.rotate_policies ? "every_record,batched,none" : attune::profile::fsync_policy_name(cfg.policy),
                cfg.max_delay_ms, r.seconds, r.failures.size());
  return buf;
}

}  // namespace attune_crash
