#include "attune/error.hpp"
#include "attune/ethics/guardrails.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace attune::ethics;
using attune::MarketingState;
using attune::StateVector;
using attune::status;

namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t NOW = 1700000000000;

template <class F>
std::pair<status, std::string> thrown(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return {attune::status_of(e), e.what()};
  }
  return {status::ok, ""};
}

StateVector states_with(MarketingState s, float v) {
  StateVector st{};
  st[attune::index(s)] = v;
  return st;
}

std::vector<Candidate> catalog() {
  return {{"buy_now", {"sales", "urgency"}},
          {"only_3_left", {"sales", "scarcity"}},
          {"calm_help", {"non_sales", "calming"}},
          {"plain", {"sales"}}};
}

std::vector<std::string> allowed_ids(const GuardrailResult& r, const std::vector<Candidate>& c) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < c.size(); ++i)
    if (r.allowed[i]) ids.push_back(c[i].id);
  return ids;
}

const FiredRule* fired(const GuardrailResult& r, std::string_view id) {
  for (const auto& f : r.fired)
    if (f.id == id) return &f;
  return nullptr;
}

Guardrails rules(const std::string& rules_array) {
  return Guardrails::from_json("{\"version\": 1, \"rules\": " + rules_array + "}");
}

}  // namespace

TEST_CASE("shipped default rules load and contain the required protections", "[ethics][guardrails]") {
  const Guardrails g = Guardrails::load_default();
  std::set<RuleKind> kinds;
  for (const auto& r : g.rules()) kinds.insert(r.kind);
  CHECK(kinds.size() == 4);
  CHECK(g.history_window_ms() == 24 * kHour);

  // Anxious customer on a sales slot: urgency and scarcity go, the rest stays.
  GuardrailContext ctx;
  ctx.slot = "product_cta";
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::anxiety, 0.8f);
  const auto c = catalog();
  const GuardrailResult r = g.evaluate(ctx, c);
  CHECK(allowed_ids(r, c) == std::vector<std::string>{"calm_help", "plain"});
  REQUIRE(fired(r, "no_pressure_when_anxious"));
  CHECK(fired(r, "no_pressure_when_anxious")->trigger == "anxiety");
  CHECK(r.masked_by(*fired(r, "no_pressure_when_anxious")) == std::vector<uint32_t>{0, 1});
  CHECK(r.use_emotion);
  CHECK_FALSE(r.fallback_to_default);

  // Price slot: emotion is not used, protections still apply.
  const std::vector<std::string> price{"price"};
  ctx.slot_tags = price;
  const GuardrailResult p = g.evaluate(ctx, c);
  CHECK_FALSE(p.use_emotion);
  CHECK(fired(p, "no_emotion_for_price"));
  CHECK(allowed_ids(p, c) == std::vector<std::string>{"calm_help", "plain"});
}

TEST_CASE("block_tags_when_state fires at its threshold and not below", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([{"id": "anx", "kind": "block_tags_when_state",
      "when": [{"state": "anxiety", "at_least": 0.5}, {"signal": "sadness", "at_least": 0.6}],
      "block_tags": ["urgency", "scarcity"]}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::anxiety, std::nextafter(0.5f, 0.0f));
  GuardrailResult r = g.evaluate(ctx, c);
  CHECK(r.fired.empty());
  CHECK(r.allowed_count == 4);
  ctx.states = states_with(MarketingState::anxiety, 0.5f);
  r = g.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].observed == Approx(0.5));
  CHECK(r.allowed == std::vector<uint8_t>{0, 0, 1, 1});
  CHECK(r.fired[0].reason.find("urgency or scarcity") != std::string_view::npos);  // generated sentence

  // Signals, matched case-insensitively; the highest score of repeated names counts.
  ctx.states = states_with(MarketingState::anxiety, 0.1f);
  const std::vector<NamedScore> low{{"Sadness", 0.59f}}, high{{"sadness", 0.2f}, {"SADNESS", 0.6f}};
  ctx.signals = low;
  CHECK(g.evaluate(ctx, c).fired.empty());
  ctx.signals = high;
  r = g.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].trigger == "sadness");

  // Tags on variants are matched case-insensitively, '-' read as '_'.
  const std::vector<Candidate> shouty{{"a", {"URGENCY"}}, {"b", {"Scar-city"}}, {"c", {"urgent"}}};
  CHECK(g.evaluate(ctx, shouty).allowed == std::vector<uint8_t>{0, 1, 1});  // "scar_city" is another tag
}

