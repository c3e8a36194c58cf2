// Crash test of the whole engine: a child process runs a write-heavy workload through
// attune::Engine on a state directory (observe_text, decide, reward, consent grants and
// revocations, forget, periodic snapshots, with the audit log on) and acknowledges each call
// through a pipe once it has returned; the parent SIGKILLs it at a random point, reopens the
// directory with a new Engine and checks, for every customer of the workload, that
//   - every acknowledged call is there: profile existence, observation / decision / reward
//     counters and the consent status of each purpose equal the parent's model of the
//     acknowledged calls;
//   - nothing else is there, except possibly the one call that was running when the kill came
//     (not acknowledged: it may be absent or present, but never half present: every call
//     journals one record, so its customer must equal the model either without or with it);
//   - every decision acknowledged and not yet rewarded can still be rewarded (the next child
//     rewards them; an unknown decision id is a lost decision), and a reward is never accepted
//     twice (a duplicate error on an acknowledged reward's decision would show a replayed
//     reward; the child reports any unexpected error);
//   - the audit log still verifies (its hash chain is intact after the torn-tail repair).
// Then the next child continues on the same directory. Used by tests/cpp/test_engine_crash.cpp
// (ctest, a few kills) and benchmarks/bench_engine_crash.cpp (hundreds of kills, JSON report).
//
// The child is fork()ed without exec; the parent holds no Engine at fork time (it is destroyed
// after each check, which joins the journal's background thread), so fork is safe.
#pragma once

#include "attune/engine.hpp"
#include "attune/ethics/audit_log.hpp"

#include <array>
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

namespace attune_engine_crash {

struct Config {
  std::string dir;          // the state directory (created if missing)
  int kills = 20;           // stop after this many kills...
  double max_seconds = 30;  // ...or after this much time
  int max_delay_ms = 80;    // kill after a uniform random delay in [0, max_delay_ms] from recovery
  std::uint64_t seed = 1;
  int customers = 300;      // distinct customer ids in the workload
};

struct Result {
  int kills = 0;
  int failed_restarts = 0;           // restarts that found lost or corrupt state (must be 0)
  int kills_in_open = 0;             // killed before the engine finished restoring
  int kills_in_snapshot = 0;         // killed while Engine::snapshot() ran
  std::uint64_t acknowledged = 0;    // acknowledged calls over all children
  std::uint64_t lost = 0;            // acknowledged effects missing after a restart (must be 0)
  std::uint64_t corrupt = 0;         // state that no acknowledged or in-flight call explains (must be 0)
  std::uint64_t in_flight_present = 0;  // restarts that found (part of) the unacknowledged call
  std::uint64_t torn_tails = 0;      // restarts whose restore reported a torn journal tail
  std::uint64_t snapshots = 0;       // snapshots completed by the children
  std::uint64_t records_replayed = 0;
  std::array<std::uint64_t, 6> calls{};  // acknowledged calls by kind (see kKindNames)
  std::vector<std::string> failures;
  double seconds = 0;
};

inline constexpr const char* kKindNames[6] = {"observe_text", "decide", "reward", "consent_grant", "consent_revoke",
                                              "forget"};
enum Kind : int { kObserve = 0, kDecide, kReward, kGrant, kRevoke, kForget };

inline constexpr std::int64_t kT0 = 1'780'000'000'000;
inline constexpr const char* kPurposes[3] = {"emotion_inference", "personalization", "profiling"};

inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// What the acknowledged calls say about one customer.
struct CustomerModel {
  bool exists = false;  // a profile exists (created by observe/decide/grant, removed by forget)
  std::uint32_t observations = 0, decisions = 0, rewards = 0;
  std::array<int, 3> consent{};  // 0 none, 1 granted, 2 revoked
  bool operator==(const CustomerModel& o) const {
    return exists == o.exists && observations == o.observations && decisions == o.decisions && rewards == o.rewards &&
           consent == o.consent;
  }
};

struct OpenDecision {
  std::uint64_t id;
  int customer;
};

struct Model {
  std::vector<CustomerModel> customers;
  std::vector<OpenDecision> open;  // acknowledged decisions not yet rewarded (or forgotten)
  std::uint64_t seq = 0;           // calls acknowledged so far
};

// Call number `seq` of the workload, drawn from the seed and the model (so parent and child,
// holding the same model, draw the same call).
struct Op {
  Kind kind = kObserve;
  int customer = 0;
  int purpose = 0;
  std::size_t open_index = 0;  // kReward: which open decision
  double value = 0;
  std::int64_t time_ms = 0;
  int text = 0;
};

inline Op op_for(const Config& cfg, const Model& m, std::uint64_t seq) {
  const std::uint64_t r = mix(cfg.seed * 0x100000001B3ull ^ seq);
  Op op;
  op.customer = static_cast<int>((r >> 8) % static_cast<std::uint64_t>(cfg.customers));
  op.time_ms = kT0 + static_cast<std::int64_t>(seq) * 1000;
  op.purpose = static_cast<int>((r >> 24) % 3);
  op.text = static_cast<int>((r >> 32) % 6);
  op.value = ((r >> 40) & 1) ? 1.0 : 0.0;
  const int roll = static_cast<int>(r % 100);
  if (roll < 30) op.kind = kObserve;
  else if (roll < 55) op.kind = kDecide;
  else if (roll < 75) op.kind = m.open.empty() ? kDecide : kReward;
  else if (roll < 90) op.kind = kGrant;
  else if (roll < 98) op.kind = kRevoke;
  else op.kind = kForget;
  if (op.kind == kReward) {
    op.open_index = static_cast<std::size_t>((r >> 44) % m.open.size());
    op.customer = m.open[op.open_index].customer;
  }
  return op;
}

// Applies an acknowledged call to the model. `decision_id`: what decide returned.
inline void apply(Model& m, const Op& op, std::uint64_t decision_id) {
  CustomerModel& c = m.customers[static_cast<std::size_t>(op.customer)];
  switch (op.kind) {
    case kObserve: c.exists = true; ++c.observations; break;
    case kDecide:
      c.exists = true;
      ++c.decisions;
      m.open.push_back({decision_id, op.customer});
      break;
    case kReward:
      if (c.exists) ++c.rewards;
      m.open.erase(m.open.begin() + static_cast<std::ptrdiff_t>(op.open_index));
      break;
    case kGrant: c.exists = true; c.consent[static_cast<std::size_t>(op.purpose)] = 1; break;
    case kRevoke: c.consent[static_cast<std::size_t>(op.purpose)] = 2; break;
    case kForget: {
      c = CustomerModel{};
      std::vector<OpenDecision> keep;
      for (const auto& d : m.open)
        if (d.customer != op.customer) keep.push_back(d);
      m.open.swap(keep);
      break;
    }
  }
  ++m.seq;
}

inline std::string customer_id(int c) { return "customer-" + std::to_string(c); }

inline const char* policy_for(int cycle) {
  static const char* all[] = {"batched", "every_record", "none"};
  return all[cycle % 3];
}

inline std::string engine_config(const Config& cfg, int cycle) {
  return std::string(R"({"seed": 7, "state_dir": ")") + cfg.dir + R"(", "durability": ")" + policy_for(cycle) +
         R"(", "audit": {"path": "audit.jsonl", "salt": "engine-crash-test-salt-0123456789"}})";
}

