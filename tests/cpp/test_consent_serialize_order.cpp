// ConsentRegistry::serialize writes customers sorted bytewise by id (deterministic bytes whatever
// the insertion order). The sort compares a 16-byte big-endian key before the ids themselves
// (src/ethics/consent_registry.cpp); these ids stress it: shared prefixes longer than 16 bytes,
// ids that are prefixes of others up to their terminator, bytes above 0x7F.
#include "attune/ethics/consent_registry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using attune::ethics::ConsentRegistry;
using attune::ethics::Purpose;

TEST_CASE("ConsentRegistry::serialize orders customers bytewise by id, whatever the insertion order",
          "[ethics][consent]") {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", "b", "z", "0", "9", "\xC3\xA9", "\xE2\x82\xAC", "-"};
  const std::vector<std::string> prefixes = {"", "c", "customer-", "customer-0000000", "customer-00000000000000"};
  std::vector<std::string> ids;
  for (int i = 0; i < 600; ++i) {
    std::string id = prefixes[rng() % prefixes.size()];
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) id += pieces[rng() % pieces.size()];
    id += '#';
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  REQUIRE(ids.size() > 300);
  std::string first;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> order = ids;
    std::shuffle(order.begin(), order.end(), rng);
    ConsentRegistry reg;
    for (const auto& id : order) reg.grant(id, Purpose::profiling, 1000);
    const std::string bytes = reg.serialize();
    if (round == 0) {
      first = bytes;
      size_t last = 0;
      for (const auto& id : ids) {  // ids sorted: their offsets must increase
        // With its u16 length before it: no id holds bytes below 0x20, so this occurs once.
        const std::string framed = std::string(1, static_cast<char>(id.size())) + '\0' + id;
        const size_t at = bytes.find(framed);
        REQUIRE(at != std::string::npos);
        CHECK(at > last);
        last = at;
      }
    } else {
      CHECK(bytes == first);
    }
    ConsentRegistry copy;
    copy.deserialize(bytes);
    CHECK(copy.serialize() == bytes);
  }
}