TEST_CASE("missing states skip state rules unless when_unknown is apply", "[ethics][guardrails]") {
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;  // no states: the customer did not consent to emotion inference
  const Guardrails skip = rules(R"([{"id": "anx", "kind": "block_tags_when_state",
      "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urgency"]}])");
  CHECK(skip.evaluate(ctx, c).allowed_count == 4);
  const Guardrails apply = rules(R"([{"id": "anx", "kind": "block_tags_when_state", "when_unknown": "apply",
      "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urgency"]}])");
  const GuardrailResult r = apply.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].unknown_input);
  CHECK(r.allowed == std::vector<uint8_t>{0, 1, 1, 1});
  // Known and below threshold: "apply" does not fire.
  ctx.states = states_with(MarketingState::anxiety, 0.1f);
  CHECK(apply.evaluate(ctx, c).fired.empty());
}

TEST_CASE("quiet_period holds for exactly its hours after a high state", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([{"id": "quiet", "kind": "quiet_period", "hours": 24,
      "when": [{"state": "frustration", "at_least": 0.7}], "allow_tags": ["non_sales"]}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::frustration, 0.69f);
  CHECK(g.evaluate(ctx, c).fired.empty());
  ctx.states = states_with(MarketingState::frustration, 0.7f);
  CHECK(allowed_ids(g.evaluate(ctx, c), c) == std::vector<std::string>{"calm_help"});

  ctx.states = states_with(MarketingState::frustration, 0.1f);
  std::vector<StatePeak> peaks{{MarketingState::frustration, 0.9f, NOW - 24 * kHour + 1}};
  ctx.state_peaks = peaks;
  GuardrailResult r = g.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].observed_at_ms == NOW - 24 * kHour + 1);
  CHECK(allowed_ids(r, c) == std::vector<std::string>{"calm_help"});
  peaks[0].at_ms = NOW - 24 * kHour;  // the end instant is outside the period
  CHECK(g.evaluate(ctx, c).fired.empty());
  peaks[0] = {MarketingState::frustration, 0.69f, NOW - kHour};  // below threshold
  CHECK(g.evaluate(ctx, c).fired.empty());
  peaks[0] = {MarketingState::anxiety, 0.99f, NOW - kHour};  // another state
  CHECK(g.evaluate(ctx, c).fired.empty());
  // Peaks count even without current states (consent revoked since: the engine decides what to pass).
  ctx.states.reset();
  peaks[0] = {MarketingState::frustration, 0.8f, NOW - kHour};
  CHECK(g.evaluate(ctx, c).fired.size() == 1);

  // The block_tags form of a quiet period.
  const Guardrails b = rules(R"([{"id": "quiet", "kind": "quiet_period", "hours": 0.5,
      "when": [{"state": "frustration", "at_least": 0.7}], "block_tags": ["sales"]}])");
  peaks[0].at_ms = NOW - kHour;  // outside a half-hour period
  CHECK(b.evaluate(ctx, c).fired.empty());
  peaks[0].at_ms = NOW - kHour / 4;
  CHECK(allowed_ids(b.evaluate(ctx, c), c) == std::vector<std::string>{"calm_help"});
}

