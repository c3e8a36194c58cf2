#include "attune/behavior/session_tracker.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace attune::behavior;
using Catch::Matchers::WithinAbs;

namespace {

// 2026-11-28 is a Saturday.
const int64_t T0 = (days_from_civil(2026, 11, 28) * 86400 + 10 * 3600) * 1000;

Event page(const char* user, int64_t t, PageCategory cat, double bounce = -1, double exit = -1, double value = -1) {
  Event e;
  e.type = EventType::page;
  e.user_id = user;
  e.timestamp_ms = t;
  e.page_category = cat;
  if (bounce >= 0) e.bounce_rate = bounce;
  if (exit >= 0) e.exit_rate = exit;
  if (value >= 0) e.page_value = value;
  validate(e);
  return e;
}

Event track(const char* user, int64_t t, const char* name, const char* product = "") {
  Event e;
  e.user_id = user;
  e.timestamp_ms = t;
  e.name = name;
  e.product_id = product;
  validate(e);
  return e;
}

bool same(const SessionFeatures& a, const SessionFeatures& b) {
  return uci_vector(a) == uci_vector(b) && a.events == b.events && a.late_events == b.late_events &&
         a.duplicate_events == b.duplicate_events && a.last_ms == b.last_ms && a.products_added == b.products_added;
}

}  // namespace

TEST_CASE("a scripted session gives the exact UCI features", "[behavior][session]") {
  SessionTracker tr;
  CHECK(tr.observe(page("u1", T0, PageCategory::administrative, 0.01, 0.02)) == ObserveResult::new_session);
  CHECK(tr.observe(page("u1", T0 + 30000, PageCategory::product, 0.03, 0.04, 10)) == ObserveResult::continued);
  // "Product Viewed" 1 s after the product page call: the same page view.
  CHECK(tr.observe(track("u1", T0 + 31000, "Product Viewed", "p1")) == ObserveResult::continued);
  CHECK(tr.observe(track("u1", T0 + 90000, "Product Added", "p1")) == ObserveResult::continued);
  CHECK(tr.observe(page("u1", T0 + 120000, PageCategory::informational)) == ObserveResult::continued);
  CHECK(tr.observe(track("u1", T0 + 180000, "Engagement Ping")) == ObserveResult::continued);
  const SessionFeatures f = *tr.features("u1");
  CHECK(f.administrative == 1);
  CHECK(f.administrative_duration == 30.0);
  CHECK(f.product_related == 1);
  CHECK(f.product_related_duration == 90.0);
  CHECK(f.informational == 1);
  CHECK(f.informational_duration == 60.0);  // the current page accrues time up to the latest ping
  CHECK_THAT(f.bounce_rates, WithinAbs((0.01 + 0.03 + 0.022) / 3, 1e-12));
  CHECK_THAT(f.exit_rates, WithinAbs((0.02 + 0.04 + 0.043) / 3, 1e-12));
  CHECK_THAT(f.page_values, WithinAbs(10.0 / 3, 1e-12));
  CHECK(f.special_day == 0.0);
  CHECK(f.month == 11);
  CHECK(f.weekend);
  CHECK(f.visitor_type == VisitorType::new_visitor);
  CHECK(f.operating_systems == 2);
  CHECK(f.browser == 2);
  CHECK(f.region == 1);
  CHECK(f.traffic_type == 2);
  CHECK(f.events == 6);
  CHECK(f.products_viewed == 1);
  CHECK(f.products_added == 1);
  CHECK(f.engagement_pings == 1);
  CHECK(f.page_views() == 3);
  CHECK(f.duration_s() == 180.0);
  const auto v = uci_vector(f);
  CHECK(v[static_cast<size_t>(UciFeature::month)] == 11);
  CHECK(v[static_cast<size_t>(UciFeature::weekend)] == 1);
  CHECK(v[static_cast<size_t>(UciFeature::visitor_type)] == 0);
}

