// detail::FlatIdMap, the compact id -> record map behind the consent registry and the engine's
// profile store: agrees with std::unordered_map under random insert/erase (growth, backward-shift
// erase, entry reuse), long ids on the heap, and erased ids leave no bytes behind.
#include "attune/detail/flat_id_map.hpp"
#include "attune/ethics/consent_registry.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <unordered_map>

using attune::detail::FlatIdMap;

namespace {
struct Rec {
  uint64_t a = 0;
  uint32_t b = 0;
};
std::string id_of(uint64_t k) {
  // Short ids inline; every seventh one long (heap).
  std::string s = "c-" + std::to_string(k);
  if (k % 7 == 0) s += std::string(40, 'x');
  return s;
}
}  // namespace

TEST_CASE("FlatIdMap matches unordered_map under random inserts and erases", "[profile][store]") {
  FlatIdMap<Rec> map;
  std::unordered_map<std::string, Rec> ref;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 60000; ++step) {
    const uint64_t k = rng() % 5000;
    const std::string id = id_of(k);
    const int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      auto [r, inserted] = map.try_emplace(id);
      REQUIRE(inserted == (ref.count(id) == 0));
      if (inserted) REQUIRE(r->a == 0);
      r->a = rng();
      r->b = static_cast<uint32_t>(k);
      ref[id] = *r;
    } else if (op < 9) {
      REQUIRE(map.erase(id) == (ref.erase(id) == 1));
    } else {
      const Rec* r = map.find(id);
      auto it = ref.find(id);
      REQUIRE((r != nullptr) == (it != ref.end()));
      if (r) REQUIRE(r->a == it->second.a);
    }
    REQUIRE(map.size() == ref.size());
  }
  // Every remaining entry is found with its value, and iteration visits each once.
  size_t visited = 0;
  map.for_each([&](std::string_view id, const Rec& r) {
    ++visited;
    auto it = ref.find(std::string(id));
    REQUIRE(it != ref.end());
    REQUIRE(it->second.a == r.a);
  });
  REQUIRE(visited == ref.size());
  for (const auto& [id, r] : ref) REQUIRE(map.find(id)->b == r.b);
  // Erase all: the map is empty and reusable.
  for (const auto& kv : ref) REQUIRE(map.erase(kv.first));
  REQUIRE(map.empty());
  REQUIRE(map.find("c-1") == nullptr);
  REQUIRE(map.try_emplace("c-1").second);
}

TEST_CASE("FlatIdMap reserve and growth keep pointers to records stable", "[profile][store]") {
  FlatIdMap<Rec> map;
  Rec* first = map.try_emplace("first").first;
  first->a = 42;
  for (int i = 0; i < 20000; ++i) map.try_emplace("id-" + std::to_string(i)).first->b = static_cast<uint32_t>(i);
  REQUIRE(map.find("first") == first);  // slabs never move
  REQUIRE(first->a == 42);
  map.reserve(100000);
  REQUIRE(map.find("id-19999")->b == 19999);
  REQUIRE(map.size() == 20001);
  map.clear();
  REQUIRE(map.empty());
  REQUIRE(map.find("first") == nullptr);
}

TEST_CASE("FlatIdMap erase wipes the id bytes of reused entries", "[profile][store]") {
  // A forgotten customer's id must not survive in the store's memory: erase zeroes the inline
  // bytes and the heap copy. Checked through a record that points at its own slab memory.
  FlatIdMap<Rec> map;
  const std::string secret = "secret-customer-id";
  map.try_emplace(secret);
  REQUIRE(map.erase(secret));
  REQUIRE_FALSE(map.erase(secret));
  REQUIRE(map.find(secret) == nullptr);
  // The entry is reused by the next insert and holds only the new id.
  map.try_emplace("other");
  size_t n = 0;
  map.for_each([&](std::string_view id, const Rec&) {
    ++n;
    REQUIRE(id == "other");
  });
  REQUIRE(n == 1);
}

