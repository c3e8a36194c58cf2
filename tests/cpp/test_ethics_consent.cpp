#include "attune/error.hpp"
#include "attune/ethics/consent_registry.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace attune::ethics;
using attune::status;

namespace {
constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t T0 = 1700000000000;  // 2023-11-14

template <class F>
status status_thrown(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return attune::status_of(e);
  }
  return status::ok;
}
}  // namespace

TEST_CASE("purpose names parse and unknown purposes are rejected", "[ethics][consent]") {
  for (Purpose p : kPurposes) CHECK(parse_purpose(purpose_name(p)) == p);
  CHECK(purpose_from_name("emotion_inference") == Purpose::emotion_inference);
  CHECK_FALSE(purpose_from_name("Emotion_Inference"));
  CHECK_FALSE(purpose_from_name(""));
  CHECK_THROWS_AS(parse_purpose("marketing"), attune::invalid_argument);
  CHECK_THROWS_WITH(parse_purpose("marketing"), Catch::Contains("unknown consent purpose 'marketing'"));
  CHECK_THROWS_AS(parse_purpose("\xC0\xAF"), attune::invalid_argument);
}

TEST_CASE("unknown customers have no consent unless defaults say otherwise", "[ethics][consent]") {
  ConsentRegistry reg;
  for (Purpose p : kPurposes) {
    CHECK_FALSE(reg.allows("alice", p, T0));
    CHECK(reg.status("alice", p, T0) == ConsentStatus::none);
  }
  ConsentRegistry::Defaults d;
  d.allow_when_absent[static_cast<size_t>(Purpose::personalization)] = true;
  ConsentRegistry permissive(d);
  CHECK(permissive.allows("alice", Purpose::personalization, T0));
  CHECK_FALSE(permissive.allows("alice", Purpose::emotion_inference, T0));
  // An explicit revocation beats the default, even for a customer never granted anything.
  CHECK_FALSE(permissive.revoke("alice", Purpose::personalization, T0, "settings"));
  CHECK_FALSE(permissive.allows("alice", Purpose::personalization, T0 + 1));
  CHECK(permissive.status("alice", Purpose::personalization, T0) == ConsentStatus::revoked);
}

TEST_CASE("grant is effective from granted_at until just before expires_at", "[ethics][consent]") {
  ConsentRegistry reg;
  reg.grant("alice", Purpose::emotion_inference, T0, T0 + kHour, "web_banner");
  CHECK_FALSE(reg.allows("alice", Purpose::emotion_inference, T0 - 1));
  CHECK(reg.status("alice", Purpose::emotion_inference, T0 - 1) == ConsentStatus::pending);
  CHECK(reg.allows("alice", Purpose::emotion_inference, T0));
  CHECK(reg.allows("alice", Purpose::emotion_inference, T0 + kHour - 1));
  CHECK_FALSE(reg.allows("alice", Purpose::emotion_inference, T0 + kHour));  // expiry instant: expired
  CHECK(reg.status("alice", Purpose::emotion_inference, T0 + kHour) == ConsentStatus::expired);
  // Other purposes and customers are untouched.
  CHECK_FALSE(reg.allows("alice", Purpose::personalization, T0 + 1));
  CHECK_FALSE(reg.allows("bob", Purpose::emotion_inference, T0 + 1));
  // No expiry: open-ended.
  reg.grant("bob", Purpose::profiling, T0);
  CHECK(reg.allows("bob", Purpose::profiling, kMaxTimeMs));
  const ConsentRecord rec = reg.record("alice");
  CHECK(rec[Purpose::emotion_inference].present);
  CHECK(rec[Purpose::emotion_inference].granted);
  CHECK(rec[Purpose::emotion_inference].granted_at_ms == T0);
  CHECK(rec[Purpose::emotion_inference].expires_at_ms == T0 + kHour);
  CHECK(rec[Purpose::emotion_inference].source == "web_banner");
  CHECK_FALSE(rec[Purpose::profiling].present);
  CHECK(reg.record("nobody").empty());
}

