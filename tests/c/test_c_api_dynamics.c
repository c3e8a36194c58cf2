/* The behaviour-dynamics C ABI seen by a C99 host: includes only attune.h, links only libattune. */
#include "attune.h"
#include "c_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void test_baseline(void) {
  attune_baseline* b = NULL;
  attune_baseline* c = NULL;
  attune_baseline_stats st;
  double z = 0, z2 = 0;
  size_t needed = 0;
  uint8_t buf[128];
  int i;
  CHECK(attune_baseline_create(0, &b) == ATTUNE_OK);
  for (i = 0; i < 20; ++i) CHECK(attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, 15.0 + i % 4, 1000.0 + 30 * i) == ATTUNE_OK);
  CHECK(attune_baseline_z(b, ATTUNE_SIGNAL_DWELL, 240.0, &z) == ATTUNE_OK);
  CHECK(z > 2.0);
  CHECK(attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, NAN, 5000.0) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(strlen(attune_last_error()) > 0);
  CHECK(attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, -2.0, 5000.0) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, 2.0, 10.0) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_baseline_observe(b, 42, 2.0, 6000.0) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_baseline_stats_get(b, ATTUNE_SIGNAL_DWELL, &st) == ATTUNE_OK);
  CHECK(st.weight > 19.9 && st.weight < 20.1);
  CHECK(attune_baseline_serialize(b, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(needed == 66);
  CHECK(attune_baseline_serialize(b, buf, sizeof buf, &needed) == ATTUNE_OK);
  CHECK(attune_baseline_deserialize(buf, needed, &c) == ATTUNE_OK);
  CHECK(attune_baseline_z(c, ATTUNE_SIGNAL_DWELL, 240.0, &z2) == ATTUNE_OK);
  CHECK(z == z2);
  buf[0] = 'Z';
  attune_baseline_free(c);
  c = NULL;
  CHECK(attune_baseline_deserialize(buf, needed, &c) == ATTUNE_E_FORMAT);
  CHECK(c == NULL);
  attune_baseline_free(b);
  attune_baseline_free(NULL);
}

static void test_hesitation(void) {
  attune_baseline* b = NULL;
  attune_hesitation_detector* d = NULL;
  attune_hesitation_score s;
  char json[1024];
  size_t needed = 0;
  int i;
  CHECK(attune_baseline_create(0, &b) == ATTUNE_OK);
  for (i = 0; i < 20; ++i) attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, 20.0, 100.0 * i);
  CHECK(attune_hesitation_detector_create(0, &d) == ATTUNE_OK);
  CHECK(attune_hesitation_detector_observe_product_view(d, "sku-7", 5, 240.0, 5000.0, b) == ATTUNE_OK);
  CHECK(attune_hesitation_detector_score(d, &s) == ATTUNE_OK);
  CHECK(s.score > 0.6f && s.score <= 1.0f);
  CHECK(s.reason_count >= 1);
  CHECK(attune_hesitation_detector_explain(d, json, sizeof json, &needed) == ATTUNE_OK);
  CHECK(strstr(json, "long_dwell") != NULL);
  CHECK(attune_hesitation_detector_observe_product_view(d, "sku-7", 5, -1.0, 6000.0, b) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_hesitation_detector_observe_product_view(d, "sku-7", 5, 1.0, 10.0, b) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_hesitation_detector_observe_page(d, 9, 6000.0) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_hesitation_detector_observe_add_to_cart(d, "sku-7", 5, 5010.0) == ATTUNE_OK);
  CHECK(attune_hesitation_detector_score(d, &s) == ATTUNE_OK);
  CHECK(s.score < 0.1f);
  attune_hesitation_detector_free(d);
  attune_baseline_free(b);
}

static void test_engagement(void) {
  attune_engagement_options o;
  attune_engagement_monitor* m = NULL;
  attune_engagement_status st;
  int d, alarm = -1;
  attune_engagement_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.warmup_days == 28);
  CHECK(attune_engagement_monitor_create(&o, &m) == ATTUNE_OK);
  for (d = 0; d < 100; ++d) {
    double v = (d < 70 ? 200.0 : 150.0) + (d % 7 == 6 ? -20.0 : 0.0) + (d % 3);
    CHECK(attune_engagement_monitor_observe_day(m, d, v) == ATTUNE_OK);
    CHECK(attune_engagement_monitor_status(m, &st) == ATTUNE_OK);
    if (st.detached && alarm < 0) alarm = d;
  }
  CHECK(alarm >= 70 && alarm < 77);
  CHECK(attune_engagement_monitor_observe_day(m, 50, 1.0) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_engagement_monitor_observe_day(m, 200, NAN) == ATTUNE_E_OUT_OF_RANGE);
  o.min_drop = 2.0f;
  attune_engagement_monitor_free(m);
  m = NULL;
  CHECK(attune_engagement_monitor_create(&o, &m) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(m == NULL);
}

