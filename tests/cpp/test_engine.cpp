// The engine end to end on the shipped models: consent, guardrails, decisions, rewards,
// corrections, persistence, erasure, modes, bad input.
#include "attune/engine.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>

using namespace attune;

namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kMinute = 60'000;

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("attune-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

std::unique_ptr<Engine> make_engine(const std::string& extra = "") {
  return Engine::from_json("{\"seed\": 7" + extra + "}");
}

void grant_all(Engine& e, const std::string& c, int64_t t = kT0) {
  e.consent(c, "emotion_inference", true, t);
  e.consent(c, "personalization", true, t);
  e.consent(c, "profiling", true, t);
}

const char* kAnxious = "I'm really worried and nervous about this payment, I'm scared it will fail again";

}  // namespace

TEST_CASE("without emotion consent no emotion is computed, stored or used", "[engine]") {
  auto e = make_engine();
  e->consent("c1", "personalization", true, kT0);
  const auto obs = e->observe_text("c1", Channel::chat, kAnxious, kT0 + 1);
  CHECK_FALSE(obs.emotion_used);
  CHECK(obs.observation_id.empty());
  for (float x : obs.states) CHECK(x == 0.0f);
  const auto view = e->profile("c1", kT0 + 2);
  for (float x : view.states) CHECK(x == 0.0f);
  const auto d = e->decide("c1", "product_cta", kT0 + 3);
  CHECK_FALSE(d.emotion_used);
  for (float x : d.states) CHECK(x == 0.0f);
  CHECK(d.disclosure.find("no emotion data") != std::string::npos);
}

TEST_CASE("without personalization consent decide returns the safe default", "[engine]") {
  auto e = make_engine();
  e->consent("c1", "emotion_inference", true, kT0);
  const auto d = e->decide("c1", "product_cta", kT0 + 1);
  CHECK(d.variant_id == "buy_now");
  CHECK_FALSE(d.adapted);
  CHECK(d.propensity == 1.0);
  CHECK(d.reason == "no personalization consent");
}

TEST_CASE("an anxious customer never gets urgency or scarcity variants", "[engine]") {
  // Text and a numeric cue from another modality (erratic typing) both point at anxiety.
  auto e = make_engine(R"(,"signals":{"typing_erratic":{"state":"anxiety","weight":1.5,"low":0,"high":1}})");
  grant_all(*e, "anx");
  const auto obs = e->observe_text("anx", Channel::chat, kAnxious, kT0 + 1);
  REQUIRE(obs.emotion_used);
  CHECK(obs.states[index(MarketingState::anxiety)] > 0.3f);
  e->observe_signal("anx", Channel::web, "typing_erratic", 0.9, kT0 + 1);
  const auto view = e->profile("anx", kT0 + 2);
  REQUIRE(view.states[index(MarketingState::anxiety)] >= 0.5f);
  for (int i = 0; i < 50; ++i) {
    const auto d = e->decide("anx", "product_cta", kT0 + 3 + i);
    CHECK(d.variant_id != "few_left");
    bool fired = false;
    for (const auto& g : d.guardrails) fired = fired || g.rule == "no_pressure_when_anxious";
    CHECK(fired);
    if (d.emotion_used) CHECK_FALSE(d.disclosure.empty());
    CHECK((d.propensity > 0 && d.propensity <= 1));
  }
}

TEST_CASE("price slots never use emotional states", "[engine]") {
  auto e = make_engine();
  grant_all(*e, "p");
  e->observe_text("p", Channel::chat, "I am so excited, this is amazing!!!", kT0 + 1);
  const auto d = e->decide("p", "price_display", kT0 + 2);
  CHECK_FALSE(d.emotion_used);
  for (float x : d.states) CHECK(x == 0.0f);
}

TEST_CASE("rewards apply once; bad rewards are errors that change nothing", "[engine]") {
  auto e = make_engine();
  grant_all(*e, "r");
  const auto d = e->decide("r", "product_cta", kT0 + 1);
  CHECK_THROWS_AS(e->reward(d.decision_id, std::nan(""), kT0 + 2), std::invalid_argument);
  CHECK_THROWS_AS(e->reward(d.decision_id, 1.5, kT0 + 2), std::invalid_argument);
  CHECK_THROWS_AS(e->reward(d.decision_id, -0.1, kT0 + 2), std::invalid_argument);
  CHECK_THROWS_AS(e->reward("0123456789abcdef", 1.0, kT0 + 2), std::invalid_argument);
  CHECK_THROWS_AS(e->reward("not-an-id", 1.0, kT0 + 2), std::invalid_argument);
  CHECK(e->profile("r", kT0 + 2).rewards == 0);
  e->reward(d.decision_id, 1.0, kT0 + 3);
  CHECK(e->profile("r", kT0 + 3).rewards == 1);
  try {
    e->reward(d.decision_id, 1.0, kT0 + 4);
    FAIL("expected duplicate");
  } catch (const attune::invalid_argument& err) {
    CHECK(err.code() == status::duplicate);
  }
  CHECK(e->profile("r", kT0 + 4).rewards == 1);
}

