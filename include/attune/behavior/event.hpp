// attune/behavior/event.hpp: one behavioural event (a page view, a cart add, a support message).
//
// Events follow the public Segment tracking spec, so payloads from Segment or RudderStack pass
// through unchanged:
//   {"type":"track","userId":"u1","event":"Product Viewed","properties":{"product_id":"p7",
//    "price":19.9},"timestamp":"2026-11-28T18:03:11.250+01:00"}
//   {"type":"page","anonymousId":"a9","name":"Shipping","category":"informational",
//    "properties":{"path":"/help/shipping","bounce_rate":0.02},"timestamp":"2026-11-28T17:03:12Z"}
// parse_event() validates strictly and keeps only what attune uses (docs/behavior-events.md lists
// every name and property); the host may also fill an Event directly and call validate().
//
// Compactness: an Event is a value of about 200 bytes (four short strings, scalars); the engine
// folds it into session features and keeps none of them. Properties attune does not understand
// are checked for well-formedness and dropped.
//
// Time: `timestamp_ms` is milliseconds since 1970-01-01T00:00:00Z (UTC). The UTC offset written in
// the timestamp is kept in `utc_offset_min`, so month, weekday and special days are computed on
// the customer's local calendar.
//
// Errors (all attune::invalid_argument, nothing is kept on error):
//   status::parse_error     not JSON, not a JSON object, or a key repeated within an object
//   status::invalid_utf8    malformed UTF-8 (message names the byte offset)
//   status::limit_exceeded  payload above kMaxEventBytes, nesting above kMaxEventDepth, an id or
//                           name above kMaxIdBytes
//   status::invalid_argument missing userId/anonymousId, missing event name, unsupported type,
//                           a field of the wrong JSON type
//   status::out_of_range    bad or out-of-range timestamp, negative price, rate outside [0,1]
// Thread-safety: all functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace attune::behavior {

/// Largest event JSON accepted, in bytes (64 KiB; Segment's own limit is 32 KB per call).
inline constexpr size_t kMaxEventBytes = 64 * 1024;
/// Deepest JSON nesting accepted (objects and arrays); deeper payloads are refused before parsing.
inline constexpr int kMaxEventDepth = 32;
/// Longest user id, anonymous id, event name, product id or path, in bytes.
inline constexpr size_t kMaxIdBytes = 512;

/// Segment call type. `screen` (mobile) is treated as a page view.
enum class EventType : uint8_t { track = 0, page, screen, identify };

/// The event names attune understands (docs/behavior-events.md). Everything else is `other`:
/// accepted, counted as activity, ignored for features.
enum class EventKind : uint8_t {
  other = 0,
  page_viewed,         ///< a `page` or `screen` call
  identify,            ///< an `identify` call
  product_viewed,      ///< "Product Viewed"
  product_added,       ///< "Product Added"
  product_removed,     ///< "Product Removed"
  cart_viewed,         ///< "Cart Viewed"
  checkout_started,    ///< "Checkout Started"
  order_completed,     ///< "Order Completed"
  products_searched,   ///< "Products Searched"
  support_message,     ///< "Support Message"
  error_shown,         ///< "Error Shown"
  email_unsubscribed,  ///< "Email Unsubscribed"
  engagement_ping,     ///< "Engagement Ping" (also "Page Ping", "Heartbeat")
};
inline constexpr size_t kEventKindCount = 14;

/// Page category of the UCI Online Shoppers data (Administrative, Informational, ProductRelated).
enum class PageCategory : uint8_t { none = 0, administrative, informational, product };

/// Visitor type of the UCI data. `unknown` means the event did not say; the session tracker then
/// decides from its own history (docs/behavior-events.md).
enum class VisitorType : uint8_t { unknown = 0, new_visitor, returning_visitor, other };

/// A validated event. Numbers that the payload did not carry are NaN (test with has()) and codes
/// that it did not carry are 0.
struct Event {
  EventType type = EventType::track;
  EventKind kind = EventKind::other;
  PageCategory page_category = PageCategory::none;
  VisitorType visitor_type = VisitorType::unknown;
  bool anonymous = false;        ///< user_id came from anonymousId (no userId given)
  int16_t utc_offset_min = 0;    ///< UTC offset written in the timestamp, minutes (-1080..1080)
  int64_t timestamp_ms = 0;      ///< milliseconds since the Unix epoch, UTC