TEST_CASE("frequency_cap masks at max decisions within the window", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([{"id": "cap", "kind": "frequency_cap", "max_decisions": 3, "window_hours": 24}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  std::vector<int64_t> times{NOW - 1, NOW - 2 * kHour, NOW - 24 * kHour};  // the last one is outside
  ctx.recent_decisions_ms = times;
  CHECK(g.evaluate(ctx, c).fired.empty());
  times[2] = NOW - 24 * kHour + 1;
  ctx.recent_decisions_ms = times;
  const GuardrailResult r = g.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].observed == 3);
  CHECK(r.allowed_count == 0);
  CHECK(r.fallback_to_default);
  CHECK(r.masked_by(r.fired[0]).size() == 4);

  const Guardrails exempt = rules(R"([{"id": "cap", "kind": "frequency_cap", "max_decisions": 3,
      "window_hours": 24, "exempt_tags": ["non_sales"]}])");
  const GuardrailResult e = exempt.evaluate(ctx, c);
  CHECK(allowed_ids(e, c) == std::vector<std::string>{"calm_help"});
  CHECK_FALSE(e.fallback_to_default);
}

TEST_CASE("no_emotion_for_slot_tags turns emotion off only on matching slots", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([{"id": "price", "kind": "no_emotion_for_slot_tags", "slot_tags": ["price"]}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  CHECK(g.evaluate(ctx, c).use_emotion);
  const std::vector<std::string> other{"banner", "sales"}, price{"banner", "Price"};
  ctx.slot_tags = other;
  CHECK(g.evaluate(ctx, c).use_emotion);
  ctx.slot_tags = price;
  const GuardrailResult r = g.evaluate(ctx, c);
  CHECK_FALSE(r.use_emotion);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].disables_emotion);
  CHECK(r.fired[0].trigger == "price");
  CHECK(r.allowed_count == 4);  // removes nothing
}

TEST_CASE("scope by slot names and tags, and disabled rules", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([
    {"id": "a", "kind": "block_tags_when_state", "slots": ["checkout"], "slot_tags": ["sales"],
     "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urgency"]},
    {"id": "b", "kind": "block_tags_when_state", "enabled": false,
     "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["calming"]}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::anxiety, 0.9f);
  const std::vector<std::string> sales{"sales"};
  ctx.slot = "home";
  ctx.slot_tags = sales;
  CHECK(g.evaluate(ctx, c).fired.empty());  // wrong slot
  ctx.slot = "checkout";
  ctx.slot_tags = {};
  CHECK(g.evaluate(ctx, c).fired.empty());  // slot lacks the tag
  ctx.slot_tags = sales;
  const GuardrailResult r = g.evaluate(ctx, c);
  REQUIRE(r.fired.size() == 1);
  CHECK(r.fired[0].id == "a");
}

TEST_CASE("rules that together mask everything fall back to the default", "[ethics][guardrails]") {
  // Contradictory intent: one rule allows only non_sales, another blocks non_sales. Rules only
  // remove, so both apply, the mask is their AND, and the slot's safe default is used.
  const Guardrails g = rules(R"([
    {"id": "quiet", "kind": "quiet_period", "hours": 24, "when": [{"state": "frustration", "at_least": 0.5}],
     "allow_tags": ["non_sales"]},
    {"id": "no_service", "kind": "block_tags_when_state", "when": [{"state": "frustration", "at_least": 0.5}],
     "block_tags": ["non_sales"]}])");
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::frustration, 0.9f);
  const GuardrailResult r = g.evaluate(ctx, c);
  CHECK(r.fired.size() == 2);
  CHECK(r.allowed_count == 0);
  CHECK(r.fallback_to_default);
  // No candidates at all: also the default.
  CHECK(g.evaluate(ctx, std::vector<Candidate>{}).fallback_to_default);
  // No rules: nothing masked.
  CHECK(Guardrails().evaluate(ctx, c).allowed_count == 4);
}