inline const char* kTexts[6] = {"I love this so much, thank you!",
                                "This is not what I ordered and I'm annoyed",
                                "Is shipping free to Canada?",
                                "I'm worried my payment failed",
                                "ok",
                                "Why does checkout keep failing?? so frustrating"};

// Messages child -> parent: 16 bytes {tag << 56 | value, extra}.
enum Message : std::uint64_t { kOpened = 1, kAck = 2, kSnapshotBegin = 3, kSnapshotEnd = 4, kError = 5 };

inline void send(int fd, Message tag, std::uint64_t value, std::uint64_t extra = 0) {
  std::uint64_t msg[2] = {(static_cast<std::uint64_t>(tag) << 56) | value, extra};
  const char* p = reinterpret_cast<const char*>(msg);
  std::size_t left = sizeof msg;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The child: restore, then call the engine until killed. Never returns.
[[noreturn]] inline void child_main(const Config& cfg, int cycle, Model m, int fd) {
  std::uint64_t seq = m.seq;
  try {
    auto engine = attune::Engine::from_json(engine_config(cfg, cycle));
    send(fd, kOpened, 0);
    std::mt19937_64 rng(cfg.seed * 7919u + static_cast<std::uint64_t>(cycle));
    std::uint64_t next_snapshot = seq + 50 + rng() % 400;
    for (;;) {
      ++seq;
      const Op op = op_for(cfg, m, seq);
      const std::string c = customer_id(op.customer);
      std::uint64_t decision = 0;
      switch (op.kind) {
        case kObserve: engine->observe_text(c, attune::Channel::chat, kTexts[op.text], op.time_ms); break;
        case kDecide: {
          const attune::Decision d = engine->decide(c, "product_cta", op.time_ms);
          decision = std::stoull(d.decision_id, nullptr, 16);
          break;
        }
        case kReward: {
          char hex[17];
          std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(m.open[op.open_index].id));
          engine->reward(hex, op.value, op.time_ms);
          break;
        }
        case kGrant: engine->consent(c, kPurposes[op.purpose], true, op.time_ms, std::nullopt, "crash_test"); break;
        case kRevoke: engine->consent(c, kPurposes[op.purpose], false, op.time_ms, std::nullopt, "crash_test"); break;
        case kForget: engine->forget(c, op.time_ms); break;
      }
      apply(m, op, decision);
      send(fd, kAck, seq, decision);
      if (seq >= next_snapshot) {
        send(fd, kSnapshotBegin, seq);
        engine->snapshot();
        send(fd, kSnapshotEnd, seq);
        next_snapshot = seq + 50 + rng() % 400;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine crash child, call %llu: %s\n", static_cast<unsigned long long>(seq), e.what());
    send(fd, kError, seq);
    ::_exit(3);
  }
}

// Reads the engine state of customer `c` into a CustomerModel.
inline CustomerModel observe(const attune::Engine& e, int c, std::int64_t now) {
  const attune::ProfileView v = e.profile(customer_id(c), now);
  CustomerModel out;
  out.exists = v.exists;
  out.observations = v.observations;
  out.decisions = v.decisions;
  out.rewards = v.rewards;
  for (int p = 0; p < 3; ++p) {
    const std::string& s = v.consent.at(kPurposes[p]);
    out.consent[static_cast<std::size_t>(p)] = s == "active" ? 1 : s == "revoked" ? 2 : s == "none" ? 0 : -1;
  }
  return out;
}

inline std::string describe(const CustomerModel& c) {
  return std::string("{exists ") + (c.exists ? "1" : "0") + ", obs " + std::to_string(c.observations) + ", dec " +
         std::to_string(c.decisions) + ", rew " + std::to_string(c.rewards) + ", consent " +
         std::to_string(c.consent[0]) + std::to_string(c.consent[1]) + std::to_string(c.consent[2]) + "}";
}

// Reopens the directory and checks it against the model; adopts the in-flight call if present.
inline void check_restart(const Config& cfg, int cycle, Model& m, Result& res) {
  Model with = m;
  const Op in_flight = op_for(cfg, m, m.seq + 1);
  apply(with, in_flight, 0);
  const std::int64_t now = kT0 + static_cast<std::int64_t>(m.seq + 10) * 1000;
  auto engine = attune::Engine::from_json(engine_config(cfg, cycle));
  const auto& rep = engine->restore_report();
  if (rep.torn_tail) ++res.torn_tails;
  res.records_replayed += rep.records_replayed;
  bool present = false;
  for (int c = 0; c < cfg.customers; ++c) {
    const CustomerModel seen = observe(*engine, c, now);
    const CustomerModel& a = m.customers[static_cast<std::size_t>(c)];
    if (seen == a) continue;
    const CustomerModel& b = with.customers[static_cast<std::size_t>(c)];
    if (c == in_flight.customer && seen == b) {
      present = true;
      m.customers[static_cast<std::size_t>(c)] = seen;
      continue;
    }
    // Lost: an acknowledged effect is missing (a counter below the model, a consent gone back).
    const bool lost = seen.observations < a.observations || seen.decisions < a.decisions ||
                      seen.rewards < a.rewards || (a.exists && !seen.exists);
    if (lost) ++res.lost;
    else ++res.corrupt;
    res.failures.push_back("after kill " + std::to_string(res.kills) + ", customer " + customer_id(c) + ": state " +
                           describe(seen) + ", acknowledged " + describe(a) + ", with the in-flight call " +
                           describe(b));
    m.customers[static_cast<std::size_t>(c)] = seen;  // continue from what is there
  }
  if (present) ++res.in_flight_present;
  // The in-flight call's open decisions are never rewarded again: a reward may have been applied,
  // a forget may have dropped them.
  if (in_flight.kind == kReward) m.open.erase(m.open.begin() + static_cast<std::ptrdiff_t>(in_flight.open_index));
  if (in_flight.kind == kForget) {
    std::vector<OpenDecision> keep;
    for (const auto& d : m.open)
      if (d.customer != in_flight.customer) keep.push_back(d);
    m.open.swap(keep);
  }
  // The audit log was repaired by the restore (torn last line set aside) and must verify.
  const auto verdict = attune::ethics::AuditLog::verify(cfg.dir + "/audit.jsonl");
  if (!verdict.ok) {
    ++res.corrupt;
    res.failures.push_back("after kill " + std::to_string(res.kills) + ": audit log line " +
                           std::to_string(verdict.first_bad_line) + ": " + verdict.reason);
  }
  // The in-flight call consumed call number seq+1: the next child starts after it.
  m.seq += 1;
}

inline Result run(const Config& cfg) {
  Result res;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::filesystem::create_directories(cfg.dir);
  Model m;
  m.customers.resize(static_cast<std::size_t>(cfg.customers));
  std::mt19937_64 rng(cfg.seed);
  for (int cycle = 0; res.kills < cfg.kills && elapsed() < cfg.max_seconds; ++cycle) {
    int fds[2];
    if (::pipe(fds) != 0) {
      res.failures.push_back("pipe failed");
      break;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      res.failures.push_back("fork failed");
      break;
    }
    if (pid == 0) {
      ::close(fds[0]);
      child_main(cfg, cycle, m, fds[1]);
    }
    ::close(fds[1]);
    // Kill one child in eight counted from the fork (so kills land in the restore), the others
    // counted from the end of their restore.
    const bool early = rng() % 8 == 0;
    const int delay = static_cast<int>(rng() % static_cast<std::uint64_t>(cfg.max_delay_ms + 1));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(early ? delay : 60000);
    bool opened = false, in_snapshot = false, exited = false;
    std::uint64_t buf[2];
    std::size_t have = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> messages;
    auto drain = [&](bool block_until_eof) {
      for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        int timeout = 0;
        if (!block_until_eof) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
          if (left <= 0) return;
          timeout = static_cast<int>(std::min<long long>(left, 50));
        } else {
          timeout = 1000;
        }
        const int r = ::poll(&p, 1, timeout);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          if (block_until_eof) return;
          continue;
        }
        const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(buf) + have, sizeof buf - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          exited = true;
          return;
        }
        have += static_cast<std::size_t>(n);
        if (have < sizeof buf) continue;
        have = 0;
        const auto tag = static_cast<Message>(buf[0] >> 56);
        const std::uint64_t value = buf[0] & ((std::uint64_t{1} << 56) - 1);
        if (tag == kOpened && !opened) {
          opened = true;
          if (!early) deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
        } else if (tag == kAck) {
          messages.emplace_back(value, buf[1]);
        } else if (tag == kSnapshotBegin) {
          in_snapshot = true;
        } else if (tag == kSnapshotEnd) {
          in_snapshot = false;
          ++res.snapshots;
        } else if (tag == kError) {
          res.failures.push_back("child failed at call " + std::to_string(value) + " (see stderr)");
          exited = true;
          return;
        }
      }
    };
    drain(false);
    if (!exited) ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    drain(true);  // acknowledgements written before the kill
    ::close(fds[0]);
    if (!res.failures.empty()) break;
    ++res.kills;
    if (!opened) ++res.kills_in_open;
    if (in_snapshot) ++res.kills_in_snapshot;
    for (const auto& [seq, decision] : messages) {
      if (seq != m.seq + 1) {
        res.failures.push_back("acknowledgement " + std::to_string(seq) + " out of order");
        break;
      }
      const Op op = op_for(cfg, m, seq);
      apply(m, op, decision);
      ++res.calls[static_cast<std::size_t>(op.kind)];
      ++res.acknowledged;
    }
    const std::size_t failures_before = res.failures.size();
    try {
      check_restart(cfg, cycle, m, res);
    } catch (const std::exception& e) {
      ++res.corrupt;
      res.failures.push_back(std::string("restart after kill ") + std::to_string(res.kills) + " failed: " + e.what());
    }
    if (res.failures.size() != failures_before) ++res.failed_restarts;
    if (res.failures.size() > 20) break;
  }
  res.seconds = elapsed();
  return res;
}

