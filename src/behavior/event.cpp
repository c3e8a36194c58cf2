#include "attune/behavior/event.hpp"

#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace attune::behavior {
namespace {

using nlohmann::json;

// Lower bound 1970, upper bound 2200: anything else is a unit mistake (seconds vs ms) or garbage.
constexpr int64_t kMinTimestampMs = 0;
constexpr int64_t kMaxTimestampMs = 7258118400000LL;  // 2200-01-01T00:00:00Z

[[noreturn]] void fail(const std::string& msg, status s = status::invalid_argument) {
  throw attune::invalid_argument("event: " + msg, s);
}

// Strict UTF-8 check (RFC 3629) with the byte offset, so a host can find the broken byte. Kept
// local rather than reusing attune::text so events do not depend on the text pipeline.
void check_utf8(std::string_view s, const char* what) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) { ++i; continue; }
    size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
    else if (b0 == 0xE0) { len = 3; lo = 0xA0; }
    else if (b0 >= 0xE1 && b0 <= 0xEC) len = 3;
    else if (b0 == 0xED) { len = 3; hi = 0x9F; }
    else if (b0 >= 0xEE && b0 <= 0xEF) len = 3;
    else if (b0 == 0xF0) { len = 4; lo = 0x90; }
    else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
    else if (b0 == 0xF4) { len = 4; hi = 0x8F; }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      const unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      ok = b >= l && b <= h;
    }
    if (!ok)
      fail(std::string(what) + " is not well-formed UTF-8 at byte offset " + std::to_string(i), status::invalid_utf8);
    i += len;
  }
}

// nlohmann parses nesting with an explicit stack but a bound keeps hostile payloads cheap.
void check_depth(std::string_view s) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxEventDepth)
        fail("JSON nesting deeper than " + std::to_string(kMaxEventDepth), status::limit_exceeded);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void check_id(const std::string& s, const char* what) {
  if (s.size() > kMaxIdBytes)
    fail(std::string(what) + " is " + std::to_string(s.size()) + " bytes, above the limit of " +
             std::to_string(kMaxIdBytes),
         status::limit_exceeded);
  check_utf8(s, what);
}

// A string field: absent or null -> nullopt; other types -> error.
std::optional<std::string> opt_string(const json& obj, const char* key, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(std::string(where) + key + " must be a string, got " + it->type_name());
  return it->get<std::string>();
}

double opt_number(const json& obj, const char* key, const char* where, double lo, double hi) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!it->is_number()) fail(std::string(where) + key + " must be a number, got " + it->type_name());
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    fail(std::string(where) + key + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "]",
         status::out_of_range);
  return v;
}

uint8_t opt_code(const json& obj, const char* key, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return 0;
  if (!it->is_number_integer()) fail(std::string(where) + key + " must be an integer code, got " + it->type_name());
  const auto v = it->get<int64_t>();
  if (v < 1 || v > 255)
    fail(std::string(where) + key + " = " + std::to_string(v) + " is outside [1, 255]", status::out_of_range);
  return static_cast<uint8_t>(v);
}

int parse_digits(std::string_view t, size_t pos, size_t count, const char* what) {
  if (pos + count > t.size()) fail(std::string("timestamp '") + std::string(t) + "': truncated " + what, status::out_of_range);
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (t[i] < '0' || t[i] > '9')
      fail(std::string("timestamp '") + std::string(t) + "': expected digits for the " + what, status::out_of_range);
    v = v * 10 + (t[i] - '0');
  }
  return v;
}

void expect_char(std::string_view t, size_t pos, char c) {
  if (pos >= t.size() || t[pos] != c)
    fail(std::string("timestamp '") + std::string(t) + "': expected '" + c + "' at position " + std::to_string(pos),
         status::out_of_range);
}

int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

}  // namespace

// Howard Hinnant's civil-from-days algorithm (public domain description of the proleptic
// Gregorian calendar arithmetic).
int64_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilTime civil_time(int64_t ms, int16_t utc_offset_min) noexcept {
  const int64_t local = ms + int64_t{utc_offset_min} * 60000;
  int64_t z = local >= 0 ? local / 86400000 : (local - 86399999) / 86400000;
  const int64_t days = z;
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  CivilTime c{};
  c.year = static_cast<int>(y);
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.days = days;
  c.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  return c;
}

