// Ethics through the engine, deterministic cases: expired consent erases like a revocation
// (at the next call and at the next snapshot), revocation scrubs the states held by pending
// decisions, a forget is atomic at its journal tombstone, and the bad-input cases of issue 7
// (unknown purpose, expired consent, malformed rules, conflicting rules and their precedence).
#include "../ethics/ethics_workload.hpp"

#include "attune/engine.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace attune;
namespace wl = attune_ethics_wl;

namespace {

constexpr int64_t kT0 = wl::kT0;
constexpr int64_t kMinute = wl::kMinute;
const char* kAnxious = "I'm really worried and nervous about this payment, I'm scared it will fail again";

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("attune-ee-" + name + "-" + std::to_string(::getpid()))).string()) {
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::unique_ptr<Engine> open(const std::string& dir) {
  return Engine::from_json(R"({"seed": 5, "state_dir": ")" + dir + R"(", "durability": "none"})");
}

bool stored_emotion(Engine& e, const std::string& c) {
  std::string id;
  return wl::holds_emotion(profile::Profile::deserialize(e.export_profile(c), id));
}

void grant_all(Engine& e, const std::string& c, int64_t t, std::optional<int64_t> emotion_expiry = std::nullopt) {
  e.consent(c, "emotion_inference", true, t, emotion_expiry);
  e.consent(c, "personalization", true, t);
  e.consent(c, "profiling", true, t);
}

}  // namespace

TEST_CASE("expired emotion consent: nothing is used at once, the data is erased at the next call",
          "[ethics][engine][consent]") {
  TempDir tmp("expiry-call");
  auto e = open(tmp.path);
  grant_all(*e, "x", kT0, kT0 + 60 * kMinute);
  REQUIRE(e->observe_text("x", Channel::chat, kAnxious, kT0 + 1).emotion_used);
  REQUIRE(stored_emotion(*e, "x"));
  const int64_t after = kT0 + 61 * kMinute;
  CHECK(e->profile("x", after).consent.at("emotion_inference") == "expired");
  for (float s : e->profile("x", after).states) CHECK(s == 0.0f);  // hidden from the expiry instant on
  const auto d = e->decide("x", "product_cta", after);
  CHECK_FALSE(d.emotion_used);
  CHECK_FALSE(d.explanation().contains("states"));
  CHECK_FALSE(stored_emotion(*e, "x"));  // erased by the call
  // Granting again brings nothing back, as after a revocation, also after a restart.
  e->consent("x", "emotion_inference", true, after + 1);
  for (float s : e->profile("x", after + 2).states) CHECK(s == 0.0f);
  e.reset();
  e = open(tmp.path);
  CHECK_FALSE(stored_emotion(*e, "x"));
  for (float s : e->profile("x", after + 3).states) CHECK(s == 0.0f);
}

TEST_CASE("expired emotion consent: a snapshot holds no emotion data of customers without consent",
          "[ethics][engine][consent]") {
  TempDir tmp("expiry-snap");
  auto e = open(tmp.path);
  grant_all(*e, "lapsing", kT0, kT0 + 30 * kMinute);
  grant_all(*e, "staying", kT0);
  e->observe_text("lapsing", Channel::chat, kAnxious, kT0 + 1);
  e->observe_text("staying", Channel::chat, kAnxious, kT0 + 1);
  e->decide("lapsing", "follow_up", kT0 + 2);  // a pending decision with the states it saw
  // Time moves on through another customer only; "lapsing" is not called again.
  e->observe_text("staying", Channel::chat, "still nervous about it", kT0 + 45 * kMinute);
  e->snapshot();
  const auto snap = wl::read_snapshot(tmp.path);
  REQUIRE(snap.present);
  CHECK(std::count(snap.emotion_profiles.begin(), snap.emotion_profiles.end(), "lapsing") == 0);
  CHECK(std::count(snap.emotion_pending.begin(), snap.emotion_pending.end(), "lapsing") == 0);
  CHECK(std::count(snap.emotion_profiles.begin(), snap.emotion_profiles.end(), "staying") == 1);
  CHECK_FALSE(stored_emotion(*e, "lapsing"));
}

TEST_CASE("revoking emotion consent scrubs the states of pending decisions; the reward still counts",
          "[ethics][engine][consent]") {
  TempDir tmp("revoke-pending");
  std::string id;
  {
    auto e = open(tmp.path);
    grant_all(*e, "r", kT0);
    e->observe_text("r", Channel::chat, kAnxious, kT0 + 1);
    const auto d = e->decide("r", "follow_up", kT0 + 2);
    REQUIRE(d.emotion_used);
    id = d.decision_id;
    e->consent("r", "emotion_inference", false, kT0 + 3);
  }
  {
    // The journal replay scrubs too: restored, then snapshotted.
    auto e = open(tmp.path);
    e->snapshot();
    const auto snap = wl::read_snapshot(tmp.path);
    CHECK(snap.pending == 1);
    CHECK(snap.emotion_pending.empty());
    CHECK(snap.emotion_profiles.empty());
    e->reward(id, 1.0, kT0 + 4);
    CHECK(e->profile("r", kT0 + 5).rewards == 1);
  }
}

