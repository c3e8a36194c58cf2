#include "attune/behavior/state_transitions.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <numeric>

using namespace attune;
using namespace attune::behavior;

TEST_CASE("untrained transitions predict the sticky prior", "[transitions]") {
  StateTransitions t;
  const auto row = t.predict(MarketingState::curiosity);
  CHECK(row[index(MarketingState::curiosity)] == Approx(0.4));
  CHECK(std::accumulate(row.begin(), row.end(), 0.0) == Approx(1.0));
}

TEST_CASE("transitions are learned from sequences with smoothing", "[transitions]") {
  StateTransitions t(1.0);
  for (int i = 0; i < 30; ++i) t.observe_sequence(std::vector<std::string>{"frustration", "detachment", "detachment"});
  for (int i = 0; i < 30; ++i) t.observe_sequence(std::vector<std::string>{"curiosity", "excitement", "satisfaction"});
  const auto row = t.predict(MarketingState::frustration);
  CHECK(row[index(MarketingState::detachment)] > 0.9f);
  CHECK(row[index(MarketingState::detachment)] < 1.0f);  // smoothed: never exactly 1
  for (auto p : row) CHECK(p > 0.0f);
  CHECK(t.count(MarketingState::frustration, MarketingState::detachment) == 30);
  CHECK(t.total() == 120);

  StateVector soft{};
  soft[index(MarketingState::frustration)] = 0.5f;
  soft[index(MarketingState::curiosity)] = 0.5f;
  const auto mix = t.predict(soft);
  CHECK(std::accumulate(mix.begin(), mix.end(), 0.0) == Approx(1.0));
  CHECK(mix[index(MarketingState::detachment)] > 0.4f);
  CHECK(mix[index(MarketingState::excitement)] > 0.4f);
}

TEST_CASE("frustration followed by detachment is flagged as churn risk", "[transitions]") {
  StateTransitions t;
  for (int i = 0; i < 20; ++i) t.observe(MarketingState::frustration, MarketingState::detachment);
  for (int i = 0; i < 20; ++i) t.observe(MarketingState::curiosity, MarketingState::excitement);
  StateVector prev{}, now{};
  prev[index(MarketingState::frustration)] = 0.8f;
  now[index(MarketingState::frustration)] = 0.6f;
  const auto r = t.churn_risk(prev, now);
  CHECK(r.flagged);
  CHECK(r.p_next_detachment > 0.5f);
  CHECK(r.lift > 2.0f);
  CHECK(r.risk >= 0.25f);
  CHECK(r.risk <= 1.0f);

  StateVector calm{};
  calm[index(MarketingState::satisfaction)] = 0.9f;
  const auto ok = t.churn_risk(calm, calm);
  CHECK(!ok.flagged);
  CHECK(ok.risk < 0.1f);
  CHECK(r.to_json().find("\"flagged\":true") != std::string::npos);
}

TEST_CASE("unknown state names and bad scores are errors with no state change", "[transitions]") {
  StateTransitions t;
  t.observe(MarketingState::anxiety, MarketingState::hesitation);
  const StateTransitions before = t;
  try {
    t.observe_sequence(std::vector<std::string>{"anxiety", "grumpy", "hesitation"});
    FAIL("expected an error");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == status::not_found);
    CHECK(std::string(e.what()).find("grumpy") != std::string::npos);
  }
  CHECK(t == before);
  CHECK_THROWS_AS(t.observe(MarketingState::anxiety, MarketingState::hesitation, -1), attune::invalid_argument);
  CHECK_THROWS_AS(t.observe(static_cast<MarketingState>(12), MarketingState::hesitation), attune::invalid_argument);
  StateVector bad{};
  bad[0] = 1.5f;
  CHECK_THROWS_AS(t.predict(bad), attune::invalid_argument);
  CHECK_THROWS_AS(t.churn_risk(bad, StateVector{}), attune::invalid_argument);
  CHECK(t == before);
  CHECK_THROWS_AS(StateTransitions(0.0), attune::invalid_argument);
}

TEST_CASE("StateTransitions serialization round-trips", "[transitions]") {
  StateTransitions t(2.5);
  t.observe_sequence(std::vector<MarketingState>{MarketingState::confusion, MarketingState::frustration,
                                                 MarketingState::detachment});
  const auto bytes = t.serialize();
  const auto u = StateTransitions::deserialize(bytes.data(), bytes.size());
  CHECK(u == t);
  CHECK(u.to_json() == t.to_json());
  auto bad = bytes;
  bad.resize(bad.size() - 8);
  CHECK_THROWS_AS(StateTransitions::deserialize(bad.data(), bad.size()), attune::error);
}