Timestamp parse_timestamp(std::string_view t) {
  if (t.size() > 64) fail("timestamp is longer than 64 characters", status::out_of_range);
  const int year = parse_digits(t, 0, 4, "year");
  expect_char(t, 4, '-');
  const int month = parse_digits(t, 5, 2, "month");
  expect_char(t, 7, '-');
  const int day = parse_digits(t, 8, 2, "day");
  if (t.size() <= 10 || (t[10] != 'T' && t[10] != 't' && t[10] != ' '))
    fail("timestamp '" + std::string(t) + "': expected 'T' and a time of day after the date", status::out_of_range);
  const int hour = parse_digits(t, 11, 2, "hour");
  expect_char(t, 13, ':');
  const int minute = parse_digits(t, 14, 2, "minute");
  expect_char(t, 16, ':');
  const int second = parse_digits(t, 17, 2, "second");
  size_t pos = 19;
  int millis = 0;
  if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9)
      fail("timestamp '" + std::string(t) + "': the fraction of a second needs 1 to 9 digits", status::out_of_range);
    for (size_t k = digits; k < 3; ++k) millis *= 10;
  }
  int offset = 0;
  if (pos >= t.size()) fail("timestamp '" + std::string(t) + "' has no UTC offset (add Z or +HH:MM)", status::out_of_range);
  if (t[pos] == 'Z' || t[pos] == 'z') {
    ++pos;
  } else if (t[pos] == '+' || t[pos] == '-') {
    const int sign = t[pos] == '-' ? -1 : 1;
    const int oh = parse_digits(t, pos + 1, 2, "offset hours");
    size_t p = pos + 3;
    if (p < t.size() && t[p] == ':') ++p;
    const int om = parse_digits(t, p, 2, "offset minutes");
    pos = p + 2;
    if (oh > 18 || om > 59 || oh * 60 + om > 1080)
      fail("timestamp '" + std::string(t) + "': UTC offset out of range", status::out_of_range);
    offset = sign * (oh * 60 + om);
  } else {
    fail("timestamp '" + std::string(t) + "': expected Z or a +HH:MM offset at position " + std::to_string(pos),
         status::out_of_range);
  }
  if (pos != t.size()) fail("timestamp '" + std::string(t) + "': unexpected characters after the offset", status::out_of_range);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60)
    fail("timestamp '" + std::string(t) + "': not a valid date and time", status::out_of_range);
  const int64_t days = days_from_civil(year, month, day);
  // A leap second (:60) is folded onto the next second, as POSIX time does.
  const int64_t local_s = days * 86400 + hour * 3600 + minute * 60 + second;
  const int64_t ms = (local_s - int64_t{offset} * 60) * 1000 + millis;
  if (ms < kMinTimestampMs || ms >= kMaxTimestampMs)
    fail("timestamp '" + std::string(t) + "' is outside 1970..2199", status::out_of_range);
  return Timestamp{ms, static_cast<int16_t>(offset)};
}

std::string format_timestamp(int64_t ms, int16_t off) {
  const CivilTime c = civil_time(ms, off);
  const int64_t local = ms + int64_t{off} * 60000;
  const int64_t in_day = local - c.days * 86400000;
  const int h = static_cast<int>(in_day / 3600000), mi = static_cast<int>(in_day / 60000 % 60),
            s = static_cast<int>(in_day / 1000 % 60), milli = static_cast<int>(in_day % 1000);
  char buf[48];
  if (off == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, h, mi, s, milli);
  } else {
    const int a = off < 0 ? -off : off;
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", c.year, c.month, c.day, h, mi, s,
                  milli, off < 0 ? '-' : '+', a / 60, a % 60);
  }
  return buf;
}

EventKind event_kind_from_name(std::string_view n) noexcept {
  struct Entry { std::string_view name; EventKind kind; };
  static constexpr Entry table[] = {
      {"Product Viewed", EventKind::product_viewed},       {"Product Added", EventKind::product_added},
      {"Product Removed", EventKind::product_removed},     {"Cart Viewed", EventKind::cart_viewed},
      {"Checkout Started", EventKind::checkout_started},   {"Order Completed", EventKind::order_completed},
      {"Products Searched", EventKind::products_searched}, {"Support Message", EventKind::support_message},
      {"Error Shown", EventKind::error_shown},             {"Email Unsubscribed", EventKind::email_unsubscribed},
      {"Engagement Ping", EventKind::engagement_ping},     {"Page Ping", EventKind::engagement_ping},
      {"Heartbeat", EventKind::engagement_ping},
  };
  for (const auto& e : table)
    if (e.name == n) return e.kind;
  return EventKind::other;
}

