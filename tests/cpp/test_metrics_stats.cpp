// attune::metrics statistical building blocks: known values and edge cases.
#include "attune/error.hpp"
#include "attune/metrics/stats.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace attune::metrics;

TEST_CASE("wilson interval matches the textbook value", "[metrics]") {
  // 5 of 10 at 95%: [0.2366, 0.7634] (Wilson 1927; e.g. Agresti & Coull 1998).
  const Interval i = wilson_interval(5, 10);
  CHECK(i.low == Approx(0.23659).epsilon(1e-4));
  CHECK(i.high == Approx(0.76341).epsilon(1e-4));
  const Interval zero = wilson_interval(0, 20);
  CHECK(zero.low == Approx(0.0).margin(1e-12));
  CHECK(zero.high == Approx(0.16113).epsilon(1e-3));
  CHECK(std::isnan(wilson_interval(0, 0).low));
  CHECK(normal_quantile_two_sided(0.95) == Approx(1.959964).epsilon(1e-6));
  CHECK(normal_quantile_two_sided(0.90) == Approx(1.644854).epsilon(1e-6));
  CHECK_THROWS_AS(wilson_interval(3, 2), attune::invalid_argument);
  CHECK_THROWS_AS(normal_quantile_two_sided(1.0), attune::invalid_argument);
}

TEST_CASE("roc_auc counts ties as one half and is undefined with one class", "[metrics]") {
  CHECK(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}) == Approx(0.75));
  CHECK(roc_auc({0.5, 0.5}, {0, 1}) == Approx(0.5));
  CHECK(roc_auc({0.9, 0.1}, {0, 1}) == Approx(0.0));
  CHECK(std::isnan(roc_auc({0.2, 0.3}, {1, 1})));
  CHECK_THROWS_AS(roc_auc({0.2}, {1, 0}), attune::invalid_argument);
  CHECK_THROWS_AS(roc_auc({NAN, 0.1}, {1, 0}), attune::invalid_argument);
  CHECK_THROWS_AS(roc_auc({0.2, 0.1}, {2, 0}), attune::invalid_argument);
  // Hanley-McNeil: AUC 0.5 with 10/10 gives sqrt(0.25 + 9*(1/3-0.25)*2 ... ) / 100.
  const double q1 = 0.5 / 1.5, q2 = 0.5 / 1.5;
  const double expected = std::sqrt((0.25 + 9 * (q1 - 0.25) + 9 * (q2 - 0.25)) / 100);
  CHECK(auc_standard_error(0.5, 10, 10) == Approx(expected));
}

TEST_CASE("expected calibration error bins by predicted probability", "[metrics]") {
  // A bin whose mean prediction equals its observed rate contributes nothing.
  CHECK(expected_calibration_error({0.5, 0.5}, {0, 1}) == Approx(0.0));
  CHECK(expected_calibration_error({0.95, 0.05}, {0, 1}) == Approx(0.95));
  // p = 1.0 falls in the last bin.
  CHECK(expected_calibration_error({1.0}, {1}) == Approx(0.0));
  CHECK(std::isnan(expected_calibration_error({}, {})));
  CHECK_THROWS_AS(expected_calibration_error({1.5}, {1}), attune::invalid_argument);
  CHECK_THROWS_AS(expected_calibration_error({0.5}, {1}, 0), attune::invalid_argument);
}

TEST_CASE("normalized entropy, slope, median and percentiles", "[metrics]") {
  CHECK(normalized_entropy({1, 1}, 2) == Approx(1.0));
  CHECK(normalized_entropy({2, 0}, 2) == Approx(0.0));
  CHECK(normalized_entropy({1, 1}, 4) == Approx(0.5));
  CHECK(normalized_entropy({3}, 1) == 0.0);
  CHECK_THROWS_AS(normalized_entropy({1, 1, 1}, 2), attune::invalid_argument);
  CHECK(ols_slope({0, 1, 2}, {1, 3, 5}) == Approx(2.0));
  CHECK(std::isnan(ols_slope({1, 1}, {0, 1})));
  CHECK(median({3, 1, 2}) == 2.0);
  CHECK(median({4, 1, 2, 3}) == 2.5);
  CHECK(std::isnan(median({})));
  const Interval p = percentile_interval({1, 2, 3, 4, 5}, 0.5);
  CHECK(p.low == Approx(2.0));
  CHECK(p.high == Approx(4.0));
}

TEST_CASE("the resampler is deterministic and in range", "[metrics]") {
  Resampler a(7), b(7), c(8);
  const auto x = a.bootstrap(100), y = b.bootstrap(100), z = c.bootstrap(100);
  CHECK(x == y);
  CHECK(x != z);
  for (size_t i : x) CHECK(i < 100);
  CHECK_THROWS_AS(a.index(0), attune::invalid_argument);
}
