// Regression tests for what the fuzz harnesses (tests/fuzz/, docs/fuzzing.md) found. Each crash
// input is also kept in tests/fuzz/corpus/<harness>/ and replayed by fuzz.replay.<harness>; the
// cases here pin the behaviour by name, with the bytes built by hand so the cause is readable.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include "attune/engine.hpp"
#include "attune/error.hpp"
#include "attune/profile/profile.hpp"
#include "attune/select/feature_builder.hpp"
#include "attune/select/policy.hpp"
#include "attune/select/rng.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>
#include <string>

using attune_test::status_from;

namespace {

void put_u32(std::string& s, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

TEST_CASE("fuzz regression: a policy header cannot make load() allocate what its bytes do not hold", "[fuzz]") {
  using namespace attune::select;
  const auto small = make_policy(PolicyOptions{}, 4, plain_variants(3));
  const std::string saved = small->save();
  // Header layout (docs/selection.md): magic 8, version 4, kind 1, model 1, 5 f64, u32, u8, 2 f64,
  // then u32 context_dim at 75, u32 variant count at 79, u32 attribute dim at 83, names, updates.
  REQUIRE(saved.size() > 99);
  for (const bool keep_state : {false, true}) {
    std::string hostile = keep_state ? saved : saved.substr(0, 99);  // header only: ~100 bytes
    put_u32(hostile, 75, 4096);                                      // 4097 x 4097 statistics ...
    put_u32(hostile, 79, 256);                                       // ... per variant: 68 GB
    CHECK(status_from([&] { Policy::load(hostile); }) == attune::status::format_error);
  }
  std::string shared = saved.substr(0, 99);
  shared[13] = 1;  // shared layout: one (4097 * 1 + 256)^2 block
  put_u32(shared, 75, 4096);
  put_u32(shared, 79, 256);
  CHECK(status_from([&] { Policy::load(shared); }) == attune::status::format_error);
  CHECK(Policy::load(saved)->save() == saved);  // the exact length still loads
}

TEST_CASE("fuzz regression: a loaded policy state must hold positive definite ridge matrices", "[fuzz]") {
  using namespace attune::select;
  const auto p = make_policy(PolicyOptions{}, 4, plain_variants(3));
  std::string bytes = p->save();
  // Per-variant layout: the first block starts at byte 99 (f64 count, u32 since_refactor, then
  // the 5 x 5 statistics matrix). A hugely negative first diagonal entry is finite (so it passed
  // the old checks) but makes stats + lambda I indefinite: load() used to accept it and choose()
  // then failed with status::internal ("a bug in attune").
  const double bad = -1e6;
  std::memcpy(&bytes[99 + 12], &bad, 8);  // little-endian hosts (the test targets)
  CHECK(status_from([&] { Policy::load(bytes); }) == attune::status::format_error);
}

TEST_CASE("fuzz regression: customer ids with a NUL byte are refused by the engine", "[fuzz]") {
  // The C ABI names customers by NUL-terminated strings, so such a customer could never be
  // exported or forgotten from C.
  auto engine = attune::Engine::from_json("{}");
  attune::profile::Profile profile;
  const std::string id("ali\0ce", 6);
  CHECK(status_from([&] { engine->import_profile(profile.serialize(id), 1764000000000); }) ==
        attune::status::invalid_argument);
  CHECK(status_from([&] {
          engine->observe_event(R"({"type":"track","event":"Product Viewed","userId":"ali\u0000ce",)"
                                R"("timestamp":"2026-11-28T17:03:12Z"})");
        }) == attune::status::invalid_argument);
  CHECK(engine->customer_count() == 0);
  engine->import_profile(profile.serialize("alice"), 1764000000000);  // the same bytes otherwise import
  CHECK(engine->customer_count() == 1);
}

TEST_CASE("fuzz regression: an overflowing posterior is a clean error, never a NaN propensity", "[fuzz]") {
  using namespace attune::select;
  // A Thompson state (finite, positive definite) whose statistics are so large that the posterior
  // overflows: choose() returned a NaN propensity, probabilities() NaNs; LinUCB would have picked
  // from an empty tie set.
  std::ifstream in(std::string(ATTUNE_SOURCE_DIR) + "/tests/fuzz/corpus/policy/crash-nan-posterior", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!bytes.empty());
  const auto p = Policy::load(bytes);
  std::vector<double> context(p->context_dim(), 0.5);
  std::vector<uint32_t> all(p->variant_count());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  Rng rng(3);
  std::vector<double> probs(all.size());
  CHECK(status_from([&] { p->probabilities(context.data(), IndexSpan(all.data(), all.size()), probs.data()); }) ==
        attune::status::out_of_range);
  CHECK(status_from([&] { p->choose(context.data(), IndexSpan(all.data(), all.size()), rng); }) ==
        attune::status::out_of_range);
}