TEST_CASE("malformed rules give errors naming the JSON path", "[ethics][guardrails]") {
  struct Case {
    std::string json;
    status code;
    std::string message;
  };
  const std::string ok_rule = R"({"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urgency"]})";
  const Case cases[] = {
      {"{\"version\": 1, \"rules\": [", status::parse_error, "malformed JSON"},
      {"[1, 2]", status::invalid_argument, "must be a JSON object"},
      {R"({"rules": []})", status::invalid_argument, "/version: required field is missing"},
      {R"({"version": 2, "rules": []})", status::invalid_argument, "/version: unsupported rules version 2"},
      {R"({"version": 1, "rules": [], "extra": 1})", status::invalid_argument, "/extra: unknown field"},
      {R"({"version": 1, "version": 1, "rules": []})", status::parse_error, "duplicate key 'version'"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "make_urgent"}]})", status::invalid_argument,
       "/rules/0/kind: unknown rule kind 'make_urgent'"},
      {R"({"version": 1, "rules": [{"kind": "frequency_cap"}]})", status::invalid_argument, "/rules/0/id: required field is missing"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "frequency_cap", "window_hours": 1}]})", status::invalid_argument,
       "/rules/0/max_decisions: required field is missing"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "frequency_cap", "max_decisions": 0, "window_hours": 1}]})",
       status::out_of_range, "/rules/0/max_decisions: must be an integer in [1, 1000000]"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "frequency_cap", "max_decisions": 2.5, "window_hours": 1}]})",
       status::out_of_range, "/rules/0/max_decisions"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 1.5}], "block_tags": ["urgency"]}]})",
       status::out_of_range, "/rules/0/when/0/at_least: must be a number in (0, 1], got 1.5"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0}], "block_tags": ["urgency"]}]})",
       status::out_of_range, "/rules/0/when/0/at_least"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": "0.5"}], "block_tags": ["urgency"]}]})",
       status::invalid_argument, "/rules/0/when/0/at_least: must be a number"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "angst", "at_least": 0.5}], "block_tags": ["urgency"]}]})",
       status::invalid_argument, "/rules/0/when/0/state: unknown marketing state 'angst'"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "signal": "fear", "at_least": 0.5}], "block_tags": ["urgency"]}]})",
       status::invalid_argument, "exactly one of"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_leats": 0.5}], "block_tags": ["urgency"]}]})",
       status::invalid_argument, "/rules/0/when/0/at_leats: unknown field"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [], "block_tags": ["urgency"]}]})",
       status::invalid_argument, "/rules/0/when: must list at least one condition"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urgency", "Urgency"]}]})",
       status::invalid_argument, "/rules/0/block_tags/1: tag 'urgency' is listed twice"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.5}], "block_tags": ["urg ency!"]}]})",
       status::invalid_argument, "/rules/0/block_tags/0: a tag must be"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "quiet_period", "hours": 2, "when": [{"state": "frustration", "at_least": 0.5}], "allow_tags": ["non_sales"], "block_tags": ["sales"]}]})",
       status::invalid_argument, "/rules/0: a quiet_period needs exactly one of"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "quiet_period", "hours": -2, "when": [{"state": "frustration", "at_least": 0.5}], "allow_tags": ["non_sales"]}]})",
       status::out_of_range, "/rules/0/hours"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "no_emotion_for_slot_tags"}]})", status::invalid_argument,
       "/rules/0/slot_tags: required field is missing"},
      {R"({"version": 1, "rules": [{"id": "r", "kind": "no_emotion_for_slot_tags", "slot_tags": ["price"], "max_decisions": 3}]})",
       status::invalid_argument, "/rules/0/max_decisions: unknown field"},
      {R"({"version": 1, "rules": [{"id": "bad id!", "kind": "no_emotion_for_slot_tags", "slot_tags": ["price"]}]})",
       status::invalid_argument, "/rules/0/id: must be 1..64 characters"},
      {"{\"version\": 1, \"rules\": [" + ok_rule + ", " + ok_rule + "]}", status::invalid_argument,
       "/rules/1/id: duplicate rule id 'r'"},
      {"{\"version\": 1, \"rules\": [{\"id\": \"r\", \"kind\": \"no_emotion_for_slot_tags\", \"slot_tags\": [\"price\"], \"reason\": \"\xC3\"}]}",
       status::invalid_utf8, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    const auto [code, message] = thrown([&] { Guardrails::from_json(c.json); });
    CHECK(code == c.code);
    CHECK_THAT(message, Catch::Contains(c.message));
  }
  // Too many distinct tags for the 64-bit tag sets.
  std::string many = "[";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + "{\"id\": \"r" + std::to_string(i) +
            "\", \"kind\": \"no_emotion_for_slot_tags\", \"slot_tags\": [\"t" + std::to_string(i) + "\"]}";
  CHECK(thrown([&] { rules(many + "]"); }).first == status::limit_exceeded);
  CHECK(thrown([&] { Guardrails::load("/nonexistent/rules.json"); }).first == status::io_error);
}

