/* The behaviour C ABI seen by a C99 host: events, session tracker, intent model. */
#include "attune.h"
#include "c_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char* kView =
    "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Product Viewed\","
    "\"properties\":{\"product_id\":\"p7\",\"price\":19.5},\"timestamp\":\"2026-11-28T10:00:00+01:00\"}";

static void test_events(void) {
  attune_event e;
  size_t needed = 0;
  char* buf;
  attune_event_init(&e);
  CHECK(e.struct_size == sizeof e);
  CHECK(isnan(e.price));
  CHECK(attune_event_parse(kView, strlen(kView), &e) == ATTUNE_OK);
  CHECK(e.kind == ATTUNE_EVENT_KIND_PRODUCT_VIEWED);
  CHECK(e.price == 19.5);
  CHECK(e.utc_offset_min == 60);
  CHECK(e.timestamp_ms == 1795856400000LL); /* 2026-11-28T09:00:00Z */
  CHECK(e.user_id == NULL);
  CHECK(attune_event_parse(kView, strlen(kView), NULL) == ATTUNE_OK);
  CHECK(attune_event_parse("{\"type\":\"track\"}", 16, NULL) == ATTUNE_E_OUT_OF_RANGE ||
        attune_event_parse("{\"type\":\"track\"}", 16, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strlen(attune_last_error()) > 0);
  CHECK(attune_event_parse("{oops", 5, NULL) == ATTUNE_E_PARSE);
  CHECK(attune_event_parse("{\"type\":\"track\",\"userId\":\"\xC3\x28\"}", 30, NULL) == ATTUNE_E_INVALID_UTF8);
  CHECK(attune_event_normalize(kView, strlen(kView), NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(needed > 10);
  buf = (char*)malloc(needed);
  CHECK(attune_event_normalize(kView, strlen(kView), buf, needed, &needed) == ATTUNE_OK);
  CHECK(strstr(buf, "\"product_id\":\"p7\"") != NULL);
  free(buf);
}

static void test_tracker_and_model(void) {
  attune_session_config cfg;
  attune_session_tracker* tr = NULL;
  attune_intent_model* model = NULL;
  attune_session_features f;
  attune_event e;
  int result = -1;
  double p = -1, p2 = -1;
  size_t needed = 0, size = 0;
  char* json;
  const char* page =
      "{\"type\":\"page\",\"userId\":\"u1\",\"category\":\"product\",\"properties\":{\"page_value\":12},"
      "\"timestamp\":\"2026-11-28T09:00:30Z\"}";

  attune_session_config_init(&cfg);
  CHECK(cfg.timeout_ms == 30 * 60 * 1000);
  cfg.timeout_ms = 0;
  CHECK(attune_session_tracker_create(&cfg, &tr) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(tr == NULL);
  CHECK(attune_session_tracker_create(NULL, &tr) == ATTUNE_OK);
  CHECK(attune_session_tracker_observe_json(tr, kView, strlen(kView), &result) == ATTUNE_OK);
  CHECK(result == ATTUNE_OBSERVED_NEW_SESSION);
  CHECK(attune_session_tracker_observe_json(tr, page, strlen(page), &result) == ATTUNE_OK);
  CHECK(result == ATTUNE_OBSERVED_CONTINUED);

  attune_event_init(&e);
  e.type = ATTUNE_EVENT_TRACK;
  e.user_id = "u1";
  e.name = "Product Added";
  e.product_id = "p7";
  e.timestamp_ms = 1795856400000LL + 90000;
  CHECK(attune_session_tracker_observe(tr, &e, &result) == ATTUNE_OK);
  e.user_id = NULL;
  CHECK(attune_session_tracker_observe(tr, &e, &result) == ATTUNE_E_INVALID_ARGUMENT);

  f.struct_size = sizeof f;
  CHECK(attune_session_tracker_features(tr, "u1", 2, -1, &f) == ATTUNE_OK);
  CHECK(f.product_related == 2); /* Product Viewed and a product page call 30 s apart: two views */
  CHECK(f.product_related_duration == 90.0);
  CHECK(f.page_values == 6.0); /* (0 default + 12) / 2 */
  CHECK(f.products_added == 1);
  CHECK(f.month == 11);
  CHECK(f.weekend);
  CHECK(attune_session_tracker_features(tr, "nobody", 6, -1, &f) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_session_tracker_size(tr, &size) == ATTUNE_OK && size == 1);

  CHECK(attune_intent_model_load_default(ATTUNE_INTENT_DEFAULT, &model) == ATTUNE_OK);
  CHECK(attune_session_tracker_features(tr, "u1", 2, -1, &f) == ATTUNE_OK);
  CHECK(attune_intent_model_predict(model, &f, &p) == ATTUNE_OK);
  CHECK(p >= 0.0 && p <= 1.0);
  CHECK(attune_intent_model_explain(model, &f, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  json = (char*)malloc(needed);
  CHECK(attune_intent_model_explain(model, &f, json, needed, &needed) == ATTUNE_OK);
  CHECK(strstr(json, "\"PageValues\"") != NULL);
  free(json);
  {
    double row[17] = {0, 0, 0, 0, 5, 300, 0.01, 0.02, 25, 0, 11, 2, 2, 1, 2, 1, 0};
    double nan_row[17] = {0, 0, 0, 0, 5, 300, 0.01, 0.02, 25, 0, 11, 2, 2, 1, 2, 1, 0};
    CHECK(attune_intent_model_predict_rows(model, row, 1, &p2) == ATTUNE_OK);
    CHECK(p2 > 0.0 && p2 < 1.0);
    nan_row[5] = NAN;
    CHECK(attune_intent_model_predict_rows(model, nan_row, 1, &p2) == ATTUNE_E_OUT_OF_RANGE);
  }
  f.visitor_type = 99;
  CHECK(attune_intent_model_predict(model, &f, &p) == ATTUNE_E_INVALID_ARGUMENT);
  attune_intent_model_free(model);
  /* A failed load sets the out-parameter to NULL, so the handle is released first. */
  CHECK(attune_intent_model_load_default(7, &model) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(model == NULL);
  CHECK(attune_intent_model_load("/nonexistent.attm", &model) == ATTUNE_E_IO);
  CHECK(model == NULL);
  CHECK(attune_intent_model_load_from_memory("garbage-bytes", 13, &model) == ATTUNE_E_FORMAT);

  CHECK(attune_session_tracker_erase(tr, "u1", 2) == ATTUNE_OK);
  CHECK(attune_session_tracker_erase(tr, "u1", 2) == ATTUNE_E_NOT_FOUND);
  attune_session_tracker_free(tr);
  attune_session_tracker_free(NULL);
  attune_intent_model_free(NULL);
}

int main(void) {
  test_events();
  test_tracker_and_model();
  return check_report();
}
