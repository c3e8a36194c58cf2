// Off-policy evaluation: estimators, intervals, diagnostics, validation, reward models, the C ABI,
// and the Open Bandit Dataset / Hillstrom figures (skipped without ../shared/data).
#include "attune.h"
#include "attune/error.hpp"
#include "attune/select/ope.hpp"
#include "attune/select/ope_hillstrom.hpp"
#include "attune/select/ope_obd.hpp"
#include "attune/select/ope_reward_model.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <thread>
#include <vector>

namespace ope = attune::select::ope;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// The 4-row log used by the hand computations below:
//   r = 1 0 1 0, p = .5 .25 .5 1, pi = 1 .5 .25 0  ->  w = 2 2 .5 0
struct Tiny {
  std::vector<double> r{1, 0, 1, 0}, p{0.5, 0.25, 0.5, 1.0}, t{1.0, 0.5, 0.25, 0.0}, ql{0.5, 0.5, 0.5, 0.5},
      qt{0.4, 0.4, 0.4, 0.4};
  ope::Logs logs() const {
    ope::Logs l;
    l.reward = r.data();
    l.propensity = p.data();
    l.target = t.data();
    l.size = r.size();
    l.q_logged = ql.data();
    l.q_target = qt.data();
    return l;
  }
};

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A small contextual world with known truth: context x in {0,1} (P(x=1)=0.4), 3 actions, the
// logging policy depends on x, the target policy too, Bernoulli rewards with known means.
struct World {
  double click[2][3] = {{0.10, 0.30, 0.20}, {0.50, 0.20, 0.35}};
  double logging[2][3] = {{0.6, 0.1, 0.3}, {0.2, 0.5, 0.3}};
  double target[2][3] = {{0.1, 0.8, 0.1}, {0.7, 0.1, 0.2}};
  double truth() const {
    double v = 0;
    for (int x = 0; x < 2; ++x)
      for (int a = 0; a < 3; ++a) v += (x ? 0.4 : 0.6) * target[x][a] * click[x][a];
    return v;
  }
  struct Row {
    int x, a;
    double r, p, t;
  };
  std::vector<Row> draw(std::size_t n, std::mt19937_64& rng) const {
    std::vector<Row> rows(n);
    for (auto& row : rows) {
      row.x = uniform01(rng) < 0.4 ? 1 : 0;
      const double u = uniform01(rng);
      double c = 0;
      row.a = 2;
      for (int a = 0; a < 3; ++a) {
        c += logging[row.x][a];
        if (u < c) { row.a = a; break; }
      }
      row.r = uniform01(rng) < click[row.x][row.a] ? 1.0 : 0.0;
      row.p = logging[row.x][row.a];
      row.t = target[row.x][row.a];
    }
    return rows;
  }
};

}  // namespace

TEST_CASE("IPS, SNIPS and DR on a hand-computed log", "[ope]") {
  const Tiny tiny;
  const auto l = tiny.logs();
  const auto e = ope::ips(l);
  CHECK_THAT(e.value, WithinAbs(0.625, 1e-15));  // (2 + 0 + .5 + 0) / 4
  // Per-row terms 2, 0, .5, 0: sample variance 2.6875 / 3.
  CHECK_THAT(e.std_error, WithinAbs(std::sqrt(2.6875 / 3.0) / 2.0, 1e-15));
  CHECK_THAT(e.upper - e.value, WithinAbs(1.959963984540054 * e.std_error, 1e-12));
  CHECK_THAT(e.value - e.lower, WithinAbs(1.959963984540054 * e.std_error, 1e-12));

  const auto s = ope::snips(l);
  CHECK_THAT(s.value, WithinAbs(2.5 / 4.5, 1e-15));
  // Delta method: sqrt(sum (w (r - V))^2) / sum w.
  const double v = 2.5 / 4.5;
  const double ss = 4 * (1 - v) * (1 - v) + 4 * v * v + 0.25 * (1 - v) * (1 - v);
  CHECK_THAT(s.std_error, WithinAbs(std::sqrt(ss) / 4.5, 1e-15));

  const auto d = ope::dr(l);
  CHECK_THAT(d.value, WithinAbs((1.4 - 0.6 + 0.65 + 0.4) / 4, 1e-15));

  const auto& g = e.diagnostics;
  CHECK(g.n == 4);
  CHECK_THAT(g.weight_sum, WithinAbs(4.5, 1e-15));
  CHECK_THAT(g.ess, WithinAbs(4.5 * 4.5 / 8.25, 1e-12));
  CHECK(g.max_weight == 2.0);
  CHECK(g.top_rows == 1);
  CHECK_THAT(g.top_weight_share, WithinAbs(2.0 / 4.5, 1e-15));
  CHECK(g.n_clipped == 0);
  CHECK(std::isinf(g.clip));
}

