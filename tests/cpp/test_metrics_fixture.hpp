// The hand-made audit log behind the KPI tests: tests/data/audit_small.jsonl is exactly what
// write_small_audit_log() writes (a test compares them byte for byte). To regenerate the file
// after changing the records here, run
//   ATTUNE_REGENERATE_FIXTURES=1 build/bin/attune_tests "[metrics][fixture]"
// and update the hand-computed values in test_metrics_kpis.cpp (docs/kpis.md explains each).
#pragma once

#include "attune/ethics/audit_log.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace attune_test {

inline constexpr std::int64_t kFixtureT0 = 1767603600000;  // 2026-01-05T09:00:00Z
inline std::int64_t fixture_hour(double h) { return kFixtureT0 + static_cast<std::int64_t>(h * 3600000.0); }

// Pseudonyms of four customers (the log only ever holds 32 lower-case hex characters).
inline const std::string kCustA = "a0000000000000000000000000000001";
inline const std::string kCustB = "b0000000000000000000000000000002";
inline const std::string kCustC = "c0000000000000000000000000000003";
inline const std::string kCustD = "d0000000000000000000000000000004";

inline nlohmann::json fixture_states(double frustration, double anxiety, double satisfaction) {
  return {{"frustration", frustration}, {"anxiety", anxiety},      {"hesitation", 0.1},  {"confusion", 0.05},
          {"curiosity", 0.2},           {"excitement", 0.1},       {"satisfaction", satisfaction}, {"detachment", 0.05}};
}

inline nlohmann::json fixture_decision(const std::string& customer, const std::string& id, const std::string& slot,
                                       const std::string& variant, double propensity, bool adapted, bool emotion_used,
                                       bool review, const std::string& mode, nlohmann::json guardrails,
                                       double purchase_probability, const nlohmann::json& states) {
  return {{"customer", customer},       {"decision_id", id},   {"slot", slot},
          {"variant", variant},         {"propensity", propensity}, {"adapted", adapted},
          {"emotion_used", emotion_used}, {"review", review},  {"mode", mode},
          {"guardrails", std::move(guardrails)}, {"purchase_probability", purchase_probability},
          {"states", states}};
}

