// Ethics figures of issue 7 from the randomized workload (tests/ethics/ethics_workload.hpp): one
// JSON line per scenario with operations, customers, crashes, violations by kind (all must be 0)
// and disclosure coverage. Exit status 1 when any violation was found.
//   bench_ethics_workload [--scenario all|workload|crash|forget] [--ops N] [--customers N]
//                         [--kills N] [--seconds S] [--seed X] [--dir DIR]
//   workload: in process, then a clean restart;  crash: the same in children SIGKILLed at random
//   points, restored and checked after each kill;  forget: crash mode with many forgets, forgotten
//   customers never touched again, checked for resurrection after every restore.
#include "../tests/ethics/ethics_workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace wl = attune_ethics_wl;

int main(int argc, char** argv) {
  std::string scenario = "all", dir;
  wl::Config base;
  base.customers = 1000;
  base.ops = 100000;
  base.kills = 200;
  base.max_seconds = 600;
  base.seed = 20261129;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--scenario") scenario = v;
    else if (a == "--ops") base.ops = std::atol(v.c_str());
    else if (a == "--customers") base.customers = std::atoi(v.c_str());
    else if (a == "--kills") base.kills = std::atoi(v.c_str());
    else if (a == "--seconds") base.max_seconds = std::atof(v.c_str());
    else if (a == "--seed") base.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--dir") dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/attune-ethics-wl-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    dir = tmpl;
  }
  uint64_t violations = 0;
  auto run = [&](const std::string& name) {
    wl::Config cfg = base;
    cfg.dir = dir + "/" + name;
    std::filesystem::remove_all(cfg.dir);
    wl::Result r;
    if (name == "workload") {
      r = wl::run_in_process(cfg);
    } else {
      cfg.crash = true;
      cfg.forget_scenario = name == "forget";
      r = wl::run_with_crashes(cfg);
    }
    violations += r.totals.violation_total();
    std::printf("%s\n", wl::to_json("ethics_" + name, cfg, r).dump().c_str());
    std::fflush(stdout);
  };
  for (const char* name : {"workload", "crash", "forget"})
    if (scenario == "all" || scenario == name) run(name);
  if (own_dir) std::filesystem::remove_all(dir);
  return violations == 0 ? 0 : 1;
}
