// The engine's compact profile store (src/engine/profile_store.hpp): profiles come back exactly
// (with and without out-of-line behaviour detectors), writes back on scope exit, erase frees and
// reuses, and an engine with an empty store snapshots and restores.
#include "../../src/engine/profile_store.hpp"
#include "attune/engine.hpp"
#include "attune/error.hpp"
#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include "attune/profile/snapshot.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

using attune::engine_detail::ProfileStore;
using attune::profile::Profile;

namespace {
Profile sample(uint32_t i, bool with_behaviour) {
  Profile p;
  p.created_ms = 1'700'000'000'000 + i;
  p.pseudonym_nonce = 0x9E3779B97F4A7C15ULL * (i + 1);
  p.memory.evidence[1] = 0.25f * static_cast<float>(i % 4);
  p.memory.weight[1] = 1.5f;
  p.observations = i;
  p.add_decision(i + 1, p.created_ms + 5, 2, 1);
  if (with_behaviour) {
    const double t = static_cast<double>(p.created_ms) / 1000.0;
    p.hesitation.observe_cart_view(t);
    p.engagement.observe(t, 1.0);
    ++p.events;
  }
  return p;
}
std::string bytes_of(const Profile& p, const std::string& id) { return p.serialize(id); }
}  // namespace

TEST_CASE("ProfileStore keeps profiles exactly, behaviour detectors out of line only when used", "[profile][store]") {
  ProfileStore store;
  const int n = 9000;  // several slabs and index growths per store
  for (int i = 0; i < n; ++i) store.put("cust-" + std::to_string(i), sample(static_cast<uint32_t>(i), i % 3 == 0));
  REQUIRE(store.size() == static_cast<size_t>(n));
  REQUIRE(store.behaviour_count() == static_cast<size_t>((n + 2) / 3));
  for (int i = 0; i < n; i += 7) {
    const std::string id = "cust-" + std::to_string(i);
    const auto got = store.get(id);
    REQUIRE(got);
    CHECK(bytes_of(*got, id) == bytes_of(sample(static_cast<uint32_t>(i), i % 3 == 0), id));
  }
  // A Ref writes back when it goes out of scope, also a change that gives a profile detectors.
  {
    auto ref = store.open("cust-1");
    REQUIRE(ref);
    ref->hesitation.observe_cart_view(static_cast<double>(ref->created_ms) / 1000.0);
    ref->observations = 77;
  }
  CHECK(store.get("cust-1")->observations == 77);
  CHECK(store.get("cust-1")->hesitation == sample(1, true).hesitation);
  CHECK(store.behaviour_count() == static_cast<size_t>((n + 2) / 3) + 1);
  CHECK_FALSE(store.open("nobody"));
  // Erase frees the detectors for reuse; the id is gone; re-adding starts fresh.
  const size_t before = store.behaviour_count();
  REQUIRE(store.erase("cust-0"));
  CHECK_FALSE(store.erase("cust-0"));
  CHECK_FALSE(store.contains("cust-0"));
  CHECK(store.behaviour_count() == before - 1);
  store.put("cust-0", sample(5, false));
  CHECK(store.behaviour_count() == before - 1);
  CHECK(bytes_of(*store.get("cust-0"), "cust-0") == bytes_of(sample(5, false), "cust-0"));
  // for_each visits everyone once, with the stored bytes.
  size_t seen = 0;
  store.for_each([&](std::string_view id, const Profile& p) {
    ++seen;
    CHECK(store.get(id)->observations == p.observations);
  });
  CHECK(seen == store.size());
  // A long id (heap-stored) works like a short one.
  const std::string long_id(200, 'L');
  store.put(long_id, sample(3, true));
  CHECK(bytes_of(*store.get(long_id), long_id) == bytes_of(sample(3, true), long_id));
  REQUIRE(store.erase(long_id));
}