/// Write the fixture log to `path` (which must not exist). 25 records over two UTC days.
inline void write_small_audit_log(const std::string& path) {
  using nlohmann::json;
  attune::ethics::AuditOptions opt;
  opt.fsync = attune::ethics::AuditFsync::none;
  opt.salt = "attune-kpi-fixture-salt";
  attune::ethics::AuditLog log(path, opt);
  const json none = json::array();
  // 1-4 consents: A both purposes, B personalization expiring after one hour, C emotion.
  log.append("consent", fixture_hour(0), {{"customer", kCustA}, {"purpose", "emotion_inference"}, {"granted", true}, {"source", "signup"}});
  log.append("consent", fixture_hour(0), {{"customer", kCustA}, {"purpose", "personalization"}, {"granted", true}, {"source", "signup"}});
  log.append("consent", fixture_hour(0), {{"customer", kCustB}, {"purpose", "personalization"}, {"granted", true}, {"source", "banner"},
                                          {"expires_ms", fixture_hour(1)}});
  log.append("consent", fixture_hour(0), {{"customer", kCustC}, {"purpose", "emotion_inference"}, {"granted", true}, {"source", "chat"}});
  // 5 A is frustrated (trust -0.4).
  log.append("observation", fixture_hour(1), {{"customer", kCustA}, {"channel", "chat"}, {"emotion_used", true}, {"observation_id", "o1"},
                                              {"labels", {"anger", "annoyance"}}, {"states", fixture_states(0.6, 0.3, 0.2)}});
  // 6-7 d1: adapted, guardrail fired, flagged for review, converted.
  log.append("decision", fixture_hour(1),
             fixture_decision(kCustA, "d1", "hero", "calm", 0.5, true, true, true, "live",
                              json::array({{{"rule", "no_urgency_when_anxious"}, {"masked", {"urgent", "scarce"}}}}), 0.8,
                              fixture_states(0.6, 0.3, 0.2)));
  log.append("reward", fixture_hour(2), {{"customer", kCustA}, {"decision_id", "d1"}, {"value", 1.0}});
  // 8-9 d2: adapted, no conversion.
  log.append("decision", fixture_hour(3),
             fixture_decision(kCustA, "d2", "hero", "bold", 0.25, true, true, false, "live", none, 0.3, fixture_states(0.2, 0.1, 0.5)));
  log.append("reward", fixture_hour(4), {{"customer", kCustA}, {"decision_id", "d2"}, {"value", 0.0}});
  // 10 A is satisfied (trust +0.8).
  log.append("observation", fixture_hour(5), {{"customer", kCustA}, {"channel", "email"}, {"emotion_used", true}, {"observation_id", "o2"},
                                              {"labels", json::array({"gratitude"})}, {"states", fixture_states(0.1, 0.0, 0.9)}});
  // 11-14 B: two non-emotion decisions, one converts.
  log.append("decision", fixture_hour(6),
             fixture_decision(kCustB, "d3", "hero", "calm", 0.5, false, false, false, "live", none, 0.6, fixture_states(0.1, 0.1, 0.3)));
  log.append("reward", fixture_hour(7), {{"customer", kCustB}, {"decision_id", "d3"}, {"value", 1.0}});
  log.append("decision", fixture_hour(8),
             fixture_decision(kCustB, "d4", "email", "plain", 1.0, false, false, false, "live", none, 0.4, fixture_states(0.1, 0.1, 0.3)));
  log.append("reward", fixture_hour(9), {{"customer", kCustB}, {"decision_id", "d4"}, {"value", 0.0}});
  // 15-16 C: shadow decision with two rules firing.
  log.append("decision", fixture_hour(10),
             fixture_decision(kCustC, "d5", "hero", "calm", 0.5, true, true, false, "shadow",
                              json::array({{{"rule", "no_urgency_when_anxious"}, {"masked", json::array({"urgent"})}},
                                           {{"rule", "vulnerable_default"}, {"masked", json::array({"bold"})}}}),
                              0.2, fixture_states(0.2, 0.8, 0.1)));
  log.append("reward", fixture_hour(11), {{"customer", kCustC}, {"decision_id", "d5"}, {"value", 0.0}});
  // 17 D: kill switch on; no reward arrives.
  log.append("decision", fixture_hour(12),
             fixture_decision(kCustD, "d6", "hero", "default", 1.0, false, false, false, "off", none, 0.7, fixture_states(0.1, 0.1, 0.1)));
  // 18-20 the empathy loop: humans verified the detected labels.
  log.append("correction", fixture_hour(13), {{"customer", kCustA}, {"observation_id", "o1"}, {"detected", {"anger", "annoyance"}},
                                              {"verified", {"annoyance", "disappointment"}}});
  log.append("correction", fixture_hour(13), {{"customer", kCustB}, {"observation_id", "o3"}, {"detected", json::array({"joy"})}, {"verified", json::array({"joy"})}});
  log.append("correction", fixture_hour(13), {{"customer", kCustC}, {"observation_id", "o4"}, {"detected", json::array({"fear"})}, {"verified", json::array({"nervousness"})}});
  // 21 C revokes emotion inference.
  log.append("consent", fixture_hour(14), {{"customer", kCustC}, {"purpose", "emotion_inference"}, {"granted", false}, {"source", "settings"}});
  // 22-24 day two: B neutral, then converts.
  log.append("observation", fixture_hour(26), {{"customer", kCustB}, {"channel", "app"}, {"emotion_used", false}, {"observation_id", "o5"},
                                               {"labels", json::array({"neutral"})}, {"states", fixture_states(0.5, 0.2, 0.5)}});
  log.append("decision", fixture_hour(27),
             fixture_decision(kCustB, "d7", "hero", "calm", 0.5, false, false, false, "live", none, 0.9, fixture_states(0.3, 0.1, 0.6)));
  log.append("reward", fixture_hour(28), {{"customer", kCustB}, {"decision_id", "d7"}, {"value", 1.0}});
  // 25 D asks to be forgotten.
  log.append("erasure", fixture_hour(29), {{"customer", kCustD}});
}

}  // namespace attune_test