TEST_CASE("a product page call after Product Viewed replaces the default rates", "[behavior][session]") {
  SessionTracker tr;
  tr.observe(track("u", T0, "Product Viewed", "p1"));
  tr.observe(page("u", T0 + 500, PageCategory::product, 0.1, 0.2, 5));
  auto f = *tr.features("u");
  CHECK(f.product_related == 1);
  CHECK(f.bounce_rates == 0.1);
  CHECK(f.exit_rates == 0.2);
  CHECK(f.page_values == 5);
  // Product views without page calls count as product pages.
  tr.observe(track("u", T0 + 60000, "Product Viewed", "p2"));
  tr.observe(track("u", T0 + 100000, "Product Viewed", "p3"));
  f = *tr.features("u");
  CHECK(f.product_related == 3);
  CHECK(f.product_related_duration == 100.0);
}

TEST_CASE("out-of-order, duplicate and early events never corrupt the session", "[behavior][session]") {
  SessionTracker tr;
  tr.observe(page("u", T0, PageCategory::product));
  tr.observe(track("u", T0 + 60000, "Product Added", "p"));
  tr.observe(page("u", T0 + 120000, PageCategory::administrative));
  const auto before = *tr.features("u");
  // A late page view inside the session: counted, no duration, time does not go back.
  CHECK(tr.observe(page("u", T0 + 30000, PageCategory::informational, 0.1, 0.1, 0)) == ObserveResult::late);
  auto f = *tr.features("u");
  CHECK(f.informational == 1);
  CHECK(f.informational_duration == 0.0);
  CHECK(f.product_related_duration == before.product_related_duration);
  CHECK(f.last_ms == before.last_ms);
  CHECK(f.late_events == 1);
  // An exact duplicate is ignored.
  CHECK(tr.observe(track("u", T0 + 60000, "Product Added", "p")) == ObserveResult::duplicate);
  f = *tr.features("u");
  CHECK(f.products_added == 1);
  CHECK(f.duplicate_events == 1);
  // Same timestamp, different event: not a duplicate.
  CHECK(tr.observe(track("u", T0 + 60000, "Product Added", "q")) == ObserveResult::late);
  // Earlier than the session start: ignored.
  CHECK(tr.observe(page("u", T0 - 1000, PageCategory::product)) == ObserveResult::ignored_late);
  f = *tr.features("u");
  CHECK(f.product_related == 1);
  CHECK(f.late_events == 3);
  // Equal timestamps in order: a zero-length page.
  CHECK(tr.observe(page("u", T0 + 120000, PageCategory::product)) == ObserveResult::continued);
  f = *tr.features("u");
  CHECK(f.administrative_duration == 0.0);
  CHECK(f.product_related == 2);
}

TEST_CASE("sessions end after the timeout; later sessions are Returning_Visitor", "[behavior][session]") {
  SessionConfig cfg;
  cfg.timeout_ms = 10 * 60 * 1000;
  SessionTracker tr(cfg);
  tr.observe(page("u", T0, PageCategory::product));
  tr.observe(page("u", T0 + 9 * 60000, PageCategory::product));
  CHECK(tr.features("u")->product_related == 2);
  CHECK(tr.features("u", T0 + 9 * 60000 + cfg.timeout_ms)->active);
  CHECK_FALSE(tr.features("u", T0 + 9 * 60000 + cfg.timeout_ms + 1)->active);
  CHECK(tr.observe(page("u", T0 + 20 * 60000, PageCategory::administrative)) == ObserveResult::new_session);
  const auto f = *tr.features("u");
  CHECK(f.product_related == 0);
  CHECK(f.administrative == 1);
  CHECK(f.session_index == 1);
  CHECK(f.visitor_type == VisitorType::returning_visitor);
  CHECK(f.start_ms == T0 + 20 * 60000);
}

