#include "attune/behavior/engagement_monitor.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using attune::behavior::EngagementMonitor;

namespace {
// Daily counts with weekly rhythm and Poisson noise; `drop` applies from day `change`.
double day_value(std::mt19937_64& rng, int day, double base, int change, double drop) {
  const double weekly = (day % 7 == 5 || day % 7 == 6) ? 0.8 : 1.0;
  std::poisson_distribution<int> p(base * weekly * (day >= change ? 1 - drop : 1.0));
  return p(rng);
}
}  // namespace

TEST_CASE("a sustained 22% drop is detected within days, with a change-point estimate", "[engagement]") {
  std::mt19937_64 rng(11);
  int detected = 0;
  for (int account = 0; account < 20; ++account) {
    EngagementMonitor m;
    const int change = 80;
    int alarm = -1;
    for (int d = 0; d < change + 30; ++d) {
      m.observe_day(d, day_value(rng, d, 300, change, 0.22));
      const auto s = m.status();
      if (d < change) CHECK(!s.detached);
      if (s.detached && alarm < 0) {
        alarm = d;
        CHECK(s.drop > 0.1f);
        CHECK(s.change_day >= change - 5);
        CHECK(s.alarm_day == d);
      }
    }
    if (alarm >= 0 && alarm - change < 7) ++detected;
  }
  CHECK(detected >= 18);
}

TEST_CASE("a stable account does not alarm", "[engagement]") {
  std::mt19937_64 rng(5);
  int alarms = 0;
  for (int account = 0; account < 10; ++account) {
    EngagementMonitor m;
    bool was = false;
    for (int d = 0; d < 400; ++d) {
      m.observe_day(d, day_value(rng, d, 100, 100000, 0));
      const bool now = m.status().detached;
      alarms += now && !was;
      was = now;
    }
  }
  CHECK(alarms <= 2);  // nominal ARL 2500 days; 3,720 monitored days here
}

TEST_CASE("warm-up gives no alarms and reports it", "[engagement]") {
  EngagementMonitor m;
  for (int d = 0; d < 10; ++d) m.observe_day(d, d < 5 ? 100 : 0);
  const auto s = m.status();
  CHECK(s.warming_up);
  CHECK(!s.detached);
  CHECK(s.days_observed == 10);
}

TEST_CASE("events are summed into days and silent days count as zero", "[engagement]") {
  EngagementMonitor by_event, by_day;
  const double day = 86400;
  for (int d = 0; d < 40; ++d) {
    for (int e = 0; e < 50; ++e) by_event.observe(d * day + 100.0 + e, 1.0);
    by_day.observe_day(d, 50);
  }
  by_event.advance_to(40 * day);  // closes day 39
  CHECK(by_event.status().days_observed == by_day.status().days_observed);
  CHECK(by_event.status().baseline == Approx(by_day.status().baseline));
  // The customer goes silent: only clock ticks arrive.
  for (int d = 41; d < 50; ++d) by_event.advance_to(d * day);
  CHECK(by_event.status().detached);
  CHECK(by_event.status().drop > 0.9f);
}

TEST_CASE("a lasting drop becomes the new normal after rebaseline_days", "[engagement]") {
  EngagementMonitor::Options o;
  o.rebaseline_days = 10;
  EngagementMonitor m(o);
  int d = 0;
  for (; d < 40; ++d) m.observe_day(d, 200);
  bool alarmed = false;
  for (; d < 80; ++d) {
    m.observe_day(d, 100);
    alarmed = alarmed || m.status().detached;
  }
  CHECK(alarmed);
  CHECK(!m.status().detached);
  CHECK(m.status().baseline == Approx(100).epsilon(0.1));
}