  std::string user_id;           ///< userId, else anonymousId (non-empty, UTF-8)
  std::string name;              ///< track: `event`; page/screen: `name` (may be empty); identify: ""
  std::string product_id;        ///< properties.product_id (a number is converted to its text)
  std::string path;              ///< properties.path of a page (may be empty)

  double price = std::numeric_limits<double>::quiet_NaN();       ///< properties.price, >= 0
  double quantity = std::numeric_limits<double>::quiet_NaN();    ///< properties.quantity, >= 0
  double value = std::numeric_limits<double>::quiet_NaN();       ///< properties.revenue | total | value
  double bounce_rate = std::numeric_limits<double>::quiet_NaN(); ///< properties.bounce_rate, [0,1]
  double exit_rate = std::numeric_limits<double>::quiet_NaN();   ///< properties.exit_rate, [0,1]
  double page_value = std::numeric_limits<double>::quiet_NaN();  ///< properties.page_value, >= 0

  // Integer category codes of the UCI technical fields (1..255; 0 = not given). Read from
  // properties, else context: os_code, browser_code, region_code, traffic_type_code.
  uint8_t os_code = 0;
  uint8_t browser_code = 0;
  uint8_t region_code = 0;
  uint8_t traffic_type_code = 0;

  /// True when the optional number `x` was given (not NaN).
  static bool has(double x) noexcept { return x == x; }
  /// True for page and screen calls.
  bool is_page() const noexcept { return type == EventType::page || type == EventType::screen; }
};

/// Parse and validate one Segment-spec JSON event (see the header comment for the errors).
Event parse_event(std::string_view json);

/// Check an Event built by hand: the same rules as parse_event (non-empty UTF-8 user id within
/// kMaxIdBytes, timestamp within [1970, 2200), numbers in range, track events named). Also fills
/// `kind` from `name` when it is `other`, so a host can set only the name. Throws like parse_event.
void validate(Event& event);

/// The kind for an event name ("Product Viewed" -> product_viewed); exact, case-sensitive match
/// on the spec names and their documented aliases; `other` for anything else.
EventKind event_kind_from_name(std::string_view name) noexcept;

/// Canonical spec name of a kind ("Product Viewed"; "page" for page_viewed, "" for other).
std::string_view event_kind_name(EventKind kind) noexcept;

/// Page category from its text: administrative|admin|account, informational|info,
/// product|product_related|productrelated (case-insensitive); nullopt for anything else.
std::optional<PageCategory> page_category_from_name(std::string_view name) noexcept;
std::string_view page_category_name(PageCategory c) noexcept;

/// Visitor type from "new"|"returning"|"other" or the UCI spellings "New_Visitor",
/// "Returning_Visitor", "Other" (case-insensitive); nullopt for anything else.
std::optional<VisitorType> visitor_type_from_name(std::string_view name) noexcept;
/// The UCI spelling ("Returning_Visitor"); "" for unknown.
std::string_view visitor_type_name(VisitorType v) noexcept;

/// A parsed ISO-8601 timestamp.
struct Timestamp {
  int64_t ms;              ///< milliseconds since the epoch, UTC
  int16_t utc_offset_min;  ///< the offset written in the text
};

/// Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM)"; a space may replace the T,
/// the fraction may have 1..9 digits (truncated to milliseconds). The offset is required (a time
/// without one is ambiguous). Throws invalid_argument(status::out_of_range) naming the problem.
Timestamp parse_timestamp(std::string_view text);

/// Format as "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" (or "Z" when the offset is 0) in local time.
std::string format_timestamp(int64_t ms, int16_t utc_offset_min = 0);

/// Days since the epoch and calendar fields of a UTC-ms time shifted by an offset.
struct CivilTime {
  int year;
  int month;    ///< 1..12
  int day;      ///< 1..31
  int weekday;  ///< 0 = Sunday .. 6 = Saturday
  int64_t days; ///< days since 1970-01-01 (local)
};
CivilTime civil_time(int64_t ms, int16_t utc_offset_min = 0) noexcept;
/// Days since 1970-01-01 of a (proleptic Gregorian) date.
int64_t days_from_civil(int year, int month, int day) noexcept;

/// The event as normalized JSON (only the fields attune keeps), for logs and tests.
std::string to_json(const Event& event);

}  // namespace attune::behavior