TEST_CASE("revocation takes effect immediately and a later grant replaces it", "[ethics][consent]") {
  ConsentRegistry reg;
  reg.grant("alice", Purpose::emotion_inference, T0);
  CHECK(reg.revoke("alice", Purpose::emotion_inference, T0 + 10, "support_call"));
  // Revocation wins at every time, including times before it was stamped (call order rules).
  CHECK_FALSE(reg.allows("alice", Purpose::emotion_inference, T0 + 5));
  CHECK_FALSE(reg.allows("alice", Purpose::emotion_inference, T0 + 20));
  const PurposeConsent p = reg.record("alice")[Purpose::emotion_inference];
  CHECK_FALSE(p.granted);
  CHECK(p.revoked_at_ms == T0 + 10);
  CHECK(p.granted_at_ms == T0);  // kept for the audit trail
  CHECK(p.source == "support_call");
  // Revoking again reports that nothing was in force.
  CHECK_FALSE(reg.revoke("alice", Purpose::emotion_inference, T0 + 11));
  reg.grant("alice", Purpose::emotion_inference, T0 + 100);
  CHECK(reg.allows("alice", Purpose::emotion_inference, T0 + 100));
  CHECK_FALSE(reg.record("alice")[Purpose::emotion_inference].revoked_at_ms);
  // Revoking an expired grant: nothing was in force.
  reg.grant("carol", Purpose::profiling, T0, T0 + 5);
  CHECK_FALSE(reg.revoke("carol", Purpose::profiling, T0 + 6));
}

TEST_CASE("forget erases every record of a customer", "[ethics][consent]") {
  ConsentRegistry reg;
  reg.grant("alice", Purpose::emotion_inference, T0);
  reg.revoke("alice", Purpose::profiling, T0);
  reg.grant("bob", Purpose::profiling, T0);
  CHECK(reg.size() == 2);
  CHECK(reg.forget("alice"));
  CHECK_FALSE(reg.forget("alice"));
  CHECK(reg.size() == 1);
  CHECK(reg.record("alice").empty());
  CHECK_FALSE(reg.allows("alice", Purpose::emotion_inference, T0 + 1));
  CHECK(reg.customers() == std::vector<std::string>{"bob"});
}

TEST_CASE("bad input is rejected and changes nothing", "[ethics][consent]") {
  ConsentRegistry reg;
  reg.grant("alice", Purpose::emotion_inference, T0, std::nullopt, "web");
  const std::string before = reg.serialize();
  CHECK(status_thrown([&] { reg.grant("", Purpose::personalization, T0); }) == status::invalid_argument);
  CHECK(status_thrown([&] { reg.grant("al\xFFice", Purpose::personalization, T0); }) == status::invalid_utf8);
  CHECK(status_thrown([&] { reg.grant(std::string(kMaxCustomerIdBytes + 1, 'x'), Purpose::personalization, T0); }) ==
        status::limit_exceeded);
  CHECK(status_thrown([&] { reg.grant("alice", Purpose::personalization, -1); }) == status::out_of_range);
  CHECK(status_thrown([&] { reg.grant("alice", Purpose::personalization, kMaxTimeMs + 1); }) == status::out_of_range);
  CHECK(status_thrown([&] { reg.grant("alice", Purpose::personalization, T0, T0); }) == status::out_of_range);
  CHECK(status_thrown([&] { reg.grant("alice", Purpose::personalization, T0, T0 - 1); }) == status::out_of_range);
  CHECK(status_thrown([&] { reg.grant("alice", Purpose::personalization, T0, std::nullopt, "s\xC3"); }) ==
        status::invalid_utf8);
  CHECK(status_thrown([&] {
          reg.grant("alice", Purpose::personalization, T0, std::nullopt, std::string(kMaxConsentSourceBytes + 1, 's'));
        }) == status::limit_exceeded);
  CHECK(status_thrown([&] { reg.grant("alice", static_cast<Purpose>(7), T0); }) == status::invalid_argument);
  CHECK(status_thrown([&] { reg.revoke("alice", Purpose::emotion_inference, -5); }) == status::out_of_range);
  CHECK(status_thrown([&] { reg.revoke("", Purpose::emotion_inference, T0); }) == status::invalid_argument);
  CHECK(status_thrown([&] { reg.forget(""); }) == status::invalid_argument);
  CHECK(status_thrown([&] { (void)reg.allows("alice", Purpose::emotion_inference, -1); }) == status::out_of_range);
  CHECK(status_thrown([&] { (void)reg.allows("", Purpose::emotion_inference, T0); }) == status::invalid_argument);
  CHECK(reg.serialize() == before);
  CHECK(reg.allows("alice", Purpose::emotion_inference, T0));
}

