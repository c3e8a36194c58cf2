#include "attune/select/catalog.hpp"
#include "attune/select/feature_builder.hpp"
#include "attune/error.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace attune;
using namespace attune::select;

namespace {

std::string one_slot(const std::string& variants, const std::string& extra = "") {
  return R"({"format":"attune.catalog","version":1,)" + extra + R"("slots":[{"id":"s","variants":[)" + variants + "]}]}";
}

status status_of_parse(const std::string& json, std::string* message = nullptr) {
  try {
    Catalog::from_json(json);
  } catch (const attune::invalid_argument& e) {
    if (message) *message = e.what();
    return e.code();
  } catch (const attune::error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return status::ok;
}

}  // namespace

TEST_CASE("the example catalog loads and round-trips", "[select][catalog]") {
  const Catalog c = Catalog::load(attune_test::source_path("examples/catalogs/seed_catalog.json"));
  REQUIRE(c.slot_count() == 4);
  const Slot& cta = c.slot("product_cta");
  REQUIRE(cta.variants[cta.safe_default].id == "buy_now");
  REQUIRE(cta.find("few_left").has_value());
  REQUIRE(cta.variants[*cta.find("few_left")].has_tag("scarcity"));
  REQUIRE(c.context().intents.size() == 2);
  const Catalog again = Catalog::from_json(c.to_json());
  REQUIRE(again.to_json() == c.to_json());
}

TEST_CASE("catalog validation names the JSON path and the status", "[select][catalog]") {
  const std::string ok = R"({"id":"a","safe_default":true},{"id":"b"})";
  REQUIRE(status_of_parse(one_slot(ok)) == status::ok);

  std::string msg;
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true,"colour":"red"})"), &msg) == status::invalid_argument);
  REQUIRE(msg.find("/slots/0/variants/0/colour") != std::string::npos);
  REQUIRE(msg.find("unknown field") != std::string::npos);

  REQUIRE(status_of_parse(one_slot(ok, R"("colour":1,)"), &msg) == status::invalid_argument);
  REQUIRE(msg.find("/colour") != std::string::npos);

  // duplicate keys, malformed JSON
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","id":"b","safe_default":true})"), &msg) == status::parse_error);
  REQUIRE(msg.find("duplicate key") != std::string::npos);
  REQUIRE(status_of_parse("{\"slots\": [", &msg) == status::parse_error);

  // ids
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true},{"id":"a"})"), &msg) == status::invalid_argument);
  REQUIRE(msg.find("duplicate variant id") != std::string::npos);
  REQUIRE(status_of_parse(one_slot(R"({"id":"a b","safe_default":true})"), &msg) == status::invalid_argument);
  REQUIRE(status_of_parse(one_slot(R"({"id":"","safe_default":true})")) == status::invalid_argument);
  REQUIRE(status_of_parse(one_slot(R"({"safe_default":true})"), &msg) == status::invalid_argument);
  REQUIRE(msg.find("\"id\"") != std::string::npos);

  // safe defaults: exactly one
  REQUIRE(status_of_parse(one_slot(R"({"id":"a"},{"id":"b"})"), &msg) == status::invalid_argument);
  REQUIRE(msg.find("safe_default") != std::string::npos);
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true},{"id":"b","safe_default":true})")) ==
          status::invalid_argument);

  // types
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":"yes"})")) == status::invalid_argument);
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true,"attributes":{"tone":[1]}})"), &msg) ==
          status::invalid_argument);
  REQUIRE(msg.find("/slots/0/variants/0/attributes/tone") != std::string::npos);
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true,"tags":["Urgent"]})")) == status::invalid_argument);
  REQUIRE(status_of_parse(one_slot(R"({"id":"a","safe_default":true,"tags":["x","x"]})")) == status::invalid_argument);
  REQUIRE(status_of_parse(R"({"slots":[]})") == status::invalid_argument);
  REQUIRE(status_of_parse(R"({"version":2,"slots":[{"id":"s","variants":[{"id":"a","safe_default":true}]}]})") ==
          status::version_mismatch);
}

TEST_CASE("catalog size limits are enforced", "[select][catalog]") {
  std::string vs = R"({"id":"v0","safe_default":true})";
  for (size_t i = 1; i < kMaxVariantsPerSlot; ++i) vs += ",{\"id\":\"v" + std::to_string(i) + "\"}";
  REQUIRE(status_of_parse(one_slot(vs)) == status::ok);
  REQUIRE(status_of_parse(one_slot(vs + R"(,{"id":"one_too_many"})")) == status::limit_exceeded);

  std::string slots;
  for (size_t i = 0; i <= kMaxSlots; ++i)
    slots += (i ? "," : "") + std::string(R"({"id":"s)") + std::to_string(i) +
             R"(","variants":[{"id":"a","safe_default":true}]})";
  REQUIRE(status_of_parse("{\"slots\":[" + slots + "]}") == status::limit_exceeded);
  REQUIRE(status_of_parse(one_slot("{\"id\":\"a\",\"safe_default\":true,\"text\":\"" + std::string(1025, 'x') + "\"}")) ==
          status::limit_exceeded);
}

TEST_CASE("feature builder: layout, validation without writes, variant encoding", "[select][features]") {
  const Catalog c = Catalog::load(attune_test::source_path("examples/catalogs/seed_catalog.json"));
  FeatureBuilder fb(c.context());
  REQUIRE(fb.context_dim() == 8 + 2 + 3);
  REQUIRE(fb.context_names()[0] == "state:frustration");
  REQUIRE(fb.context_names()[8] == "intent:purchase");
  CustomerContext cc;
  cc.states[index(MarketingState::anxiety)] = 0.7f;
  cc.intents = {0.4, 0.1};
  cc.features = {1.0, 0.0, -0.5};
  std::vector<double> out(fb.context_dim(), -7.0);
  fb.build(cc, out.data());
  REQUIRE(out[1] == Approx(0.7));
  REQUIRE(out[8] == 0.4);
  REQUIRE(out[12] == -0.5);

  std::vector<double> untouched(fb.context_dim(), -7.0);
  CustomerContext bad = cc;
  bad.intents[1] = 1.5;
  REQUIRE_THROWS_AS(fb.build(bad, untouched.data()), attune::invalid_argument);
  bad = cc;
  bad.features[0] = std::nan("");
  REQUIRE_THROWS_AS(fb.build(bad, untouched.data()), attune::invalid_argument);
  bad = cc;
  bad.features.pop_back();
  REQUIRE_THROWS_AS(fb.build(bad, untouched.data()), attune::invalid_argument);
  for (double v : untouched) REQUIRE(v == -7.0);

  const VariantFeatures vf = FeatureBuilder::variant_features(c.slot("product_cta"));
  REQUIRE(vf.count == 5);
  REQUIRE(vf.dim == vf.names.size());
  // tone=urgent one-hot and the #scarcity tag belong to few_left (row 3) only
  size_t urgent = vf.dim, scarcity = vf.dim;
  for (size_t j = 0; j < vf.dim; ++j) {
    if (vf.names[j] == "tone=urgent") urgent = j;
    if (vf.names[j] == "#scarcity") scarcity = j;
  }
  REQUIRE(urgent < vf.dim);
  REQUIRE(scarcity < vf.dim);
  for (size_t k = 0; k < vf.count; ++k) {
    REQUIRE(vf.row(k)[urgent] == (k == 3 ? 1.0 : 0.0));
    REQUIRE(vf.row(k)[scarcity] == (k == 3 ? 1.0 : 0.0));
  }
}
