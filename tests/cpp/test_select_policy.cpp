#include "attune/select/policy.hpp"
#include "attune/select/simulate.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

using namespace attune;
using namespace attune::select;

namespace {

const PolicyKind kAllKinds[] = {PolicyKind::linear_thompson, PolicyKind::lin_ucb, PolicyKind::epsilon_greedy,
                                PolicyKind::uniform};

PolicyOptions options_for(PolicyKind kind, ModelKind model = ModelKind::per_variant) {
  PolicyOptions o;
  o.kind = kind;
  o.model = model;
  return o;
}

// Train online on the first `rounds` rounds of a synthetic world.
void train(Policy& p, const World& w, size_t from, size_t to, uint64_t seed) {
  Rng rng(seed), rew(seed + 99);
  std::vector<uint32_t> all(w.variants.count);
  std::iota(all.begin(), all.end(), 0u);
  for (size_t t = from; t < to; ++t) {
    const double* x = &w.contexts[t * w.context_dim];
    const Choice c = p.choose(x, all, rng);
    p.learn(x, c.variant, rew.uniform() < w.mu[t * w.variants.count + c.variant] ? 1.0 : 0.0, c.propensity);
  }
}

bool same_rng(const Rng& a, const Rng& b) {
  const auto x = a.state(), y = b.state();
  return x.s[0] == y.s[0] && x.s[1] == y.s[1] && x.s[2] == y.s[2] && x.s[3] == y.s[3] && x.has_spare == y.has_spare;
}

}  // namespace

TEST_CASE("Thompson win probability: symmetric, extreme and Monte-Carlo checks", "[select][policy]") {
  const double m2[] = {0.0, 0.0}, s2[] = {1.0, 1.0};
  REQUIRE(thompson_win_probability(0, m2, s2, 2) == Approx(0.5).margin(1e-6));
  const double m3[] = {0.0, 10.0, 0.0}, s3[] = {1.0, 0.1, 1.0};
  REQUIRE(thompson_win_probability(1, m3, s3, 3) == Approx(1.0).margin(1e-9));
  REQUIRE(thompson_win_probability(0, m3, s3, 3) < 1e-9);
  // K = 2 has a closed form: P(a > b) = Phi((ma - mb) / sqrt(sa^2 + sb^2)).
  const double m[] = {0.3, 0.1}, s[] = {0.2, 0.15};
  const double exact = 0.5 * std::erfc(-(0.2 / std::sqrt(0.04 + 0.0225)) / std::sqrt(2.0));
  REQUIRE(thompson_win_probability(0, m, s, 2) == Approx(exact).margin(1e-4));
  // Several variants: compare with the empirical frequency of Thompson draws.
  const double mk[] = {0.30, 0.28, 0.25, 0.31, 0.10, 0.29}, sk[] = {0.02, 0.05, 0.08, 0.01, 0.2, 0.03};
  Rng rng(3);
  std::vector<double> freq(6, 0.0);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    size_t best = 0;
    double bs = -1e300;
    for (size_t k = 0; k < 6; ++k) {
      const double v = mk[k] + sk[k] * rng.normal();
      if (v > bs) { bs = v; best = k; }
    }
    freq[best] += 1.0 / draws;
  }
  double total = 0;
  for (size_t k = 0; k < 6; ++k) {
    const double p = thompson_win_probability(k, mk, sk, 6);
    total += p;
    REQUIRE(p == Approx(freq[k]).margin(0.005));
  }
  REQUIRE(total == Approx(1.0).margin(0.005));
}

TEST_CASE("propensities sum to 1 over the allowed set and the chosen one is positive", "[select][policy]") {
  const World w = synthetic_world(600, 5, 11);
  for (PolicyKind kind : kAllKinds) {
    for (ModelKind model : {ModelKind::per_variant, ModelKind::shared}) {
      auto p = make_policy(options_for(kind, model), w.context_dim, w.variants);
      train(*p, w, 0, 400, 5);
      const std::vector<uint32_t> allowed = {4, 1, 2};
      Rng rng(1);
      for (size_t t = 400; t < 600; ++t) {
        const double* x = &w.contexts[t * w.context_dim];
        double probs[3];
        p->probabilities(x, allowed, probs);
        double sum = 0;
        for (double q : probs) {
          REQUIRE(q >= 0.0);
          REQUIRE(q <= 1.0);
          sum += q;
        }
        if (kind == PolicyKind::linear_thompson)
          REQUIRE(sum == Approx(1.0).margin(0.01));
        else
          REQUIRE(sum == Approx(1.0).margin(1e-12));
        const Choice c = p->choose(x, allowed, rng);
        REQUIRE((c.variant == 4 || c.variant == 1 || c.variant == 2));
        REQUIRE(c.propensity > 0.0);
        REQUIRE(c.propensity <= 1.0);
        const size_t pos = c.variant == 4 ? 0 : (c.variant == 1 ? 1 : 2);
        REQUIRE(c.propensity == Approx(probs[pos]).margin(1e-12));
      }
    }
  }
}

