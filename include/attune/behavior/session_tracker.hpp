// attune/behavior/session_tracker.hpp: live session features per customer.
//
// SessionTracker folds each customer's events into the features of their current session
// (SessionFeatures: the UCI Online Shoppers set plus counters), so IntentModel can score a session
// while it happens. Session is the per-customer accumulator; use it alone when the host already
// keeps one object per customer (the Python DataFrame helper does).
//
// Rules (docs/behavior-events.md has the full table):
// - Sessions: an event more than `timeout_ms` (default 30 min) after the latest event of the
//   session starts a new session; the customer's session index goes up by one and the
//   visitor type of later sessions defaults to Returning_Visitor.
// - Pages: page/screen calls are page views of their category; a "Product Viewed" event is a
//   product page view too, except that a product page call and a "Product Viewed" less than
//   `page_merge_ms` apart are one view (hosts often send both).
// - Durations: a page lasts until the next page view; the current page accrues time up to the
//   latest event of any kind (pings, cart adds), as Google Analytics measured it for the data.
// - Out of order: an event earlier than the latest one but not earlier than the session start is
//   counted (page views, counters, rates) but adds no duration and never moves time backwards;
//   one earlier than the session start is ignored (counted in late_events of the next features).
// - Duplicates: an event identical (type, name, timestamp, product, path, category) to one of
//   the customer's last 8 events is ignored.
// Memory: a Session is a fixed-size value (no per-event growth); the tracker holds one per
// customer, at most `max_customers`; when full it drops customers idle beyond the timeout and
// otherwise refuses new ones (status::limit_exceeded).
// Thread-safety: none inside; one tracker per thread or an external lock. Session is a value.
#pragma once

#include "attune/behavior/event.hpp"
#include "attune/behavior/session_features.hpp"
#include "attune/behavior/special_day.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attune::behavior {

struct SessionConfig {
  int64_t timeout_ms = 30 * 60 * 1000;  ///< inactivity that ends a session (> 0)
  int64_t page_merge_ms = 2000;         ///< product page call + "Product Viewed" closer than this = one view
  /// Page-level rates assumed when a page event carries none: the means of the UCI data.
  double default_bounce_rate = 0.022;
  double default_exit_rate = 0.043;
  double default_page_value = 0.0;
  /// Technical codes assumed when no event of the session carries them: the UCI modes.
  int default_operating_system = 2;
  int default_browser = 2;
  int default_region = 1;
  int default_traffic_type = 2;
  std::vector<SpecialDayRule> special_days = default_special_days();
  size_t max_customers = 1000000;  ///< customers held by a SessionTracker (> 0)

  /// Throws invalid_argument when a field is outside its domain.
  void validate() const;
};

/// What observe() did with an event.
enum class ObserveResult : uint8_t {
  continued = 0,  ///< folded into the current session
  new_session,    ///< started a new session (first event, or after the timeout)
  late,           ///< out of order inside the session: counted without duration
  ignored_late,   ///< earlier than the session start: ignored
  duplicate,      ///< identical to a recent event: ignored
};

/// One customer's current session. Fixed size; copyable; no allocation in observe().
class Session {
 public:
  /// Fold `event` in. The event must be valid (parse_event/validate); the customer id is not
  /// checked here (the tracker keys sessions by it). Throws invalid_argument for a timestamp or
  /// number outside its domain, leaving the session unchanged.
  ObserveResult observe(const Event& event, const SessionConfig& config);

  /// Features as of the latest event; when `now_ms` >= 0, `active` says whether the session is
  /// still open at that time. Before any event the result is an empty session.
  SessionFeatures features(const SessionConfig& config, int64_t now_ms = -1) const;

  bool empty() const noexcept { return events_ == 0; }
  int64_t last_ms() const noexcept { return last_ms_; }
  uint32_t session_index() const noexcept { return session_index_; }

 private:
  void start(const Event& e);
  void add_page(PageCategory cat, const Event& e, const SessionConfig& c, bool from_page_call, bool in_order);

  static constexpr size_t kRecent = 8;
  int64_t start_ms_ = 0;
  int64_t last_ms_ = 0;
  int64_t page_start_ms_ = 0;          // start of the current page view
  std::array<double, 4> committed_s_{}; // seconds of finished page views, by PageCategory
  std::array<uint32_t, 4> pages_{};     // page views by PageCategory
  std::array<uint32_t, kEventKindCount> kinds_{};
  double bounce_sum_ = 0, exit_sum_ = 0, value_sum_ = 0;
  double cur_bounce_ = 0, cur_exit_ = 0, cur_value_ = 0;  // what the current page contributed
  std::array<uint64_t, kRecent> recent_{};
  uint32_t recent_next_ = 0;
  uint32_t events_ = 0, late_ = 0, duplicates_ = 0, session_index_ = 0;
  uint32_t pending_ignored_ = 0;        // ignored late events, reported with the next features
  int16_t utc_offset_min_ = 0;
  PageCategory page_cat_ = PageCategory::none;
  bool page_open_ = false;
  bool page_from_call_ = false;        // current page came from a page call (vs Product Viewed)
  VisitorType visitor_type_ = VisitorType::unknown;
  uint8_t os_ = 0, browser_ = 0, region_ = 0, traffic_ = 0;
};

/// Sessions of many customers, keyed by Event::user_id.
class SessionTracker {
 public:
  explicit SessionTracker(SessionConfig config = {});

  /// Fold an event into its customer's session. Throws like Session::observe, and
  /// attune::error(status::limit_exceeded) when a new customer would exceed max_customers after
  /// dropping idle ones. Nothing changes on error.
  ObserveResult observe(const Event& event);
  /// parse_event + observe.
  ObserveResult observe_json(std::string_view json);

  /// The customer's current session features (see Session::features), or nullopt for a customer
  /// never seen (or erased).
  std::optional<SessionFeatures> features(std::string_view customer, int64_t now_ms = -1) const;

  /// The customer's session, or nullptr.
  const Session* find(std::string_view customer) const;

  /// Forget a customer (erasure request). Returns whether they were known.
  bool erase(std::string_view customer);
  /// Drop customers whose latest event is older than now_ms - timeout_ms. Returns how many.
  size_t expire(int64_t now_ms);
  size_t size() const noexcept { return sessions_.size(); }
  void clear() noexcept { sessions_.clear(); }
  const SessionConfig& config() const noexcept { return config_; }

 private:
  SessionConfig config_;
  std::unordered_map<std::string, Session> sessions_;
};

}  // namespace attune::behavior