TEST_CASE("a malformed context is rejected and leaves the result unchanged", "[ethics][guardrails]") {
  const Guardrails g = Guardrails::load_default();
  const auto c = catalog();
  GuardrailContext ctx;
  ctx.now_ms = NOW;
  ctx.states = states_with(MarketingState::anxiety, 0.9f);
  GuardrailResult r = g.evaluate(ctx, c);
  const std::vector<uint8_t> before = r.allowed;
  const size_t fired_before = r.fired.size();
  auto bad = ctx;
  (*bad.states)[0] = std::numeric_limits<float>::quiet_NaN();
  CHECK(thrown([&] { g.evaluate(bad, c, r); }).first == status::out_of_range);
  bad = ctx;
  (*bad.states)[1] = 1.5f;
  CHECK(thrown([&] { g.evaluate(bad, c, r); }).first == status::out_of_range);
  bad = ctx;
  bad.now_ms = -1;
  CHECK(thrown([&] { g.evaluate(bad, c, r); }).first == status::out_of_range);
  const std::vector<NamedScore> nan_signal{{"fear", std::numeric_limits<float>::quiet_NaN()}};
  bad = ctx;
  bad.signals = nan_signal;
  CHECK(thrown([&] { g.evaluate(bad, c, r); }).first == status::out_of_range);
  const std::vector<int64_t> neg{-5};
  bad = ctx;
  bad.recent_decisions_ms = neg;
  CHECK(thrown([&] { g.evaluate(bad, c, r); }).first == status::out_of_range);
  CHECK(r.allowed == before);
  CHECK(r.fired.size() == fired_before);
}

TEST_CASE("canonical JSON round-trips the rules", "[ethics][guardrails]") {
  const Guardrails g = Guardrails::load_default();
  const Guardrails again = Guardrails::from_json(g.to_json());
  REQUIRE(again.size() == g.size());
  CHECK(again.to_json() == g.to_json());
  for (size_t i = 0; i < g.size(); ++i) CHECK(again.rules()[i].reason == g.rules()[i].reason);
}

namespace {

// A deliberately naive reading of the rules (strings, sets, no precompilation) to check the
// compiled evaluator against.
std::string norm(std::string s) {
  for (char& ch : s) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (ch == '-' || ch == ' ') ch = '_';
  }
  return s;
}

bool has_any(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  for (const auto& h : have)
    for (const auto& w : wanted)
      if (norm(h) == w) return true;
  return false;
}

