#include "attune/behavior/baseline.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using attune::behavior::Baseline;
using attune::behavior::Signal;

TEST_CASE("a new customer is judged against the population prior", "[baseline]") {
  Baseline b;
  CHECK(b.weight(Signal::dwell) == 0);
  CHECK(b.typical(Signal::dwell) == Approx(std::expm1(3.45)).epsilon(1e-4));
  CHECK(b.z(Signal::dwell, 30.0) == Approx(0.0).margin(0.05));
  CHECK(b.z(Signal::dwell, 300.0) > 2.0);
  CHECK(b.z(Signal::dwell, 3.0) < -1.5);
}

TEST_CASE("the customer's own habits take over from the prior", "[baseline]") {
  Baseline fast, slow;
  for (int i = 0; i < 30; ++i) {
    fast.observe(Signal::dwell, 8.0 + (i % 3), 1000.0 + 60 * i);
    slow.observe(Signal::dwell, 90.0 + 5 * (i % 3), 1000.0 + 60 * i);
  }
  CHECK(fast.weight(Signal::dwell) == Approx(30).epsilon(0.01));  // 30 minutes << 30-day half-life
  // 60 s is long for the fast reader, short for the slow one.
  CHECK(fast.z(Signal::dwell, 60.0) > 2.0);
  CHECK(slow.z(Signal::dwell, 60.0) < -0.5);
  CHECK(fast.typical(Signal::dwell) < 15.0);
  CHECK(slow.typical(Signal::dwell) > 60.0);
  // Other signals are untouched.
  CHECK(fast.weight(Signal::message_length) == 0);
}

TEST_CASE("old observations decay with the half-life", "[baseline]") {
  Baseline b(3600.0);  // one hour
  b.observe(Signal::pace, 10.0, 0.0);
  b.observe(Signal::pace, 10.0, 0.0);
  b.observe(Signal::pace, 10.0, 3600.0);
  // 2 observations decayed by one half-life (1.0) plus the new one.
  CHECK(b.weight(Signal::pace) == Approx(2.0).epsilon(1e-5));
}

TEST_CASE("bad values and out-of-order times are rejected without a state change", "[baseline]") {
  Baseline b;
  b.observe(Signal::reply_latency, 20.0, 100.0);
  const Baseline before = b;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double v : {nan, inf, -1.0}) {
    try {
      b.observe(Signal::reply_latency, v, 200.0);
      FAIL("expected an error");
    } catch (const attune::invalid_argument& e) {
      CHECK(e.code() == attune::status::out_of_range);
    }
    CHECK(b == before);
  }
  CHECK_THROWS_AS(b.observe(Signal::reply_latency, 5.0, 50.0), attune::invalid_argument);  // earlier time
  CHECK_THROWS_AS(b.observe(Signal::reply_latency, 5.0, nan), attune::invalid_argument);
  CHECK_THROWS_AS(b.observe(static_cast<Signal>(9), 5.0, 300.0), attune::invalid_argument);
  CHECK_THROWS_AS(b.z(Signal::dwell, -3.0), attune::invalid_argument);
  CHECK(b == before);
  b.observe(Signal::reply_latency, 5.0, 100.0);  // equal time is fine
  CHECK_THROWS_AS(Baseline(0.0), attune::invalid_argument);
  CHECK_THROWS_AS(Baseline(nan), attune::invalid_argument);
}

TEST_CASE("Baseline serialization round-trips and rejects corrupt bytes", "[baseline]") {
  Baseline b(86400.0 * 7);
  for (int i = 0; i < 10; ++i) {
    b.observe(Signal::dwell, 12.0 * (i + 1), 1e9 + 30 * i);
    b.observe(Signal::message_length, 40.0 + i, 1e9 + 30 * i + 1);
  }
  const auto bytes = b.serialize();
  CHECK(bytes.size() == 66);
  CHECK(sizeof(Baseline) <= 64);
  const Baseline c = Baseline::deserialize(bytes.data(), bytes.size());
  CHECK(c == b);
  CHECK(c.z(Signal::dwell, 50.0) == b.z(Signal::dwell, 50.0));
  CHECK(c.half_life_seconds() == b.half_life_seconds());

  auto truncated = bytes;
  truncated.pop_back();
  CHECK_THROWS_AS(Baseline::deserialize(truncated.data(), truncated.size()), attune::error);
  auto wrong = bytes;
  wrong[0] = 'X';
  CHECK_THROWS_AS(Baseline::deserialize(wrong.data(), wrong.size()), attune::error);
  auto version = bytes;
  version[4] = 9;
  try {
    Baseline::deserialize(version.data(), version.size());
    FAIL("expected version mismatch");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::version_mismatch);
  }
  CHECK_THROWS_AS(Baseline::deserialize(nullptr, 3), attune::invalid_argument);
}

TEST_CASE("signal names", "[baseline]") {
  CHECK(attune::behavior::signal_name(Signal::reply_latency) == "reply_latency");
  CHECK(attune::behavior::signal_from_name("message_length") == Signal::message_length);
  CHECK(!attune::behavior::signal_from_name("mood"));
}
