#include "attune/select/selector.hpp"
#include "attune/error.hpp"
#include "attune.h"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

using namespace attune;
using namespace attune::select;

namespace {

Catalog seed_catalog() { return Catalog::load(attune_test::source_path("examples/catalogs/seed_catalog.json")); }

CustomerContext customer(uint64_t i) {
  Rng r(i);
  CustomerContext c;
  for (auto& s : c.states) s = static_cast<float>(r.uniform());
  c.intents = {r.uniform(), r.uniform()};
  c.features = {r.uniform() < 0.5 ? 1.0 : 0.0, r.uniform() < 0.3 ? 1.0 : 0.0, r.normal()};
  return c;
}

// A simple world on the seed catalog's product_cta slot: calm variants work for anxious
// customers, urgent ones for excited customers.
double click_probability(const CustomerContext& c, uint32_t variant) {
  const double anxious = c.states[index(MarketingState::anxiety)], excited = c.states[index(MarketingState::excitement)];
  const double base[] = {0.10, 0.08, 0.12, 0.05, 0.07};
  double p = base[variant];
  if (variant == 4) p += 0.3 * anxious;
  if (variant == 3) p += 0.3 * excited - 0.1 * anxious;
  return std::clamp(p, 0.0, 1.0);
}

status code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const attune::invalid_argument& e) {
    return e.code();
  } catch (const attune::error& e) {
    return e.code();
  }
  return status::ok;
}

}  // namespace

TEST_CASE("decide: propensity over the allowed set, scores, unique ids", "[select][selector]") {
  SelectorOptions o;
  o.seed = 5;
  Selector s(seed_catalog(), o);
  std::set<uint64_t> ids;
  const std::vector<uint32_t> allowed = {1, 4};  // guardrails removed the sales-pressure variants
  for (uint64_t i = 0; i < 2000; ++i) {
    const Decision d = s.decide("product_cta", customer(i), allowed, static_cast<double>(i));
    REQUIRE((d.variant == 1 || d.variant == 4));
    REQUIRE(d.propensity > 0.0);
    REQUIRE(d.propensity <= 1.0);
    REQUIRE(d.slot_id == "product_cta");
    REQUIRE(d.variant_id == s.catalog().slot("product_cta").variants[d.variant].id);
    REQUIRE(d.scores.size() == 5);
    REQUIRE(std::isnan(d.scores[0]));
    REQUIRE(std::isfinite(d.scores[4]));
    REQUIRE(parse_decision_id(d.id_string()) == d.id);
    REQUIRE(d.id != 0);
    REQUIRE(ids.insert(d.id).second);
  }
  REQUIRE_THROWS_AS(s.decide("nope", customer(1), 0.0), attune::invalid_argument);
  const std::vector<uint32_t> none;
  REQUIRE_THROWS_AS(s.decide("product_cta", customer(1), none, 0.0), attune::invalid_argument);
  REQUIRE_THROWS_AS(parse_decision_id("xyz"), attune::invalid_argument);
  REQUIRE_THROWS_AS(parse_decision_id("00000000000000000"), attune::invalid_argument);
}

TEST_CASE("reward errors change nothing; a reward applies once", "[select][selector]") {
  Selector s(seed_catalog());
  const Decision d = s.decide("follow_up", customer(1), 100.0);
  const std::string before = s.save();
  REQUIRE(code_of([&] { s.reward(d.id + 1, 1.0, 101.0); }) == status::not_found);
  REQUIRE(code_of([&] { s.reward(d.id, std::nan(""), 101.0); }) == status::out_of_range);
  REQUIRE(code_of([&] { s.reward(d.id, 1.5, 101.0); }) == status::out_of_range);
  REQUIRE(code_of([&] { s.reward(d.id, -0.1, 101.0); }) == status::out_of_range);
  REQUIRE(code_of([&] { s.reward(d.id, 1.0, std::nan("")); }) == status::out_of_range);
  REQUIRE(s.save() == before);
  REQUIRE(s.counters().rewards == 0);
  s.reward(d.id, 1.0, 101.0);
  const std::string after = s.save();
  REQUIRE(after != before);
  REQUIRE(code_of([&] { s.reward(d.id, 1.0, 102.0); }) == status::duplicate);
  REQUIRE(s.save() == after);
  REQUIRE(s.counters().rewards == 1);
}