std::vector<uint8_t> reference_mask(const Guardrails& g, const GuardrailContext& ctx, const std::vector<std::string>& slot_tags,
                                    const std::vector<NamedScore>& signals, const std::vector<StatePeak>& peaks,
                                    const std::vector<int64_t>& decisions, const std::vector<Candidate>& cands,
                                    bool& use_emotion) {
  std::vector<uint8_t> allowed(cands.size(), 1);
  use_emotion = true;
  for (const Rule& r : g.rules()) {
    if (!r.enabled) continue;
    if (!r.slots.empty() && std::find(r.slots.begin(), r.slots.end(), std::string(ctx.slot)) == r.slots.end()) continue;
    if (!r.slot_tags.empty() && !has_any(slot_tags, r.slot_tags)) continue;
    bool active = false, unknown = false;
    for (const auto& cond : r.when) {
      std::optional<float> v;
      if (cond.state) {
        if (ctx.states) v = (*ctx.states)[attune::index(*cond.state)];
      } else {
        for (const auto& s : signals)
          if (norm(std::string(s.name)) == cond.signal) v = std::max(v.value_or(0.0f), s.score);
      }
      if (v && *v >= cond.at_least) active = true;
      if (!v) unknown = true;
      if (r.kind == RuleKind::quiet_period && cond.state)
        for (const auto& p : peaks)
          if (p.state == *cond.state && p.score >= cond.at_least && static_cast<double>(ctx.now_ms - p.at_ms) < r.hours * 3600000.0)
            active = true;
    }
    if (!active && unknown && r.apply_when_unknown) active = true;
    if (r.kind == RuleKind::frequency_cap) {
      uint32_t n = 0;
      for (int64_t t : decisions) n += static_cast<double>(ctx.now_ms - t) < r.hours * 3600000.0;
      active = n >= r.max_decisions;
    }
    if (r.kind == RuleKind::no_emotion_for_slot_tags) {
      use_emotion = false;
      continue;
    }
    if (!active) continue;
    for (size_t i = 0; i < cands.size(); ++i) {
      const auto& t = cands[i].tags;
      bool masked = false;
      if (r.kind == RuleKind::block_tags_when_state) masked = has_any(t, r.block_tags);
      if (r.kind == RuleKind::quiet_period) masked = r.allow_tags.empty() ? has_any(t, r.block_tags) : !has_any(t, r.allow_tags);
      if (r.kind == RuleKind::frequency_cap) masked = !has_any(t, r.exempt_tags);
      if (masked) allowed[i] = 0;
    }
  }
  return allowed;
}

}  // namespace

TEST_CASE("compiled evaluation equals a naive reading of the rules on random contexts", "[ethics][guardrails]") {
  const Guardrails g = rules(R"([
    {"id": "anx", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.5},
       {"signal": "sadness", "at_least": 0.6}], "block_tags": ["urgency", "scarcity"]},
    {"id": "conf", "kind": "block_tags_when_state", "when_unknown": "apply", "slot_tags": ["sales"],
       "when": [{"state": "confusion", "at_least": 0.8}], "block_tags": ["social_proof"]},
    {"id": "quiet", "kind": "quiet_period", "hours": 6, "when": [{"state": "frustration", "at_least": 0.7}],
       "allow_tags": ["non_sales"]},
    {"id": "quiet2", "kind": "quiet_period", "hours": 1, "slots": ["email"],
       "when": [{"state": "detachment", "at_least": 0.9}], "block_tags": ["discount"]},
    {"id": "cap", "kind": "frequency_cap", "max_decisions": 3, "window_hours": 2, "exempt_tags": ["calming"]},
    {"id": "price", "kind": "no_emotion_for_slot_tags", "slot_tags": ["price"]}])");
  const std::vector<std::string> vocab{"urgency", "Scarcity", "social-proof", "non_sales", "sales", "calming", "discount", "other"};
  const std::vector<std::string> slots{"email", "banner", "checkout"};
  std::mt19937 rng(2024);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  GuardrailResult reused;
  const GuardrailResult* first_data = nullptr;
  const uint8_t* allowed_data = nullptr;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<Candidate> cands(1 + rng() % 12);
    for (size_t i = 0; i < cands.size(); ++i) {
      cands[i].id = "v" + std::to_string(i);
      for (const auto& t : vocab)
        if (rng() % 4 == 0) cands[i].tags.push_back(t);
    }
    std::vector<std::string> slot_tags;
    for (const char* t : {"sales", "price", "Price"})
      if (rng() % 3 == 0) slot_tags.push_back(t);
    std::vector<NamedScore> signals;
    if (rng() % 2) signals.push_back({"sadness", u(rng)});
    std::vector<StatePeak> peaks;
    for (int k = static_cast<int>(rng() % 3); k > 0; --k)
      peaks.push_back({static_cast<MarketingState>(rng() % 8), u(rng), NOW - static_cast<int64_t>(rng() % (8 * kHour))});
    std::vector<int64_t> decisions;
    for (int k = static_cast<int>(rng() % 6); k > 0; --k) decisions.push_back(NOW - static_cast<int64_t>(rng() % (4 * kHour)));
    GuardrailContext ctx;
    ctx.slot = slots[rng() % slots.size()];
    ctx.slot_tags = slot_tags;
    ctx.now_ms = NOW;
    if (rng() % 5) {
      StateVector s;
      for (auto& x : s) x = u(rng);
      ctx.states = s;
    }
    ctx.signals = signals;
    ctx.state_peaks = peaks;
    ctx.recent_decisions_ms = decisions;
    bool ref_emotion = true;
    const auto expected = reference_mask(g, ctx, slot_tags, signals, peaks, decisions, cands, ref_emotion);
    g.evaluate(ctx, cands, reused);
    REQUIRE(reused.allowed == expected);
    REQUIRE(reused.use_emotion == ref_emotion);
    // The mask is exactly "not removed by any fired rule", and fallback exactly "nothing left".
    std::vector<uint8_t> from_fired(cands.size(), 1);
    for (const auto& f : reused.fired)
      for (uint32_t i : reused.masked_by(f)) from_fired[i] = 0;
    REQUIRE(from_fired == reused.allowed);
    REQUIRE(reused.fallback_to_default == (reused.allowed_count == 0));
    REQUIRE(reused.allowed_count == static_cast<size_t>(std::count(expected.begin(), expected.end(), 1)));
    (void)first_data;
    if (iter == 1000) allowed_data = reused.allowed.data();
    if (iter > 1000 && cands.size() <= 12) CHECK(reused.allowed.data() == allowed_data);  // storage reused
  }
}