TEST_CASE("calendar features use the customer's local date", "[behavior][session]") {
  SessionTracker tr;
  // Friday 23:30 at UTC-2 is Saturday 01:30 UTC: local weekday wins.
  Event e = parse_event(R"({"type":"page","userId":"u","category":"product","timestamp":"2026-11-27T23:30:00-02:00"})");
  tr.observe(e);
  CHECK_FALSE(tr.features("u")->weekend);
  // Valentine's Day shape: 1 on Feb 8, 0.2 on Feb 2 and Feb 12, 0 on the day itself.
  const auto rules = default_special_days();
  CHECK(special_day_value(2026, 2, 8, rules) == 1.0);
  CHECK_THAT(special_day_value(2026, 2, 2, rules), WithinAbs(0.2, 1e-12));
  CHECK_THAT(special_day_value(2026, 2, 12, rules), WithinAbs(0.2, 1e-12));
  CHECK_THAT(special_day_value(2026, 2, 10, rules), WithinAbs(0.6, 1e-12));
  CHECK(special_day_value(2026, 2, 14, rules) == 0.0);
  CHECK(special_day_value(2026, 1, 31, rules) == 0.0);
  // Mother's Day 2026 is Sunday May 10: May 4 is 6 days before.
  CHECK(special_day_value(2026, 5, 4, rules) == 1.0);
  CHECK(special_day_value(2026, 7, 4, rules) == 0.0);
  // A host table: a last-Friday rule (Black Friday-like) works too.
  const std::vector<SpecialDayRule> custom = {SpecialDayRule{"Last Friday of November", 11, 0, 5, 5}};
  CHECK(special_day_value(2026, 11, 21, custom) == 1.0);  // 2026-11-27 is the last Friday
  Event m = parse_event(R"({"type":"page","userId":"v","category":"product","timestamp":"2026-02-08T12:00:00Z"})");
  tr.observe(m);
  CHECK(tr.features("v")->special_day == 1.0);
  CHECK(tr.features("v")->month == 2);
}

TEST_CASE("technical fields and visitor type come from events when present", "[behavior][session]") {
  SessionTracker tr;
  tr.observe(parse_event(R"({"type":"page","userId":"u","category":"product","context":{"os_code":3,"region_code":7},
      "properties":{"traffic_type_code":11,"browser_code":4,"visitor_type":"Other"},"timestamp":"2026-11-28T10:00:00Z"})"));
  const auto f = *tr.features("u");
  CHECK(f.operating_systems == 3);
  CHECK(f.browser == 4);
  CHECK(f.region == 7);
  CHECK(f.traffic_type == 11);
  CHECK(f.visitor_type == VisitorType::other);
}

TEST_CASE("bad input and full trackers change nothing", "[behavior][session]") {
  SessionConfig cfg;
  cfg.max_customers = 2;
  SessionTracker tr(cfg);
  tr.observe(page("a", T0, PageCategory::product));
  tr.observe(page("b", T0, PageCategory::product));
  const auto before = *tr.features("a");
  Event bad = page("a", T0 + 1000, PageCategory::product);
  bad.bounce_rate = 3.0;  // bypassing validate()
  CHECK_THROWS_AS(tr.observe(bad), attune::invalid_argument);
  CHECK(same(*tr.features("a"), before));
  Event empty_id = page("a", T0 + 1000, PageCategory::product);
  empty_id.user_id.clear();
  CHECK_THROWS_AS(tr.observe(empty_id), attune::invalid_argument);
  try {
    tr.observe(page("c", T0 + 1000, PageCategory::product));
    FAIL("accepted a third customer");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::limit_exceeded);
  }
  CHECK(tr.size() == 2);
  CHECK_FALSE(tr.features("c"));
  // Once the others are idle beyond the timeout, they make room.
  CHECK(tr.observe(page("c", T0 + cfg.timeout_ms + 1, PageCategory::product)) == ObserveResult::new_session);
  CHECK(tr.size() == 1);
  CHECK(tr.erase("c"));
  CHECK_FALSE(tr.erase("c"));
  SessionConfig bad_cfg;
  bad_cfg.timeout_ms = 0;
  CHECK_THROWS_AS(SessionTracker(bad_cfg), attune::invalid_argument);
  CHECK_THROWS_AS(tr.observe_json("{not json"), attune::invalid_argument);
}

TEST_CASE("a session's memory does not grow with its events", "[behavior][session]") {
  Session s;
  SessionConfig cfg;
  for (int i = 0; i < 5000; ++i) s.observe(page("u", T0 + i * 1000, i % 2 ? PageCategory::product : PageCategory::administrative), cfg);
  const auto f = s.features(cfg);
  CHECK(f.product_related == 2500);
  CHECK(f.administrative == 2500);
  CHECK(f.product_related_duration + f.administrative_duration == 4999.0);
  STATIC_REQUIRE(sizeof(Session) < 512);
}