TEST_CASE("policies are deterministic for a seed", "[select][policy]") {
  const World w = synthetic_world(800, 6, 12);
  for (PolicyKind kind : kAllKinds) {
    auto a = make_policy(options_for(kind), w.context_dim, w.variants);
    auto b = make_policy(options_for(kind), w.context_dim, w.variants);
    train(*a, w, 0, 800, 42);
    train(*b, w, 0, 800, 42);
    REQUIRE(a->save() == b->save());
  }
}

TEST_CASE("bad arguments throw and change nothing", "[select][policy]") {
  const World w = synthetic_world(300, 4, 13);
  for (PolicyKind kind : kAllKinds) {
    auto p = make_policy(options_for(kind), w.context_dim, w.variants);
    train(*p, w, 0, 200, 1);
    const std::string before = p->save();
    const double* x = w.contexts.data();
    Rng rng(5);
    const Rng rng_before = rng;
    const std::vector<uint32_t> empty, dup = {1, 1}, out_of_range = {0, 4};
    REQUIRE_THROWS_AS(p->choose(x, empty, rng), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->choose(x, dup, rng), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->choose(x, out_of_range, rng), attune::invalid_argument);
    std::vector<double> nan_ctx(x, x + w.context_dim);
    nan_ctx[2] = std::nan("");
    const std::vector<uint32_t> all = {0, 1, 2, 3};
    REQUIRE_THROWS_AS(p->choose(nan_ctx.data(), all, rng), attune::invalid_argument);
    REQUIRE(same_rng(rng, rng_before));
    REQUIRE_THROWS_AS(p->learn(x, 0, std::nan(""), 0.5), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->learn(x, 0, INFINITY, 0.5), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->learn(x, 0, 1.0, 0.0), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->learn(x, 0, 1.0, 1.5), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->learn(x, 9, 1.0, 0.5), attune::invalid_argument);
    REQUIRE_THROWS_AS(p->learn(nan_ctx.data(), 0, 1.0, 0.5), attune::invalid_argument);
    REQUIRE(p->save() == before);
  }
  PolicyOptions bad;
  bad.regularization = 0.0;
  REQUIRE_THROWS_AS(make_policy(bad, 3, plain_variants(2)), attune::invalid_argument);
  bad = PolicyOptions{};
  bad.forgetting = 1.5;
  REQUIRE_THROWS_AS(make_policy(bad, 3, plain_variants(2)), attune::invalid_argument);
  REQUIRE_THROWS_AS(make_policy(PolicyOptions{}, 3, plain_variants(0)), attune::invalid_argument);
  REQUIRE_THROWS_AS(make_policy(PolicyOptions{}, 3, plain_variants(257)), attune::invalid_argument);
}

TEST_CASE("save then load chooses identically; corrupt states are rejected", "[select][policy]") {
  const World w = synthetic_world(900, 6, 14);
  for (PolicyKind kind : kAllKinds) {
    for (ModelKind model : {ModelKind::per_variant, ModelKind::shared}) {
      PolicyOptions o = options_for(kind, model);
      o.refactor_every = 97;  // the saved state sits between two refactorizations
      auto a = make_policy(o, w.context_dim, w.variants);
      train(*a, w, 0, 500, 3);
      const std::string bytes = a->save();
      auto b = Policy::load(bytes);
      REQUIRE(b->kind() == kind);
      REQUIRE(b->save() == bytes);
      train(*a, w, 500, 900, 8);
      train(*b, w, 500, 900, 8);
      REQUIRE(a->save() == b->save());
    }
  }
  auto p = make_policy(PolicyOptions{}, 8, plain_variants(3));
  const std::string bytes = p->save();
  auto status_of_load = [](const std::string& s) {
    try {
      Policy::load(s);
    } catch (const attune::error& e) {
      return e.code();
    }
    return status::ok;
  };
  REQUIRE(status_of_load(bytes) == status::ok);
  REQUIRE(status_of_load(bytes.substr(0, bytes.size() - 1)) == status::format_error);
  REQUIRE(status_of_load(bytes + "x") == status::format_error);
  REQUIRE(status_of_load("ATSELPOX" + bytes.substr(8)) == status::format_error);
  std::string v2 = bytes;
  v2[8] = 2;
  REQUIRE(status_of_load(v2) == status::version_mismatch);
  REQUIRE(status_of_load("") == status::format_error);
}

