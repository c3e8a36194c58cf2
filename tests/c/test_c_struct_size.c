/* The struct_size rule of attune.h from an "older caller": a host compiled against an earlier
 * attune.h passes a struct that ends before the fields added later. The library must fill what
 * that struct has, write nothing past struct_size, and refuse a struct too small to hold the
 * fields every version had. Each older struct is followed by sentinel bytes that must survive. */
#include "attune.h"
#include "c_check.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>


#define SENTINEL 0xA5
static int untouched(const unsigned char* bytes, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (bytes[i] != SENTINEL) return 0;
  return 1;
}

/* attune_engine_decision as version 0.1 callers without the adapted/emotion_used/review flags
 * would have declared it. */
typedef struct older_decision {
  uint32_t struct_size;
  char decision_id[17];
  char variant_id[65];
  double propensity;
} older_decision;

/* attune_session_features up to `weekend`: the 17 UCI fields an intent model reads. */
typedef struct older_features {
  uint32_t struct_size;
  double administrative, administrative_duration;
  double informational, informational_duration;
  double product_related, product_related_duration;
  double bounce_rates, exit_rates, page_values, special_day;
  int32_t month;
  int32_t operating_systems, browser, region, traffic_type;
  int32_t visitor_type;
  bool weekend;
} older_features;

static void older_engine_decision(void) {
  struct {
    older_decision d;
    unsigned char sentinel[64];
  } buf;
  attune_engine* e = NULL;
  const int64_t t = 1780000000000LL;
  CHECK(attune_engine_create("{}", 2, &e) == ATTUNE_OK);
  CHECK(attune_engine_consent(e, "c1", "personalization", true, t, -1, NULL) == ATTUNE_OK);

  memset(&buf, SENTINEL, sizeof buf);
  buf.d.struct_size = (uint32_t)sizeof(older_decision);
  CHECK(attune_engine_decide(e, "c1", "product_cta", t + 1, NULL, NULL, 0, (attune_engine_decision*)(void*)&buf.d,
                             NULL) == ATTUNE_OK);
  CHECK(buf.d.struct_size == sizeof(older_decision)); /* the caller's size is kept */
  CHECK(strlen(buf.d.decision_id) == 16);
  CHECK(buf.d.variant_id[0] != '\0' && memchr(buf.d.variant_id, '\0', sizeof buf.d.variant_id) != NULL);
  CHECK(buf.d.propensity > 0.0 && buf.d.propensity <= 1.0);
  CHECK(untouched(buf.sentinel, sizeof buf.sentinel));
  CHECK(attune_engine_reward(e, buf.d.decision_id, 1.0, t + 2) == ATTUNE_OK);

  /* Smaller than what every version had (no propensity): refused, nothing written. */
  memset(&buf, SENTINEL, sizeof buf);
  buf.d.struct_size = (uint32_t)offsetof(older_decision, propensity);
  CHECK(attune_engine_decide(e, "c1", "product_cta", t + 3, NULL, NULL, 0, (attune_engine_decision*)(void*)&buf.d,
                             NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "struct_size") != NULL);
  CHECK(untouched((const unsigned char*)&buf.d + sizeof(uint32_t), sizeof buf - sizeof(uint32_t)));
  attune_engine_free(e);
}

static void older_session_features(void) {
  static const char* view =
      "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Product Viewed\","
      "\"properties\":{\"product_id\":\"p7\",\"price\":19.5},\"timestamp\":\"2026-11-28T10:00:00+01:00\"}";
  struct {
    older_features f;
    unsigned char sentinel[64];
  } buf;
  attune_session_features current;
  attune_session_tracker* tr = NULL;
  int result = 0;
  CHECK(attune_session_tracker_create(NULL, &tr) == ATTUNE_OK);
  CHECK(attune_session_tracker_observe_json(tr, view, strlen(view), &result) == ATTUNE_OK);

  memset(&buf, SENTINEL, sizeof buf);
  buf.f.struct_size = (uint32_t)sizeof(older_features);
  CHECK(attune_session_tracker_features(tr, "u1", 2, -1, (attune_session_features*)(void*)&buf.f) == ATTUNE_OK);
  CHECK(buf.f.struct_size == sizeof(older_features));
  CHECK(buf.f.product_related == 1.0);
  CHECK(buf.f.month == 11);
  CHECK(untouched(buf.sentinel, sizeof buf.sentinel));

  /* The same fields as a current caller sees them. */
  memset(&current, 0, sizeof current);
  current.struct_size = (uint32_t)sizeof current;
  CHECK(attune_session_tracker_features(tr, "u1", 2, -1, &current) == ATTUNE_OK);
  CHECK(current.product_related == buf.f.product_related && current.month == buf.f.month);
  CHECK(current.events == 1);

  /* Too small for the UCI fields: refused, nothing written. */
  memset(&buf, SENTINEL, sizeof buf);
  buf.f.struct_size = (uint32_t)offsetof(older_features, month);
  CHECK(attune_session_tracker_features(tr, "u1", 2, -1, (attune_session_features*)(void*)&buf.f) ==
        ATTUNE_E_INVALID_ARGUMENT);
  CHECK(untouched((const unsigned char*)&buf.f + sizeof(uint32_t), sizeof buf - sizeof(uint32_t)));
  attune_session_tracker_free(tr);
}

int main(void) {
  older_engine_decision();
  older_session_features();
  return check_report();
}