TEST_CASE("Consent sources are shared and dropped with their last customer", "[consent]") {
  using namespace attune::ethics;
  ConsentRegistry r;
  r.grant("a", Purpose::profiling, 10, std::nullopt, "banner_v3");
  r.grant("b", Purpose::profiling, 11, std::nullopt, "banner_v3");
  r.revoke("b", Purpose::emotion_inference, 12, "support-call-by-b");
  REQUIRE(r.record("a")[Purpose::profiling].source == "banner_v3");
  REQUIRE(r.record("b")[Purpose::emotion_inference].source == "support-call-by-b");
  REQUIRE(r.forget("b"));
  REQUIRE(r.record("a")[Purpose::profiling].source == "banner_v3");
  // Replacing a source releases the old one; a re-added source works again.
  r.grant("a", Purpose::profiling, 13, 20, "");
  REQUIRE(r.record("a")[Purpose::profiling].source.empty());
  REQUIRE(*r.record("a")[Purpose::profiling].expires_at_ms == 20);
  r.grant("c", Purpose::personalization, 14, std::nullopt, "support-call-by-b");
  REQUIRE(r.record("c")[Purpose::personalization].source == "support-call-by-b");
  // Round trip through bytes keeps everything, including the largest time.
  r.grant("d", Purpose::profiling, kMaxTimeMs - 1, kMaxTimeMs, "x");
  ConsentRegistry copy;
  copy.deserialize(r.serialize());
  for (const auto& id : r.customers()) REQUIRE(copy.record(id) == r.record(id));
  REQUIRE(copy.size() == 3);
}

TEST_CASE("Consent registry counts grants with an expiry through every change", "[consent]") {
  using namespace attune::ethics;
  ConsentRegistry r;
  CHECK(r.expiring_grants() == 0);
  r.grant("a", Purpose::profiling, 10, 20);
  r.grant("a", Purpose::personalization, 10);
  r.grant("b", Purpose::profiling, 10, 30);
  CHECK(r.expiring_grants() == 2);
  r.revoke("a", Purpose::profiling, 11);  // a revoked grant cannot lapse
  CHECK(r.expiring_grants() == 1);
  r.grant("a", Purpose::profiling, 12, 40);
  r.grant("a", Purpose::profiling, 13);  // replaced by a grant without expiry
  CHECK(r.expiring_grants() == 1);
  r.grant("a", Purpose::emotion_inference, 14, 50);
  CHECK(r.expiring_grants() == 2);
  const std::string a = r.serialize_customer("a");
  CHECK(r.forget("a"));
  CHECK(r.expiring_grants() == 1);
  r.deserialize_customer(a);  // restores a's expiring emotion grant
  CHECK(r.expiring_grants() == 2);
  ConsentRegistry copy;
  copy.deserialize(r.serialize());
  CHECK(copy.expiring_grants() == 2);
  ConsentRegistry empty;
  r.deserialize(empty.serialize());
  CHECK(r.expiring_grants() == 0);
}

TEST_CASE("Consent registry: the whole-registry entry of a customer is its customer blob's entry", "[consent]") {
  // serialize() writes entries straight from the packed records, serialize_customer() through a
  // ConsentRecord: the bytes must agree. Registry blob: 8 bytes of header, u32 count, entries,
  // CRC; customer blob: 8 bytes of header, the entry, CRC.
  using namespace attune::ethics;
  ConsentRegistry r;
  r.grant("cust", Purpose::profiling, 1000, 5000, "banner_v3");
  r.revoke("cust", Purpose::emotion_inference, 2000, "call");
  r.grant("cust", Purpose::personalization, kMaxTimeMs - 10);
  const std::string whole = r.serialize(), one = r.serialize_customer("cust");
  CHECK(whole.substr(12, whole.size() - 16) == one.substr(8, one.size() - 12));
  r.revoke("never-granted", Purpose::profiling, 3000);
  ConsentRegistry copy;
  copy.deserialize(r.serialize());
  CHECK(copy.record("never-granted") == r.record("never-granted"));
  CHECK(copy.record("cust") == r.record("cust"));
}