TEST_CASE("pending decisions expire and stay bounded", "[select][selector]") {
  SelectorOptions o;
  o.pending_ttl_s = 10.0;
  o.max_pending = 100;
  Selector s(seed_catalog(), o);
  const Decision old = s.decide("price_display", customer(1), 0.0);
  REQUIRE(code_of([&] { s.reward(old.id, 1.0, 10.5); }) == status::not_found);  // too late
  REQUIRE(s.pending() == 1);
  REQUIRE(s.expire(10.5) == 1);
  REQUIRE(s.pending() == 0);
  std::vector<Decision> ds;
  for (int i = 0; i < 250; ++i) ds.push_back(s.decide("price_display", customer(static_cast<uint64_t>(i)), 20.0));
  REQUIRE(s.pending() == 100);
  REQUIRE(s.counters().evicted == 150);
  REQUIRE(code_of([&] { s.reward(ds[0].id, 1.0, 21.0); }) == status::not_found);
  s.reward(ds[249].id, 1.0, 21.0);
  s.reward(ds[150].id, 0.0, 21.0);
  REQUIRE(s.decide("price_display", customer(9), 40.0).propensity > 0.0);  // housekeeping drops the rest
  REQUIRE(s.pending() == 1);
  SelectorOptions bad;
  bad.max_pending = 0;
  REQUIRE_THROWS_AS(Selector(seed_catalog(), bad), attune::invalid_argument);
  bad = SelectorOptions{};
  bad.reward_min = 1.0;
  REQUIRE_THROWS_AS(Selector(seed_catalog(), bad), attune::invalid_argument);
}

TEST_CASE("selector learns, saves, loads and merges", "[select][selector][merge]") {
  SelectorOptions o;
  o.seed = 11;
  Selector a(seed_catalog(), o);
  Rng world(3);
  double early = 0, late = 0;
  for (uint64_t i = 0; i < 3000; ++i) {
    const CustomerContext c = customer(i);
    const Decision d = a.decide("product_cta", c, static_cast<double>(i));
    const double p = click_probability(c, d.variant);
    (i < 500 ? early : late) += i < 500 ? p / 500 : p / 2500;
    a.reward(d.id, world.uniform() < p ? 1.0 : 0.0, static_cast<double>(i) + 0.5);
  }
  REQUIRE(late > early);

  Selector b(seed_catalog(), o);
  b.load(a.save());
  REQUIRE(b.save() == a.save());
  for (uint64_t i = 0; i < 200; ++i) {
    const Decision da = a.decide("wellness_message", customer(i), 5000.0);
    const Decision db = b.decide("wellness_message", customer(i), 5000.0);
    REQUIRE(da.id == db.id);
    REQUIRE(da.variant == db.variant);
    REQUIRE(da.propensity == db.propensity);
  }
  // A state from another catalog is refused.
  Selector other(Catalog::from_json(R"({"slots":[{"id":"x","variants":[{"id":"a","safe_default":true}]}]})"));
  REQUIRE_THROWS(other.load(a.save()));
  REQUIRE_THROWS(b.load("garbage"));

  // Merge: two replicas from a common base.
  Selector r1(seed_catalog(), o), r2(seed_catalog(), o), single(seed_catalog(), o);
  const std::string base_state = a.save();
  r1.load(base_state);
  r2.load(base_state);
  single.load(base_state);
  Selector base(seed_catalog(), o);
  base.load(base_state);
  for (uint64_t i = 0; i < 400; ++i) {
    Selector& r = i % 2 ? r1 : r2;
    const CustomerContext c = customer(10000 + i);
    const Decision d = r.decide("follow_up", c, 6000.0);
    r.reward(d.id, (i % 3) == 0 ? 1.0 : 0.0, 6001.0);
    // the single replica sees exactly the same outcomes
    const Decision e = single.decide(d.slot, [&] {
      static std::vector<double> x;
      x.resize(single.context_dim());
      single.features().build(c, x.data());
      return x.data();
    }(), std::vector<uint32_t>{d.variant}, 6000.0, single.rng());
    single.reward(e.id, (i % 3) == 0 ? 1.0 : 0.0, 6001.0);
  }
  r1.merge(r2, &base);
  const size_t slot = *r1.catalog().find_slot("follow_up");
  std::vector<double> x(r1.context_dim());
  const std::vector<uint32_t> all = {0, 1, 2, 3};
  for (uint64_t i = 0; i < 50; ++i) {
    r1.features().build(customer(20000 + i), x.data());
    double m1[4], m2[4];
    r1.policy(slot).expected_rewards(x.data(), all, m1);
    single.policy(slot).expected_rewards(x.data(), all, m2);
    for (int k = 0; k < 4; ++k) REQUIRE(m1[k] == Approx(m2[k]).margin(1e-9));
  }
}

