// attune/select/simulate.hpp: replay a contextual-bandit world with known click probabilities.
//
// A World holds, per round, the customer context and every variant's true click probability
// mu_k. simulate() plays the online protocol: each round the policy chooses among all variants,
// the reward is drawn as Bernoulli(mu_chosen) from a reward generator seeded separately from the
// policy's, and the policy learns from it at once. Reported (all means over rounds):
//   avg_reward           realized click rate;
//   avg_expected_reward  mean of mu_chosen (less noisy than the realized rate; the figure to quote);
//   optimal_avg_reward   mean of max_k mu_k; uniform_avg_reward: mean of mean_k mu_k;
//   regret_per_round     optimal - avg_expected_reward;
//   decisions_per_s      choose + learn calls per second of CPU time of the replay thread
//                        (decisions_per_s_wall: per second of wall time; the two differ when the
//                        machine is shared).
//
// Worlds:
//   load_rounds_csv()  the CSV written by `cb_sim.py rounds` (../shared/bench/cb_sim.py): a header,
//                      then per round the context columns, the attribute columns "a<k>_<name>"
//                      (constant per world) and the probabilities "mu<k>". Context columns are all
//                      columns before the first "a0_" column.
//   synthetic_world()  our own generator for tests, documented in docs/selection.md: context of
//                      8 features (3 Dirichlet(1) "emotion" shares, a 2-way one-hot intent, a
//                      standard normal, a uniform and a Bernoulli(0.5) flag), K variants with 3
//                      attributes uniform in [0,1], mu = sigmoid(x^T W a + c^T a - 1) with W ~
//                      N(0, 1.5^2), c ~ N(0, 0.5^2), all from Rng(seed).
#pragma once

#include "attune/select/policy.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace attune::select {

struct World {
  size_t rounds = 0;
  size_t context_dim = 0;
  std::vector<std::string> context_names;
  VariantFeatures variants;
  std::vector<double> contexts;  ///< rounds x context_dim, row-major
  std::vector<double> mu;        ///< rounds x variants.count, row-major
};

/// Throws attune::error(io_error) when unreadable, invalid_argument(parse_error) when malformed.
World load_rounds_csv(const std::string& path);
World synthetic_world(size_t rounds, size_t variants, uint64_t seed);

struct SimulationResult {
  std::string policy;
  size_t rounds = 0;
  double avg_reward = 0, avg_expected_reward = 0, optimal_avg_reward = 0, uniform_avg_reward = 0;
  double regret_per_round = 0;
  double decisions_per_s = 0;       ///< per second of the replay thread's CPU time
  double decisions_per_s_wall = 0;  ///< per second of wall time (lower on a loaded machine)
  double seconds = 0, cpu_seconds = 0;
  std::string to_json() const;
};

/// Play `world` with a fresh policy of `options`; `seed` seeds the policy's Rng (seed) and the
/// reward draws (splitmix64(seed) ^ 0x5eed). Deterministic apart from decisions_per_s.
SimulationResult simulate(const World& world, const PolicyOptions& options, uint64_t seed);

}  // namespace attune::select