TEST_CASE("anxious customers never keep an urgency or scarcity variant (default rules)", "[ethics][guardrails]") {
  const Guardrails g = Guardrails::load_default();
  const std::vector<std::string> vocab{"urgency", "scarcity", "sales", "non_sales", "calming", "social_proof"};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  GuardrailResult r;
  long violations = 0, pressure_offered = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<Candidate> cands(2 + rng() % 10);
    for (auto& c : cands)
      for (const auto& t : vocab)
        if (rng() % 3 == 0) c.tags.push_back(t);
    StateVector s;
    for (auto& x : s) x = u(rng);
    s[attune::index(MarketingState::anxiety)] = 0.5f + 0.5f * u(rng);
    GuardrailContext ctx;
    ctx.now_ms = NOW;
    ctx.states = s;
    g.evaluate(ctx, cands, r);
    for (size_t i = 0; i < cands.size(); ++i) {
      const bool pressure = std::count(cands[i].tags.begin(), cands[i].tags.end(), "urgency") ||
                            std::count(cands[i].tags.begin(), cands[i].tags.end(), "scarcity");
      pressure_offered += pressure;
      violations += pressure && r.allowed[i];
    }
  }
  CHECK(pressure_offered > 10000);
  CHECK(violations == 0);
}

#include "attune.h"

