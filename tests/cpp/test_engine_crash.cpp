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

TEST_CASE("Engine: a snapshot restores every profile byte for byte", "[engine]") {
  // Snapshot format 2 packs each profile (zero-word packing); varied profiles (texts, events,
  // decisions, rewards, revocations) must come back identical, and the journal after the
  // snapshot must replay on top of them.
  attune_test::TempDir tmp;
  const std::string config = R"({"seed": 9, "durability": "none", "state_dir": ")" + tmp.file("state") + R"("})";
  const int64_t t = attune_engine_crash::kT0;
  std::vector<std::string> exported;
  const int n = 150;
  {
    auto e = attune::Engine::from_json(config);
    for (int i = 0; i < n; ++i) {
      const std::string c = "c" + std::to_string(i * 7919);
      for (int p = 0; p < 3; ++p)
        if ((i + p) % 4 != 0) e->consent(c, attune_engine_crash::kPurposes[p], true, t);
      if (i % 2 == 0) e->observe_text(c, attune::Channel::chat, attune_engine_crash::kTexts[i % 6], t + i);
      if (i % 3 == 0)
        e->observe_event(R"({"type":"track","userId":")" + c + R"(","event":"Product Viewed","properties":{"product_id":"p1"},"timestamp":")" +
                         "2026-05-28T20:26:40.000Z" + R"("})");
      if (i % 5 != 0) {
        const auto d = e->decide(c, "product_cta", t + 100 + i);
        if (i % 2 == 1) e->reward(d.decision_id, 1.0, t + 200 + i);
      }
      if (i % 11 == 0) e->consent(c, "emotion_inference", false, t + 300 + i);
    }
    e->snapshot();
    e->observe_text("c0", attune::Channel::app, "thanks, all good now", t + 1000);  // journal after it
    for (int i = 0; i < n; ++i) exported.push_back(e->export_profile("c" + std::to_string(i * 7919)));
  }
  auto e = attune::Engine::from_json(config);
  REQUIRE(e->customer_count() == static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) CHECK(e->export_profile("c" + std::to_string(i * 7919)) == exported[static_cast<size_t>(i)]);
}