inline std::string to_json(const Config& cfg, const Result& r) {
  std::string calls;
  for (std::size_t k = 0; k < 6; ++k)
    calls += std::string(k ? "," : "") + "\"" + kKindNames[k] + "\":" + std::to_string(r.calls[k]);
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"name\":\"engine_crash_test\",\"kills\":%d,\"kills_survived\":%d,\"kills_in_open\":%d,"
                "\"kills_in_snapshot\":%d,\"acknowledged_calls\":%llu,\"acknowledged_lost\":%llu,"
                "\"corrupt_accepted\":%llu,\"in_flight_call_present\":%llu,\"torn_tails_repaired\":%llu,"
                "\"snapshots\":%llu,\"records_replayed\":%llu,\"customers\":%d,"
                "\"policies\":\"batched,every_record,none\",\"max_delay_ms\":%d,\"seconds\":%.1f,\"failures\":%zu,",
                r.kills, r.kills - r.failed_restarts, r.kills_in_open, r.kills_in_snapshot,
                static_cast<unsigned long long>(r.acknowledged), static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.corrupt), static_cast<unsigned long long>(r.in_flight_present),
                static_cast<unsigned long long>(r.torn_tails), static_cast<unsigned long long>(r.snapshots),
                static_cast<unsigned long long>(r.records_replayed), cfg.customers, cfg.max_delay_ms, r.seconds,
                r.failures.size());
  return std::string(buf) + "\"calls\":{" + calls + "}}";
}

}  // namespace attune_engine_crash