TEST_CASE("C ABI agrees with C++ on a fixed-seed run", "[select][capi]") {
  const Catalog cat = seed_catalog();
  SelectorOptions o;
  o.seed = 99;
  Selector cpp(cat, o);

  attune_catalog* cc = nullptr;
  REQUIRE(attune_catalog_load(attune_test::source_path("examples/catalogs/seed_catalog.json").c_str(), &cc) == ATTUNE_OK);
  attune_selector_options so;
  attune_selector_options_init(&so);
  so.seed = 99;
  attune_selector* cs = nullptr;
  REQUIRE(attune_selector_create(cc, &so, &cs) == ATTUNE_OK);
  attune_catalog_free(cc);
  size_t slot = 0;

  Rng world(4);
  for (uint64_t i = 0; i < 1500; ++i) {
    const CustomerContext c = customer(i);
    const std::vector<uint32_t> allowed = (i % 4 == 0) ? std::vector<uint32_t>{0, 1, 4} : std::vector<uint32_t>{0, 1, 2, 3, 4};
    const Decision d = cpp.decide("product_cta", c, allowed, static_cast<double>(i));
    attune_customer ac{};
    ac.struct_size = sizeof ac;
    for (size_t k = 0; k < 8; ++k) ac.states[k] = c.states[k];
    ac.intents = c.intents.data();
    ac.intent_count = c.intents.size();
    ac.features = c.features.data();
    ac.feature_count = c.features.size();
    attune_decision ad{};
    REQUIRE(attune_selector_decide(cs, "product_cta", &ac, allowed.data(), allowed.size(), static_cast<double>(i), &ad) == ATTUNE_OK);
    REQUIRE(ad.decision_id == d.id);
    REQUIRE(std::string(ad.decision_id_str) == d.id_string());
    REQUIRE(ad.variant == d.variant);
    REQUIRE(ad.propensity == d.propensity);
    const double r = world.uniform() < click_probability(c, d.variant) ? 1.0 : 0.0;
    cpp.reward(d.id, r, static_cast<double>(i) + 0.5);
    uint64_t parsed = 0;
    REQUIRE(attune_decision_id_parse(ad.decision_id_str, &parsed) == ATTUNE_OK);
    REQUIRE(attune_selector_reward(cs, parsed, r, static_cast<double>(i) + 0.5) == ATTUNE_OK);
    slot = ad.slot;
  }
  (void)slot;
  size_t needed = 0;
  REQUIRE(attune_selector_save(cs, nullptr, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  std::string bytes(needed, '\0');
  REQUIRE(attune_selector_save(cs, reinterpret_cast<uint8_t*>(&bytes[0]), bytes.size(), &needed) == ATTUNE_OK);
  REQUIRE(bytes == cpp.save());

  // Errors through the C ABI: codes and no state change.
  REQUIRE(attune_selector_reward(cs, 12345, 1.0, 0.0) == ATTUNE_E_NOT_FOUND);
  REQUIRE(std::string(attune_last_error()).find("unknown decision") != std::string::npos);
  const uint32_t bad_allowed[] = {7};
  attune_customer ac{};
  ac.struct_size = sizeof ac;
  double intents[2] = {0.5, 0.5}, feats[3] = {0, 0, 0};
  ac.intents = intents;
  ac.intent_count = 2;
  ac.features = feats;
  ac.feature_count = 3;
  attune_decision ad{};
  REQUIRE(attune_selector_decide(cs, "product_cta", &ac, bad_allowed, 1, 0.0, &ad) == ATTUNE_E_NOT_FOUND);
  REQUIRE(attune_selector_decide(cs, "nope", &ac, nullptr, 0, 0.0, &ad) == ATTUNE_E_NOT_FOUND);
  ac.states[0] = 2.0f;
  REQUIRE(attune_selector_decide(cs, "product_cta", &ac, nullptr, 0, 0.0, &ad) == ATTUNE_E_OUT_OF_RANGE);
  std::string again(needed, '\0');
  REQUIRE(attune_selector_save(cs, reinterpret_cast<uint8_t*>(&again[0]), again.size(), &needed) == ATTUNE_OK);
  REQUIRE(again == bytes);
  attune_selector_free(cs);

  // Policy handles: same stream through C and C++.
  PolicyOptions po;
  auto p = make_policy(po, 3, plain_variants(4));
  attune_policy_options co;
  attune_policy_options_init(&co);
  co.seed = 8;
  attune_policy* cp = nullptr;
  REQUIRE(attune_policy_create(&co, 3, 4, nullptr, 0, &cp) == ATTUNE_OK);
  Rng rng(8), w2(1);
  for (int i = 0; i < 500; ++i) {
    const double x[3] = {w2.uniform(), w2.uniform(), w2.normal()};
    const std::vector<uint32_t> all = {0, 1, 2, 3};
    const Choice c = p->choose(x, all, rng);
    attune_choice ch{};
    REQUIRE(attune_policy_choose(cp, x, 3, nullptr, 0, &ch) == ATTUNE_OK);
    REQUIRE(ch.variant == c.variant);
    REQUIRE(ch.propensity == c.propensity);
    const double r = x[c.variant % 3] > 0.5 ? 1.0 : 0.0;
    p->learn(x, c.variant, r, c.propensity);
    REQUIRE(attune_policy_learn(cp, x, 3, ch.variant, r, ch.propensity) == ATTUNE_OK);
  }
  const double x[3] = {0.1, 0.2, 0.3};
  REQUIRE(attune_policy_learn(cp, x, 3, 0, std::nan(""), 0.5) == ATTUNE_E_OUT_OF_RANGE);
  REQUIRE(attune_policy_learn(cp, x, 2, 0, 1.0, 0.5) == ATTUNE_E_INVALID_ARGUMENT);
  REQUIRE(attune_policy_save(cp, nullptr, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  std::string pb(needed, '\0');
  REQUIRE(attune_policy_save(cp, reinterpret_cast<uint8_t*>(&pb[0]), pb.size(), &needed) == ATTUNE_OK);
  REQUIRE(pb == p->save());
  attune_policy* loaded = nullptr;
  REQUIRE(attune_policy_load(reinterpret_cast<const uint8_t*>(pb.data()), pb.size(), 1, &loaded) == ATTUNE_OK);
  REQUIRE(attune_policy_load(reinterpret_cast<const uint8_t*>(pb.data()), pb.size() - 3, 1, &loaded) == ATTUNE_E_FORMAT);
  attune_policy_free(loaded);
  attune_policy_free(cp);
}