TEST_CASE("merging two replicas equals one replica that saw both streams", "[select][policy][merge]") {
  const World w = synthetic_world(1500, 5, 15);
  for (ModelKind model : {ModelKind::per_variant, ModelKind::shared}) {
    for (PolicyKind kind : {PolicyKind::linear_thompson, PolicyKind::lin_ucb, PolicyKind::epsilon_greedy}) {
      PolicyOptions o = options_for(kind, model);
      o.refactor_every = 50;
      // Logged streams: contexts, actions and rewards fixed in advance.
      auto replay = [&](Policy& p, size_t from, size_t to) {
        for (size_t t = from; t < to; ++t) {
          const double* x = &w.contexts[t * w.context_dim];
          const uint32_t a = static_cast<uint32_t>((t * 7) % w.variants.count);
          const double u = static_cast<double>(splitmix64(t) >> 11) * 0x1.0p-53;  // reward of round t
          p.learn(x, a, u < w.mu[t * w.variants.count + a] ? 1.0 : 0.0, 0.2);
        }
      };
      auto base = make_policy(o, w.context_dim, w.variants);
      replay(*base, 0, 300);
      auto r1 = base->clone();
      auto r2 = base->clone();
      replay(*r1, 300, 900);
      replay(*r2, 900, 1500);
      auto single = base->clone();
      replay(*single, 300, 900);
      replay(*single, 900, 1500);
      r1->merge(*r2, base.get());
      REQUIRE(r1->updates() == single->updates());
      // Without a base: two replicas from the empty prior.
      auto e1 = make_policy(o, w.context_dim, w.variants);
      auto e2 = make_policy(o, w.context_dim, w.variants);
      auto both = make_policy(o, w.context_dim, w.variants);
      replay(*e1, 0, 700);
      replay(*e2, 700, 1500);
      replay(*both, 0, 1500);
      e1->merge(*e2);
      const std::vector<uint32_t> all = {0, 1, 2, 3, 4};
      Rng ra(77), rb(77), rc(78), rd(78);
      for (size_t t = 0; t < 200; ++t) {
        const double* x = &w.contexts[t * w.context_dim];
        double m1[5], m2[5], p1[5], p2[5];
        r1->expected_rewards(x, all, m1);
        single->expected_rewards(x, all, m2);
        r1->probabilities(x, all, p1);
        single->probabilities(x, all, p2);
        for (int k = 0; k < 5; ++k) {
          REQUIRE(m1[k] == Approx(m2[k]).margin(1e-9));
          REQUIRE(p1[k] == Approx(p2[k]).margin(1e-6));
        }
        e1->expected_rewards(x, all, m1);
        both->expected_rewards(x, all, m2);
        for (int k = 0; k < 5; ++k) REQUIRE(m1[k] == Approx(m2[k]).margin(1e-9));
        REQUIRE(r1->choose(x, all, ra).variant == single->choose(x, all, rb).variant);
        REQUIRE(e1->choose(x, all, rc).variant == both->choose(x, all, rd).variant);
      }
    }
  }
  // Mismatched replicas are refused and nothing changes.
  auto a = make_policy(PolicyOptions{}, 4, plain_variants(3));
  auto b = make_policy(PolicyOptions{}, 5, plain_variants(3));
  PolicyOptions ucb;
  ucb.kind = PolicyKind::lin_ucb;
  auto c = make_policy(ucb, 4, plain_variants(3));
  const std::string before = a->save();
  REQUIRE_THROWS_AS(a->merge(*b), attune::invalid_argument);
  REQUIRE_THROWS_AS(a->merge(*c), attune::invalid_argument);
  REQUIRE(a->save() == before);
}