TEST_CASE("clipping caps the weights and is reported", "[ope]") {
  const Tiny tiny;
  ope::Options o;
  o.clip = 1.0;
  const auto e = ope::ips(tiny.logs(), o);
  CHECK_THAT(e.value, WithinAbs((1.0 + 0.5) / 4, 1e-15));
  CHECK(e.diagnostics.n_clipped == 2);
  CHECK(e.diagnostics.max_weight == 1.0);
  CHECK(e.diagnostics.max_raw_weight == 2.0);
  CHECK(e.diagnostics.clip == 1.0);
  // Ionides' level: sqrt(n) * mean(w) = 2 * 1.125.
  CHECK_THAT(ope::suggested_clip(tiny.logs()), WithinAbs(2.25, 1e-15));
}

TEST_CASE("SNIPS is invariant to scaling the weights, IPS scales with them", "[ope]") {
  std::mt19937_64 rng(3);
  const World world;
  const auto rows = world.draw(500, rng);
  std::vector<double> r, p, t, t_half;
  for (const auto& row : rows) {
    r.push_back(row.r);
    p.push_back(row.p);
    t.push_back(row.t);
    t_half.push_back(row.t * 0.5);
  }
  ope::Logs a{r.data(), p.data(), t.data(), r.size(), nullptr, nullptr};
  ope::Logs b{r.data(), p.data(), t_half.data(), r.size(), nullptr, nullptr};
  const auto sa = ope::snips(a), sb = ope::snips(b);
  CHECK_THAT(sb.value, WithinRel(sa.value, 1e-12));
  CHECK_THAT(sb.lower, WithinRel(sa.lower, 1e-12));
  CHECK_THAT(sb.upper, WithinRel(sa.upper, 1e-12));
  CHECK_THAT(sb.diagnostics.ess, WithinRel(sa.diagnostics.ess, 1e-12));
  CHECK_THAT(ope::ips(b).value, WithinRel(0.5 * ope::ips(a).value, 1e-12));
  // When target == logging policy, every weight is 1 and all estimators give the sample mean.
  double mean = 0;
  for (double x : r) mean += x;
  mean /= static_cast<double>(r.size());
  ope::Logs on{r.data(), p.data(), p.data(), r.size(), nullptr, nullptr};
  CHECK_THAT(ope::ips(on).value, WithinAbs(mean, 1e-12));
  CHECK_THAT(ope::snips(on).value, WithinAbs(mean, 1e-12));
  CHECK_THAT(ope::ips(on).diagnostics.ess, WithinAbs(static_cast<double>(r.size()), 1e-9));
}

TEST_CASE("95% intervals cover the true value in at least 90% of 200 simulated logs", "[ope]") {
  const World world;
  const double truth = world.truth();
  int cover_ips = 0, cover_snips = 0, cover_dr = 0;
  const int seeds = 200;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919u + 1u);
    // A reward model fit on a separate log (the DR protocol): cells (x, a).
    const auto model_rows = world.draw(300, rng);
    std::vector<std::size_t> cells;
    std::vector<double> mr;
    for (const auto& row : model_rows) {
      cells.push_back(static_cast<std::size_t>(row.x * 3 + row.a));
      mr.push_back(row.r);
    }
    const auto model = ope::TabularRewardModel::fit(cells.data(), mr.data(), cells.size(), 6, 5.0);
    const auto rows = world.draw(400, rng);
    ope::OwnedLogs logs;
    for (const auto& row : rows) {
      logs.reward.push_back(row.r);
      logs.propensity.push_back(row.p);
      logs.target.push_back(row.t);
      logs.q_logged.push_back(model.predict(static_cast<std::size_t>(row.x * 3 + row.a)));
      double qt = 0;
      for (int a = 0; a < 3; ++a) qt += world.target[row.x][a] * model.predict(static_cast<std::size_t>(row.x * 3 + a));
      logs.q_target.push_back(qt);
    }
    const auto v = logs.view();
    const auto i = ope::ips(v), s = ope::snips(v), d = ope::dr(v);
    cover_ips += i.lower <= truth && truth <= i.upper;
    cover_snips += s.lower <= truth && truth <= s.upper;
    cover_dr += d.lower <= truth && truth <= d.upper;
  }
  INFO("coverage ips " << cover_ips << " snips " << cover_snips << " dr " << cover_dr << " of " << seeds);
  CHECK(cover_ips >= 180);
  CHECK(cover_snips >= 180);
  CHECK(cover_dr >= 180);
}

