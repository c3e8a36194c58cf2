#include "attune/behavior/hesitation_detector.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace attune::behavior;

namespace {
// A customer who usually spends ~20 s on a product page.
Baseline usual_reader(double t0) {
  Baseline b;
  for (int i = 0; i < 20; ++i) b.observe(Signal::dwell, 15.0 + (i % 5) * 2.5, t0 + 40.0 * i);
  return b;
}

bool has_reason(const HesitationScore& s, std::string_view r) {
  for (const auto& x : s.reasons)
    if (x.reason == r) return true;
  return false;
}
}  // namespace

TEST_CASE("seed script: lingering far longer than usual without adding to cart is hesitation", "[hesitation]") {
  const double t0 = 1.7e9;
  Baseline b = usual_reader(t0 - 86400);
  HesitationDetector d;
  d.observe_product_view("sku-42", 18.0, t0, b);
  b.observe(Signal::dwell, 18.0, t0);
  d.observe_product_view("sku-7", 240.0, t0 + 60, b);  // four minutes on one product
  b.observe(Signal::dwell, 240.0, t0 + 60);
  const auto s = d.score();
  CHECK(s.score >= 0.6f);
  CHECK(s.max_dwell_z > 2.0f);
  REQUIRE(!s.reasons.empty());
  CHECK(s.reasons.front().reason == "long_dwell");
  CHECK(has_reason(s, "no_add_to_cart"));
  // Reasons are ordered and consistent with the noisy-OR score.
  double keep = 1;
  for (const auto& r : s.reasons) keep *= 1 - r.weight;
  CHECK(s.score == Approx(1 - keep).epsilon(1e-5));
}

TEST_CASE("seed script: adding the product quickly is not hesitation", "[hesitation]") {
  const double t0 = 1.7e9;
  Baseline b = usual_reader(t0 - 86400);
  HesitationDetector d;
  d.observe_product_view("sku-7", 12.0, t0, b);
  d.observe_add_to_cart("sku-7", t0 + 12);
  const auto s = d.score();
  CHECK(s.score < 0.1f);
  CHECK(!has_reason(s, "long_dwell"));
  CHECK(!has_reason(s, "no_add_to_cart"));
}

TEST_CASE("the same long dwell means less for a slow reader", "[hesitation]") {
  const double t0 = 1.7e9;
  Baseline slow;
  for (int i = 0; i < 20; ++i) slow.observe(Signal::dwell, 200.0 + 10 * (i % 3), t0 - 86400 + 300.0 * i);
  HesitationDetector a, b;
  a.observe_product_view("p", 240.0, t0, slow);
  b.observe_product_view("p", 240.0, t0, usual_reader(t0 - 86400));
  CHECK(a.score().score < b.score().score);
  CHECK(!has_reason(a.score(), "long_dwell"));
}

TEST_CASE("back-and-forth, price/shipping/returns pages and cart views add up; checkout clears", "[hesitation]") {
  HesitationDetector d;
  double t = 1000;
  for (int i = 0; i < 3; ++i) {
    d.observe_product_view("sofa", 25.0, t += 30);
    d.observe_product_view("chair", 25.0, t += 30);
  }
  d.observe_page(PageKind::shipping, t += 10);
  d.observe_page(PageKind::returns, t += 10);
  d.observe_page(PageKind::price, t += 10);
  d.observe_cart_view(t += 10);
  d.observe_cart_view(t += 10);
  const auto s = d.score();
  CHECK(has_reason(s, "repeat_views"));
  CHECK(has_reason(s, "price_shipping_returns"));
  CHECK(has_reason(s, "cart_without_checkout"));
  CHECK(s.score > 0.7f);
  d.observe_checkout(t += 10);
  CHECK(d.score().score == 0.0f);
}

TEST_CASE("a long gap starts a new session", "[hesitation]") {
  HesitationDetector d(600.0);
  d.observe_product_view("x", 500.0, 0.0);
  CHECK(d.score().score > 0.3f);
  d.observe_page(PageKind::other, 5000.0);
  CHECK(d.score().score == 0.0f);
}

TEST_CASE("malformed hesitation input is rejected without a state change", "[hesitation]") {
  HesitationDetector d;
  d.observe_product_view("a", 30.0, 100.0);
  const HesitationDetector before = d;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(d.observe_product_view("a", nan, 200.0), attune::invalid_argument);
  CHECK_THROWS_AS(d.observe_product_view("a", -5.0, 200.0), attune::invalid_argument);
  CHECK_THROWS_AS(d.observe_product_view("", 5.0, 200.0), attune::invalid_argument);
  CHECK_THROWS_AS(d.observe_product_view("a", 5.0, 50.0), attune::invalid_argument);  // out of order
  CHECK_THROWS_AS(d.observe_cart_view(nan), attune::invalid_argument);
  CHECK_THROWS_AS(d.observe_page(static_cast<PageKind>(17), 300.0), attune::invalid_argument);
  CHECK_THROWS_AS(d.observe_add_to_cart("", 300.0), attune::invalid_argument);
  CHECK(d == before);
  HesitationDetector::Weights w;
  w.long_dwell = 2.0f;
  CHECK_THROWS_AS(d.score(w), attune::invalid_argument);
  CHECK_THROWS_AS(HesitationDetector(1.0), attune::invalid_argument);
}

TEST_CASE("HesitationDetector serialization round-trips", "[hesitation]") {
  HesitationDetector d;
  d.observe_product_view("a", 300.0, 100.0);
  d.observe_product_view("b", 10.0, 110.0);
  d.observe_add_to_cart("b", 120.0);
  d.observe_page(PageKind::returns, 130.0);
  const auto bytes = d.serialize();
  CHECK(bytes.size() == 55);
  CHECK(sizeof(HesitationDetector) <= 64);
  const auto e = HesitationDetector::deserialize(bytes.data(), bytes.size());
  CHECK(e == d);
  CHECK(e.score().to_json() == d.score().to_json());
  auto bad = bytes;
  bad.resize(20);
  CHECK_THROWS_AS(HesitationDetector::deserialize(bad.data(), bad.size()), attune::error);
}

TEST_CASE("hesitation JSON explanation names the reasons", "[hesitation]") {
  HesitationDetector d;
  d.observe_product_view("a", 600.0, 1.0);
  const std::string j = d.score().to_json();
  CHECK(j.find("\"reason\":\"long_dwell\"") != std::string::npos);
  CHECK(j.find("\"score\":") != std::string::npos);
}
