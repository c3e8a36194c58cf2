// The behaviour C ABI agrees with the C++ API, and refuses bad input without changing state.
#include "attune.h"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace attune::behavior;

TEST_CASE("C ABI sessions and intent predictions equal the C++ ones", "[behavior][c_api]") {
  const std::vector<std::string> events = {
      R"({"type":"page","userId":"u","category":"administrative","properties":{"bounce_rate":0.01},"timestamp":"2026-05-04T10:00:00+02:00"})",
      R"({"type":"page","userId":"u","category":"product","properties":{"page_value":15,"exit_rate":0.03},"timestamp":"2026-05-04T10:00:40+02:00"})",
      R"({"type":"track","userId":"u","event":"Product Viewed","properties":{"product_id":"p"},"timestamp":"2026-05-04T10:00:41+02:00"})",
      R"({"type":"track","userId":"u","event":"Product Added","properties":{"product_id":"p"},"timestamp":"2026-05-04T10:02:00+02:00"})",
      R"({"type":"page","userId":"u","category":"informational","timestamp":"2026-05-04T10:01:00+02:00"})",
      R"({"type":"track","userId":"u","event":"Product Added","properties":{"product_id":"p"},"timestamp":"2026-05-04T10:02:00+02:00"})",
      R"({"type":"track","userId":"u","event":"Cart Viewed","timestamp":"2026-05-04T10:03:10+02:00"})",
  };
  SessionTracker cpp;
  attune_session_tracker* c = nullptr;
  REQUIRE(attune_session_tracker_create(nullptr, &c) == ATTUNE_OK);
  for (const auto& e : events) {
    int result = -1;
    REQUIRE(attune_session_tracker_observe_json(c, e.data(), e.size(), &result) == ATTUNE_OK);
    CHECK(result == static_cast<int>(cpp.observe_json(e)));
  }
  const SessionFeatures f = *cpp.features("u");
  attune_session_features cf;
  cf.struct_size = sizeof cf;
  REQUIRE(attune_session_tracker_features(c, "u", 1, -1, &cf) == ATTUNE_OK);
  CHECK(cf.product_related == f.product_related);
  CHECK(cf.product_related_duration == f.product_related_duration);
  CHECK(cf.administrative_duration == f.administrative_duration);
  CHECK(cf.bounce_rates == f.bounce_rates);
  CHECK(cf.exit_rates == f.exit_rates);
  CHECK(cf.page_values == f.page_values);
  CHECK(cf.special_day == f.special_day);
  CHECK(cf.special_day == 1.0);  // six days before Mother's Day 2026
  CHECK(cf.late_events == f.late_events);
  CHECK(cf.duplicate_events == f.duplicate_events);
  CHECK(cf.duplicate_events == 1);
  CHECK(cf.cart_views == 1);

  const IntentModel model = IntentModel::load_default();
  attune_intent_model* cm = nullptr;
  REQUIRE(attune_intent_model_load_default(ATTUNE_INTENT_DEFAULT, &cm) == ATTUNE_OK);
  double p = -1;
  REQUIRE(attune_intent_model_predict(cm, &cf, &p) == ATTUNE_OK);
  CHECK(p == model.predict(f));
  size_t needed = 0;
  REQUIRE(attune_intent_model_explain(cm, &cf, nullptr, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  std::string json(needed, '\0');
  REQUIRE(attune_intent_model_explain(cm, &cf, json.data(), json.size(), &needed) == ATTUNE_OK);
  json.resize(needed - 1);
  CHECK(json == model.explain(f).to_json(model.features()));

  // A refused event changes nothing.
  const std::string bad = R"({"type":"page","userId":"u","category":"product","properties":{"bounce_rate":7},"timestamp":"2026-05-04T10:05:00+02:00"})";
  CHECK(attune_session_tracker_observe_json(c, bad.data(), bad.size(), nullptr) == ATTUNE_E_OUT_OF_RANGE);
  attune_session_features after;
  after.struct_size = sizeof after;
  REQUIRE(attune_session_tracker_features(c, "u", 1, -1, &after) == ATTUNE_OK);
  CHECK(after.events == cf.events);
  CHECK(after.last_ms == cf.last_ms);
  // An older, smaller struct gets only its prefix written.
  attune_session_features old{};
  old.struct_size = static_cast<uint32_t>(offsetof(attune_session_features, active));
  old.start_ms = 12345;
  REQUIRE(attune_session_tracker_features(c, "u", 1, -1, &old) == ATTUNE_OK);
  CHECK(old.start_ms == 12345);
  CHECK(old.product_related == f.product_related);
  attune_intent_model_free(cm);
  attune_session_tracker_free(c);
}