TEST_CASE("refactorization keeps the rank-one updates exact; forgetting decays counts", "[select][policy]") {
  const World w = synthetic_world(3000, 4, 16);
  PolicyOptions often, rarely;
  often.refactor_every = 7;
  rarely.refactor_every = 1000000;
  auto a = make_policy(often, w.context_dim, w.variants);
  auto b = make_policy(rarely, w.context_dim, w.variants);
  const std::vector<uint32_t> all = {0, 1, 2, 3};
  for (size_t t = 0; t < 3000; ++t) {
    const double* x = &w.contexts[t * w.context_dim];
    const uint32_t k = static_cast<uint32_t>(t % 4);
    a->learn(x, k, w.mu[t * 4 + k], 0.25);
    b->learn(x, k, w.mu[t * 4 + k], 0.25);
  }
  double ma[4], mb[4];
  a->expected_rewards(w.contexts.data(), all, ma);
  b->expected_rewards(w.contexts.data(), all, mb);
  for (int k = 0; k < 4; ++k) REQUIRE(ma[k] == Approx(mb[k]).margin(1e-9));

  LinearModelOptions lm;
  lm.forgetting = 0.99;
  lm.refactor_every = 10;
  LinearModel m(lm, w.context_dim, plain_variants(1));
  for (size_t t = 0; t < 1000; ++t) m.update(&w.contexts[t * w.context_dim], 0, 1.0, 1.0);
  REQUIRE(m.observations(0) < 110.0);  // ~ 1 / (1 - 0.99) = 100 effective observations
  REQUIRE(m.observations(0) > 90.0);
}

TEST_CASE("simulation: linear policies beat uniform on a synthetic world", "[select][simulate]") {
  const World w = synthetic_world(4000, 6, 17);
  const auto ts = simulate(w, options_for(PolicyKind::linear_thompson), 1);
  const auto uni = simulate(w, options_for(PolicyKind::uniform), 1);
  const auto ucb = simulate(w, options_for(PolicyKind::lin_ucb), 1);
  const auto eg = simulate(w, options_for(PolicyKind::epsilon_greedy), 1);
  REQUIRE(uni.avg_expected_reward == Approx(uni.uniform_avg_reward).margin(0.01));
  REQUIRE(ts.regret_per_round < 0.5 * uni.regret_per_round);
  REQUIRE(ucb.regret_per_round < 0.5 * uni.regret_per_round);
  REQUIRE(eg.regret_per_round < 0.6 * uni.regret_per_round);
  REQUIRE(ts.optimal_avg_reward >= ts.avg_expected_reward);
  const auto again = simulate(w, options_for(PolicyKind::linear_thompson), 1);
  REQUIRE(again.avg_reward == ts.avg_reward);
  REQUIRE(again.avg_expected_reward == ts.avg_expected_reward);
}

TEST_CASE("Thompson win probability matches Monte Carlo on random configurations", "[select][policy]") {
  Rng cfg(21), mc(22);
  double worst = 0.0;
  for (int c = 0; c < 20; ++c) {
    const size_t n = 2 + cfg.below(6);
    double m[8], s[8];
    for (size_t k = 0; k < n; ++k) {
      m[k] = 0.5 * cfg.uniform();
      s[k] = 0.005 * std::pow(60.0, cfg.uniform());  // 0.005 .. 0.3, log-uniform
    }
    std::vector<double> freq(n, 0.0);
    const int draws = 50000;
    for (int i = 0; i < draws; ++i) {
      size_t best = 0;
      double bs = -1e300;
      for (size_t k = 0; k < n; ++k) {
        const double v = m[k] + s[k] * mc.normal();
        if (v > bs) { bs = v; best = k; }
      }
      freq[best] += 1.0 / draws;
    }
    for (size_t k = 0; k < n; ++k) worst = std::max(worst, std::fabs(thompson_win_probability(k, m, s, n) - freq[k]));
  }
  // 50,000 draws: Monte-Carlo standard error <= 0.0023, so 0.01 leaves room for ~4 sigma.
  REQUIRE(worst < 0.01);
}