TEST_CASE("malformed engagement input is rejected without a state change", "[engagement]") {
  EngagementMonitor m;
  for (int d = 0; d < 30; ++d) m.observe_day(100 + d, 40);
  const EngagementMonitor before = m;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(m.observe_day(200, nan), attune::invalid_argument);
  CHECK_THROWS_AS(m.observe_day(200, -1), attune::invalid_argument);
  CHECK_THROWS_AS(m.observe_day(110, 5), attune::invalid_argument);  // already closed
  CHECK_THROWS_AS(m.observe(nan, 1), attune::invalid_argument);
  CHECK_THROWS_AS(m.observe(129 * 86400.0, std::numeric_limits<double>::infinity()), attune::invalid_argument);
  CHECK_THROWS_AS(m.observe(5.0, 1), attune::invalid_argument);  // day 0 < open day
  CHECK(m == before);
  EngagementMonitor::Options o;
  o.min_drop = 0;
  CHECK_THROWS_AS(EngagementMonitor(o), attune::invalid_argument);
  o = {};
  o.warmup_days = 3;
  CHECK_THROWS_AS(EngagementMonitor(o), attune::invalid_argument);
}

TEST_CASE("EngagementMonitor serialization round-trips mid-warm-up and after", "[engagement]") {
  std::mt19937_64 rng(3);
  EngagementMonitor m;
  for (int d = 0; d < 60; ++d) {
    m.observe_day(d, day_value(rng, d, 80, 50, 0.3));
    if (d == 10 || d == 59) {
      const auto bytes = m.serialize();
      CHECK(bytes.size() == 110);
      CHECK(sizeof(EngagementMonitor) <= 112);
      auto c = EngagementMonitor::deserialize(bytes.data(), bytes.size());
      CHECK(c == m);
      // Identical futures.
      EngagementMonitor a = m;
      for (int k = 1; k <= 5; ++k) {
        a.observe_day(d + k, 30);
        c.observe_day(d + k, 30);
      }
      CHECK(a.status().to_json() == c.status().to_json());
    }
  }
  auto bytes = m.serialize();
  for (size_t i = 6; i < 10; ++i) bytes[i] = 0xFF;  // min_drop becomes NaN
  CHECK_THROWS_AS(EngagementMonitor::deserialize(bytes.data(), bytes.size()), attune::error);
}

TEST_CASE("Siegmund threshold inverts the ARL approximation", "[engagement]") {
  for (double k : {0.25, 0.5, 1.0}) {
    const double h = EngagementMonitor::threshold_for(1000, k);
    CHECK(EngagementMonitor::siegmund_arl0(h, k) == Approx(1000).epsilon(1e-6));
  }
  // Textbook value: k = 0.5, h = 5 gives ARL0 close to 930 (Siegmund), about 938 exactly.
  CHECK(EngagementMonitor::siegmund_arl0(5.0, 0.5) == Approx(938).epsilon(0.02));
}

TEST_CASE("the seed's B2B account (22% drop after frustrated tickets) is flagged within a week", "[engagement]") {
  // The demo's series (tools/cmd_demo.cpp): ~40-44 engagement pings a day for 8 weeks, then 22%
  // fewer. Several noise draws, so the test does not rest on one lucky sequence.
  for (unsigned seed = 1; seed <= 10; ++seed) {
    std::mt19937 rng(seed);
    EngagementMonitor m;
    int alarm = -1;
    for (int d = 0; d < 70; ++d) {
      const bool dropped = d >= 56;
      const int pings = static_cast<int>((dropped ? 0.78 : 1.0) * 40) + static_cast<int>(rng() % 5);
      m.observe_day(d, pings);
      const auto s = m.status();
      if (d < 56) CHECK(!s.detached);
      if (s.detached && alarm < 0) alarm = d;
    }
    CHECK(alarm >= 56);
    CHECK(alarm <= 62);
    CHECK(m.status().drop > 0.1f);
  }
}

TEST_CASE("a light user's noise and outage days stay within the false-alarm budget", "[engagement]") {
  // ~12 events a day (day-to-day noise ~30%), weekly rhythm, an outage day every 50 days: the
  // per-account threshold follows the noise, so false alarms stay near the documented rate
  // (<= 1 per 1,000 stable days; the bound below leaves room for sampling noise).
  std::mt19937_64 rng(21);
  int alarms = 0, days = 0;
  for (int account = 0; account < 40; ++account) {
    EngagementMonitor m;
    bool was = false;
    for (int d = 0; d < 428; ++d) {
      double v = day_value(rng, d, 12, 100000, 0);
      if (d % 50 == account % 50) v = 0;  // an outage day
      m.observe_day(d, v);
      const bool now = m.status().detached;
      alarms += now && !was;
      was = now;
      days += d >= 28;
    }
  }
  CHECK(1000.0 * alarms / days <= 2.0);  // 16,000 monitored days
}

