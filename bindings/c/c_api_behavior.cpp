// C ABI of attune::behavior: events, session tracker, intent model (attune.h, behaviour section).
#include "c_api_support.hpp"

#include "attune/behavior/event.hpp"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>

using namespace attune;
using namespace attune::behavior;

struct attune_session_tracker {
  SessionTracker tracker;
};
struct attune_intent_model {
  IntentModel model;
};

static_assert(ATTUNE_EVENT_KIND_ENGAGEMENT_PING == static_cast<int>(EventKind::engagement_ping) &&
                  ATTUNE_EVENT_KIND_PRODUCT_VIEWED == static_cast<int>(EventKind::product_viewed) &&
                  ATTUNE_EVENT_KIND_OTHER == static_cast<int>(EventKind::other),
              "event kinds of attune.h must match attune::behavior::EventKind");
static_assert(ATTUNE_PAGE_PRODUCT == static_cast<int>(PageCategory::product) &&
                  ATTUNE_VISITOR_OTHER == static_cast<int>(VisitorType::other) &&
                  ATTUNE_EVENT_IDENTIFY == static_cast<int>(EventType::identify) &&
                  ATTUNE_OBSERVED_DUPLICATE == static_cast<int>(ObserveResult::duplicate) &&
                  ATTUNE_MAX_EVENT_BYTES == kMaxEventBytes,
              "attune.h behaviour constants must match the C++ enums");

