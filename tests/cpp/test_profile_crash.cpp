// Crash test (see tests/crash/crash_harness.hpp): a forked child appends and checkpoints on a
// state directory and is SIGKILLed at random points, many times; after every restart nothing
// acknowledged is missing and nothing damaged is accepted. Quick by default (200 kills or 40 s);
// ATTUNE_CRASH_KILLS / ATTUNE_CRASH_SECONDS make it longer (benchmarks/bench_crash prints JSON).
#include "../crash/crash_harness.hpp"

#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

namespace {
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
}  // namespace

TEST_CASE("SIGKILL at random points loses no acknowledged record", "[crash][profile]") {
  attune_test::TempDir tmp;
  attune_crash::Config cfg;
  cfg.dir = tmp.file("state");
  cfg.kills = env_int("ATTUNE_CRASH_KILLS", 200);
  cfg.max_seconds = env_int("ATTUNE_CRASH_SECONDS", 40);
  cfg.seed = static_cast<std::uint64_t>(env_int("ATTUNE_CRASH_SEED", 20261128));
  const attune_crash::Result r = attune_crash::run(cfg);
  INFO(attune_crash::to_json(cfg, r));
  for (const auto& f : r.failures) UNSCOPED_INFO(f);
  CHECK(r.failures.empty());
  CHECK(r.lost == 0);
  CHECK(r.corrupt == 0);
  // Enough kills to mean something even on a slow (sanitizer) build, and kills during
  // checkpoints as well as during appends.
  CHECK(r.kills >= std::min(cfg.kills, 40));
  CHECK(r.kills_in_checkpoint > 0);
  CHECK(r.kills_in_append > 0);
  CHECK(r.acknowledged > 1000);
  WARN(attune_crash::to_json(cfg, r));
}
