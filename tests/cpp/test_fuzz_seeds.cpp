// The generated fuzz seeds (tests/fuzz/make_fuzz_seeds) must stay meaningful: the valid ones are
// accepted by today's readers (so libFuzzer starts deep inside each format, and a format change
// that forgets to regenerate them fails here), the mutated ones are refused with the documented
// status. Regenerate with `build/bin/make_fuzz_seeds tests/fuzz/corpus`.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include "attune/behavior/intent_model.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/engine_config.hpp"
#include "attune/error.hpp"
#include "attune/profile/profile.hpp"
#include "attune/select/policy.hpp"

#include <fstream>
#include <iterator>
#include <string>

using attune_test::status_from;

namespace {

std::string seed(const std::string& harness, const std::string& name) {
  std::ifstream in(std::string(ATTUNE_SOURCE_DIR) + "/tests/fuzz/corpus/" + harness + "/" + name, std::ios::binary);
  REQUIRE(in);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("fuzz seeds: valid model files decode, mutated ones are refused", "[fuzz]") {
  using attune::status;
  for (const char* name : {"valid_int8", "valid_float32"}) {
    const std::string s = seed("emotion_model", name).substr(1);  // byte 0 is the harness's mode
    const auto m = attune::emotion::EmotionModel::from_bytes(s.data(), s.size());
    CHECK(m.feature_options().hash_bits == 8);
  }
  const std::string future = seed("emotion_model", "version_99").substr(1);
  CHECK(status_from([&] { attune::emotion::EmotionModel::from_bytes(future.data(), future.size()); }) ==
        status::version_mismatch);

  const std::string im = seed("intent_model", "valid").substr(1);
  CHECK(attune::behavior::IntentModel::load_from_memory(im.data(), im.size()).tree_count() == 3);
  const std::string iv2 = seed("intent_model", "version_2").substr(1);
  CHECK(status_from([&] { attune::behavior::IntentModel::load_from_memory(iv2.data(), iv2.size()); }) ==
        status::version_mismatch);
}

TEST_CASE("fuzz seeds: policies, profiles and configs are accepted", "[fuzz]") {
  using attune::status;
  for (const char* kind : {"thompson", "linucb", "egreedy", "uniform"})
    for (const char* layout : {"_per_variant", "_shared"})
      CHECK(attune::select::Policy::load(seed("policy", std::string(kind) + layout))->variant_count() == 3);
  CHECK(status_from([&] { attune::select::Policy::load(seed("policy", "thompson_truncated")); }) == status::format_error);

  std::string customer;
  attune::profile::Profile::deserialize(seed("profile", "alice"), customer);
  CHECK(customer == "alice");
  CHECK(status_from([&] { attune::profile::Profile::deserialize(seed("profile", "alice_truncated"), customer); }) ==
        status::format_error);

  for (const char* name : {"empty", "defaults", "full", "inline_catalog_guardrails"})
    CHECK_NOTHROW(attune::EngineConfig::parse(seed("engine_config", name)));
  CHECK(status_from([&] { attune::EngineConfig::parse(seed("engine_config", "unknown_field")); }) == status::invalid_argument);
}