TEST_CASE("C ABI evaluation agrees with C++", "[ethics][guardrails][capi]") {
  const Guardrails g = Guardrails::load_default();
  attune_guardrails* cg = nullptr;
  REQUIRE(attune_guardrails_load(nullptr, &cg) == ATTUNE_OK);
  const std::vector<std::string> vocab{"urgency", "scarcity", "sales", "non_sales", "calming"};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<Candidate> cands(1 + rng() % 8);
    std::vector<std::vector<const char*>> tag_ptrs(cands.size());
    std::vector<attune_guardrail_candidate> ccands(cands.size());
    for (size_t i = 0; i < cands.size(); ++i) {
      cands[i].id = "v" + std::to_string(i);
      for (const auto& t : vocab)
        if (rng() % 3 == 0) cands[i].tags.push_back(t);
      for (const auto& t : cands[i].tags) tag_ptrs[i].push_back(t.c_str());
      ccands[i] = {cands[i].id.c_str(), tag_ptrs[i].data(), tag_ptrs[i].size()};
    }
    StateVector s;
    for (auto& x : s) x = u(rng);
    std::vector<int64_t> decisions;
    for (int k = static_cast<int>(rng() % 7); k > 0; --k) decisions.push_back(NOW - static_cast<int64_t>(rng() % (30 * kHour)));
    const std::vector<std::string> price{"price"};
    const char* price_c[] = {"price"};
    const bool is_price = rng() % 4 == 0;
    GuardrailContext ctx;
    ctx.now_ms = NOW;
    ctx.states = s;
    ctx.recent_decisions_ms = decisions;
    if (is_price) ctx.slot_tags = price;
    const GuardrailResult r = g.evaluate(ctx, cands);

    attune_guardrail_context cctx;
    attune_guardrail_context_init(&cctx);
    cctx.now_ms = NOW;
    cctx.states = s.data();
    cctx.recent_decisions_ms = decisions.data();
    cctx.recent_decision_count = decisions.size();
    if (is_price) { cctx.slot_tags = price_c; cctx.slot_tag_count = 1; }
    attune_guardrail_outcome out;
    attune_guardrail_outcome_init(&out);
    std::vector<uint8_t> mask(cands.size(), 7);
    REQUIRE(attune_guardrails_evaluate(cg, &cctx, ccands.data(), ccands.size(), mask.data(), &out, nullptr, 0, nullptr) == ATTUNE_OK);
    REQUIRE(mask == r.allowed);
    REQUIRE(out.use_emotion == r.use_emotion);
    REQUIRE(out.fallback_to_default == r.fallback_to_default);
    REQUIRE(out.fired_count == r.fired.size());
  }
  attune_guardrails_free(cg);
}

#include <thread>

TEST_CASE("one Guardrails object evaluated from many threads gives the single-threaded results",
          "[ethics][guardrails][concurrency]") {
  const Guardrails g = Guardrails::load_default();
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const auto c = catalog();
  std::vector<StateVector> states(500);
  std::vector<std::vector<uint8_t>> expected;
  for (auto& s : states) {
    for (auto& x : s) x = u(rng);
    GuardrailContext ctx;
    ctx.now_ms = NOW;
    ctx.states = s;
    expected.push_back(g.evaluate(ctx, c).allowed);
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      GuardrailResult r;
      for (int round = 0; round < 4; ++round)
        for (size_t i = 0; i < states.size(); ++i) {
          GuardrailContext ctx;
          ctx.now_ms = NOW;
          ctx.states = states[i];
          g.evaluate(ctx, c, r);
          mismatches[static_cast<size_t>(t)] += r.allowed != expected[i];
        }
    });
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("the mask depends only on each candidate's own tags, not on order or neighbours",
          "[ethics][guardrails]") {
  // Propensities are logged over the allowed set; if a candidate's fate depended on its position
  // or on which other variants are offered, replaying logs with another catalog order would
  // change the support of the logging policy.
  const Guardrails g = Guardrails::load_default();
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const std::vector<std::string> vocab{"urgency", "scarcity", "sales", "non_sales", "calming"};
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<Candidate> cands(2 + rng() % 10);
    for (size_t i = 0; i < cands.size(); ++i) {
      cands[i].id = "v" + std::to_string(i);
      for (const auto& t : vocab)
        if (rng() % 3 == 0) cands[i].tags.push_back(t);
    }
    StateVector s;
    for (auto& x : s) x = u(rng);
    GuardrailContext ctx;
    ctx.now_ms = NOW;
    ctx.states = s;
    const GuardrailResult full = g.evaluate(ctx, cands);
    std::vector<size_t> perm(cands.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<Candidate> shuffled;
    for (size_t i : perm) shuffled.push_back(cands[i]);
    const GuardrailResult r = g.evaluate(ctx, shuffled);
    for (size_t k = 0; k < perm.size(); ++k) REQUIRE(r.allowed[k] == full.allowed[perm[k]]);
    for (size_t i = 0; i < cands.size(); ++i) {  // alone, each candidate gets the same verdict
      const GuardrailResult single = g.evaluate(ctx, std::vector<Candidate>{cands[i]});
      REQUIRE(single.allowed[0] == full.allowed[i]);
    }
  }
}