TEST_CASE("revoking another purpose while emotion consent has lapsed journals no emotion data",
          "[ethics][engine][consent]") {
  TempDir tmp("revoke-other");
  auto e = open(tmp.path);
  grant_all(*e, "y", kT0, kT0 + 10 * kMinute);
  e->observe_text("y", Channel::chat, kAnxious, kT0 + 1);
  wl::JournalTail tail(tmp.path);
  tail.skip_to_end();
  e->consent("y", "personalization", false, kT0 + 20 * kMinute);
  const auto records = tail.read_new();
  REQUIRE_FALSE(records.empty());
  for (const auto& r : records) CHECK_FALSE(r.emotion);
  CHECK_FALSE(stored_emotion(*e, "y"));
}

TEST_CASE("a forget is complete at its tombstone: a crash right after it resurrects nothing",
          "[ethics][engine][forget]") {
  TempDir tmp("tombstone");
  {
    auto e = open(tmp.path);
    grant_all(*e, "gone", kT0);
    e->observe_text("gone", Channel::chat, kAnxious, kT0 + 1);
    e->decide("gone", "product_cta", kT0 + 2);
    e->forget("gone", kT0 + 3);
  }
  // The tombstone (type 2) and the consent erasure (type 3) must travel in one journal record
  // (a type 6 batch), so no SIGKILL can fall between them. Cut the journal right after that
  // record, as a crash just after the forget was acknowledged would.
  const std::string journal = wl::newest(tmp.path, "journal-");
  std::string bytes;
  {
    std::ifstream in(journal, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t pos = 32, cut = 0;
  bool consent_in_same_record = false;
  while (pos + 16 <= bytes.size()) {
    wl::Bytes h{std::string_view(bytes).substr(pos, 16)};
    h.uint(4);
    const auto len = static_cast<size_t>(h.uint(4));
    const auto type = static_cast<uint8_t>(h.uint(1));
    std::vector<wl::RecordSeen> records;
    wl::decode_records(type, std::string_view(bytes).substr(pos + 16, len), records);
    pos += 16 + len;
    const bool erases = std::any_of(records.begin(), records.end(), [](const auto& r) { return r.type == 2; });
    if (erases) {
      cut = pos;
      consent_in_same_record =
          std::any_of(records.begin(), records.end(), [](const auto& r) { return r.type == 3; });
    }
  }
  REQUIRE(cut > 0);
  CHECK(consent_in_same_record);
  std::filesystem::resize_file(journal, cut);
  auto e = open(tmp.path);
  const auto v = e->profile("gone", kT0 + 4);
  CHECK_FALSE(v.exists);
  for (const auto& [purpose, status] : v.consent) CHECK(status == "none");
  CHECK(e->customer_count() == 0);
}

TEST_CASE("bad consent input through the engine: unknown purpose, expiry not after the grant",
          "[ethics][engine][consent]") {
  auto e = Engine::from_json(R"({"seed": 5})");
  for (const char* purpose : {"marketing", "Emotion_Inference", "", "emotion_inference "}) {
    try {
      e->consent("c", purpose, true, kT0);
      FAIL("accepted purpose '" << purpose << "'");
    } catch (const attune::invalid_argument& err) {
      CHECK(std::string(err.what()).find("emotion_inference") != std::string::npos);  // lists the names
    }
  }
  CHECK_THROWS_AS(e->consent("c", "emotion_inference", true, kT0, kT0), std::invalid_argument);  // expired at once
  CHECK_THROWS_AS(e->consent("c", "emotion_inference", true, kT0, kT0 - 1), std::invalid_argument);
  CHECK(e->customer_count() == 0);  // nothing was created
  CHECK(e->profile("c", kT0).consent.at("emotion_inference") == "none");
  // Consent whose expiry has passed is no consent: nothing is scored.
  e->consent("c", "emotion_inference", true, kT0, kT0 + 1000);
  CHECK_FALSE(e->observe_text("c", Channel::chat, kAnxious, kT0 + 1000).emotion_used);
  CHECK(e->observe_text("c", Channel::chat, kAnxious, kT0 + 999).emotion_used);
}

TEST_CASE("malformed guardrail rules in the engine configuration are errors naming the field",
          "[ethics][engine][guardrails]") {
  const char* bad[] = {
      R"({"guardrails": {"version": 1, "rules": [{"id": "a", "kind": "block_tags_when_state",
          "when": [{"state": "anxiety", "at_leats": 0.5}], "block_tags": ["urgency"]}]}})",  // typo
      R"({"guardrails": {"version": 1, "rules": [{"id": "a", "kind": "no_such_kind"}]}})",
      R"({"guardrails": {"version": 1, "rules": [{"id": "a", "kind": "block_tags_when_state",
          "when": [{"state": "anxiety", "at_least": 1.5}], "block_tags": ["urgency"]}]}})",  // out of range
      R"({"guardrails": {"version": 1, "rules": [
          {"id": "a", "kind": "frequency_cap", "max_decisions": 1, "window_hours": 1},
          {"id": "a", "kind": "frequency_cap", "max_decisions": 2, "window_hours": 1}]}})",  // duplicate id
      R"({"guardrails": {"rules": []}})",  // no version
  };
  for (const char* cfg : bad) {
    INFO(cfg);
    CHECK_THROWS_AS(Engine::from_json(cfg), std::invalid_argument);
  }
}