namespace {

// Size of a struct up to and including `member`: the oldest callers' struct must reach it.
#define ATTUNE_SIZE_THROUGH(type, member) (offsetof(type, member) + sizeof(static_cast<type*>(nullptr)->member))

void check_struct(uint32_t size, size_t minimum, const char* what) {
  if (size < minimum)
    throw invalid_argument(std::string(what) + ".struct_size is " + std::to_string(size) + ", at least " +
                           std::to_string(minimum) + " expected (use the *_init function)");
}

template <class T>
void write_prefix(T* out, const T& full) {
  // Write only what the caller's (possibly older, smaller) struct holds.
  const size_t n = std::min<size_t>(out->struct_size, sizeof(T));
  const uint32_t keep = out->struct_size;
  std::memcpy(out, &full, n);
  out->struct_size = keep;
}

void fill_c_event(const Event& e, attune_event* out) {
  attune_event c;
  attune_event_init(&c);
  c.type = static_cast<int32_t>(e.type);
  c.kind = static_cast<int32_t>(e.kind);
  c.page_category = static_cast<int32_t>(e.page_category);
  c.visitor_type = static_cast<int32_t>(e.visitor_type);
  c.utc_offset_min = e.utc_offset_min;
  c.timestamp_ms = e.timestamp_ms;
  c.price = e.price;
  c.quantity = e.quantity;
  c.value = e.value;
  c.bounce_rate = e.bounce_rate;
  c.exit_rate = e.exit_rate;
  c.page_value = e.page_value;
  c.os_code = e.os_code;
  c.browser_code = e.browser_code;
  c.region_code = e.region_code;
  c.traffic_type_code = e.traffic_type_code;
  c.anonymous = e.anonymous;
  write_prefix(out, c);
}

int32_t enum_in(int32_t v, int32_t max, const char* what) {
  if (v < 0 || v > max) throw invalid_argument(std::string("event.") + what + " is out of range");
  return v;
}

uint8_t code_in(int32_t v, const char* what) {
  if (v < 0 || v > 255) throw invalid_argument(std::string("event.") + what + " must be 0..255", status::out_of_range);
  return static_cast<uint8_t>(v);
}

// A borrowed NUL-terminated id (NULL = empty) of at most kMaxIdBytes: the length is found with
// strnlen, so a 100 MB string is refused without being scanned to its end or copied.
std::string bounded_cstr(const char* s, const char* what) {
  if (s == nullptr) return {};
  const size_t n = strnlen(s, kMaxIdBytes + 1);
  if (n > kMaxIdBytes)
    throw invalid_argument(std::string(what) + " is longer than " + std::to_string(kMaxIdBytes) + " bytes",
                           status::limit_exceeded);
  return std::string(s, n);
}

// Customer ids looked up in the tracker: longer than any stored id means unknown, refused
// before a key is built from it.
std::string_view customer_arg(const char* customer, size_t len) {
  const std::string_view id = capi::text_arg(customer, len, "customer");
  if (id.size() > kMaxIdBytes)
    throw invalid_argument("customer id is longer than " + std::to_string(kMaxIdBytes) + " bytes",
                           status::limit_exceeded);
  return id;
}

Event from_c_event(const attune_event* c) {
  capi::require(c, "event");
  check_struct(c->struct_size, ATTUNE_SIZE_THROUGH(attune_event, anonymous), "event");
  Event e;
  e.type = static_cast<EventType>(enum_in(c->type, ATTUNE_EVENT_IDENTIFY, "type"));
  e.kind = static_cast<EventKind>(enum_in(c->kind, ATTUNE_EVENT_KIND_ENGAGEMENT_PING, "kind"));
  e.page_category = static_cast<PageCategory>(enum_in(c->page_category, ATTUNE_PAGE_PRODUCT, "page_category"));
  e.visitor_type = static_cast<VisitorType>(enum_in(c->visitor_type, ATTUNE_VISITOR_OTHER, "visitor_type"));
  if (c->utc_offset_min < -1080 || c->utc_offset_min > 1080)
    throw invalid_argument("event.utc_offset_min outside +-1080", status::out_of_range);
  e.utc_offset_min = static_cast<int16_t>(c->utc_offset_min);
  e.timestamp_ms = c->timestamp_ms;
  e.anonymous = c->anonymous;
  e.user_id = bounded_cstr(c->user_id, "event.user_id");
  e.name = bounded_cstr(c->name, "event.name");
  e.product_id = bounded_cstr(c->product_id, "event.product_id");
  e.path = bounded_cstr(c->path, "event.path");
  e.price = c->price;
  e.quantity = c->quantity;
  e.value = c->value;
  e.bounce_rate = c->bounce_rate;
  e.exit_rate = c->exit_rate;
  e.page_value = c->page_value;
  e.os_code = code_in(c->os_code, "os_code");
  e.browser_code = code_in(c->browser_code, "browser_code");
  e.region_code = code_in(c->region_code, "region_code");
  e.traffic_type_code = code_in(c->traffic_type_code, "traffic_type_code");
  validate(e);
  return e;
}

attune_session_features to_c_features(const SessionFeatures& f) {
  attune_session_features c{};
  c.struct_size = sizeof c;
  c.administrative = f.administrative;
  c.administrative_duration = f.administrative_duration;
  c.informational = f.informational;
  c.informational_duration = f.informational_duration;
  c.product_related = f.product_related;
  c.product_related_duration = f.product_related_duration;
  c.bounce_rates = f.bounce_rates;
  c.exit_rates = f.exit_rates;
  c.page_values = f.page_values;
  c.special_day = f.special_day;
  c.month = f.month;
  c.operating_systems = f.operating_systems;
  c.browser = f.browser;
  c.region = f.region;
  c.traffic_type = f.traffic_type;
  c.visitor_type = static_cast<int32_t>(f.visitor_type);
  c.weekend = f.weekend;
  c.active = f.active;
  c.start_ms = f.start_ms;
  c.last_ms = f.last_ms;
  c.events = f.events;
  c.uncategorized_pages = f.uncategorized_pages;
  c.products_viewed = f.products_viewed;
  c.products_added = f.products_added;
  c.products_removed = f.products_removed;
  c.cart_views = f.cart_views;
  c.checkouts_started = f.checkouts_started;
  c.orders_completed = f.orders_completed;
  c.searches = f.searches;
  c.support_messages = f.support_messages;
  c.errors_shown = f.errors_shown;
  c.unsubscribes = f.unsubscribes;
  c.engagement_pings = f.engagement_pings;
  c.other_events = f.other_events;
  c.late_events = f.late_events;
  c.duplicate_events = f.duplicate_events;
  c.session_index = f.session_index;
  return c;
}

UciVector uci_from_c(const attune_session_features* c) {
  capi::require(c, "features");
  check_struct(c->struct_size, ATTUNE_SIZE_THROUGH(attune_session_features, weekend), "features");
  if (c->visitor_type < ATTUNE_VISITOR_NEW || c->visitor_type > ATTUNE_VISITOR_OTHER)
    throw invalid_argument("features.visitor_type must be ATTUNE_VISITOR_NEW, _RETURNING or _OTHER");
  // Counts are doubles in C so UCI rows (which may carry fractional means) pass through; the
  // model reads them as given.
  UciVector v{};
  v[0] = c->administrative;
  v[1] = c->administrative_duration;
  v[2] = c->informational;
  v[3] = c->informational_duration;
  v[4] = c->product_related;
  v[5] = c->product_related_duration;
  v[6] = c->bounce_rates;
  v[7] = c->exit_rates;
  v[8] = c->page_values;
  v[9] = c->special_day;
  v[10] = c->month;
  v[11] = c->operating_systems;
  v[12] = c->browser;
  v[13] = c->region;
  v[14] = c->traffic_type;
  v[15] = c->visitor_type == ATTUNE_VISITOR_RETURNING ? 1.0 : c->visitor_type == ATTUNE_VISITOR_OTHER ? 2.0 : 0.0;
  v[16] = c->weekend ? 1.0 : 0.0;
  return v;
}

SessionConfig from_c_config(const attune_session_config* c) {
  SessionConfig cfg;
  if (!c) return cfg;
  check_struct(c->struct_size, ATTUNE_SIZE_THROUGH(attune_session_config, max_customers), "config");
  cfg.timeout_ms = c->timeout_ms;
  cfg.page_merge_ms = c->page_merge_ms;
  cfg.default_bounce_rate = c->default_bounce_rate;
  cfg.default_exit_rate = c->default_exit_rate;
  cfg.default_page_value = c->default_page_value;
  cfg.default_operating_system = c->default_operating_system;
  cfg.default_browser = c->default_browser;
  cfg.default_region = c->default_region;
  cfg.default_traffic_type = c->default_traffic_type;
  if (c->max_customers > static_cast<uint64_t>(std::numeric_limits<size_t>::max()))
    throw invalid_argument("config.max_customers too large", status::out_of_range);
  cfg.max_customers = static_cast<size_t>(c->max_customers);
  cfg.validate();
  return cfg;
}

}  // namespace

