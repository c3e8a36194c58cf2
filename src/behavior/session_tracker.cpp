#include "attune/behavior/session_tracker.hpp"

#include "attune/error.hpp"

#include <cctype>
#include <cmath>
#include <cstring>
#include <string>

namespace attune::behavior {
namespace {

[[noreturn]] void fail(const std::string& msg, status s = status::invalid_argument) {
  throw attune::invalid_argument("session: " + msg, s);
}

constexpr int64_t kMaxTimestampMs = 7258118400000LL;  // 2200-01-01, as parse_event

// FNV-1a: a cheap fingerprint for duplicate detection; a collision only makes one event look
// like a repeat of another among the last 8 of one customer, which is harmless.
struct Fnv {
  uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) { h ^= b[i]; h *= 1099511628211ULL; }
  }
  void str(const std::string& s) {
    bytes(s.data(), s.size());
    const unsigned char sep = 0xFF;  // never in UTF-8, so "ab"+"c" != "a"+"bc"
    bytes(&sep, 1);
  }
};

uint64_t fingerprint(const Event& e) {
  Fnv f;
  const unsigned char head[3] = {static_cast<unsigned char>(e.type), static_cast<unsigned char>(e.kind),
                                 static_cast<unsigned char>(e.page_category)};
  f.bytes(head, sizeof head);
  f.bytes(&e.timestamp_ms, sizeof e.timestamp_ms);
  f.str(e.name);
  f.str(e.product_id);
  f.str(e.path);
  return f.h | 1;  // never 0, so the empty ring matches nothing
}

double rate_or(double v, double fallback) { return Event::has(v) ? v : fallback; }

}  // namespace

// ---- special days ------------------------------------------------------------------------

std::vector<SpecialDayRule> default_special_days() {
  return {SpecialDayRule{"Valentine's Day", 2, 14, 0, 1}, SpecialDayRule{"Mother's Day", 5, 0, 0, 2}};
}

double special_day_closeness(int64_t d) noexcept {
  if (d < 2 || d > 12) return 0.0;
  if (d <= 6) return static_cast<double>(d - 1) * 0.2;  // 2 -> 0.2 ... 6 -> 1.0
  const double raw = 1.0 - static_cast<double>(d - 6) / 7.0;
  return std::round(raw * 5.0) / 5.0;
}

namespace {
// Day of month of a rule in `year`.
int rule_day(const SpecialDayRule& r, int year) {
  if (r.month < 1 || r.month > 12) fail("special day '" + r.name + "': month must be 1..12");
  if (r.day > 0) {
    if (r.day > 31) fail("special day '" + r.name + "': day must be 1..31");
    return r.day;
  }
  if (r.weekday < 0 || r.weekday > 6 || r.nth < 1 || r.nth > 5)
    fail("special day '" + r.name + "': weekday must be 0..6 and nth 1..5");
  const int64_t first = days_from_civil(year, r.month, 1);
  const int first_wd = static_cast<int>(((first % 7) + 7 + 4) % 7);
  int day = 1 + (r.weekday - first_wd + 7) % 7 + 7 * (r.nth - 1);
  const int next_month_days = static_cast<int>(days_from_civil(r.month == 12 ? year + 1 : year, r.month == 12 ? 1 : r.month + 1, 1) - first);
  while (day > next_month_days) day -= 7;  // nth = 5 means "last"
  return day;
}
}  // namespace

double special_day_value(int year, int month, int day, const std::vector<SpecialDayRule>& rules) {
  const int64_t today = days_from_civil(year, month, day);
  double best = 0.0;
  for (const auto& r : rules) {
    for (int y = year; y <= year + 1; ++y) {  // a late-December visit is close to next year's days
      const int64_t target = days_from_civil(y, r.month, rule_day(r, y));
      const double v = special_day_closeness(target - today);
      if (v > best) best = v;
    }
  }
  return best;
}

// ---- SessionFeatures helpers -------------------------------------------------------------