namespace {
// P(k has the largest draw) by composite Simpson on +-9 s_k with exact Phi (erfc): slow, but
// accurate to ~1e-9 for the spreads used below.
double win_probability_reference(size_t k, const double* m, const double* s, size_t n) {
  const int panels = 40000;
  const double lo = m[k] - 9.0 * s[k], h = 18.0 * s[k] / panels;
  double acc = 0.0;
  for (int i = 0; i <= panels; ++i) {
    const double x = lo + i * h;
    const double w = (i == 0 || i == panels) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    const double z = (x - m[k]) / s[k];
    double f = std::exp(-0.5 * z * z) / (s[k] * std::sqrt(2.0 * 3.14159265358979323846));
    for (size_t j = 0; j < n && f > 0.0; ++j)
      if (j != k) f *= 0.5 * std::erfc(-(x - m[j]) / (s[j] * std::sqrt(2.0)));
    acc += w * f;
  }
  return acc * h / 3.0;
}
}  // namespace

TEST_CASE("Thompson win probability with many variants and a wide newcomer", "[select][policy]") {
  // The case the composite rule exists for: one variant (new, rarely shown) with a spread 1.5-20x
  // its competitors', among up to 50 well-learned ones.
  Rng cfg(31);
  double worst = 0.0;
  for (int c = 0; c < 8; ++c) {
    const size_t n = 10 + cfg.below(41);
    double m[50], s[50];
    for (size_t j = 0; j < n; ++j) {
      m[j] = 0.3 + 0.1 * cfg.normal();
      s[j] = 0.01 * std::pow(5.0, cfg.uniform());
    }
    const size_t wide = cfg.below(static_cast<uint32_t>(n));
    s[wide] *= 1.5 + 18.5 * cfg.uniform();
    size_t top = 0;
    for (size_t j = 1; j < n; ++j)
      if (m[j] > m[top]) top = j;
    for (size_t k : {wide, top}) {
      const double p = thompson_win_probability(k, m, s, n);
      worst = std::max(worst, std::fabs(p - win_probability_reference(k, m, s, n)));
    }
  }
  // Phi comes from a table (error < 5e-7 per factor); the quadrature adds far less.
  REQUIRE(worst < 2e-5);

  // And against the frequencies of actual Thompson draws, 50 variants, every variant.
  double m[50], s[50];
  for (size_t j = 0; j < 50; ++j) {
    m[j] = 0.3 + 0.05 * cfg.normal();
    s[j] = 0.02 * std::pow(3.0, cfg.uniform());
  }
  s[7] = 0.15;
  Rng mc(32);
  std::vector<double> freq(50, 0.0);
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) {
    size_t best = 0;
    double bs = -1e300;
    for (size_t k = 0; k < 50; ++k) {
      const double v = m[k] + s[k] * mc.normal();
      if (v > bs) { bs = v; best = k; }
    }
    freq[best] += 1.0 / draws;
  }
  double total = 0.0, dev = 0.0;
  for (size_t k = 0; k < 50; ++k) {
    const double p = thompson_win_probability(k, m, s, 50);
    total += p;
    dev = std::max(dev, std::fabs(p - freq[k]));
  }
  // 100,000 draws: standard error <= 0.0016, so 0.006 is ~4 sigma.
  REQUIRE(dev < 0.006);
  REQUIRE(total == Approx(1.0).margin(1e-4));
}

TEST_CASE("blocked mean/variance of both layouts agree with the one-variant path", "[select][policy]") {
  const World w = synthetic_world(700, 9, 23);
  for (ModelKind kind : {ModelKind::per_variant, ModelKind::shared}) {
    LinearModelOptions o;
    o.kind = kind;
    o.refactor_every = 300;  // both the rank-one and the refactorized states
    LinearModel m(o, w.context_dim, w.variants);
    Rng rng(4);
    for (size_t t = 0; t < 600; ++t)
      m.update(&w.contexts[t * w.context_dim], rng.below(9), rng.uniform() < 0.3 ? 1.0 : 0.0, 1.0);
    const std::vector<uint32_t> ks = {8, 0, 3, 5, 1, 7, 2};  // not in order, not all, not a multiple of 4
    for (size_t t = 600; t < 700; ++t) {
      const double* x = &w.contexts[t * w.context_dim];
      double mean[7], var[7];
      m.prepare(x);
      m.mean_variance_many(ks.data(), ks.size(), mean, var);
      for (size_t i = 0; i < ks.size(); ++i) {
        double m1, v1;
        m.prepare(x);
        m.mean_variance(ks[i], &m1, &v1);
        REQUIRE(mean[i] == Approx(m1).margin(1e-12));
        // the one-variant path uses the single-precision copy of A^-1
        REQUIRE(var[i] == Approx(v1).epsilon(1e-4).margin(1e-9));
        REQUIRE(var[i] > 0.0);
      }
    }
  }
}