TEST_CASE("bootstrap intervals are reproducible and agree with the analytic ones", "[ope]") {
  std::mt19937_64 rng(11);
  const World world;
  const auto rows = world.draw(2000, rng);
  std::vector<double> r, p, t;
  for (const auto& row : rows) {
    r.push_back(row.r);
    p.push_back(row.p);
    t.push_back(row.t);
  }
  ope::Logs l{r.data(), p.data(), t.data(), r.size(), nullptr, nullptr};
  ope::Options o;
  o.interval = ope::IntervalMethod::bootstrap;
  o.bootstrap_resamples = 400;
  o.seed = 5;
  const auto a = ope::snips(l, o), b = ope::snips(l, o);
  CHECK(a.lower == b.lower);
  CHECK(a.upper == b.upper);
  CHECK(a.interval == ope::IntervalMethod::bootstrap);
  const auto an = ope::snips(l);
  CHECK(a.value == an.value);
  const double width_b = a.upper - a.lower, width_a = an.upper - an.lower;
  CHECK(width_b > 0.75 * width_a);
  CHECK(width_b < 1.33 * width_a);
  o.seed = 6;
  CHECK(ope::snips(l, o).lower != a.lower);
  const auto ib = ope::ips(l, o), ia = ope::ips(l);
  CHECK(ib.lower < ia.value);
  CHECK(ib.upper > ia.value);
}