std::string_view event_kind_name(EventKind k) noexcept {
  switch (k) {
    case EventKind::other: return "";
    case EventKind::page_viewed: return "page";
    case EventKind::identify: return "identify";
    case EventKind::product_viewed: return "Product Viewed";
    case EventKind::product_added: return "Product Added";
    case EventKind::product_removed: return "Product Removed";
    case EventKind::cart_viewed: return "Cart Viewed";
    case EventKind::checkout_started: return "Checkout Started";
    case EventKind::order_completed: return "Order Completed";
    case EventKind::products_searched: return "Products Searched";
    case EventKind::support_message: return "Support Message";
    case EventKind::error_shown: return "Error Shown";
    case EventKind::email_unsubscribed: return "Email Unsubscribed";
    case EventKind::engagement_ping: return "Engagement Ping";
  }
  return "";
}

std::optional<PageCategory> page_category_from_name(std::string_view name) noexcept {
  std::string l;
  try {
    l = lower(name);
  } catch (...) {
    return std::nullopt;
  }
  if (l == "administrative" || l == "admin" || l == "account") return PageCategory::administrative;
  if (l == "informational" || l == "info") return PageCategory::informational;
  if (l == "product" || l == "product_related" || l == "productrelated") return PageCategory::product;
  return std::nullopt;
}

std::string_view page_category_name(PageCategory c) noexcept {
  switch (c) {
    case PageCategory::none: return "";
    case PageCategory::administrative: return "administrative";
    case PageCategory::informational: return "informational";
    case PageCategory::product: return "product";
  }
  return "";
}

std::optional<VisitorType> visitor_type_from_name(std::string_view name) noexcept {
  std::string l;
  try {
    l = lower(name);
  } catch (...) {
    return std::nullopt;
  }
  if (l == "new" || l == "new_visitor") return VisitorType::new_visitor;
  if (l == "returning" || l == "returning_visitor") return VisitorType::returning_visitor;
  if (l == "other") return VisitorType::other;
  return std::nullopt;
}

std::string_view visitor_type_name(VisitorType v) noexcept {
  switch (v) {
    case VisitorType::unknown: return "";
    case VisitorType::new_visitor: return "New_Visitor";
    case VisitorType::returning_visitor: return "Returning_Visitor";
    case VisitorType::other: return "Other";
  }
  return "";
}

void validate(Event& e) {
  if (static_cast<unsigned>(e.type) > static_cast<unsigned>(EventType::identify)) fail("unknown event type");
  if (static_cast<unsigned>(e.page_category) > static_cast<unsigned>(PageCategory::product)) fail("unknown page category");
  if (static_cast<unsigned>(e.visitor_type) > static_cast<unsigned>(VisitorType::other)) fail("unknown visitor type");
  if (static_cast<size_t>(e.kind) >= kEventKindCount) fail("unknown event kind");
  if (e.user_id.empty()) fail("missing userId and anonymousId (one is required)");
  check_id(e.user_id, "user id");
  check_id(e.name, "event name");
  check_id(e.product_id, "product_id");
  check_id(e.path, "path");
  if (e.timestamp_ms < kMinTimestampMs || e.timestamp_ms >= kMaxTimestampMs)
    fail("timestamp " + std::to_string(e.timestamp_ms) + " ms is outside 1970..2199", status::out_of_range);
  if (e.utc_offset_min < -1080 || e.utc_offset_min > 1080) fail("UTC offset outside +-18 h", status::out_of_range);
  auto check_num = [](double v, const char* what, double lo, double hi) {
    if (Event::has(v) && (!std::isfinite(v) || v < lo || v > hi))
      fail(std::string(what) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
               std::to_string(hi) + "]",
           status::out_of_range);
  };
  const double big = 1e15;
  check_num(e.price, "price", 0, big);
  check_num(e.quantity, "quantity", 0, big);
  check_num(e.value, "value", -big, big);
  check_num(e.bounce_rate, "bounce_rate", 0, 1);
  check_num(e.exit_rate, "exit_rate", 0, 1);
  check_num(e.page_value, "page_value", 0, big);
  switch (e.type) {
    case EventType::track:
      if (e.name.empty()) fail("a track event needs a non-empty event name");
      if (e.kind == EventKind::other || e.kind == EventKind::page_viewed || e.kind == EventKind::identify)
        e.kind = event_kind_from_name(e.name);
      break;
    case EventType::page:
    case EventType::screen: e.kind = EventKind::page_viewed; break;
    case EventType::identify: e.kind = EventKind::identify; break;
  }
}

