// `attune select simulate` and `attune select catalog`: the selection layer from the command line.
#include "args.hpp"
#include "command.hpp"

#include "attune/error.hpp"
#include "attune/select/catalog.hpp"
#include "attune/select/simulate.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace attune::cli {
namespace {

select::PolicyOptions policy_options(const Args& a) {
  select::PolicyOptions o;
  o.kind = select::policy_kind_from_name(a.get_or("policy", "linear_thompson"));
  const std::string model = a.get_or("model", "per_variant");
  if (model == "per_variant") o.model = select::ModelKind::per_variant;
  else if (model == "shared") o.model = select::ModelKind::shared;
  else throw invalid_argument("--model must be per_variant or shared");
  o.exploration = a.number_or("exploration", o.exploration);
  o.regularization = a.number_or("regularization", o.regularization);
  o.forgetting = a.number_or("forgetting", o.forgetting);
  o.epsilon_decay = a.number_or("epsilon-decay", o.epsilon_decay);
  o.epsilon_min = a.number_or("epsilon-min", o.epsilon_min);
  const long long refactor = a.integer_or("refactor-every", o.refactor_every);
  if (refactor < 1 || refactor > 1000000000) throw invalid_argument("--refactor-every must be in [1, 1e9]");
  o.refactor_every = static_cast<uint32_t>(refactor);
  o.validate();
  return o;
}

int simulate_command(const std::vector<std::string>& argv) {
  const Args a(argv, {"rounds", "world", "n", "variants", "policy", "seed", "model", "exploration", "regularization",
                      "forgetting", "epsilon-decay", "epsilon-min", "refactor-every"},
               {"help"});
  if (a.has("help")) {
    std::printf(
        "usage: attune select simulate (--rounds FILE.csv | --world synthetic [--n N] [--variants K])\n"
        "         [--policy linear_thompson|lin_ucb|epsilon_greedy|uniform] [--seed S] [--model per_variant|shared]\n"
        "         [--exploration X] [--regularization L] [--forgetting G] [--epsilon-decay D] [--epsilon-min E]\n"
        "Replays a world with known click probabilities online and prints JSON\n"
        "{policy, rounds, avg_reward, avg_expected_reward, optimal_avg_reward, uniform_avg_reward,\n"
        " regret_per_round, decisions_per_s}. FILE.csv comes from ../shared/bench/cb_sim.py rounds.\n");
    return 0;
  }
  const long long seed = a.integer_or("seed", 7);
  if (seed < 0) throw invalid_argument("--seed must be >= 0");
  const auto options = policy_options(a);
  select::World world;
  if (a.has("rounds")) {
    if (a.has("world")) throw invalid_argument("give either --rounds or --world, not both");
    world = select::load_rounds_csv(a.require("rounds"));
  } else {
    if (a.get_or("world", "") != "synthetic") throw invalid_argument("give --rounds FILE.csv or --world synthetic");
    const long long n = a.integer_or("n", 5000), k = a.integer_or("variants", 6);
    if (n < 1 || n > 10000000) throw invalid_argument("--n must be in [1, 1e7]");
    if (k < 1 || k > 256) throw invalid_argument("--variants must be in [1, 256]");
    world = select::synthetic_world(static_cast<size_t>(n), static_cast<size_t>(k), static_cast<uint64_t>(seed) + 1000);
  }
  const auto res = select::simulate(world, options, static_cast<uint64_t>(seed));
  std::printf("%s\n", res.to_json().c_str());
  return 0;
}
ATTUNE_COMMAND("select simulate", "replay a bandit world (cb_sim.py CSV or synthetic) and print JSON", simulate_command);

int catalog_command(const std::vector<std::string>& argv) {
  const Args a(argv, {}, {"help"});
  if (a.has("help") || a.positional().size() != 1) {
    std::printf("usage: attune select catalog FILE.json\nValidates a catalog and prints it in canonical JSON.\n");
    return a.has("help") ? 0 : 2;
  }
  const auto catalog = select::Catalog::load(a.positional()[0]);
  std::printf("%s\n", catalog.to_json().c_str());
  return 0;
}
ATTUNE_COMMAND("select catalog", "validate a variant catalog (JSON) and print it canonically", catalog_command);

}  // namespace
}  // namespace attune::cli
