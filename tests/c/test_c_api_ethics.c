/* The consent and guardrail C ABI seen by a C99 host: includes only attune.h, links only libattune. */
#include "attune.h"
#include "c_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define T0 INT64_C(1700000000000)
#define HOUR INT64_C(3600000)

static void test_consent(void) {
  attune_consent_registry* reg = NULL;
  bool allowed = true, flag = false;
  size_t needed = 0;
  CHECK(attune_consent_registry_create(&reg) == ATTUNE_OK);
  CHECK(attune_consent_registry_allows(reg, "alice", 5, "emotion_inference", T0, &allowed) == ATTUNE_OK);
  CHECK(!allowed);
  CHECK(attune_consent_registry_grant(reg, "alice", 5, "emotion_inference", T0, T0 + HOUR, "banner", 6) == ATTUNE_OK);
  CHECK(attune_consent_registry_allows(reg, "alice", 5, "emotion_inference", T0 + HOUR - 1, &allowed) == ATTUNE_OK);
  CHECK(allowed);
  CHECK(attune_consent_registry_allows(reg, "alice", 5, "emotion_inference", T0 + HOUR, &allowed) == ATTUNE_OK);
  CHECK(!allowed); /* expiry instant is expired */
  /* Bad input: unknown purpose, expiry before grant, negative time, empty id, malformed UTF-8. */
  CHECK(attune_consent_registry_grant(reg, "alice", 5, "marketing", T0, ATTUNE_CONSENT_NO_EXPIRY, NULL, 0) ==
        ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "marketing") != NULL);
  CHECK(attune_consent_registry_grant(reg, "alice", 5, "profiling", T0, T0 - 1, NULL, 0) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_consent_registry_grant(reg, "alice", 5, "profiling", -7, ATTUNE_CONSENT_NO_EXPIRY, NULL, 0) ==
        ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_consent_registry_grant(reg, "", 0, "profiling", T0, ATTUNE_CONSENT_NO_EXPIRY, NULL, 0) ==
        ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_consent_registry_grant(reg, "a\xff", 2, "profiling", T0, ATTUNE_CONSENT_NO_EXPIRY, NULL, 0) ==
        ATTUNE_E_INVALID_UTF8);
  CHECK(attune_consent_registry_allows(reg, "alice", 5, "profiling", T0, &allowed) == ATTUNE_OK);
  CHECK(!allowed); /* none of the failed grants changed anything */

  CHECK(attune_consent_registry_grant(reg, "bob", 3, "personalization", T0, ATTUNE_CONSENT_NO_EXPIRY, NULL, 0) == ATTUNE_OK);
  CHECK(attune_consent_registry_revoke(reg, "bob", 3, "personalization", T0 + 5, "settings", 8, &flag) == ATTUNE_OK);
  CHECK(flag);
  CHECK(attune_consent_registry_allows(reg, "bob", 3, "personalization", T0 + 6, &allowed) == ATTUNE_OK);
  CHECK(!allowed);

  /* Record JSON, two-call. */
  CHECK(attune_consent_registry_record_json(reg, "bob", 3, T0 + 6, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  {
    char* buf = (char*)malloc(needed);
    CHECK(attune_consent_registry_record_json(reg, "bob", 3, T0 + 6, buf, needed, &needed) == ATTUNE_OK);
    CHECK(strstr(buf, "\"status\":\"revoked\"") != NULL);
    CHECK(strstr(buf, "\"source\":\"settings\"") != NULL);
    free(buf);
  }

  /* Serialize, deserialize into a fresh registry, compare answers. */
  CHECK(attune_consent_registry_serialize(reg, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  {
    uint8_t* bytes = (uint8_t*)malloc(needed);
    size_t size = needed;
    attune_consent_registry* copy = NULL;
    CHECK(attune_consent_registry_serialize(reg, bytes, size, &needed) == ATTUNE_OK);
    CHECK(attune_consent_registry_create(&copy) == ATTUNE_OK);
    CHECK(attune_consent_registry_deserialize(copy, bytes, size) == ATTUNE_OK);
    CHECK(attune_consent_registry_allows(copy, "alice", 5, "emotion_inference", T0 + 1, &allowed) == ATTUNE_OK);
    CHECK(allowed);
    bytes[size / 2] ^= 0x40; /* corrupt: rejected, registry unchanged */
    CHECK(attune_consent_registry_deserialize(copy, bytes, size) == ATTUNE_E_FORMAT);
    CHECK(attune_consent_registry_allows(copy, "alice", 5, "emotion_inference", T0 + 1, &allowed) == ATTUNE_OK);
    CHECK(allowed);
    CHECK(attune_consent_registry_forget(copy, "alice", 5, &flag) == ATTUNE_OK);
    CHECK(flag);
    CHECK(attune_consent_registry_allows(copy, "alice", 5, "emotion_inference", T0 + 1, &allowed) == ATTUNE_OK);
    CHECK(!allowed);
    attune_consent_registry_free(copy);
    free(bytes);
  }
  CHECK(attune_consent_registry_allows(NULL, "x", 1, "profiling", T0, &allowed) == ATTUNE_E_INVALID_ARGUMENT);
  attune_consent_registry_free(reg);
  attune_consent_registry_free(NULL);
}

static void test_guardrails(void) {
  attune_guardrails* g = NULL;
  attune_guardrail_context ctx;
  attune_guardrail_outcome outcome;
  const char* t_urgent[] = {"urgency", "sales"};
  const char* t_scarce[] = {"Scarcity"};
  const char* t_calm[] = {"non_sales", "calming"};
  attune_guardrail_candidate cands[3];
  float states[8] = {0, 0.8f, 0, 0, 0, 0, 0, 0}; /* anxiety 0.8 */
  uint8_t allowed[3] = {9, 9, 9};
  size_t needed = 0, count = 0;
  const char* bad_rules = "{\"version\": 1, \"rules\": [{\"id\": \"r\", \"kind\": \"frequency_cap\", \"window_hours\": 1}]}";

  CHECK(attune_guardrails_load(NULL, &g) == ATTUNE_OK);
  CHECK(attune_guardrails_rule_count(g, &count) == ATTUNE_OK);
  CHECK(count >= 4);
  cands[0].id = "buy_now"; cands[0].tags = t_urgent; cands[0].tag_count = 2;
  cands[1].id = "last_3"; cands[1].tags = t_scarce; cands[1].tag_count = 1;
  cands[2].id = "help"; cands[2].tags = t_calm; cands[2].tag_count = 2;
  attune_guardrail_context_init(&ctx);
  attune_guardrail_outcome_init(&outcome);
  ctx.slot = "product_cta";
  ctx.states = states;
  ctx.now_ms = T0;
  /* Mask only, no JSON. */
  CHECK(attune_guardrails_evaluate(g, &ctx, cands, 3, allowed, &outcome, NULL, 0, NULL) == ATTUNE_OK);
  CHECK(allowed[0] == 0 && allowed[1] == 0 && allowed[2] == 1);
  CHECK(outcome.allowed_count == 1);
  CHECK(outcome.fired_count == 1);
  CHECK(outcome.use_emotion);
  CHECK(!outcome.fallback_to_default);
  /* Result JSON, two-call: the first call writes nothing else. */
  memset(allowed, 9, sizeof allowed);
  CHECK(attune_guardrails_evaluate(g, &ctx, cands, 3, allowed, &outcome, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(allowed[0] == 9);
  {
    char* buf = (char*)malloc(needed);
    CHECK(attune_guardrails_evaluate(g, &ctx, cands, 3, allowed, &outcome, buf, needed, &needed) == ATTUNE_OK);
    CHECK(strstr(buf, "\"id\":\"no_pressure_when_anxious\"") != NULL);
    CHECK(strstr(buf, "\"masked\":[\"buy_now\",\"last_3\"]") != NULL);
    free(buf);
  }
  /* Price slot: emotion off. */
  {
    const char* price[] = {"price"};
    ctx.slot_tags = price;
    ctx.slot_tag_count = 1;
    CHECK(attune_guardrails_evaluate(g, &ctx, cands, 3, allowed, &outcome, NULL, 0, NULL) == ATTUNE_OK);
    CHECK(!outcome.use_emotion);
    ctx.slot_tag_count = 0;
    ctx.slot_tags = NULL;
  }
  /* NaN-free but out-of-range state is rejected. */
  states[1] = 1.5f;
  CHECK(attune_guardrails_evaluate(g, &ctx, cands, 3, allowed, &outcome, NULL, 0, NULL) == ATTUNE_E_OUT_OF_RANGE);
  states[1] = 0.8f;
  /* JSON request. */
  {
    const char* req = "{\"now_ms\": 1700000000000, \"states\": {\"anxiety\": 0.9},"
                      " \"candidates\": [{\"id\": \"a\", \"tags\": [\"urgency\"]}, {\"id\": \"b\", \"tags\": []}]}";
    char buf[2048];
    CHECK(attune_guardrails_evaluate_json(g, req, strlen(req), buf, sizeof buf, &needed) == ATTUNE_OK);
    CHECK(strstr(buf, "\"allowed\":[\"b\"]") != NULL);
  }
  attune_guardrails_free(g);
  g = NULL;
  CHECK(attune_guardrails_from_json(bad_rules, strlen(bad_rules), &g) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "/rules/0/max_decisions") != NULL);
  CHECK(g == NULL);
  CHECK(attune_guardrails_from_json("{", 1, &g) == ATTUNE_E_PARSE);
  attune_guardrails_free(NULL);
}

int main(void) {
  test_consent();
  test_guardrails();
  return check_report();
}