Event parse_event(std::string_view text) {
  if (text.size() > kMaxEventBytes)
    fail("payload is " + std::to_string(text.size()) + " bytes, above the limit of " + std::to_string(kMaxEventBytes),
         status::limit_exceeded);
  check_utf8(text, "payload");
  check_depth(text);
  // Duplicate keys are refused: nlohmann would keep the last one silently, so {"userId":"a",
  // "userId":"b"} could be read as another customer than a log or a proxy saw.
  std::vector<std::set<std::string>> keys;
  const json::parser_callback_t no_duplicates = [&keys](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) keys.emplace_back();
    else if (ev == json::parse_event_t::object_end) keys.pop_back();
    else if (ev == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      fail("duplicate key \"" + parsed.get<std::string>() + "\" in a JSON object", status::parse_error);
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), no_duplicates);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e999
    fail(std::string("not valid JSON: ") + e.what(), status::parse_error);
  }
  if (!j.is_object()) fail(std::string("expected a JSON object, got ") + j.type_name(), status::parse_error);

  Event e;
  const auto type = opt_string(j, "type", "");
  if (!type) fail("missing \"type\" (track, page, screen or identify)");
  if (*type == "track") e.type = EventType::track;
  else if (*type == "page") e.type = EventType::page;
  else if (*type == "screen") e.type = EventType::screen;
  else if (*type == "identify") e.type = EventType::identify;
  else fail("unsupported type \"" + *type + "\" (track, page, screen or identify)");

  auto uid = opt_string(j, "userId", "");
  if (uid && uid->empty()) uid.reset();
  if (uid) {
    e.user_id = std::move(*uid);
  } else {
    auto aid = opt_string(j, "anonymousId", "");
    if (!aid || aid->empty()) fail("missing userId and anonymousId (one is required)");
    e.user_id = std::move(*aid);
    e.anonymous = true;
  }

  // The time of the event: `timestamp`, else `originalTimestamp` (Segment's client-side time).
  // A JSON integer is taken as milliseconds since the epoch.
  const json* ts = nullptr;
  for (const char* key : {"timestamp", "originalTimestamp"}) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null()) { ts = &*it; break; }
  }
  if (!ts) fail("missing \"timestamp\"", status::out_of_range);
  if (ts->is_string()) {
    const Timestamp t = parse_timestamp(ts->get_ref<const std::string&>());
    e.timestamp_ms = t.ms;
    e.utc_offset_min = t.utc_offset_min;
  } else if (ts->is_number_integer()) {
    e.timestamp_ms = ts->get<int64_t>();
  } else {
    fail(std::string("timestamp must be an ISO-8601 string or integer milliseconds, got ") + ts->type_name(),
         status::out_of_range);
  }

  if (e.type == EventType::track) {
    auto name = opt_string(j, "event", "");
    if (!name || name->empty()) fail("a track event needs a non-empty \"event\" name");
    e.name = std::move(*name);
  } else if (e.is_page()) {
    if (auto name = opt_string(j, "name", "")) e.name = std::move(*name);
  }

  static const json empty_object = json::object();
  const json* props = &empty_object;
  if (auto it = j.find("properties"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) fail(std::string("properties must be an object, got ") + it->type_name());
    props = &*it;
  }
  const json* context = &empty_object;
  if (auto it = j.find("context"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) fail(std::string("context must be an object, got ") + it->type_name());
    context = &*it;
  }
  // identify carries the customer's attributes in traits; visitor_type may be there.
  const json* traits = &empty_object;
  if (auto it = j.find("traits"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) fail(std::string("traits must be an object, got ") + it->type_name());
    traits = &*it;
  }

  const json& p = *props;
  if (auto it = p.find("product_id"); it != p.end() && !it->is_null()) {
    if (it->is_string()) e.product_id = it->get<std::string>();
    else if (it->is_number_integer()) e.product_id = std::to_string(it->get<int64_t>());
    else fail(std::string("properties.product_id must be a string or an integer, got ") + it->type_name());
  }
  if (e.is_page()) {
    if (auto path = opt_string(p, "path", "properties.")) e.path = std::move(*path);
  }
  const double big = 1e15;
  e.price = opt_number(p, "price", "properties.", 0, big);
  e.quantity = opt_number(p, "quantity", "properties.", 0, big);
  for (const char* key : {"revenue", "total", "value"}) {
    e.value = opt_number(p, key, "properties.", -big, big);
    if (Event::has(e.value)) break;
  }
  e.bounce_rate = opt_number(p, "bounce_rate", "properties.", 0, 1);
  e.exit_rate = opt_number(p, "exit_rate", "properties.", 0, 1);
  e.page_value = opt_number(p, "page_value", "properties.", 0, big);

  // Page category: properties.page_category wins over the page call's top-level `category`
  // (Segment's field for it). An unrecognized category is not an error: the page counts as
  // uncategorized (docs/behavior-events.md).
  std::optional<std::string> cat = opt_string(p, "page_category", "properties.");
  if (!cat && e.is_page()) cat = opt_string(j, "category", "");
  if (cat) e.page_category = page_category_from_name(*cat).value_or(PageCategory::none);

  struct CodeKey { const char* key; uint8_t Event::*field; };
  static const CodeKey codes[] = {{"os_code", &Event::os_code},
                                  {"browser_code", &Event::browser_code},
                                  {"region_code", &Event::region_code},
                                  {"traffic_type_code", &Event::traffic_type_code}};
  for (const auto& c : codes) {
    uint8_t v = opt_code(p, c.key, "properties.");
    if (v == 0) v = opt_code(*context, c.key, "context.");
    e.*(c.field) = v;
  }
  std::optional<std::string> vt = opt_string(p, "visitor_type", "properties.");
  if (!vt) vt = opt_string(*context, "visitor_type", "context.");
  if (!vt) vt = opt_string(*traits, "visitor_type", "traits.");
  if (vt) {
    auto v = visitor_type_from_name(*vt);
    if (!v) fail("visitor_type \"" + *vt + "\" is not new, returning or other");
    e.visitor_type = *v;
  }

  validate(e);
  return e;
}