TEST_CASE("conflicting rules through the engine: rules only remove, all removed gives the safe default, "
          "no-emotion wins over targeting but not over protection",
          "[ethics][engine][guardrails]") {
  // One rule allows only non_sales variants (quiet period after frustration, unknown state
  // applies), another blocks non_sales: together they remove everything on product_cta.
  auto e = Engine::from_json(R"({"seed": 5, "guardrails": {"version": 1, "rules": [
      {"id": "quiet", "kind": "quiet_period", "when": [{"state": "frustration", "at_least": 0.01}],
       "when_unknown": "apply", "hours": 24, "allow_tags": ["non_sales"]},
      {"id": "no_soft", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.01}],
       "when_unknown": "apply", "block_tags": ["non_sales"]},
      {"id": "no_emotion_here", "kind": "no_emotion_for_slot_tags", "slot_tags": ["sales"]},
      {"id": "protect", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.3}],
       "block_tags": ["urgency", "scarcity"]}]}})");
  // Personalization without emotion consent: the states are unknown, so both rules apply.
  e->consent("c", "personalization", true, kT0);
  const auto d = e->decide("c", "product_cta", kT0 + 1);
  CHECK(d.variant_id == "buy_now");  // the slot's safe default
  CHECK(d.reason == "every variant was removed by guardrails; safe default");
  CHECK_FALSE(d.adapted);
  CHECK(d.propensity == 1.0);
  // Both conflicting rules are reported.
  std::set<std::string> fired;
  for (const auto& g : d.guardrails) fired.insert(g.rule);
  CHECK(fired.count("quiet"));
  CHECK(fired.count("no_soft"));
  // On a slot the conflict does not touch, an anxious customer: the no-emotion rule keeps the
  // states out of the choice, the protective rule still reads them.
  auto f = Engine::from_json(R"({"seed": 5, "guardrails": {"version": 1, "rules": [
      {"id": "no_emotion_here", "kind": "no_emotion_for_slot_tags", "slot_tags": ["sales"]},
      {"id": "protect", "kind": "block_tags_when_state", "when": [{"state": "anxiety", "at_least": 0.1}],
       "block_tags": ["urgency", "scarcity"]}]}})");
  grant_all(*f, "a", kT0);
  f->observe_text("a", Channel::chat, kAnxious, kT0 + 1);
  for (int i = 0; i < 20; ++i) {
    const auto g = f->decide("a", "product_cta", kT0 + 2 + i);
    CHECK_FALSE(g.emotion_used);
    for (float s : g.states) CHECK(s == 0.0f);
    CHECK(g.variant_id != "few_left");
    bool protect = false, no_emotion = false;
    for (const auto& r : g.guardrails) {
      protect = protect || r.rule == "protect";
      no_emotion = no_emotion || r.rule == "no_emotion_here";
    }
    CHECK(protect);
    CHECK(no_emotion);
  }
}

TEST_CASE("after a restart, forgetting a restored customer keeps the engine open to new customers",
          "[ethics][engine][forget]") {
  // The profile count must start from the restored profiles: a forget used to wrap it around,
  // after which every new customer was refused with limit_exceeded.
  TempDir tmp("count");
  {
    auto e = open(tmp.path);
    grant_all(*e, "old", kT0);
  }
  auto e = open(tmp.path);
  CHECK(e->customer_count() == 1);
  e->forget("old", kT0 + 1);
  CHECK(e->customer_count() == 0);
  CHECK_NOTHROW(grant_all(*e, "new", kT0 + 2));
  CHECK_NOTHROW(e->decide("new", "product_cta", kT0 + 3));
  CHECK(e->customer_count() == 1);
}

TEST_CASE("a snapshot right after a restart keeps the data of customers who still consent",
          "[ethics][engine][consent]") {
  // Snapshots judge expiry by the latest time the engine has seen, restored included; a restart
  // must not make every consent look lapsed.
  TempDir tmp("restart-snap");
  {
    auto e = open(tmp.path);
    grant_all(*e, "k", kT0);
    grant_all(*e, "l", kT0, kT0 + 10 * kMinute);
    e->observe_text("k", Channel::chat, kAnxious, kT0 + 1);
    e->observe_text("l", Channel::chat, kAnxious, kT0 + 1);
    e->observe_text("k", Channel::chat, kAnxious, kT0 + 20 * kMinute);
  }
  auto e = open(tmp.path);
  e->snapshot();
  CHECK(stored_emotion(*e, "k"));
  CHECK_FALSE(stored_emotion(*e, "l"));  // lapsed before the latest restored activity
}