UciVector uci_vector(const SessionFeatures& f) noexcept {
  UciVector v{};
  v[0] = f.administrative;
  v[1] = f.administrative_duration;
  v[2] = f.informational;
  v[3] = f.informational_duration;
  v[4] = f.product_related;
  v[5] = f.product_related_duration;
  v[6] = f.bounce_rates;
  v[7] = f.exit_rates;
  v[8] = f.page_values;
  v[9] = f.special_day;
  v[10] = f.month;
  v[11] = f.operating_systems;
  v[12] = f.browser;
  v[13] = f.region;
  v[14] = f.traffic_type;
  v[15] = f.visitor_type == VisitorType::returning_visitor ? 1.0 : f.visitor_type == VisitorType::other ? 2.0 : 0.0;
  v[16] = f.weekend ? 1.0 : 0.0;
  return v;
}

std::string_view uci_month_name(int month) noexcept {
  static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "June",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return month >= 1 && month <= 12 ? names[month - 1] : std::string_view();
}

int month_from_name(std::string_view name) noexcept {
  static constexpr const char* full[] = {"january", "february", "march",     "april",   "may",      "june",
                                         "july",    "august",   "september", "october", "november", "december"};
  if (name.size() < 3 || name.size() > 9) return 0;
  char l[10] = {};
  for (size_t i = 0; i < name.size(); ++i) l[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  const std::string_view s(l, name.size());
  for (int m = 0; m < 12; ++m) {
    const std::string_view f(full[m]);
    if (s == f || s == f.substr(0, 3) || (m == 8 && s == "sept")) return m + 1;
  }
  return 0;
}

// ---- SessionConfig -----------------------------------------------------------------------

void SessionConfig::validate() const {
  if (timeout_ms <= 0) fail("timeout_ms must be > 0", status::out_of_range);
  if (page_merge_ms < 0) fail("page_merge_ms must be >= 0", status::out_of_range);
  auto unit = [](double v, const char* what) {
    if (!(v >= 0.0 && v <= 1.0)) fail(std::string(what) + " must be in [0,1]", status::out_of_range);
  };
  unit(default_bounce_rate, "default_bounce_rate");
  unit(default_exit_rate, "default_exit_rate");
  if (!(default_page_value >= 0.0) || !std::isfinite(default_page_value))
    fail("default_page_value must be finite and >= 0", status::out_of_range);
  for (int code : {default_operating_system, default_browser, default_region, default_traffic_type})
    if (code < 1 || code > 255) fail("default technical codes must be in [1,255]", status::out_of_range);
  if (max_customers == 0) fail("max_customers must be > 0", status::out_of_range);
  for (const auto& r : special_days) (void)special_day_value(2024, 1, 1, {r});
}

// ---- Session -----------------------------------------------------------------------------

void Session::start(const Event& e) {
  const uint32_t index = events_ == 0 ? 0 : session_index_ + 1;
  const auto recent = recent_;
  const uint32_t recent_next = recent_next_;
  *this = Session();
  session_index_ = index;
  recent_ = recent;
  recent_next_ = recent_next;
  start_ms_ = last_ms_ = e.timestamp_ms;
  utc_offset_min_ = e.utc_offset_min;
}

void Session::add_page(PageCategory cat, const Event& e, const SessionConfig& c, bool from_page_call, bool in_order) {
  const double b = rate_or(e.bounce_rate, c.default_bounce_rate);
  const double x = rate_or(e.exit_rate, c.default_exit_rate);
  const double v = rate_or(e.page_value, c.default_page_value);
  const int64_t t = e.timestamp_ms;
  // A product page call and a "Product Viewed" close together are one page view: keep one count
  // and let the page call's rates (the host's page-level figures) replace the defaults.
  if (page_open_ && cat == PageCategory::product && page_cat_ == PageCategory::product &&
      from_page_call != page_from_call_ && std::llabs(t - page_start_ms_) <= c.page_merge_ms) {
    if (from_page_call) {
      bounce_sum_ += b - cur_bounce_;
      exit_sum_ += x - cur_exit_;
      value_sum_ += v - cur_value_;
      cur_bounce_ = b;
      cur_exit_ = x;
      cur_value_ = v;
      page_from_call_ = true;
    }
    return;
  }
  ++pages_[static_cast<size_t>(cat)];
  bounce_sum_ += b;
  exit_sum_ += x;
  value_sum_ += v;
  if (!in_order) return;  // a late page view is counted but does not become the current page
  if (page_open_) committed_s_[static_cast<size_t>(page_cat_)] += static_cast<double>(t - page_start_ms_) / 1000.0;
  page_open_ = true;
  page_cat_ = cat;
  page_start_ms_ = t;
  page_from_call_ = from_page_call;
  cur_bounce_ = b;
  cur_exit_ = x;
  cur_value_ = v;
}

ObserveResult Session::observe(const Event& e, const SessionConfig& c) {
  if (e.timestamp_ms < 0 || e.timestamp_ms >= kMaxTimestampMs)
    fail("timestamp " + std::to_string(e.timestamp_ms) + " ms is outside 1970..2199", status::out_of_range);
  if (static_cast<size_t>(e.kind) >= kEventKindCount ||
      static_cast<unsigned>(e.page_category) > static_cast<unsigned>(PageCategory::product) ||
      static_cast<unsigned>(e.type) > static_cast<unsigned>(EventType::identify) ||
      static_cast<unsigned>(e.visitor_type) > static_cast<unsigned>(VisitorType::other))
    fail("event has an enum value out of range (validate() it first)");
  for (double r : {e.bounce_rate, e.exit_rate})
    if (Event::has(r) && !(r >= 0.0 && r <= 1.0)) fail("bounce/exit rate outside [0,1]", status::out_of_range);
  if (Event::has(e.page_value) && !(e.page_value >= 0.0 && std::isfinite(e.page_value)))
    fail("page_value must be finite and >= 0", status::out_of_range);

  const uint64_t fp = fingerprint(e);
  ObserveResult result = ObserveResult::continued;
  if (events_ == 0) {
    start(e);
    result = ObserveResult::new_session;
  } else {
    for (uint64_t r : recent_)
      if (r == fp) {
        ++duplicates_;
        return ObserveResult::duplicate;
      }
    if (e.timestamp_ms - last_ms_ > c.timeout_ms) {
      start(e);
      result = ObserveResult::new_session;
    } else if (e.timestamp_ms < start_ms_) {
      ++late_;
      return ObserveResult::ignored_late;
    } else if (e.timestamp_ms < last_ms_) {
      result = ObserveResult::late;
      ++late_;
    }
  }
  recent_[recent_next_] = fp;
  recent_next_ = (recent_next_ + 1) % kRecent;
  const bool in_order = result != ObserveResult::late;
  if (in_order) last_ms_ = e.timestamp_ms;
  ++events_;
  ++kinds_[static_cast<size_t>(e.kind)];
  if (e.is_page()) add_page(e.page_category, e, c, true, in_order);
  else if (e.kind == EventKind::product_viewed) add_page(PageCategory::product, e, c, false, in_order);
  if (e.visitor_type != VisitorType::unknown) visitor_type_ = e.visitor_type;
  if (e.os_code) os_ = e.os_code;
  if (e.browser_code) browser_ = e.browser_code;
  if (e.region_code) region_ = e.region_code;
  if (e.traffic_type_code) traffic_ = e.traffic_type_code;
  return result;
}

SessionFeatures Session::features(const SessionConfig& c, int64_t now_ms) const {
  SessionFeatures f;
  std::array<double, 4> dur = committed_s_;
  if (page_open_) dur[static_cast<size_t>(page_cat_)] += static_cast<double>(last_ms_ - page_start_ms_) / 1000.0;
  f.administrative = pages_[1];
  f.administrative_duration = dur[1];
  f.informational = pages_[2];
  f.informational_duration = dur[2];
  f.product_related = pages_[3];
  f.product_related_duration = dur[3];
  f.uncategorized_pages = pages_[0];
  f.uncategorized_duration = dur[0];
  const uint32_t pages = pages_[0] + pages_[1] + pages_[2] + pages_[3];
  if (pages > 0) {
    f.bounce_rates = bounce_sum_ / pages;
    f.exit_rates = exit_sum_ / pages;
    f.page_values = value_sum_ / pages;
  } else {
    f.bounce_rates = c.default_bounce_rate;
    f.exit_rates = c.default_exit_rate;
    f.page_values = c.default_page_value;
  }
  const CivilTime ct = civil_time(events_ ? start_ms_ : 0, utc_offset_min_);
  f.month = ct.month;
  f.weekend = ct.weekday == 0 || ct.weekday == 6;
  f.special_day = events_ ? special_day_value(ct.year, ct.month, ct.day, c.special_days) : 0.0;
  f.operating_systems = os_ ? os_ : c.default_operating_system;
  f.browser = browser_ ? browser_ : c.default_browser;
  f.region = region_ ? region_ : c.default_region;
  f.traffic_type = traffic_ ? traffic_ : c.default_traffic_type;
  f.visitor_type = visitor_type_ != VisitorType::unknown ? visitor_type_
                   : session_index_ > 0                  ? VisitorType::returning_visitor
                                                         : VisitorType::new_visitor;
  f.start_ms = start_ms_;
  f.last_ms = last_ms_;
  f.events = events_;
  auto k = [&](EventKind kind) { return kinds_[static_cast<size_t>(kind)]; };
  f.products_viewed = k(EventKind::product_viewed);
  f.products_added = k(EventKind::product_added);
  f.products_removed = k(EventKind::product_removed);
  f.cart_views = k(EventKind::cart_viewed);
  f.checkouts_started = k(EventKind::checkout_started);
  f.orders_completed = k(EventKind::order_completed);
  f.searches = k(EventKind::products_searched);
  f.support_messages = k(EventKind::support_message);
  f.errors_shown = k(EventKind::error_shown);
  f.unsubscribes = k(EventKind::email_unsubscribed);
  f.engagement_pings = k(EventKind::engagement_ping);
  f.other_events = k(EventKind::other);
  f.late_events = late_;
  f.duplicate_events = duplicates_;
  f.session_index = session_index_;
  f.active = now_ms < 0 || (events_ > 0 && now_ms - last_ms_ <= c.timeout_ms);
  return f;
}

// ---- SessionTracker ----------------------------------------------------------------------

SessionTracker::SessionTracker(SessionConfig config) : config_(std::move(config)) { config_.validate(); }

ObserveResult SessionTracker::observe(const Event& e) {
  if (e.user_id.empty()) fail("event has no user id");
  if (e.user_id.size() > kMaxIdBytes) fail("user id above kMaxIdBytes", status::limit_exceeded);
  auto it = sessions_.find(e.user_id);
  if (it != sessions_.end()) return it->second.observe(e, config_);
  Session s;
  const ObserveResult r = s.observe(e, config_);  // throws before anything is stored
  if (sessions_.size() >= config_.max_customers) {
    expire(e.timestamp_ms);
    if (sessions_.size() >= config_.max_customers)
      throw attune::error(status::limit_exceeded, "session tracker holds max_customers (" +
                                                      std::to_string(config_.max_customers) +
                                                      ") active customers; raise it or expire()/erase() some");
  }
  sessions_.emplace(e.user_id, s);
  return r;
}

ObserveResult SessionTracker::observe_json(std::string_view json) { return observe(parse_event(json)); }

const Session* SessionTracker::find(std::string_view customer) const {
  auto it = sessions_.find(std::string(customer));
  return it == sessions_.end() ? nullptr : &it->second;
}

std::optional<SessionFeatures> SessionTracker::features(std::string_view customer, int64_t now_ms) const {
  const Session* s = find(customer);
  if (!s) return std::nullopt;
  return s->features(config_, now_ms);
}

bool SessionTracker::erase(std::string_view customer) { return sessions_.erase(std::string(customer)) > 0; }

size_t SessionTracker::expire(int64_t now_ms) {
  size_t removed = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now_ms - it->second.last_ms() > config_.timeout_ms) {
      it = sessions_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace attune::behavior
