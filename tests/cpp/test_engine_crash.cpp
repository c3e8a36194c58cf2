// Engine-level crash test (see tests/crash/engine_crash_harness.hpp): a forked child drives
// attune::Engine on a state directory (texts, decisions, rewards, consent, erasure, snapshots,
// audit log) and is SIGKILLed at random points; after every restart each acknowledged call is
// there and nothing else. Quick by default (12 kills or 30 s); ATTUNE_ENGINE_CRASH_KILLS /
// ATTUNE_ENGINE_CRASH_SECONDS make it longer (benchmarks/bench_engine_crash prints JSON).
#include "../crash/engine_crash_harness.hpp"

#include "attune/error.hpp"

#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

namespace {
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
}  // namespace

TEST_CASE("Engine: SIGKILL at random points loses no acknowledged call", "[crash][engine]") {
  attune_test::TempDir tmp;
  attune_engine_crash::Config cfg;
  cfg.dir = tmp.file("state");
  cfg.kills = env_int("ATTUNE_ENGINE_CRASH_KILLS", 12);
  cfg.max_seconds = env_int("ATTUNE_ENGINE_CRASH_SECONDS", 30);
  cfg.customers = 60;
  cfg.seed = static_cast<std::uint64_t>(env_int("ATTUNE_ENGINE_CRASH_SEED", 20261129));
  const attune_engine_crash::Result r = attune_engine_crash::run(cfg);
  INFO(attune_engine_crash::to_json(cfg, r));
  for (const auto& f : r.failures) UNSCOPED_INFO(f);
  CHECK(r.failures.empty());
  CHECK(r.lost == 0);
  CHECK(r.corrupt == 0);
  CHECK(r.kills >= std::min(cfg.kills, 4));
  CHECK(r.acknowledged > 50);
}

TEST_CASE("Engine: forget after a restart keeps the profile count right", "[engine]") {
  // Regression: the profile counter started at 0 after a restore, so forgetting a restored
  // customer wrapped it around and every new customer was refused with limit_exceeded.
  attune_test::TempDir tmp;
  const std::string config =
      R"({"seed": 5, "durability": "none", "limits": {"max_profiles": 2}, "state_dir": ")" + tmp.file("state") + R"("})";
  const int64_t t = attune_engine_crash::kT0;
  {
    auto e = attune::Engine::from_json(config);
    e->observe_text("a", attune::Channel::chat, "hello", t);
    e->observe_text("b", attune::Channel::chat, "hello", t);
  }
  auto e = attune::Engine::from_json(config);
  REQUIRE(e->customer_count() == 2);
  CHECK_THROWS_AS(e->observe_text("c", attune::Channel::chat, "hello", t + 1), attune::error);
  e->forget("a", t + 2);
  e->observe_text("c", attune::Channel::chat, "hello", t + 3);
  CHECK(e->customer_count() == 2);
  CHECK_THROWS_AS(e->observe_text("d", attune::Channel::chat, "hello", t + 4), attune::error);
}