TEST_CASE("bad input is rejected with clear errors", "[engine]") {
  auto e = make_engine();
  CHECK_THROWS_AS(e->observe_text("", Channel::chat, "hi", kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_text("c", Channel::chat, "", kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_text("c", Channel::chat, "bad \xC0\xAF", kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_text("c", Channel::chat, "hi", -5), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_text(std::string(300, 'x'), Channel::chat, "hi", kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_event("{not json"), std::invalid_argument);
  CHECK_THROWS_AS(e->observe_event(R"({"type":"track","event":"Product Viewed","timestamp":"2026-01-01T00:00:00Z"})"),
                  std::invalid_argument);  // no user id
  CHECK_THROWS_AS(e->decide("c", "no_such_slot", kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->decide("c", "product_cta", kT0, {{"unknown_feature", 1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(e->decide("c", "product_cta", kT0, {{"is_mobile", std::nan("")}}), std::invalid_argument);
  CHECK_THROWS_AS(e->consent("c", "marketing", true, kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->consent("c", "profiling", true, kT0, kT0 - 1), std::invalid_argument);  // expiry before grant
  CHECK_THROWS_AS(e->observe_signal("c", Channel::app, "unknown_signal", 1.0, kT0), std::invalid_argument);
  CHECK_THROWS_AS(e->correct("c", "o0000000000000000", {"joy"}, kT0), std::invalid_argument);
  CHECK_THROWS_AS(Engine::from_json(R"({"mode":"sometimes"})"), std::invalid_argument);
  CHECK_THROWS_AS(Engine::from_json(R"({"catalog":{"slots":[]}})"), std::invalid_argument);
  CHECK(e->customer_count() == 0);  // nothing above created a profile
}

TEST_CASE("the empathy loop: corrections reach the model, unknown labels are errors", "[engine]") {
  auto e = make_engine();
  grant_all(*e, "k");
  const auto obs = e->observe_text("k", Channel::chat, "the parcel arrived broken, again", kT0 + 1);
  REQUIRE_FALSE(obs.observation_id.empty());
  CHECK_THROWS_AS(e->correct("k", obs.observation_id, {"grumpiness"}, kT0 + 2), std::invalid_argument);
  CHECK_THROWS_AS(e->correct("someone-else", obs.observation_id, {"anger"}, kT0 + 2), std::invalid_argument);
  const auto before = e->observe_text("k", Channel::chat, "the parcel arrived broken, again", kT0 + 3);
  for (int i = 0; i < 5; ++i) e->correct("k", obs.observation_id, {"annoyance", "disappointment"}, kT0 + 4);
  const auto after = e->observe_text("k", Channel::chat, "the parcel arrived broken, again", kT0 + 5);
  CHECK(after.states[index(MarketingState::frustration)] > before.states[index(MarketingState::frustration)]);
}

TEST_CASE("shadow mode shows the default and logs the policy's choice; off is a kill switch", "[engine]") {
  auto shadow = make_engine(R"(,"mode":"shadow")");
  grant_all(*shadow, "s");
  bool saw_other = false;
  for (int i = 0; i < 30; ++i) {
    const auto d = shadow->decide("s", "product_cta", kT0 + i);
    CHECK(d.variant_id == "buy_now");
    CHECK_FALSE(d.adapted);
    saw_other = saw_other || d.would_show != "buy_now";
  }
  CHECK(saw_other);
  auto off = make_engine(R"(,"mode":"off")");
  grant_all(*off, "s");
  const auto obs = off->observe_text("s", Channel::chat, kAnxious, kT0);
  CHECK_FALSE(obs.emotion_used);
  const auto d = off->decide("s", "product_cta", kT0 + 1);
  CHECK(d.variant_id == "buy_now");
  CHECK(d.reason == "kill switch (mode off)");
}

TEST_CASE("revoking emotion consent erases the emotion data already held", "[engine]") {
  auto e = make_engine();
  grant_all(*e, "v");
  e->observe_text("v", Channel::chat, kAnxious, kT0 + 1);
  REQUIRE(e->profile("v", kT0 + 2).states[index(MarketingState::anxiety)] > 0.0f);
  e->consent("v", "emotion_inference", false, kT0 + 3);
  e->consent("v", "emotion_inference", true, kT0 + 4);  // granting again brings nothing back
  const auto view = e->profile("v", kT0 + 5);
  for (float x : view.states) CHECK(x == 0.0f);
}

TEST_CASE("state survives a restart: acknowledged calls are restored, forgotten customers stay gone", "[engine]") {
  const std::string dir = temp_dir("restart");
  const std::string config = R"({"seed": 3, "state_dir": ")" + dir + R"(", "durability": "every_record"})";
  std::string decision;
  std::string exported;
  {
    auto e = Engine::from_json(config);
    CHECK(e->restore_report().created);
    grant_all(*e, "keep");
    grant_all(*e, "gone");
    e->observe_text("keep", Channel::email, kAnxious, kT0 + 1);
    e->observe_text("gone", Channel::chat, "so happy with it", kT0 + 1);
    decision = e->decide("keep", "follow_up", kT0 + 2).decision_id;
    e->snapshot();
    e->observe_text("keep", Channel::chat, "still waiting for an answer", kT0 + 3);
    e->forget("gone", kT0 + 4);
    exported = e->export_profile("keep");
  }
  {
    auto e = Engine::from_json(config);
    CHECK_FALSE(e->restore_report().created);
    CHECK(e->export_profile("keep") == exported);
    CHECK_FALSE(e->profile("gone", kT0 + 5).exists);
    CHECK(e->profile("gone", kT0 + 5).consent.at("emotion_inference") == "none");
    e->reward(decision, 1.0, kT0 + 6);  // the pending decision survived the restart
    CHECK_THROWS_AS(e->reward(decision, 1.0, kT0 + 7), std::invalid_argument);
    e->forget("keep", kT0 + 8, /*compact_now=*/true);
  }
  {
    auto e = Engine::from_json(config);
    CHECK(e->customer_count() == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("snapshot: erased data is off the disk when it returns; otherwise old files go in the background",
          "[engine]") {
  const std::string dir = temp_dir("snapshot-erasure");
  const std::string config = R"({"seed": 3, "state_dir": ")" + dir + R"(", "durability": "every_record"})";
  auto files_holding = [&dir](const std::string& needle) {
    std::vector<std::string> hits;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(f.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (bytes.find(needle) != std::string::npos) hits.push_back(f.path().filename().string());
    }
    return hits;
  };
  auto generations = [&dir] {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir))
      n += f.path().filename().string().rfind("journal-", 0) == 0;
    return n;
  };
  {
    auto e = Engine::from_json(config);
    grant_all(*e, "keep-customer-0001");
    grant_all(*e, "erased-customer-0042");
    e->observe_text("erased-customer-0042", Channel::chat, kAnxious, kT0 + 1);
    e->observe_text("keep-customer-0001", Channel::chat, kAnxious, kT0 + 1);
    e->forget("erased-customer-0042", kT0 + 2);  // no compact_now: erased at the next snapshot
    REQUIRE_FALSE(files_holding("erased-customer-0042").empty());
    e->snapshot();
    CHECK(files_holding("erased-customer-0042").empty());  // at once, not eventually
    CHECK(generations() == 1);
    // Nothing erased since: the replaced files may still be going when it returns; all the
    // state is in the new generation regardless, and closing waits for the removal.
    e->observe_text("keep-customer-0001", Channel::email, "thanks, that helped", kT0 + 3);
    e->snapshot();
    e->observe_text("keep-customer-0001", Channel::app, "ok", kT0 + 4);
  }
  CHECK(generations() == 1);
  auto e = Engine::from_json(config);
  CHECK(e->customer_count() == 1);
  CHECK(e->profile("keep-customer-0001", kT0 + 5).observations == 3);
  e.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint_every_records: a background snapshot keeps the journal bounded", "[engine]") {
  const std::string dir = temp_dir("auto-checkpoint");
  const std::string config = R"({"seed": 3, "state_dir": ")" + dir +
                             R"(", "durability": "none", "checkpoint_every_records": 1000})";
  auto snapshot_generation = [&dir] {
    std::string newest;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      const std::string name = f.path().filename().string();
      if (name.rfind("snapshot-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".bin")
        newest = std::max(newest, name);
    }
    return newest;
  };
  {
    auto e = Engine::from_json(config);
    CHECK(e->stats()["checkpoints"]["automatic"] == 0);
    grant_all(*e, "c");  // 3 records
    for (int i = 0; i < 996; ++i) e->observe_text("c", Channel::web, "fine", kT0 + 1 + i);
    CHECK(e->stats()["checkpoints"]["journal_records_since"] == 999);
    CHECK(snapshot_generation().empty());  // below the threshold: no snapshot yet
    e->observe_text("c", Channel::web, "the thousandth record", kT0 + 2000);
    // The snapshot runs on the engine's thread; wait for it (bounded).
    for (int i = 0; i < 500 && e->stats()["checkpoints"]["automatic"] == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto stats = e->stats()["checkpoints"];
    CHECK(stats["automatic"] == 1);
    CHECK(stats["last_error"].is_null());
    CHECK(stats["journal_records_since"] == 0);
    CHECK(snapshot_generation() == "snapshot-00000000000000000001.bin");
    e->observe_text("c", Channel::web, "after it", kT0 + 3000);
  }
  auto e = Engine::from_json(config);
  CHECK(e->restore_report().records_replayed == 1);  // only what came after the snapshot
  CHECK(e->profile("c", kT0 + 4000).observations == 998);
  e.reset();
  // A host that fills EngineConfig itself gets a clear error for 0, as the JSON form does.
  EngineConfig zero = EngineConfig::parse(config);
  zero.checkpoint_every_records = 0;
  CHECK_THROWS_AS(Engine(zero), attune::invalid_argument);
  std::filesystem::remove_all(dir);
}

TEST_CASE("profiles export and import one at a time", "[engine]") {
  auto a = make_engine();
  grant_all(*a, "x");
  a->observe_text("x", Channel::app, "thank you so much, great help!", kT0 + 1);
  const std::string bytes = a->export_profile("x");
  auto b = make_engine();
  grant_all(*b, "x");
  b->import_profile(bytes, kT0 + 2);
  CHECK(b->export_profile("x") == bytes);
  CHECK_THROWS_AS(b->import_profile("garbage", kT0), attune::error);
  CHECK_THROWS_AS(a->export_profile("nobody"), std::invalid_argument);
}

TEST_CASE("a lingering shopper is hesitant and gets a softer CTA option", "[engine]") {
  auto e = make_engine();
  grant_all(*e, "shop");
  // Timestamps as ISO strings.
  auto iso = [](int64_t ms) {
    const std::time_t s = static_cast<std::time_t>(ms / 1000);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&s));
    return std::string(buf);
  };
  auto track = [&](const std::string& name, int64_t t, const std::string& product) {
    return e->observe_event(R"({"type":"track","userId":"shop","event":")" + name +
                            R"(","properties":{"product_id":")" + product + R"("},"timestamp":")" + iso(t) + R"("})");
  };
  // A few quick views establish the customer's own baseline...
  int64_t t = kT0;
  for (int i = 0; i < 6; ++i) {
    track("Product Viewed", t, "p" + std::to_string(i));
    t += 20'000;
  }
  // ...then a long linger on one product without adding it to the cart.
  track("Product Viewed", t, "serum");
  const auto d = e->decide("shop", "product_cta", t + 8 * kMinute);
  const auto view = e->profile("shop", t + 8 * kMinute);
  CHECK(view.hesitation >= 0.5f);
  CHECK(view.states[index(MarketingState::hesitation)] >= 0.5f);
  CHECK(d.variant_id != "few_left");
}

TEST_CASE("concurrent calls on overlapping customers keep every invariant", "[engine][concurrency]") {
  auto e = make_engine();
  const int kThreads = 4, kOps = 150;
  std::atomic<int> rewards_ok{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      std::mt19937 rng(static_cast<unsigned>(th));
      for (int i = 0; i < kOps; ++i) {
        const std::string c = "cust" + std::to_string(rng() % 6);
        const int64_t t = kT0 + i * 1000;
        try {
          switch (rng() % 6) {
            case 0: grant_all(*e, c, t); break;
            case 1: e->observe_text(c, Channel::chat, i % 2 ? kAnxious : "great, thanks!", t); break;
            case 2: {
              const auto d = e->decide(c, "product_cta", t);
              if (rng() % 2) {
                e->reward(d.decision_id, 1.0, t + 1);
                ++rewards_ok;
              }
              break;
            }
            case 3: e->consent(c, "emotion_inference", false, t); break;
            case 4: e->forget(c, t); break;
            default: (void)e->profile(c, t); break;
          }
        } catch (const std::invalid_argument&) {
          // A reward racing a forget of the same customer finds the decision gone: allowed.
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(e->customer_count() <= 6);
  CHECK(rewards_ok.load() > 0);
}
