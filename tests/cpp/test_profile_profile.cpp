#include "attune/error.hpp"
#include "attune/profile/profile.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <cmath>
#include <limits>

using namespace attune;
using attune::profile::Profile;

TEST_CASE("state memory fuses evidence and fades at the half-life", "[profile]") {
  profile::StateMemory m;
  StateVector e{}, w{};
  e[index(MarketingState::anxiety)] = 0.9f;
  w[index(MarketingState::anxiety)] = 1.0f;
  const double hour = 3'600'000.0;
  m.add(e, w, 1'000'000, 24 * hour);
  const float now = m.read(1'000'000, 24 * hour, 0.25f)[index(MarketingState::anxiety)];
  CHECK(now == Approx(0.9f / 1.25f));
  // One half-life later both sums have halved: the prior weighs twice as much.
  const float later = m.read(1'000'000 + static_cast<int64_t>(24 * hour), 24 * hour, 0.25f)[index(MarketingState::anxiety)];
  CHECK(later == Approx(0.45f / 0.75f));
  CHECK(later < now);
  // Other states stay at 0; everything stays in [0,1].
  for (float x : m.read(1'000'000, 24 * hour, 0.0f)) CHECK((x >= 0 && x <= 1));
  // Out-of-order evidence never amplifies newer memory.
  StateVector calm{};
  m.add(calm, w, 500'000, 24 * hour);
  CHECK(m.read(1'000'000, 24 * hour, 0.25f)[index(MarketingState::anxiety)] < now);
}

TEST_CASE("trust velocity is positive when trust improves, 0 when steady", "[profile]") {
  profile::TrustTrajectory t;
  const int64_t day = 86'400'000;
  for (int i = 0; i < 30; ++i) t.add(0.2f, i * day);
  CHECK(std::abs(t.velocity()) < 0.01f);
  for (int i = 30; i < 33; ++i) t.add(1.0f, i * day);
  CHECK(t.velocity() > 0.01f);
  CHECK(t.level() > 0.2f);
}

TEST_CASE("profile serialization round-trips exactly and rejects damage", "[profile]") {
  Profile p;
  StateVector e{}, w{};
  e[0] = 0.7f;
  w[0] = 1.0f;
  p.memory.add(e, w, 123456, 3.6e6);
  p.trust.add(0.5f, 123456);
  p.baseline.observe(behavior::Signal::dwell, 42.0, 123.456);
  p.add_decision(99, 123456, 2, 3);
  p.pseudonym_nonce = 0xDEADBEEF;
  p.distress = 0.4f;
  p.channels_seen = 0x5;
  const std::string bytes = p.serialize("customer-1");
  std::string id;
  const Profile q = Profile::deserialize(bytes, id);
  CHECK(id == "customer-1");
  CHECK(q.serialize(id) == bytes);
  CHECK(q.memory.evidence[0] == p.memory.evidence[0]);
  CHECK(q.recent[0].id == 99);

  CHECK_THROWS_AS(Profile::deserialize(bytes.substr(0, bytes.size() - 1), id), attune::error);
  std::string bad = bytes;
  bad[4] = 9;  // format version
  try {
    Profile::deserialize(bad, id);
    FAIL("expected version_mismatch");
  } catch (const attune::error& e2) {
    CHECK(e2.code() == status::version_mismatch);
  }
  CHECK_THROWS_AS(Profile::deserialize("junk", id), attune::error);
}

TEST_CASE("recent decisions keep the newest and answer per slot", "[profile]") {
  Profile p;
  for (int i = 1; i <= 6; ++i) p.add_decision(static_cast<uint64_t>(i), i * 1000, static_cast<uint16_t>(i % 2), 0);
  int64_t times[8];
  const size_t n = p.decision_times(1, times, 8);
  CHECK(n == 2);  // decisions 3 and 5 (1 was replaced)
  const size_t m = p.decision_times(0, times, 8);
  CHECK(m == 2);  // decisions 4 and 6
}

TEST_CASE("clearing emotion removes every emotion datum", "[profile]") {
  Profile p;
  StateVector e{}, w{};
  e.fill(0.8f);
  w.fill(1.0f);
  p.memory.add(e, w, 1000, 3.6e6);
  p.last_valence = -0.7f;
  p.distress = 0.9f;
  p.frustration_peak = 0.8f;
  p.clear_emotion();
  for (float x : p.memory.read(1000, 3.6e6, 0.25f)) CHECK(x == 0.0f);
  CHECK(p.last_valence == 0.0f);
  CHECK(p.distress == 0.0f);
  CHECK(p.frustration_peak == 0.0f);
  CHECK(profile::parse_channel("chat") == profile::Channel::chat);
  CHECK_THROWS_AS(profile::parse_channel("fax"), std::invalid_argument);
}

TEST_CASE("profile bytes with an out-of-range time or a non-finite number are refused", "[profile]") {
  // Found by fuzzing: a profile whose memory time was INT64_MIN decoded, and the next read
  // computed now - updated_ms with signed overflow. Every decoder now refuses such values.
  Profile p;
  p.created_ms = p.last_seen_ms = 1'764'000'000'000;
  const std::string good = p.serialize("c");
  std::string id;
  REQUIRE_NOTHROW(Profile::deserialize(good, id));
  auto refused = [&id](Profile q) {
    try {
      Profile::deserialize(q.serialize("c"), id);
      return false;
    } catch (const attune::error& e) {
      return e.code() == status::format_error;
    }
  };
  Profile q = p;
  q.memory.updated_ms = INT64_MIN;
  CHECK(refused(q));
  q = p;
  q.last_seen_ms = -1;
  CHECK(refused(q));
  q = p;
  q.recent[0].time_ms = INT64_MAX;
  CHECK(refused(q));
  q = p;
  q.distress = std::numeric_limits<float>::infinity();
  CHECK(refused(q));
  q = p;
  q.trust.slow_weight = std::nanf("");
  CHECK(refused(q));
}
