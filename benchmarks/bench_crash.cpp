// Crash test as a long-running command: SIGKILLs a write-heavy child at random points (see
// tests/crash/crash_harness.hpp) and prints one JSON line with kills survived and acknowledged
// records lost (must be 0). Exit status 1 when anything was lost or corrupt.
//   bench_crash [--kills N] [--seconds S] [--delay-ms D] [--seed X] [--policy every_record|batched|none|rotate]
//               [--dir DIR]
#include "../tests/crash/crash_harness.hpp"
#include "bench_support.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  attune_bench::Options opt(argc, argv);
  attune_crash::Config cfg;
  cfg.kills = static_cast<int>(opt.integer("kills", 1000));
  cfg.max_seconds = opt.number("seconds", 300);
  cfg.max_delay_ms = static_cast<int>(opt.integer("delay-ms", cfg.max_delay_ms));
  cfg.seed = static_cast<uint64_t>(opt.integer("seed", static_cast<long long>(cfg.seed)));
  const std::string policy = opt.text("policy", "");
  cfg.rotate_policies = policy == "rotate";
  if (!policy.empty() && !cfg.rotate_policies) cfg.policy = attune::profile::parse_fsync_policy(policy);
  const attune_bench::ScratchDir dir(opt.text("dir", ""), "attune-crash");
  opt.check_all_used();
  cfg.dir = dir.path() + "/state";
  const attune_crash::Result r = attune_crash::run(cfg);
  std::printf("%s\n", attune_crash::to_json(cfg, r).c_str());
  for (const auto& f : r.failures) std::fprintf(stderr, "failure: %s\n", f.c_str());
  return r.failures.empty() && r.lost == 0 && r.corrupt == 0 ? 0 : 1;
}