TEST_CASE("Engine: an empty store snapshots and restores; a forgotten id comes back as a new customer", "[engine][persistence]") {
  attune_test::TempDir tmp;
  const std::string config = R"({"seed": 3, "durability": "none", "state_dir": ")" + tmp.file("state") + R"("})";
  const int64_t t = 1'767'225'600'000;
  {
    auto e = attune::Engine::from_json(config);
    e->snapshot();
  }
  std::string first;
  {
    auto e = attune::Engine::from_json(config);
    REQUIRE(e->customer_count() == 0);
    e->consent("x", "profiling", true, t);
    e->observe_text("x", attune::Channel::web, "hello there", t + 1);
    first = e->export_profile("x");
    e->forget("x", t + 2);
    REQUIRE(e->customer_count() == 0);
    CHECK_THROWS_AS(e->export_profile("x"), attune::invalid_argument);
    e->consent("x", "profiling", true, t + 3);
    REQUIRE(e->customer_count() == 1);
    CHECK(e->export_profile("x") != first);  // a new profile (new nonce, no history)
    CHECK(e->profile("x", t + 4).observations == 0);
    e->snapshot();
  }
  auto e = attune::Engine::from_json(config);
  CHECK(e->customer_count() == 1);
  CHECK(e->profile("x", t + 5).observations == 0);
}

TEST_CASE("Engine: a version 2 snapshot still restores, and re-snapshots as version 3 with the same profiles",
          "[engine][persistence]") {
  // tests/data/engine_snapshot_v2.payload: a version 2 snapshot payload written by the engine
  // before format 3 (a copy of the engine_state fuzz seed of then; byte 0 is the fuzz harness's
  // mode), wrapped in a snapshot file as the harness does.
  std::ifstream in(std::string(ATTUNE_SOURCE_DIR) + "/tests/data/engine_snapshot_v2.payload", std::ios::binary);
  REQUIRE(in);
  const std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(seed.size() > 6);
  REQUIRE(seed.substr(1, 4) == "ATEN");
  REQUIRE(seed[5] == 2);  // version 2
  attune_test::TempDir tmp;
  const std::string dir = tmp.file("state");
  std::filesystem::create_directories(dir);
  attune::profile::SnapshotWriteOptions o;
  o.sync = false;
  attune::profile::Snapshot::write(dir + "/snapshot-00000000000000000001.bin", 1,
                                   [&](attune::profile::SnapshotWriter& w) { w.write(std::string_view(seed).substr(1)); }, o);
  const std::string config = R"({"consent": {"allow_when_absent": ["emotion_inference", "personalization", "profiling"]},
                                 "durability": "none", "state_dir": ")" + dir + R"("})";
  std::vector<std::pair<std::string, std::string>> before;
  {
    auto e = attune::Engine::from_json(config);
    REQUIRE(e->customer_count() > 0);
    for (const char* c : {"alice", "bob", "carol", "dave", "erin", "c0", "c1", "c2", "c3"})
      if (e->profile(c, 1'767'225'600'000).exists) before.emplace_back(c, e->export_profile(c));
    REQUIRE_FALSE(before.empty());
    e->snapshot();  // writes the current version (4)
  }
  auto e = attune::Engine::from_json(config);
  for (const auto& [c, bytes] : before) CHECK(e->export_profile(c) == bytes);
}

TEST_CASE("Engine: consent that expires between two snapshots is erased by the second", "[engine][persistence][consent]") {
  // The snapshot's lapsed-consent sweep is skipped when no grant has an expiry (after a first
  // full sweep); with one, the second snapshot must still erase the lapsed customer's emotion data.
  attune_test::TempDir tmp;
  const std::string config = R"({"seed": 4, "durability": "none", "state_dir": ")" + tmp.file("state") + R"("})";
  const int64_t t = 1'767'225'600'000, minute = 60'000;
  auto holds_emotion = [](const std::string& bytes) {
    std::string id;
    const Profile p = Profile::deserialize(bytes, id);
    for (size_t s = 0; s < attune::kStateCount; ++s)
      if (p.memory.weight[s] != 0) return true;
    return p.last_valence != 0 || p.last_arousal != 0;
  };
  {
    auto e = attune::Engine::from_json(config);
    for (const char* purpose : {"emotion_inference", "personalization", "profiling"}) {
      e->consent("x", purpose, true, t, t + 30 * minute);
      e->consent("y", purpose, true, t);
    }
    e->observe_text("x", attune::Channel::chat, "I am so angry, this is the third time it broke", t + 1);
    e->observe_text("y", attune::Channel::chat, "I am so angry, this is the third time it broke", t + 1);
    e->snapshot();  // first sweep: x still has consent
    CHECK(holds_emotion(e->export_profile("x")));
    e->observe_text("y", attune::Channel::chat, "thanks, that fixed it", t + 60 * minute);  // clock past x's expiry
    e->snapshot();
  }
  auto e = attune::Engine::from_json(config);
  CHECK_FALSE(holds_emotion(e->export_profile("x")));
  CHECK(holds_emotion(e->export_profile("y")));
}

