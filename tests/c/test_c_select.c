/* The selection C ABI seen by a C99 host: catalog from JSON, selector decide/reward, errors,
 * save/load/merge, policy handles. Includes only attune.h, links only libattune. */
#include "attune.h"
#include "c_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char* kCatalog =
    "{\"context\":{\"intents\":[\"purchase\"],\"features\":[]},"
    "\"slots\":[{\"id\":\"cta\",\"variants\":["
    "{\"id\":\"buy_now\",\"text\":\"Buy Now\",\"safe_default\":true,\"attributes\":{\"tone\":\"direct\"}},"
    "{\"id\":\"explore\",\"text\":\"Explore Options\",\"attributes\":{\"tone\":\"gentle\"},\"tags\":[\"calming\"]},"
    "{\"id\":\"few_left\",\"text\":\"Only 3 left\",\"attributes\":{\"tone\":\"urgent\"},\"tags\":[\"scarcity\",\"urgency\"]}]}]}";

static void test_catalog_errors(void) {
  attune_catalog* c = NULL;
  const char* bad = "{\"slots\":[{\"id\":\"s\",\"variants\":[{\"id\":\"a\",\"safe_default\":true,\"colour\":1}]}]}";
  CHECK(attune_catalog_from_json(bad, strlen(bad), &c) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "/slots/0/variants/0/colour") != NULL);
  CHECK(c == NULL);
  CHECK(attune_catalog_from_json("{", 1, &c) == ATTUNE_E_PARSE);
  CHECK(attune_catalog_load("/nonexistent/catalog.json", &c) == ATTUNE_E_IO);
  attune_catalog_free(NULL);
}

static void test_selector(void) {
  attune_catalog* c = NULL;
  attune_selector_options o;
  attune_selector* s = NULL;
  attune_selector* s2 = NULL;
  attune_customer cust;
  attune_decision d;
  double intents[1] = {0.8};
  uint32_t allowed[2] = {0, 1};
  size_t n = 0, needed = 0, slot = 99, i;
  uint8_t* bytes;
  double expected_sum = 0.0;

  CHECK(attune_catalog_from_json(kCatalog, strlen(kCatalog), &c) == ATTUNE_OK);
  CHECK(attune_catalog_slot_count(c, &n) == ATTUNE_OK && n == 1);
  CHECK(attune_catalog_slot_index(c, "cta", &slot) == ATTUNE_OK && slot == 0);
  CHECK(attune_catalog_slot_index(c, "nope", &slot) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_catalog_variant_count(c, 0, &n) == ATTUNE_OK && n == 3);
  CHECK(attune_catalog_variant_index(c, 0, "few_left", &n) == ATTUNE_OK && n == 2);
  CHECK(attune_catalog_safe_default(c, 0, &n) == ATTUNE_OK && n == 0);
  CHECK(attune_catalog_context_dim(c, &n) == ATTUNE_OK && n == 9);
  {
    char id[32];
    CHECK(attune_catalog_variant_id(c, 0, 1, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL && needed == 8);
    CHECK(attune_catalog_variant_id(c, 0, 1, id, sizeof id, &needed) == ATTUNE_OK && strcmp(id, "explore") == 0);
  }

  attune_selector_options_init(&o);
  o.seed = 3;
  o.pending_ttl_s = 100.0;
  CHECK(attune_selector_create(c, &o, &s) == ATTUNE_OK);
  CHECK(attune_selector_create(c, &o, &s2) == ATTUNE_OK);
  attune_catalog_free(c);

  memset(&cust, 0, sizeof cust);
  cust.struct_size = sizeof cust;
  cust.states[1] = 0.9f; /* anxiety */
  cust.intents = intents;
  cust.intent_count = 1;
  for (i = 0; i < 300; ++i) {
    CHECK(attune_selector_decide(s, "cta", &cust, allowed, 2, (double)i, &d) == ATTUNE_OK);
    CHECK(d.variant == 0 || d.variant == 1);
    CHECK(d.propensity > 0.0 && d.propensity <= 1.0);
    CHECK(strlen(d.decision_id_str) == 16);
    CHECK(attune_selector_reward(s, d.decision_id, d.variant == 1 ? 1.0 : 0.0, (double)i + 0.5) == ATTUNE_OK);
    expected_sum += d.expected_reward;
  }
  CHECK(expected_sum > 0.0);
  /* reward errors */
  CHECK(attune_selector_reward(s, d.decision_id, 1.0, 301.0) == ATTUNE_E_DUPLICATE);
  CHECK(attune_selector_reward(s, 42, 1.0, 301.0) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_selector_decide(s, "cta", &cust, NULL, 0, 302.0, &d) == ATTUNE_OK);
  CHECK(attune_selector_reward(s, d.decision_id, NAN, 303.0) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_selector_reward(s, d.decision_id, 2.0, 303.0) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_selector_reward(s, d.decision_id, 1.0, 1000.0) == ATTUNE_E_NOT_FOUND); /* expired */
  CHECK(attune_selector_expire(s, 1000.0, &n) == ATTUNE_OK);
  CHECK(attune_selector_pending(s, &n) == ATTUNE_OK && n == 0);
  CHECK(attune_selector_decide(s, "cta", &cust, allowed, 0, 0.0, &d) == ATTUNE_E_INVALID_ARGUMENT);

  /* save -> load into a fresh selector */
  CHECK(attune_selector_save(s, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  bytes = (uint8_t*)malloc(needed);
  CHECK(attune_selector_save(s, bytes, needed, &needed) == ATTUNE_OK);
  CHECK(attune_selector_load(s2, bytes, needed) == ATTUNE_OK);
  CHECK(attune_selector_load(s2, bytes, needed / 2) == ATTUNE_E_FORMAT);
  CHECK(attune_selector_merge(s2, s, NULL) == ATTUNE_OK);
  free(bytes);
  attune_selector_free(s);
  attune_selector_free(s2);
  attune_selector_free(NULL);
}

static void test_policy(void) {
  attune_policy_options o;
  attune_policy* p = NULL;
  attune_choice ch;
  double x[4] = {0.1, 0.5, 0.2, 1.0};
  double probs[3];
  uint32_t allowed[3] = {2, 0, 1};
  uint64_t updates = 0;
  int i;
  attune_policy_options_init(&o);
  o.kind = ATTUNE_POLICY_EPSILON_GREEDY;
  o.seed = 1;
  CHECK(attune_policy_create(&o, 4, 3, NULL, 0, &p) == ATTUNE_OK);
  for (i = 0; i < 100; ++i) {
    CHECK(attune_policy_choose(p, x, 4, allowed, 3, &ch) == ATTUNE_OK);
    CHECK(attune_policy_learn(p, x, 4, ch.variant, ch.variant == 2 ? 1.0 : 0.0, ch.propensity) == ATTUNE_OK);
  }
  CHECK(attune_policy_probabilities(p, x, 4, allowed, 3, probs, 3) == ATTUNE_OK);
  CHECK(probs[0] + probs[1] + probs[2] - 1.0 < 1e-12 && probs[0] + probs[1] + probs[2] - 1.0 > -1e-12);
  CHECK(probs[0] > 0.9);
  CHECK(attune_policy_updates(p, &updates) == ATTUNE_OK && updates == 100);
  o.kind = 17;
  {
    attune_policy* q = NULL;
    CHECK(attune_policy_create(&o, 4, 3, NULL, 0, &q) == ATTUNE_E_INVALID_ARGUMENT);
    CHECK(q == NULL);
  }
  attune_policy_free(p);
}

int main(void) {
  test_catalog_errors();
  test_selector();
  test_policy();
  return check_report();
}
