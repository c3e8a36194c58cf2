// The randomized ethics workload (tests/ethics/ethics_workload.hpp) in small sizes: every
// operation checked for emotion data stored, logged or used without consent, decisions without
// personalization consent, disclosure, erasure; with SIGKILLed children and restores.
// benchmarks/bench_ethics_workload prints the same figures for larger runs;
// ATTUNE_WORKLOAD_OPS / ATTUNE_WORKLOAD_KILLS make these runs longer.
#include "../ethics/ethics_workload.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace wl = attune_ethics_wl;

namespace {

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("attune-wl-" + name + "-" + std::to_string(::getpid()))).string()) {
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

uint64_t count(const wl::Result& r, const char* k) {
  auto it = r.totals.counts.find(k);
  return it == r.totals.counts.end() ? 0 : it->second;
}

void require_clean(const wl::Result& r, const wl::Config& cfg, const char* name, bool expect_adapted = true) {
  const auto j = wl::to_json(name, cfg, r);
  INFO(j.dump());
  for (const auto& s : r.totals.samples) UNSCOPED_INFO(s);
  CHECK(r.totals.violation_total() == 0);
  // The run exercised what it claims to check.
  CHECK(count(r, "decisions_without_emotion_consent") > 0);
  CHECK(count(r, "decisions_without_personalization_consent") > 0);
  CHECK(count(r, "texts_without_consent") > 0);
  CHECK(count(r, "texts_scored") > 0);
  CHECK(count(r, "journal_records_checked") > 0);
  CHECK(count(r, "audit_lines_checked") > 0);
  CHECK(count(r, "forgets") > 0);
  CHECK(count(r, "restores") > 0);
  if (expect_adapted) CHECK(count(r, "emotion_adapted_decisions") > 0);
  CHECK(count(r, "emotion_adapted_with_disclosure") == count(r, "emotion_adapted_decisions"));
  WARN(j.dump());
}

}  // namespace

TEST_CASE("randomized workload: no emotion stored, logged or used without consent", "[ethics][workload]") {
  TempDir tmp("inproc");
  wl::Config cfg;
  cfg.dir = tmp.path;
  cfg.customers = 40;
  cfg.ops = env_long("ATTUNE_WORKLOAD_OPS", 2500);
  cfg.seed = 7;
  cfg.max_seconds = 90;
  const wl::Result r = wl::run_in_process(cfg);
  require_clean(r, cfg, "ethics_workload_test");
  CHECK(count(r, "snapshots_checked") > 0);
  CHECK(count(r, "grants_with_expiry") > 0);
}

TEST_CASE("randomized workload with SIGKILLs and restores", "[ethics][workload][crash]") {
  TempDir tmp("crash");
  wl::Config cfg;
  cfg.dir = tmp.path;
  cfg.customers = 30;
  cfg.ops = env_long("ATTUNE_WORKLOAD_OPS", 2500);
  cfg.kills = static_cast<int>(env_long("ATTUNE_WORKLOAD_KILLS", 6));
  cfg.crash = true;
  cfg.seed = 11;
  cfg.max_seconds = 90;
  const wl::Result r = wl::run_with_crashes(cfg);
  require_clean(r, cfg, "ethics_workload_crash_test");
  CHECK(r.kills >= 1);
}

TEST_CASE("forget, SIGKILL, restore: no customer is resurrected", "[ethics][workload][crash][forget]") {
  TempDir tmp("forget");
  wl::Config cfg;
  cfg.dir = tmp.path;
  cfg.customers = 60;
  cfg.ops = env_long("ATTUNE_WORKLOAD_OPS", 2500);
  cfg.kills = static_cast<int>(env_long("ATTUNE_WORKLOAD_KILLS", 6));
  cfg.crash = true;
  cfg.forget_scenario = true;
  cfg.seed = 13;
  cfg.max_seconds = 90;
  const wl::Result r = wl::run_with_crashes(cfg);
  // Forgotten customers leave for good here, so few stay long enough for emotion-adapted decisions.
  require_clean(r, cfg, "ethics_forget_crash_test", /*expect_adapted=*/false);
  CHECK(r.totals.violations.at("resurrected") == 0);
  CHECK(r.totals.violations.at("forgotten_id_on_disk") == 0);
  CHECK(count(r, "forgotten_checks") > count(r, "forgets"));  // checked again after restores
}