extern "C" {

ATTUNE_API void attune_event_init(attune_event* event) {
  if (!event) return;
  std::memset(event, 0, sizeof *event);
  event->struct_size = sizeof *event;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  event->price = event->quantity = event->value = nan;
  event->bounce_rate = event->exit_rate = event->page_value = nan;
}

ATTUNE_API int attune_event_parse(const char* json, size_t json_len, attune_event* out) {
  return capi::guarded([&] {
    if (out) check_struct(out->struct_size, ATTUNE_SIZE_THROUGH(attune_event, anonymous), "out");
    const Event e = parse_event(capi::text_arg(json, json_len, "json"));
    if (out) fill_c_event(e, out);
  });
}

ATTUNE_API int attune_event_normalize(const char* json, size_t json_len, char* out, size_t out_capacity,
                                      size_t* needed) {
  return capi::guarded([&] {
    capi::require(needed, "needed");
    capi::copy_out(to_json(parse_event(capi::text_arg(json, json_len, "json"))), out, out_capacity, needed);
  });
}

ATTUNE_API void attune_session_config_init(attune_session_config* config) {
  if (!config) return;
  std::memset(config, 0, sizeof *config);
  config->struct_size = sizeof *config;
  const SessionConfig d;
  config->timeout_ms = d.timeout_ms;
  config->page_merge_ms = d.page_merge_ms;
  config->default_bounce_rate = d.default_bounce_rate;
  config->default_exit_rate = d.default_exit_rate;
  config->default_page_value = d.default_page_value;
  config->default_operating_system = d.default_operating_system;
  config->default_browser = d.default_browser;
  config->default_region = d.default_region;
  config->default_traffic_type = d.default_traffic_type;
  config->max_customers = d.max_customers;
}

ATTUNE_API int attune_session_tracker_create(const attune_session_config* config, attune_session_tracker** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = nullptr;
    *out = new attune_session_tracker{SessionTracker(from_c_config(config))};
  });
}

