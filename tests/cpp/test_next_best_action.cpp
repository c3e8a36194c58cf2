#include "attune/behavior/next_best_action.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace attune;
using namespace attune::behavior;

namespace {
NextBestAction shipped() { return NextBestAction::load(attune_test::source_path("models/next_best_action.json")); }
}  // namespace

TEST_CASE("the shipped table loads and names the seed's actions", "[nba]") {
  const auto t = shipped();
  std::vector<std::string> ids;
  for (const auto& a : t.actions()) ids.push_back(a.id);
  for (const char* want : {"in_app_tutorial", "empathetic_check_in_email", "calming_follow_up", "social_proof",
                           "explore_options_cta"})
    CHECK(std::find(ids.begin(), ids.end(), want) != ids.end());
  CHECK(t.rule_count() >= 5);
}

TEST_CASE("state and risk map to ordered actions with reasons", "[nba]") {
  const auto t = shipped();
  StateVector s{};
  s[index(MarketingState::frustration)] = 0.7f;
  RiskFlags r;
  r.churn = true;
  auto recs = t.recommend(s, r);
  REQUIRE(!recs.empty());
  CHECK(recs[0].action == "empathetic_check_in_email");
  CHECK(recs[0].rule == "frustration_to_detachment");
  CHECK(recs[0].reason.find("churn risk") != std::string::npos);
  CHECK(std::find(recs[0].avoid.begin(), recs[0].avoid.end(), "urgency") != recs[0].avoid.end());
  for (size_t i = 1; i < recs.size(); ++i) CHECK(recs[i - 1].score >= recs[i].score);

  StateVector h{};
  h[index(MarketingState::hesitation)] = 0.8f;
  recs = t.recommend(h, RiskFlags{});
  REQUIRE(!recs.empty());
  CHECK(recs[0].action == "explore_options_cta");

  StateVector c{};
  c[index(MarketingState::confusion)] = 0.9f;
  recs = t.recommend(c, RiskFlags{}, 1);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].action == "in_app_tutorial");

  CHECK(t.recommend(StateVector{}, RiskFlags{}).empty());
  CHECK(NextBestAction::to_json(t.recommend(c, RiskFlags{})).find("in_app_tutorial") != std::string::npos);
  StateVector bad{};
  bad[2] = -0.1f;
  CHECK_THROWS_AS(t.recommend(bad, RiskFlags{}), attune::invalid_argument);
}

TEST_CASE("table validation names the offending path", "[nba]") {
  auto expect = [](const std::string& json, const std::string& needle, status code = status::invalid_argument) {
    try {
      NextBestAction::from_json(json);
      FAIL("expected an error for " << json);
    } catch (const attune::invalid_argument& e) {
      CHECK(e.code() == code);
      CHECK_THAT(e.what(), Catch::Contains(needle));
    }
  };
  const std::string head = R"({"format":"attune.next_best_action","version":1,"actions":{"a":{"label":"A"}},)";
  expect("{not json", "malformed JSON", status::parse_error);
  expect(R"({"format":"x","version":1})", "$.format");
  expect(R"({"format":"attune.next_best_action","version":2,"actions":{},"rules":[]})", "version 2",
         status::version_mismatch);
  expect(head + R"("rules":[{"id":"r","when":{"state":"grumpy"},"actions":["a"],"reason":"x"}]})",
         "$.rules[0].when.state: unknown marketing state 'grumpy'");
  expect(head + R"("rules":[{"id":"r","when":{"state":"anxiety"},"actions":["b"],"reason":"x"}]})",
         "$.rules[0].actions[0]: unknown action 'b'");
  expect(head + R"("rules":[{"id":"r","when":{"risk":"boredom"},"actions":["a"],"reason":"x"}]})", "unknown risk");
  expect(head + R"("rules":[{"id":"r","when":{"state":"anxiety","min":2},"actions":["a"],"reason":"x"}]})",
         "$.rules[0].when.min");
  expect(head + R"("rules":[{"id":"r","when":{},"actions":["a"],"reason":"x"}]})", "needs \"state\" or \"risk\"");
  expect(head + R"("rules":[{"id":"r","when":{"risk":"churn"},"actions":["a"],"reason":"x"},)"
                R"({"id":"r","when":{"risk":"churn"},"actions":["a"],"reason":"y"}]})",
         "duplicate rule id");
  expect(head + R"("rules":[{"id":"r","when":{"risk":"churn"},"actions":["a"],"reason":"x","colour":1}]})",
         "$.rules[0].colour: unknown key");
  // A valid minimal table.
  const auto t = NextBestAction::from_json(head + R"("rules":[{"id":"r","when":{"risk":"churn"},"actions":["a"],"reason":"x"}]})");
  RiskFlags f;
  f.churn = true;
  CHECK(t.recommend(StateVector{}, f).size() == 1);
  CHECK_THROWS_AS(NextBestAction::load("/nonexistent/nba.json"), attune::error);
}
