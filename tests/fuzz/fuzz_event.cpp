// Fuzz the Segment-spec event reader: behavior::parse_event, the C ABI's attune_event_parse and
// attune_event_normalize, and a SessionTracker fed the events (C++ and C). The input is JSON
// lines: each line is one event, all folded into one fresh tracker in order (sessions, late and
// duplicate events, page merging interact across lines).
// Invariants: only attune errors with input statuses escape; C and C++ agree on every line; the
// normalized JSON of an accepted event is accepted again and normalizes to itself; every event
// parse_event accepts is accepted by the tracker, and the customer's session features are then
// finite and non-negative (C and C++ trackers agree).
#include "fuzz_support.hpp"

#include "attune.h"
#include "attune/behavior/event.hpp"
#include "attune/behavior/session_tracker.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace {

int normalize(std::string_view json, std::string& out) {
  size_t needed = 0;
  int rc = attune_event_normalize(json.data(), json.size(), nullptr, 0, &needed);
  if (rc != ATTUNE_OK && rc != ATTUNE_E_BUFFER_TOO_SMALL) return rc;
  out.assign(needed, '\0');
  rc = attune_event_normalize(json.data(), json.size(), out.data(), out.size(), &needed);
  if (rc == ATTUNE_OK) out.resize(needed > 0 ? needed - 1 : 0);  // drop the NUL
  return rc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  using namespace attune::behavior;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  SessionTracker tracker;
  attune_session_tracker* c_tracker = nullptr;
  require(attune_session_tracker_create(nullptr, &c_tracker) == ATTUNE_OK);
  size_t start = 0;
  for (int line = 0; start <= input.size() && line < 64; ++line) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view json = input.substr(start, end - start);
    start = end + 1;

    Event e;
    const bool cpp_ok = guarded([&] { e = parse_event(json); });
    attune_event ce;
    attune_event_init(&ce);
    require((attune_event_parse(json.data(), json.size(), &ce) == ATTUNE_OK) == cpp_ok);
    std::string norm;
    const int nrc = normalize(json, norm);
    require((nrc == ATTUNE_OK) == cpp_ok);
    if (!cpp_ok) {
      int result = -1;
      require(attune_session_tracker_observe_json(c_tracker, json.data(), json.size(), &result) != ATTUNE_OK);
      continue;
    }
    std::string again;
    require(normalize(norm, again) == ATTUNE_OK && again == norm);

    tracker.observe(e);  // a parsed event is always accepted (the limit is 1,000,000 customers)
    int result = -1;
    require(attune_session_tracker_observe_json(c_tracker, json.data(), json.size(), &result) == ATTUNE_OK);
    require(result >= ATTUNE_OBSERVED_CONTINUED && result <= ATTUNE_OBSERVED_DUPLICATE);
    const auto f = tracker.features(e.user_id);
    require(f.has_value());
    const UciVector x = uci_vector(*f);
    for (double v : x) require(std::isfinite(v) && v >= 0.0);
    attune_session_features cf;
    cf.struct_size = sizeof cf;
    require(attune_session_tracker_features(c_tracker, e.user_id.data(), e.user_id.size(), -1, &cf) == ATTUNE_OK);
    require(cf.product_related == static_cast<double>(f->product_related) && cf.product_related_duration == f->product_related_duration);
  }
  attune_session_tracker_free(c_tracker);
  return 0;
}
