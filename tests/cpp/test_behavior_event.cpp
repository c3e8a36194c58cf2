#include "attune/behavior/event.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace attune::behavior;
using attune::status;

namespace {

status status_of_parse(const std::string& json) {
  try {
    parse_event(json);
  } catch (const std::exception& e) {
    return attune::status_of(e);
  }
  return status::ok;
}

int64_t utc_ms(int y, int mo, int d, int h, int mi, int s, int ms = 0) {
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms;
}

}  // namespace

TEST_CASE("a Segment track event is parsed with its typed properties", "[behavior][event]") {
  const Event e = parse_event(
      R"({"type":"track","userId":"u1","anonymousId":"a1","event":"Product Viewed",
          "properties":{"product_id":"p7","price":19.9,"quantity":2,"currency":"EUR","nested":{"x":[1,2]}},
          "context":{"os_code":3,"browser_code":2},"timestamp":"2026-11-28T18:03:11.250+01:00"})");
  CHECK(e.type == EventType::track);
  CHECK(e.kind == EventKind::product_viewed);
  CHECK(e.user_id == "u1");
  CHECK_FALSE(e.anonymous);
  CHECK(e.name == "Product Viewed");
  CHECK(e.product_id == "p7");
  CHECK(e.price == 19.9);
  CHECK(e.quantity == 2);
  CHECK(e.timestamp_ms == utc_ms(2026, 11, 28, 17, 3, 11, 250));
  CHECK(e.utc_offset_min == 60);
  CHECK(e.os_code == 3);
  CHECK(e.browser_code == 2);
  CHECK(e.region_code == 0);
  CHECK_FALSE(Event::has(e.bounce_rate));
}

