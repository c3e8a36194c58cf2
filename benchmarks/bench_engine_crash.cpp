// Engine crash test as a long-running command: SIGKILLs a child that drives attune::Engine on a
// state directory (observe_text, decide, reward, consent, forget, snapshots, audit log) at random
// points, restarts and checks every acknowledged call after each kill (tests/crash/
// engine_crash_harness.hpp). Prints one JSON line; exit status 1 when anything acknowledged was
// lost or corrupt state was accepted.
//   bench_engine_crash [--kills N] [--seconds S] [--delay-ms D] [--seed X] [--customers C] [--dir DIR]
#include "../tests/crash/engine_crash_harness.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  attune_engine_crash::Config cfg;
  cfg.kills = 200;
  cfg.max_seconds = 600;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--kills") cfg.kills = std::atoi(v.c_str());
    else if (a == "--seconds") cfg.max_seconds = std::atof(v.c_str());
    else if (a == "--delay-ms") cfg.max_delay_ms = std::atoi(v.c_str());
    else if (a == "--seed") cfg.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--customers") cfg.customers = std::atoi(v.c_str());
    else if (a == "--dir") dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/attune-engine-crash-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    dir = tmpl;
  }
  cfg.dir = dir + "/state";
  const attune_engine_crash::Result r = attune_engine_crash::run(cfg);
  std::printf("%s\n", attune_engine_crash::to_json(cfg, r).c_str());
  for (const auto& f : r.failures) std::fprintf(stderr, "failure: %s\n", f.c_str());
  if (own_dir) std::filesystem::remove_all(dir);
  return r.failures.empty() && r.lost == 0 && r.corrupt == 0 ? 0 : 1;
}