namespace {
// A steady account of ~300 events a day with a weekly rhythm (day-to-day noise ~6%).
EngagementMonitor steady_account(std::mt19937_64& rng, int days) {
  EngagementMonitor m;
  for (int d = 0; d < days; ++d) m.observe_day(d, day_value(rng, d, 300, 100000, 0));
  return m;
}
}  // namespace

TEST_CASE("outage days are weak evidence, but a customer who stops is detached on the third silent day",
          "[engagement]") {
  std::mt19937_64 rng(8);
  for (int account = 0; account < 10; ++account) {
    EngagementMonitor m = steady_account(rng, 90);
    // An outage, a normal day, a two-day outage, a normal day, an outage: five empty days in a
    // week would be three quarters of the way to an alarm if each counted at the cap.
    int d = 90;
    for (int v : {0, 1, 0, 0, 1, 0}) {
      m.observe_day(d, v ? day_value(rng, d, 300, 100000, 0) : 0.0);
      CHECK(!m.status().detached);
      ++d;
    }
    for (int k = 0; k < 10; ++k, ++d) m.observe_day(d, day_value(rng, d, 300, 100000, 0));
    CHECK(!m.status().detached);
    // Now the customer stops: the third empty day in a row is a stop, not an outage.
    m.observe_day(d++, 0);
    m.observe_day(d++, 0);
    CHECK(!m.status().detached);
    m.observe_day(d++, 0);
    CHECK(m.status().detached);
    CHECK(m.status().drop > 0.9f);
  }
}

TEST_CASE("a campaign spike during a drop does not hide it", "[engagement]") {
  std::mt19937_64 rng(9);
  int detected = 0;
  for (int account = 0; account < 20; ++account) {
    EngagementMonitor m = steady_account(rng, 90);
    int alarm = -1;
    for (int d = 90; d < 100 && alarm < 0; ++d) {
      double v = day_value(rng, d, 300, 90, 0.22);
      if (d == 91) v *= 3;  // a campaign mail on the drop's second day
      m.observe_day(d, v);
      if (m.status().detached) alarm = d;
    }
    detected += alarm >= 0 && alarm < 97;
  }
  CHECK(detected >= 19);
}

TEST_CASE("outage days do not widen the account's noise estimate", "[engagement]") {
  // With 5% of days empty, a winsorized RMS made the scale ~15% too wide (a higher threshold,
  // slower detection); outlier days are now left out of the baseline updates.
  std::mt19937_64 clean_rng(10), outage_rng(10);
  EngagementMonitor clean, with_outages;
  for (int d = 0; d < 200; ++d) {
    const double v = day_value(clean_rng, d, 300, 100000, 0);
    const double w = day_value(outage_rng, d, 300, 100000, 0);
    clean.observe_day(d, v);
    with_outages.observe_day(d, d >= 28 && d % 20 == 3 ? 0.0 : w);
  }
  CHECK(!with_outages.status().detached);
  CHECK(with_outages.status().threshold == Approx(clean.status().threshold).epsilon(0.03));
}

TEST_CASE("a lasting rise becomes the baseline, and a later drop from it is detected", "[engagement]") {
  std::mt19937_64 rng(12);
  EngagementMonitor m = steady_account(rng, 60);
  int d = 60;
  for (; d < 200; ++d) m.observe_day(d, day_value(rng, d, 480, 100000, 0));  // +60%, far beyond 4 sd
  CHECK(m.status().baseline > 400);
  CHECK(!m.status().detached);
  int alarm = -1;
  for (; d < 215 && alarm < 0; ++d) {
    m.observe_day(d, day_value(rng, d, 480, 200, 0.22));
    if (m.status().detached) alarm = d;
  }
  CHECK(alarm >= 200);
  CHECK(alarm < 207);
}