TEST_CASE("matrix form: rows must be distributions, actions in range", "[ope]") {
  const std::vector<std::int64_t> actions{0, 1, 2};
  const std::vector<double> r{1, 0, 1}, p{0.5, 0.25, 0.25};
  const std::vector<double> target{0.2, 0.3, 0.5, 0.0, 1.0, 0.0, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  const std::vector<double> q{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  const auto logs = ope::from_matrix(actions.data(), r.data(), p.data(), target.data(), 3, 3, q.data());
  CHECK(logs.target == std::vector<double>{0.2, 1.0, 1.0 / 3});
  CHECK_THAT(logs.q_logged[1], WithinAbs(0.5, 1e-15));
  CHECK_THAT(logs.q_target[0], WithinAbs(0.02 + 0.06 + 0.15, 1e-15));
  CHECK_THAT(logs.q_target[2], WithinAbs(0.8, 1e-12));

  std::vector<double> bad = target;
  bad[0] = 0.3;  // row 0 sums to 1.1
  CHECK_THROWS_AS(ope::from_matrix(actions.data(), r.data(), p.data(), bad.data(), 3, 3), attune::invalid_argument);
  const std::vector<std::int64_t> bad_actions{0, 3, 1};
  CHECK_THROWS_AS(ope::from_matrix(bad_actions.data(), r.data(), p.data(), target.data(), 3, 3), attune::invalid_argument);
  bad = target;
  bad[4] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(ope::from_matrix(actions.data(), r.data(), p.data(), bad.data(), 3, 3), attune::invalid_argument);
}

TEST_CASE("bad input is rejected with a clear error", "[ope]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto status_of = [](auto&& fn) {
    try {
      fn();
    } catch (const attune::invalid_argument& e) {
      return e.code();
    }
    return attune::status::ok;
  };
  {
    Tiny t;
    t.r[1] = nan;
    CHECK(status_of([&] { ope::ips(t.logs()); }) == attune::status::out_of_range);
  }
  for (double bad_p : {0.0, -0.1, 1.5, nan}) {
    Tiny t;
    t.p[2] = bad_p;
    CHECK(status_of([&] { ope::snips(t.logs()); }) == attune::status::out_of_range);
  }
  for (double bad_t : {-0.1, 1.01, nan}) {
    Tiny t;
    t.t[0] = bad_t;
    CHECK(status_of([&] { ope::ips(t.logs()); }) == attune::status::out_of_range);
  }
  {
    Tiny t;
    auto l = t.logs();
    l.size = 1;
    CHECK(status_of([&] { ope::ips(l); }) == attune::status::invalid_argument);
    l = t.logs();
    l.q_target = nullptr;
    CHECK(status_of([&] { ope::dr(l); }) == attune::status::invalid_argument);
    CHECK_NOTHROW(ope::ips(l));  // IPS does not need the reward model
    l = t.logs();
    l.reward = nullptr;
    CHECK(status_of([&] { ope::ips(l); }) == attune::status::invalid_argument);
    t.ql[3] = std::numeric_limits<double>::infinity();
    CHECK(status_of([&] { ope::dr(t.logs()); }) == attune::status::out_of_range);
  }
  {
    Tiny t;
    t.t = {0, 0, 0, 0};
    CHECK_THROWS_WITH(ope::snips(t.logs()), Catch::Contains("undefined"));
    CHECK(ope::ips(t.logs()).value == 0.0);
  }
  Tiny t;
  for (double c : {0.0, 1.0, nan}) {
    ope::Options o;
    o.confidence = c;
    CHECK(status_of([&] { ope::ips(t.logs(), o); }) == attune::status::out_of_range);
  }
  for (double clip : {0.0, -1.0, nan}) {
    ope::Options o;
    o.clip = clip;
    CHECK(status_of([&] { ope::ips(t.logs(), o); }) == attune::status::out_of_range);
  }
  ope::Options o;
  o.interval = ope::IntervalMethod::bootstrap;
  o.bootstrap_resamples = 5;
  CHECK(status_of([&] { ope::ips(t.logs(), o); }) == attune::status::out_of_range);
  // The inputs are untouched by failed and successful calls alike.
  const Tiny fresh;
  CHECK(t.r == fresh.r);
  CHECK(t.p == fresh.p);
  CHECK(t.t == fresh.t);
  CHECK_THAT(ope::normal_quantile(0.975), WithinAbs(1.959963984540054, 1e-12));
  CHECK_THAT(ope::normal_quantile(0.5), WithinAbs(0.0, 1e-12));
  CHECK_THROWS_AS(ope::normal_quantile(1.0), attune::invalid_argument);
}

TEST_CASE("tabular reward model shrinks cells towards the global mean", "[ope]") {
  const std::vector<std::size_t> cells{0, 0, 1, 1, 1, 1};
  const std::vector<double> r{1, 1, 0, 0, 0, 1};
  const auto m = ope::TabularRewardModel::fit(cells.data(), r.data(), 6, 3, 2.0);
  CHECK_THAT(m.global_mean(), WithinAbs(0.5, 1e-15));
  CHECK_THAT(m.predict(0), WithinAbs((2 + 2 * 0.5) / 4.0, 1e-15));
  CHECK_THAT(m.predict(1), WithinAbs((1 + 2 * 0.5) / 6.0, 1e-15));
  CHECK_THAT(m.predict(2), WithinAbs(0.5, 1e-15));  // no rows: the global mean
  CHECK_THROWS_AS(m.predict(3), attune::invalid_argument);
  const std::vector<std::size_t> bad{0, 5};
  CHECK_THROWS_AS(ope::TabularRewardModel::fit(bad.data(), r.data(), 2, 3), attune::invalid_argument);
}

TEST_CASE("logistic reward models recover a simulated uplift and pick the better arm", "[ope]") {
  // Two features; arm 1 is better than arm 0 exactly when x0 = 1.
  std::mt19937_64 rng(21);
  const std::size_t n = 6000;
  ope::RowMatrix X(static_cast<Eigen::Index>(n), 2);
  std::vector<std::int64_t> a(n);
  std::vector<double> y(n);
  auto logit = [](double x0, double x1, std::int64_t arm) { return -1.0 + 0.5 * x1 + (arm == 1 ? (x0 > 0.5 ? 1.0 : -1.0) : 0.0); };
  for (std::size_t i = 0; i < n; ++i) {
    const double x0 = uniform01(rng) < 0.5 ? 1.0 : 0.0, x1 = uniform01(rng);
    X(static_cast<Eigen::Index>(i), 0) = x0;
    X(static_cast<Eigen::Index>(i), 1) = x1;
    a[i] = uniform01(rng) < 0.5 ? 0 : 1;
    y[i] = uniform01(rng) < 1.0 / (1.0 + std::exp(-logit(x0, x1, a[i]))) ? 1.0 : 0.0;
  }
  ope::LogisticOptions lo;
  lo.l2 = 0.1;
  const auto per_arm = ope::ArmwiseLogistic::fit(X, a.data(), y.data(), 2, lo);
  const auto shared = ope::SharedLogistic::fit(X, a.data(), y.data(), 2, {0}, lo);
  ope::RowMatrix probe(2, 2);
  probe << 1.0, 0.5, 0.0, 0.5;
  CHECK(per_arm.greedy(probe) == std::vector<std::int64_t>{1, 0});
  CHECK(shared.greedy(probe) == std::vector<std::int64_t>{1, 0});
  const auto q = shared.predict(probe);
  for (Eigen::Index i = 0; i < q.rows(); ++i)
    for (Eigen::Index j = 0; j < q.cols(); ++j) CHECK((q(i, j) > 0.0 && q(i, j) < 1.0));
  // Shared model: arm effect -1 plus +2 per unit of x0.
  CHECK_THAT(shared.arm_coefficients()(1, 0), WithinAbs(-1.0, 0.25));
  CHECK_THAT(shared.arm_coefficients()(1, 1), WithinAbs(2.0, 0.35));
  CHECK_THAT(shared.shared_coefficients()(1), WithinAbs(0.5, 0.3));
  const std::vector<std::int64_t> missing_arm(n, 0);
  CHECK_THROWS_AS(ope::ArmwiseLogistic::fit(X, missing_arm.data(), y.data(), 2), attune::invalid_argument);
  CHECK_THROWS_AS(ope::SharedLogistic::fit(X, a.data(), y.data(), 2, {2}), attune::invalid_argument);
  ope::RowMatrix wrong(1, 3);
  wrong.setZero();
  CHECK_THROWS_AS(shared.predict(wrong), attune::invalid_argument);
}

TEST_CASE("C ABI agrees with C++ and leaves the result untouched on error", "[ope][capi]") {
  std::mt19937_64 rng(8);
  const World world;
  const auto rows = world.draw(300, rng);
  std::vector<double> r, p, t, ql, qt;
  for (const auto& row : rows) {
    r.push_back(row.r);
    p.push_back(row.p);
    t.push_back(row.t);
    ql.push_back(0.3);
    qt.push_back(0.25);
  }
  ope::Logs l{r.data(), p.data(), t.data(), r.size(), ql.data(), qt.data()};
  attune_ope_options o;
  attune_ope_options_init(&o);
  o.clip = 4.0;
  ope::Options co;
  co.clip = 4.0;
  const std::int32_t ids[3] = {ATTUNE_OPE_IPS, ATTUNE_OPE_SNIPS, ATTUNE_OPE_DR};
  const ope::Estimator kinds[3] = {ope::Estimator::ips, ope::Estimator::snips, ope::Estimator::dr};
  for (int k = 0; k < 3; ++k) {
    attune_ope_result res;
    attune_ope_result_init(&res);
    REQUIRE(attune_ope_evaluate(ids[k], r.data(), p.data(), t.data(), ql.data(), qt.data(), r.size(), &o, &res) == ATTUNE_OK);
    const auto e = ope::evaluate(kinds[k], l, co);
    CHECK(res.estimate == e.value);
    CHECK(res.lower == e.lower);
    CHECK(res.upper == e.upper);
    CHECK(res.std_error == e.std_error);
    CHECK(res.ess == e.diagnostics.ess);
    CHECK(res.max_weight == e.diagnostics.max_weight);
    CHECK(res.max_raw_weight == e.diagnostics.max_raw_weight);
    CHECK(res.rows_clipped == e.diagnostics.n_clipped);
    CHECK(res.rows == r.size());
  }
  attune_ope_result res;
  attune_ope_result_init(&res);
  REQUIRE(attune_ope_ips(r.data(), p.data(), t.data(), r.size(), nullptr, &res) == ATTUNE_OK);
  CHECK(res.estimate == ope::ips(l).value);

  // Errors: code, message, result untouched.
  attune_ope_result before = res;
  std::vector<double> bad = p;
  bad[7] = 0.0;
  CHECK(attune_ope_snips(r.data(), bad.data(), t.data(), r.size(), nullptr, &res) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(std::string(attune_last_error()).find("row 7") != std::string::npos);
  CHECK(std::memcmp(&before, &res, sizeof res) == 0);
  CHECK(attune_ope_dr(r.data(), p.data(), t.data(), nullptr, qt.data(), r.size(), nullptr, &res) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_ope_evaluate(7, r.data(), p.data(), t.data(), nullptr, nullptr, r.size(), nullptr, &res) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_ope_ips(r.data(), p.data(), t.data(), r.size(), nullptr, nullptr) == ATTUNE_E_INVALID_ARGUMENT);
  attune_ope_options neg = o;
  neg.clip = -1;
  CHECK(attune_ope_ips(r.data(), p.data(), t.data(), r.size(), &neg, &res) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(std::memcmp(&before, &res, sizeof res) == 0);
  REQUIRE(attune_ope_ips(r.data(), p.data(), t.data(), r.size(), nullptr, &res) == ATTUNE_OK);
  CHECK(std::string(attune_last_error()).empty());

  // Matrix form equals the per-row form.
  std::vector<std::int64_t> actions;
  std::vector<double> tm, qm;
  for (const auto& row : rows) {
    actions.push_back(row.a);
    for (int a = 0; a < 3; ++a) {
      tm.push_back(world.target[row.x][a]);
      qm.push_back(a == row.a ? 0.3 : 0.1);
    }
  }
  attune_ope_result mres;
  attune_ope_result_init(&mres);
  REQUIRE(attune_ope_evaluate_matrix(ATTUNE_OPE_SNIPS, actions.data(), r.data(), p.data(), tm.data(), nullptr, r.size(), 3,
                                     &o, &mres) == ATTUNE_OK);
  CHECK(mres.estimate == ope::snips(l, co).value);
  tm[1] += 0.5;
  CHECK(attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, actions.data(), r.data(), p.data(), tm.data(), nullptr, r.size(), 3, &o,
                                   &mres) == ATTUNE_E_OUT_OF_RANGE);
}

TEST_CASE("C ABI is thread-safe: concurrent calls agree and errors stay on their thread", "[ope][capi]") {
  std::mt19937_64 rng(9);
  const World world;
  const auto rows = world.draw(2000, rng);
  std::vector<double> r, p, t, bad;
  for (const auto& row : rows) {
    r.push_back(row.r);
    p.push_back(row.p);
    t.push_back(row.t);
  }
  bad = p;
  bad[3] = 2.0;
  attune_ope_options o;
  attune_ope_options_init(&o);
  o.interval = ATTUNE_OPE_INTERVAL_BOOTSTRAP;
  o.bootstrap_resamples = 50;
  o.seed = 4;
  attune_ope_result expected;
  attune_ope_result_init(&expected);
  REQUIRE(attune_ope_snips(r.data(), p.data(), t.data(), r.size(), &o, &expected) == ATTUNE_OK);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int it = 0; it < 20; ++it) {
        attune_ope_result res;
        attune_ope_result_init(&res);
        if (k % 2 == 1) {
          // Odd threads fail; their message must not leak into the even threads.
          if (attune_ope_snips(r.data(), bad.data(), t.data(), r.size(), &o, &res) != ATTUNE_E_OUT_OF_RANGE ||
              std::string(attune_last_error()).find("row 3") == std::string::npos)
            ++mismatches[static_cast<std::size_t>(k)];
        } else if (attune_ope_snips(r.data(), p.data(), t.data(), r.size(), &o, &res) != ATTUNE_OK ||
                   std::memcmp(&res, &expected, sizeof res) != 0 || std::string(attune_last_error()) != "") {
          ++mismatches[static_cast<std::size_t>(k)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("Open Bandit Dataset: reference IPS/SNIPS of the uniform policy to four digits", "[ope][data]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  const std::string obd = dir + "/open_bandit_dataset";
  auto pct4 = [](double v) { return std::round(v * 100.0 * 1e4) / 1e4; };
  const auto men = ope::evaluate_obd_campaign(obd, "men");
  const auto women = ope::evaluate_obd_campaign(obd, "women");
  REQUIRE(men.estimates.size() == 6);
  CHECK(men.n_items == 34);
  CHECK(women.n_items == 46);
  CHECK(men.estimates[0].name == "ips");
  CHECK(pct4(men.estimates[0].estimate.value) == 0.3009);
  CHECK(pct4(women.estimates[0].estimate.value) == 0.7438);
  CHECK(men.estimates[1].name == "snips");
  CHECK(pct4(men.estimates[1].estimate.value) == 0.3189);
  CHECK(pct4(women.estimates[1].estimate.value) == 0.2373);
  CHECK_THAT(men.observed, WithinAbs(0.0046, 1e-12));
  CHECK_THAT(women.observed, WithinAbs(0.0046, 1e-12));
  // The extreme women row: propensity 1e-6, weight 1/46 / 1e-6.
  CHECK(women.min_propensity == 1e-6);
  CHECK_THAT(women.estimates[0].estimate.diagnostics.max_raw_weight, WithinRel(1e6 / 46, 1e-9));
  CHECK(women.estimates[0].estimate.diagnostics.ess < 3.0);
  // Clipping at Ionides' level caps that row and lifts the ESS by two orders of magnitude.
  const auto& clipped = women.estimates[4].estimate;
  CHECK(women.estimates[4].name == "snips_clipped");
  CHECK(clipped.diagnostics.n_clipped >= 1);
  CHECK(clipped.diagnostics.ess > 100);
  // DR is finite and its interval contains its estimate.
  for (const auto& ne : men.estimates) CHECK((ne.estimate.lower <= ne.estimate.value && ne.estimate.value <= ne.estimate.upper));
}

TEST_CASE("Hillstrom: arms are uniform and the learned targeting policy is at least as good as always-Mens", "[ope][data]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  const auto data = ope::load_hillstrom(dir + "/hillstrom_email/hillstrom_train.csv");
  REQUIRE(data.size() == 51199);
  const auto rep = ope::evaluate_hillstrom(data, nullptr);
  for (double s : rep.arm_share_all) CHECK_THAT(s, WithinAbs(1.0 / 3, 0.01));
  REQUIRE(rep.policies.size() == 4);
  CHECK(rep.n_eval == data.size());
  const auto& targeting = rep.policies[0];
  const auto& mens = rep.policies[1];
  CHECK(mens.policy == "always_mens");
  // SNIPS of a fixed arm is that arm's on-policy mean.
  CHECK_THAT(mens.snips.value, WithinAbs(rep.eval_arm_visit_rate[0], 1e-12));
  CHECK_THAT(rep.policies[3].snips.value, WithinAbs(rep.eval_arm_visit_rate[2], 1e-12));
  CHECK(mens.ips.value > rep.policies[2].ips.value);
  CHECK(rep.policies[2].ips.value > rep.policies[3].ips.value);
  CHECK(targeting.ips.value >= mens.ips.value);
  CHECK(targeting.dr.value >= mens.dr.value);
  CHECK(targeting.share[0] > 0.3);
  CHECK(targeting.share[1] > 0.1);
  // Same seed, same result.
  const auto again = ope::evaluate_hillstrom(data, nullptr);
  CHECK(again.policies[0].ips.value == targeting.ips.value);
}

TEST_CASE("logs CSV: required and optional columns, quoting, CRLF, errors", "[ope]") {
  const std::string path = std::string(ATTUNE_BINARY_DIR) + "/test_ope_logs.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "id,reward,propensity,target,note,q_logged,q_target\r\n"
      << "1,1,0.5,1,\"a, b\",0.5,0.4\r\n"
      << "2,0,0.25,0.5,x,0.5,0.4\r\n"
      << "3,1,0.5,0.25,\"say \"\"hi\"\"\",0.5,0.4\r\n"
      << "4,0,1,0,,0.5,0.4\r\n";
  }
  const auto logs = ope::load_logs_csv(path);
  REQUIRE(logs.reward.size() == 4);
  CHECK(logs.q_target.size() == 4);
  CHECK_THAT(ope::dr(logs.view()).value, WithinAbs(1.85 / 4, 1e-15));
  ope::CsvColumns cols;
  cols.q_target = "absent";
  CHECK(ope::load_logs_csv(path, cols).q_logged.empty());
  cols = {};
  cols.reward = "note";
  CHECK_THROWS_AS(ope::load_logs_csv(path, cols), attune::error);
  cols.reward = "nothere";
  CHECK_THROWS_AS(ope::load_logs_csv(path, cols), attune::error);
  CHECK_THROWS_AS(ope::load_logs_csv(path + ".missing"), attune::error);
  std::remove(path.c_str());
}