TEST_CASE("Engine: snapshots are version 4 (consent after the profiles); version 3 still restores the same",
          "[engine][persistence]") {
  attune_test::TempDir tmp;
  const std::string dir = tmp.file("state");
  const std::string config = R"({"seed": 5, "durability": "none", "state_dir": ")" + dir + R"("})";
  const int64_t t = 1'767'225'600'000;
  std::vector<std::pair<std::string, std::string>> before;
  {
    auto e = attune::Engine::from_json(config);
    for (int i = 0; i < 300; ++i) {  // several customers per shard, consent only for the even ones
      const std::string c = "v4-" + std::to_string(i);
      if (i % 2 == 0) e->consent(c, "emotion_inference", true, t);
      e->consent(c, "profiling", true, t);
      e->observe_text(c, attune::Channel::chat, i % 3 ? "I love this, thank you" : "this is so frustrating", t + i);
    }
    for (int i = 0; i < 300; ++i) {
      const std::string c = "v4-" + std::to_string(i);
      before.emplace_back(c, e->export_profile(c));
    }
    e->snapshot();
  }
  std::string path;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.path().filename().string().rfind("snapshot-", 0) == 0) path = f.path().string();
  REQUIRE_FALSE(path.empty());
  std::string v4;
  attune::profile::Snapshot::read(path, [&](attune::profile::SnapshotReader& r) {
    v4.resize(static_cast<size_t>(r.remaining()));
    r.read_exact(v4.data(), v4.size());
  });
  REQUIRE(v4.substr(0, 4) == "ATEN");
  REQUIRE(v4[4] == 4);
  auto u32_at = [&](size_t at) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= uint32_t{static_cast<uint8_t>(v4[at + static_cast<size_t>(b)])} << (8 * b);
    return v;
  };
  // Version 3 from version 4: the consent blob (u32 length + bytes) moves from the payload's end to
  // after the two counters. Walk the profiles to find where the consent blob starts.
  size_t pos = 5 + 16;
  const uint32_t slots = u32_at(pos);
  pos += 4;
  for (uint32_t s = 0; s < slots; ++s) pos += 4 + u32_at(pos);
  REQUIRE(u32_at(pos) == 0);  // no pending decisions (their count is a u64)
  pos += 8;
  uint64_t nprofiles = u32_at(pos) | (uint64_t{u32_at(pos + 4)} << 32);
  REQUIRE(nprofiles == 300);
  pos += 8;
  for (uint64_t i = 0; i < nprofiles; ++i) pos += 4 + u32_at(pos);
  REQUIRE(pos + 4 + u32_at(pos) == v4.size());
  const std::string consent = v4.substr(pos);
  std::string v3 = v4.substr(0, pos);
  v3[4] = 3;
  v3.insert(5 + 16, consent);
  const std::string dir3 = tmp.file("state3");
  std::filesystem::create_directories(dir3);
  attune::profile::SnapshotWriteOptions o;
  o.sync = false;
  attune::profile::Snapshot::write(dir3 + "/snapshot-00000000000000000001.bin", 1,
                                   [&](attune::profile::SnapshotWriter& w) { w.write(v3); }, o);
  for (const std::string& d : {dir, dir3}) {
    auto e = attune::Engine::from_json(R"({"seed": 5, "durability": "none", "state_dir": ")" + d + R"("})");
    REQUIRE(e->customer_count() == 300);
    for (const auto& [c, bytes] : before) CHECK(e->export_profile(c) == bytes);
    // Consent came back too: emotion is scored only for the customers who granted it.
    CHECK(e->observe_text("v4-10", attune::Channel::chat, "I am so happy", t + 1000).emotion_used);
    CHECK_FALSE(e->observe_text("v4-11", attune::Channel::chat, "I am so happy", t + 1000).emotion_used);
  }
}