std::string to_json(const Event& e) {
  json j;
  static const char* types[] = {"track", "page", "screen", "identify"};
  j["type"] = types[static_cast<size_t>(e.type)];
  j[e.anonymous ? "anonymousId" : "userId"] = e.user_id;
  j["timestamp"] = format_timestamp(e.timestamp_ms, e.utc_offset_min);
  if (e.type == EventType::track) j["event"] = e.name;
  else if (!e.name.empty()) j["name"] = e.name;
  json p = json::object();
  if (!e.product_id.empty()) p["product_id"] = e.product_id;
  if (!e.path.empty()) p["path"] = e.path;
  if (e.page_category != PageCategory::none) p["page_category"] = page_category_name(e.page_category);
  if (Event::has(e.price)) p["price"] = e.price;
  if (Event::has(e.quantity)) p["quantity"] = e.quantity;
  if (Event::has(e.value)) p["value"] = e.value;
  if (Event::has(e.bounce_rate)) p["bounce_rate"] = e.bounce_rate;
  if (Event::has(e.exit_rate)) p["exit_rate"] = e.exit_rate;
  if (Event::has(e.page_value)) p["page_value"] = e.page_value;
  if (e.os_code) p["os_code"] = e.os_code;
  if (e.browser_code) p["browser_code"] = e.browser_code;
  if (e.region_code) p["region_code"] = e.region_code;
  if (e.traffic_type_code) p["traffic_type_code"] = e.traffic_type_code;
  if (e.visitor_type != VisitorType::unknown) p["visitor_type"] = visitor_type_name(e.visitor_type);
  j["properties"] = std::move(p);
  return j.dump();
}

}  // namespace attune::behavior
