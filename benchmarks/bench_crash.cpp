// Crash test as a long-running command: SIGKILLs a write-heavy child at random points (see
// tests/crash/crash_harness.hpp) and prints one JSON line with kills survived and acknowledged
// records lost (must be 0). Exit status 1 when anything was lost or corrupt.
//   bench_crash [--kills N] [--seconds S] [--delay-ms D] [--seed X] [--policy every_record|batched|none|rotate]
//               [--dir DIR]
#include "../tests/crash/crash_harness.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  attune_crash::Config cfg;
  cfg.kills = 1000;
  cfg.max_seconds = 300;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--kills") cfg.kills = std::atoi(v.c_str());
    else if (a == "--seconds") cfg.max_seconds = std::atof(v.c_str());
    else if (a == "--delay-ms") cfg.max_delay_ms = std::atoi(v.c_str());
    else if (a == "--seed") cfg.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--dir") dir = v;
    else if (a == "--policy") {
      cfg.rotate_policies = v == "rotate";
      if (!cfg.rotate_policies) cfg.policy = attune::profile::parse_fsync_policy(v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/attune-crash-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    dir = tmpl;
  }
  cfg.dir = dir + "/state";
  const attune_crash::Result r = attune_crash::run(cfg);
  std::printf("%s\n", attune_crash::to_json(cfg, r).c_str());
  for (const auto& f : r.failures) std::fprintf(stderr, "failure: %s\n", f.c_str());
  if (own_dir) std::filesystem::remove_all(dir);
  return r.failures.empty() && r.lost == 0 && r.corrupt == 0 ? 0 : 1;
}