ATTUNE_API void attune_session_tracker_free(attune_session_tracker* tracker) { delete tracker; }

ATTUNE_API int attune_session_tracker_observe_json(attune_session_tracker* tracker, const char* json, size_t json_len,
                                                   int* result) {
  return capi::guarded([&] {
    capi::require(tracker, "tracker");
    const auto r = tracker->tracker.observe_json(capi::text_arg(json, json_len, "json"));
    if (result) *result = static_cast<int>(r);
  });
}

ATTUNE_API int attune_session_tracker_observe(attune_session_tracker* tracker, const attune_event* event, int* result) {
  return capi::guarded([&] {
    capi::require(tracker, "tracker");
    const auto r = tracker->tracker.observe(from_c_event(event));
    if (result) *result = static_cast<int>(r);
  });
}

ATTUNE_API int attune_session_tracker_features(const attune_session_tracker* tracker, const char* customer,
                                               size_t customer_len, int64_t now_ms, attune_session_features* out) {
  return capi::guarded([&] {
    capi::require(tracker, "tracker");
    capi::require(out, "out");
    check_struct(out->struct_size, ATTUNE_SIZE_THROUGH(attune_session_features, weekend), "out");
    const auto f = tracker->tracker.features(customer_arg(customer, customer_len), now_ms);
    if (!f) throw invalid_argument("unknown customer", status::not_found);
    write_prefix(out, to_c_features(*f));
  });
}

ATTUNE_API int attune_session_tracker_erase(attune_session_tracker* tracker, const char* customer, size_t customer_len) {
  return capi::guarded([&] {
    capi::require(tracker, "tracker");
    if (!tracker->tracker.erase(customer_arg(customer, customer_len)))
      throw invalid_argument("unknown customer", status::not_found);
  });
}

ATTUNE_API int attune_session_tracker_size(const attune_session_tracker* tracker, size_t* out) {
  return capi::guarded([&] {
    capi::require(tracker, "tracker");
    capi::require(out, "out");
    *out = tracker->tracker.size();
  });
}

ATTUNE_API int attune_intent_model_load(const char* path, attune_intent_model** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = nullptr;
    *out = new attune_intent_model{IntentModel::load(std::string(capi::cstr_arg(path, "path")))};
  });
}

ATTUNE_API int attune_intent_model_load_from_memory(const void* data, size_t size, attune_intent_model** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = nullptr;
    if (!data && size) throw invalid_argument("data is NULL but size is not 0");
    *out = new attune_intent_model{IntentModel::load_from_memory(data, size)};
  });
}

ATTUNE_API int attune_intent_model_load_default(int variant, attune_intent_model** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = nullptr;
    if (variant == ATTUNE_INTENT_DEFAULT) *out = new attune_intent_model{IntentModel::load_default()};
    else if (variant == ATTUNE_INTENT_WITHOUT_PAGE_VALUES)
      *out = new attune_intent_model{IntentModel::load_default_without_page_values()};
    else throw invalid_argument("variant must be ATTUNE_INTENT_DEFAULT or ATTUNE_INTENT_WITHOUT_PAGE_VALUES");
  });
}

ATTUNE_API void attune_intent_model_free(attune_intent_model* model) { delete model; }

ATTUNE_API int attune_intent_model_predict(const attune_intent_model* model, const attune_session_features* features,
                                           double* probability) {
  return capi::guarded([&] {
    capi::require(model, "model");
    capi::require(probability, "probability");
    *probability = model->model.predict(uci_from_c(features));
  });
}

ATTUNE_API int attune_intent_model_predict_rows(const attune_intent_model* model, const double* rows, size_t n,
                                                double* probabilities) {
  return capi::guarded([&] {
    capi::require(model, "model");
    if (n == 0) return;
    capi::require(rows, "rows");
    capi::require(probabilities, "probabilities");
    model->model.predict_batch(rows, n, probabilities);
  });
}

ATTUNE_API int attune_intent_model_explain(const attune_intent_model* model, const attune_session_features* features,
                                           char* out, size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(model, "model");
    capi::require(needed, "needed");
    capi::copy_out(model->model.explain(uci_from_c(features)).to_json(model->model.features()), out, out_capacity, needed);
  });
}

}  // extern "C"
