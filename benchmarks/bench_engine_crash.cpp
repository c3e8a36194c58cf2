// Engine crash test as a long-running command: SIGKILLs a child that drives attune::Engine on a
// state directory (observe_text, decide, reward, consent, forget, snapshots, audit log) at random
// points, restarts and checks every acknowledged call after each kill (tests/crash/
// engine_crash_harness.hpp). Prints one JSON line; exit status 1 when anything acknowledged was
// lost or corrupt state was accepted.
//   bench_engine_crash [--kills N] [--seconds S] [--delay-ms D] [--seed X] [--customers C] [--dir DIR]
#include "../tests/crash/engine_crash_harness.hpp"
#include "bench_support.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  attune_bench::Options opt(argc, argv);
  attune_engine_crash::Config cfg;
  cfg.kills = static_cast<int>(opt.integer("kills", 200));
  cfg.max_seconds = opt.number("seconds", 600);
  cfg.max_delay_ms = static_cast<int>(opt.integer("delay-ms", cfg.max_delay_ms));
  cfg.seed = static_cast<uint64_t>(opt.integer("seed", static_cast<long long>(cfg.seed)));
  cfg.customers = static_cast<int>(opt.integer("customers", cfg.customers));
  const attune_bench::ScratchDir dir(opt.text("dir", ""), "attune-engine-crash");
  opt.check_all_used();
  cfg.dir = dir.path() + "/state";
  const attune_engine_crash::Result r = attune_engine_crash::run(cfg);
  std::printf("%s\n", attune_engine_crash::to_json(cfg, r).c_str());
  for (const auto& f : r.failures) std::fprintf(stderr, "failure: %s\n", f.c_str());
  return r.failures.empty() && r.lost == 0 && r.corrupt == 0 ? 0 : 1;
}
