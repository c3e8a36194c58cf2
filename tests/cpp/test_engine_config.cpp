#include "attune/engine_config.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using attune::EngineConfig;

namespace {
std::string error_of(const std::string& json) {
  try {
    EngineConfig::parse(json);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("empty config gives the documented defaults", "[engine][config]") {
  const EngineConfig c = EngineConfig::parse("{}");
  CHECK(c.mode == attune::EngineMode::live);
  CHECK(c.state_half_life_hours == 24.0);
  CHECK(c.review_share == 0.05);
  CHECK(c.catalog == "default");
  CHECK_FALSE(c.allow_emotion_when_absent);
}

TEST_CASE("config round-trips through to_json", "[engine][config]") {
  const std::string json = R"({"mode":"shadow","seed":7,"memory":{"state_half_life_hours":6},
    "signals":{"voice_arousal":{"state":"anxiety","weight":0.8,"low":0.2,"high":0.9}},
    "consent":{"allow_when_absent":["personalization"]},"audit":{"review_share":0.5}})";
  const EngineConfig a = EngineConfig::parse(json);
  const EngineConfig b = EngineConfig::from_json(a.to_json());
  CHECK(a.to_json() == b.to_json());
  CHECK(b.mode == attune::EngineMode::shadow);
  CHECK(b.signals.at("voice_arousal").state == attune::MarketingState::anxiety);
  CHECK(b.allow_personalization_when_absent);
}

TEST_CASE("config errors name the JSON path of the bad field", "[engine][config]") {
  CHECK(error_of(R"({"mode":"loud"})").rfind("/mode: expected one of live, shadow, off", 0) == 0);
  CHECK(error_of(R"({"memory":{"state_half_life_hours":-1}})").rfind("/memory/state_half_life_hours:", 0) == 0);
  CHECK(error_of(R"({"memroy":{}})").rfind("/memroy: unknown field", 0) == 0);
  CHECK(error_of(R"({"signals":{"pitch":{"state":"joy"}}})").rfind("/signals/pitch/state:", 0) == 0);
  CHECK(error_of(R"({"signals":{"pitch":{"state":"anxiety","low":1,"high":0}}})").rfind("/signals/pitch/high:", 0) == 0);
  CHECK(error_of(R"({"consent":{"allow_when_absent":["marketing"]}})").rfind("/consent/allow_when_absent/0:", 0) == 0);
  CHECK(error_of(R"({"fusion":{"text":{"anxiety":"high"}}})").rfind("/fusion/text/anxiety: expected a number", 0) == 0);
  CHECK(error_of(R"({"catalog":42})").rfind("/catalog:", 0) == 0);
  CHECK(error_of("[1,2]").rfind("/: expected an object", 0) == 0);
  try {
    EngineConfig::parse("{\"mode\":");
    FAIL("expected parse error");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::parse_error);
  }
}