TEST_CASE("serialization round-trips the whole registry and single customers", "[ethics][consent]") {
  ConsentRegistry reg;
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    const std::string id = "customer-" + std::to_string(rng() % 120) + (i % 7 == 0 ? "-ü😀" : "");
    const Purpose p = kPurposes[rng() % kPurposeCount];
    const int64_t t = T0 + static_cast<int64_t>(rng() % 100000);
    switch (rng() % 4) {
      case 0: reg.grant(id, p, t); break;
      case 1: reg.grant(id, p, t, t + 1 + static_cast<int64_t>(rng() % 5000), "banner"); break;
      case 2: reg.revoke(id, p, t, "settings"); break;
      default: if (rng() % 5 == 0) reg.forget(id); break;
    }
  }
  const std::string bytes = reg.serialize();
  ConsentRegistry copy;
  copy.grant("stale", Purpose::profiling, T0);  // replaced wholesale
  copy.deserialize(bytes);
  CHECK(copy.serialize() == bytes);
  CHECK(copy.customers() == reg.customers());
  for (const auto& id : reg.customers()) {
    CHECK(copy.record(id) == reg.record(id));
    for (Purpose p : kPurposes)
      for (int64_t t : {T0, T0 + 50000, T0 + 200000}) CHECK(copy.allows(id, p, t) == reg.allows(id, p, t));
  }
  CHECK(copy.record("stale").empty());

  // One customer: replace, then erase through an empty blob.
  const std::string id = reg.customers().front();
  const std::string blob = reg.serialize_customer(id);
  ConsentRegistry other;
  CHECK(other.deserialize_customer(blob) == id);
  CHECK(other.record(id) == reg.record(id));
  CHECK(other.deserialize_customer(blob) == id);  // idempotent replay
  CHECK(other.size() == 1);
  ConsentRegistry empty;
  other.deserialize_customer(empty.serialize_customer(id));
  CHECK(other.size() == 0);
}

TEST_CASE("corrupt, truncated or mismatched blobs are rejected without change", "[ethics][consent]") {
  ConsentRegistry reg;
  reg.grant("alice", Purpose::emotion_inference, T0, T0 + kHour, "web");
  reg.revoke("bob", Purpose::profiling, T0);
  const std::string bytes = reg.serialize();
  ConsentRegistry target;
  target.grant("zed", Purpose::personalization, T0);
  const std::string before = target.serialize();
  // Every truncation and every single-bit flip is detected (the CRC covers the whole body).
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK(status_thrown([&] { target.deserialize(bytes.substr(0, n)); }) == status::format_error);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    const status s = status_thrown([&] { target.deserialize(bad); });
    CHECK((s == status::format_error || s == status::version_mismatch));
  }
  CHECK(status_thrown([&] { target.deserialize(bytes + "x"); }) == status::format_error);
  // Kind mismatch both ways.
  CHECK(status_thrown([&] { target.deserialize(reg.serialize_customer("alice")); }) == status::format_error);
  CHECK(status_thrown([&] { target.deserialize_customer(bytes); }) == status::format_error);
  CHECK(target.serialize() == before);
}

TEST_CASE("concurrent grants, revocations and queries are safe", "[ethics][consent][concurrency]") {
  ConsentRegistry reg;
  std::atomic<bool> stop{false};
  std::atomic<long> queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      while (!stop.load()) {
        const std::string id = "c" + std::to_string(rng() % 50);
        (void)reg.allows(id, Purpose::emotion_inference, T0 + 5);
        if (rng() % 64 == 0) (void)reg.serialize();
        queries.fetch_add(1);
      }
    });
  std::thread writer([&] {
    std::mt19937 rng(99);
    for (int i = 0; i < 20000; ++i) {
      const std::string id = "c" + std::to_string(rng() % 50);
      if (i % 3 == 0) reg.revoke(id, Purpose::emotion_inference, T0);
      else if (i % 11 == 0) reg.forget(id);
      else reg.grant(id, Purpose::emotion_inference, T0);
    }
  });
  writer.join();
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(queries.load() > 0);
  // The final state is the writer's last change per customer; a final revoke-all agrees everywhere.
  for (int c = 0; c < 50; ++c) reg.revoke("c" + std::to_string(c), Purpose::emotion_inference, T0);
  for (int c = 0; c < 50; ++c) CHECK_FALSE(reg.allows("c" + std::to_string(c), Purpose::emotion_inference, T0 + 5));
}