TEST_CASE("page calls carry category, rates and path; properties.page_category wins", "[behavior][event]") {
  Event p = parse_event(
      R"({"type":"page","anonymousId":"a9","name":"Shipping","category":"Informational",
          "properties":{"path":"/help/shipping","bounce_rate":0.02,"exit_rate":0.05,"page_value":3.5},
          "timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(p.is_page());
  CHECK(p.kind == EventKind::page_viewed);
  CHECK(p.anonymous);
  CHECK(p.user_id == "a9");
  CHECK(p.page_category == PageCategory::informational);
  CHECK(p.path == "/help/shipping");
  CHECK(p.bounce_rate == 0.02);
  CHECK(p.exit_rate == 0.05);
  CHECK(p.page_value == 3.5);
  p = parse_event(R"({"type":"page","userId":"u","category":"informational","properties":{"page_category":"product"},"timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(p.page_category == PageCategory::product);
  p = parse_event(R"({"type":"page","userId":"u","category":"Blog","timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(p.page_category == PageCategory::none);  // unknown categories are uncategorized, not errors
  p = parse_event(R"({"type":"screen","userId":"u","name":"Cart","timestamp":1764349392000})");
  CHECK(p.is_page());
  CHECK(p.timestamp_ms == 1764349392000);
}

TEST_CASE("identify, unknown names, aliases and fallbacks", "[behavior][event]") {
  Event e = parse_event(R"({"type":"identify","userId":"u","traits":{"visitor_type":"returning"},"timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(e.kind == EventKind::identify);
  CHECK(e.visitor_type == VisitorType::returning_visitor);
  e = parse_event(R"({"type":"track","userId":"u","event":"Wishlist Shared","timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(e.kind == EventKind::other);
  e = parse_event(R"({"type":"track","userId":"","anonymousId":"anon","event":"Heartbeat","originalTimestamp":"2026-11-28T17:03:12Z"})");
  CHECK(e.user_id == "anon");
  CHECK(e.kind == EventKind::engagement_ping);
  e = parse_event(R"({"type":"track","userId":"u","event":"Order Completed","properties":{"product_id":1234,"total":99.5},"timestamp":"2026-11-28T17:03:12Z"})");
  CHECK(e.product_id == "1234");
  CHECK(e.value == 99.5);
  for (const char* n : {"Product Viewed", "Product Added", "Product Removed", "Cart Viewed", "Checkout Started",
                        "Order Completed", "Products Searched", "Support Message", "Error Shown", "Email Unsubscribed",
                        "Engagement Ping"})
    CHECK(event_kind_name(event_kind_from_name(n)) == n);
  CHECK(event_kind_from_name("product viewed") == EventKind::other);  // spec names are exact
}

TEST_CASE("timestamps: offsets, fractions and calendar checks", "[behavior][event]") {
  CHECK(parse_timestamp("2026-11-28T17:03:12Z").ms == utc_ms(2026, 11, 28, 17, 3, 12));
  CHECK(parse_timestamp("2026-11-28T17:03:12.5Z").ms == utc_ms(2026, 11, 28, 17, 3, 12, 500));
  CHECK(parse_timestamp("2026-11-28T17:03:12.123456789Z").ms == utc_ms(2026, 11, 28, 17, 3, 12, 123));
  CHECK(parse_timestamp("2026-11-28 17:03:12-0530").ms == utc_ms(2026, 11, 28, 22, 33, 12));
  CHECK(parse_timestamp("2026-11-28T17:03:12-05:30").utc_offset_min == -330);
  CHECK(parse_timestamp("2024-02-29T00:00:00Z").ms == utc_ms(2024, 2, 29, 0, 0, 0));
  for (const char* bad : {"2026-11-28T17:03:12", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-28",
                          "28/11/2026 17:03", "2026-11-28T25:00:00Z", "2026-11-28T17:03:12.Z",
                          "2026-11-28T17:03:12.1234567890Z", "1969-12-31T23:59:59Z", "2026-11-28T17:03:12+19:00",
                          "2026-11-28T17:03:12Zjunk", ""}) {
    INFO(bad);
    try {
      parse_timestamp(bad);
      FAIL("accepted");
    } catch (const attune::invalid_argument& e) {
      CHECK(e.code() == status::out_of_range);
    }
  }
  const int64_t t = utc_ms(2026, 11, 28, 17, 3, 12, 45);
  CHECK(format_timestamp(t) == "2026-11-28T17:03:12.045Z");
  CHECK(format_timestamp(t, 90) == "2026-11-28T18:33:12.045+01:30");
  const auto back = parse_timestamp(format_timestamp(t, -330));
  CHECK(back.ms == t);
  CHECK(back.utc_offset_min == -330);
  const CivilTime c = civil_time(utc_ms(2026, 11, 28, 1, 30, 0), -120);  // Friday evening local
  CHECK(c.day == 27);
  CHECK(c.weekday == 5);
}

TEST_CASE("every class of malformed event is refused with its status", "[behavior][event]") {
  const std::string ts = R"("timestamp":"2026-11-28T17:03:12Z")";
  // Not JSON / not an object.
  CHECK(status_of_parse("{") == status::parse_error);
  CHECK(status_of_parse("[1,2]") == status::parse_error);
  CHECK(status_of_parse("") == status::parse_error);
  // Missing or wrong fields.
  CHECK(status_of_parse(R"({"userId":"u","event":"x",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"alias","userId":"u",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","event":"x",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"","anonymousId":"","event":"x",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":7,"event":"x",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":3,)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":[1],)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","context":"web",)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":{"price":"9.99"},)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":{"product_id":{"a":1}},)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":{"os_code":"Linux"},)" + ts + "}") == status::invalid_argument);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":{"visitor_type":"vip"},)" + ts + "}") == status::invalid_argument);
  // Numbers out of their domain.
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","properties":{"price":-1},)" + ts + "}") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"page","userId":"u","properties":{"bounce_rate":1.5},)" + ts + "}") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"page","userId":"u","properties":{"exit_rate":-0.1},)" + ts + "}") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"page","userId":"u","properties":{"region_code":0},)" + ts + "}") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"page","userId":"u","properties":{"region_code":256},)" + ts + "}") == status::out_of_range);
  // Timestamps.
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x"})") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","timestamp":"yesterday"})") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","timestamp":1.5})") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","timestamp":-5})") == status::out_of_range);
  CHECK(status_of_parse(R"({"type":"track","userId":"u","event":"x","timestamp":true})") == status::out_of_range);
  // Sizes and nesting.
  const std::string big = R"({"type":"track","userId":"u","event":"x",)" + ts + R"(,"properties":{"blob":")" +
                          std::string(kMaxEventBytes, 'a') + "\"}}";
  CHECK(status_of_parse(big) == status::limit_exceeded);
  const std::string deep = R"({"type":"track","userId":"u","event":"x",)" + ts + R"(,"properties":{"d":)" +
                           std::string(40, '[') + std::string(40, ']') + "}}";
  CHECK(status_of_parse(deep) == status::limit_exceeded);
  CHECK(status_of_parse(R"({"type":"track","userId":")" + std::string(kMaxIdBytes + 1, 'u') + R"(","event":"x",)" + ts + "}") ==
        status::limit_exceeded);
  // Malformed UTF-8: a bad lead byte, an overlong form, a surrogate, a truncated sequence.
  for (const std::string& bad : {std::string("\xC3\x28"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xE2\x82")}) {
    const std::string json = R"({"type":"track","userId":"u)" + bad + R"(","event":"x",)" + ts + "}";
    CHECK(status_of_parse(json) == status::invalid_utf8);
  }
  try {
    parse_event(std::string("{\"type\":\"track\",\"userId\":\"\xFF\"}"));
    FAIL("accepted");
  } catch (const attune::invalid_argument& e) {
    CHECK(std::string(e.what()).find("offset 26") != std::string::npos);
  }
}

TEST_CASE("hand-built events are validated like parsed ones", "[behavior][event]") {
  Event e;
  e.user_id = "u";
  e.name = "Checkout Started";
  e.timestamp_ms = 1764349392000;
  validate(e);
  CHECK(e.kind == EventKind::checkout_started);
  Event bad = e;
  bad.user_id.clear();
  CHECK_THROWS_AS(validate(bad), attune::invalid_argument);
  bad = e;
  bad.bounce_rate = 2;
  CHECK_THROWS_AS(validate(bad), attune::invalid_argument);
  bad = e;
  bad.timestamp_ms = -1;
  CHECK_THROWS_AS(validate(bad), attune::invalid_argument);
  bad = e;
  bad.name = "";
  CHECK_THROWS_AS(validate(bad), attune::invalid_argument);
  bad = e;
  bad.user_id = "\xC3";
  CHECK_THROWS_AS(validate(bad), attune::invalid_argument);
}

TEST_CASE("to_json round-trips through parse_event", "[behavior][event]") {
  const Event e = parse_event(
      R"({"type":"page","userId":"u1","name":"Jacket","properties":{"page_category":"product","product_id":"j1",
          "path":"/p/j1","price":120,"bounce_rate":0.01,"exit_rate":0.02,"page_value":4,"traffic_type_code":5,
          "visitor_type":"New_Visitor"},"timestamp":"2026-05-04T10:00:00.001+02:00"})");
  const Event b = parse_event(to_json(e));
  CHECK(b.type == e.type);
  CHECK(b.user_id == e.user_id);
  CHECK(b.name == e.name);
  CHECK(b.timestamp_ms == e.timestamp_ms);
  CHECK(b.utc_offset_min == e.utc_offset_min);
  CHECK(b.page_category == e.page_category);
  CHECK(b.product_id == e.product_id);
  CHECK(b.path == e.path);
  CHECK(b.price == e.price);
  CHECK(b.bounce_rate == e.bounce_rate);
  CHECK(b.exit_rate == e.exit_rate);
  CHECK(b.page_value == e.page_value);
  CHECK(b.traffic_type_code == 5);
  CHECK(b.visitor_type == VisitorType::new_visitor);
}
