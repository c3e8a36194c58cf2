// Ethics figures of issue 7 from the randomized workload (tests/ethics/ethics_workload.hpp): one
// JSON line per scenario with operations, customers, crashes, violations by kind (all must be 0)
// and disclosure coverage. Exit status 1 when any violation was found.
//   bench_ethics_workload [--scenario all|workload|crash|forget] [--ops N] [--customers N]
//                         [--kills N] [--seconds S] [--seed X] [--dir DIR]
//   workload: in process, then a clean restart;  crash: the same in children SIGKILLed at random
//   points, restored and checked after each kill;  forget: crash mode with many forgets, forgotten
//   customers never touched again, checked for resurrection after every restore.
#include "../tests/ethics/ethics_workload.hpp"
#include "bench_support.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

namespace wl = attune_ethics_wl;

int main(int argc, char** argv) {
  attune_bench::Options opt(argc, argv);
  const std::string scenario = opt.text("scenario", "all");
  if (scenario != "all" && scenario != "workload" && scenario != "crash" && scenario != "forget") {
    std::fprintf(stderr, "--scenario is all, workload, crash or forget, got %s\n", scenario.c_str());
    return 2;
  }
  wl::Config base;
  base.ops = opt.integer("ops", 100000);
  base.customers = static_cast<int>(opt.integer("customers", 1000));
  base.kills = static_cast<int>(opt.integer("kills", 200));
  base.max_seconds = opt.number("seconds", 600);
  base.seed = static_cast<uint64_t>(opt.integer("seed", 20261129));
  const attune_bench::ScratchDir dir(opt.text("dir", ""), "attune-ethics-wl");
  opt.check_all_used();
  uint64_t violations = 0;
  auto run = [&](const std::string& name) {
    wl::Config cfg = base;
    cfg.dir = dir.path() + "/" + name;
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
  return violations == 0 ? 0 : 1;
}