static void test_transitions(void) {
  attune_state_transitions* t = NULL;
  const char* seq[] = {"frustration", "detachment"};
  const char* bad[] = {"frustration", "grumpy"};
  float row[ATTUNE_STATE_COUNT], prev[ATTUNE_STATE_COUNT] = {0}, cur[ATTUNE_STATE_COUNT] = {0};
  attune_churn_risk r;
  char json[4096];
  size_t needed = 0;
  int i;
  float sum = 0;
  CHECK(attune_state_transitions_create(0, &t) == ATTUNE_OK);
  for (i = 0; i < 20; ++i) CHECK(attune_state_transitions_observe_names(t, seq, 2) == ATTUNE_OK);
  CHECK(attune_state_transitions_observe_names(t, bad, 2) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_state_transitions_predict(t, ATTUNE_STATE_FRUSTRATION, row) == ATTUNE_OK);
  for (i = 0; i < ATTUNE_STATE_COUNT; ++i) sum += row[i];
  CHECK(fabsf(sum - 1.0f) < 1e-4f);
  CHECK(row[ATTUNE_STATE_DETACHMENT] > 0.7f);
  CHECK(attune_state_transitions_predict(t, 99, row) == ATTUNE_E_OUT_OF_RANGE);
  prev[ATTUNE_STATE_FRUSTRATION] = 0.8f;
  cur[ATTUNE_STATE_FRUSTRATION] = 0.6f;
  CHECK(attune_state_transitions_churn_risk(t, prev, cur, &r) == ATTUNE_OK);
  CHECK(r.flagged);
  CHECK(attune_state_transitions_to_json(t, json, sizeof json, &needed) == ATTUNE_OK);
  CHECK(strstr(json, "\"probabilities\"") != NULL);
  attune_state_transitions_free(t);
}

static void test_turn_risk(void) {
  attune_turn_risk_model* m = NULL;
  attune_dialogue_turn turns[2];
  float p_bad = 0, p_ok = 0;
  char json[2048];
  size_t needed = 0;
  CHECK(attune_turn_risk_model_create(&m) == ATTUNE_OK);
  turns[0].text = "Book a table for two.";
  turns[0].text_len = strlen(turns[0].text);
  turns[0].customer = true;
  turns[1].text = "Sorry, I couldn't make the reservation.";
  turns[1].text_len = strlen(turns[1].text);
  turns[1].customer = false;
  CHECK(attune_turn_risk_predict(m, turns, 2, &p_bad) == ATTUNE_OK);
  turns[1].text = "Done! Enjoy your dinner.";
  turns[1].text_len = strlen(turns[1].text);
  CHECK(attune_turn_risk_predict(m, turns, 2, &p_ok) == ATTUNE_OK);
  CHECK(p_bad > p_ok);
  CHECK(attune_turn_risk_explain(m, turns, 2, json, sizeof json, &needed) == ATTUNE_OK);
  CHECK(strstr(json, "probability") != NULL);
  turns[1].text = "\xC3";
  turns[1].text_len = 1;
  CHECK(attune_turn_risk_predict(m, turns, 2, &p_ok) == ATTUNE_E_INVALID_UTF8);
  CHECK(attune_turn_risk_predict(m, NULL, 0, &p_ok) == ATTUNE_OK);
  attune_turn_risk_model_free(m);
}

static void test_next_best_action(void) {
  attune_next_best_action* t = NULL;
  float state[ATTUNE_STATE_COUNT] = {0};
  char* json;
  size_t needed = 0;
  const char* bad = "{\"format\":\"attune.next_best_action\",\"version\":1,\"actions\":{\"a\":{\"label\":\"A\"}},"
                    "\"rules\":[{\"id\":\"r\",\"when\":{\"state\":\"grumpy\"},\"actions\":[\"a\"],\"reason\":\"x\"}]}";
  char path[1024];
  const char* src = getenv("ATTUNE_SOURCE_DIR");
  if (src) {
    snprintf(path, sizeof path, "%s/models/next_best_action.json", src);
    CHECK(attune_next_best_action_load(path, &t) == ATTUNE_OK);
  } else {
    CHECK(attune_next_best_action_load(NULL, &t) == ATTUNE_OK);
  }
  state[ATTUNE_STATE_FRUSTRATION] = 0.7f;
  CHECK(attune_next_best_action_recommend(t, state, ATTUNE_RISK_CHURN, 0, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  json = (char*)malloc(needed);
  CHECK(attune_next_best_action_recommend(t, state, ATTUNE_RISK_CHURN, 0, json, needed, &needed) == ATTUNE_OK);
  CHECK(strstr(json, "empathetic_check_in_email") != NULL);
  free(json);
  CHECK(attune_next_best_action_recommend(t, state, 0x80u, 0, NULL, 0, &needed) == ATTUNE_E_INVALID_ARGUMENT);
  attune_next_best_action_free(t);
  t = NULL;
  CHECK(attune_next_best_action_from_json(bad, strlen(bad), &t) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "grumpy") != NULL);
  CHECK(attune_next_best_action_from_json("{oops", 5, &t) == ATTUNE_E_PARSE);
}

int main(void) {
  test_baseline();
  test_hesitation();
  test_engagement();
  test_transitions();
  test_turn_risk();
  test_next_best_action();
  return check_report();
}
