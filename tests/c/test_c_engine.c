/* The engine's C ABI from a C99 host: error paths, typed decisions, rewards, consent. */
#include "attune.h"
#include "c_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


int main(void) {
  attune_engine* e = NULL;
  attune_engine_decision d;
  char* json = NULL;
  const int64_t t = 1780000000000LL;
  const char* text = "I'm really worried and nervous about this payment, I'm scared it will fail again";
  size_t needed = 0;
  char bytes[4096];

  /* Bad configurations: error code, message, no handle. */
  CHECK(attune_engine_create("{\"mode\":\"loud\"}", 15, &e) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strstr(attune_last_error(), "/mode") != NULL);
  CHECK(e == NULL);
  CHECK(attune_engine_create("{oops", 5, &e) == ATTUNE_E_PARSE);
  CHECK(attune_engine_create("{}", 2, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  attune_engine_free(NULL);
  attune_string_free(NULL);

  {
    /* A numeric cue from another modality (erratic typing) reinforces the anxiety of the text. */
    const char* config = "{\"signals\":{\"typing_erratic\":{\"state\":\"anxiety\",\"weight\":1.5}}}";
    CHECK(attune_engine_create(config, strlen(config), &e) == ATTUNE_OK);
  }
  CHECK(e != NULL);
  CHECK(attune_engine_consent(e, "c1", "emotion_inference", true, t, -1, NULL) == ATTUNE_OK);
  CHECK(attune_engine_consent(e, "c1", "personalization", true, t, -1, "test") == ATTUNE_OK);
  CHECK(attune_engine_consent(e, "c1", "marketing", true, t, -1, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_engine_consent(NULL, "c1", "profiling", true, t, -1, NULL) == ATTUNE_E_INVALID_ARGUMENT);

  CHECK(attune_engine_observe_text(e, "c1", "chat", text, strlen(text), t + 1, &json) == ATTUNE_OK);
  CHECK(json != NULL && strstr(json, "\"emotion_used\":true") != NULL);
  attune_string_free(json);
  json = NULL;
  CHECK(attune_engine_observe_text(e, "c1", "fax", text, strlen(text), t + 1, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_engine_observe_text(e, "c1", "chat", "\xC0\xAF", 2, t + 1, NULL) == ATTUNE_E_INVALID_UTF8);
  CHECK(attune_engine_observe_text(e, "c1", "chat", NULL, 4, t + 1, NULL) == ATTUNE_E_INVALID_ARGUMENT);

  CHECK(attune_engine_observe_signal(e, "c1", "web", "typing_erratic", 0.9, t + 1) == ATTUNE_OK);
  CHECK(attune_engine_observe_signal(e, "c1", "web", "typing_erratic", NAN, t + 1) == ATTUNE_E_OUT_OF_RANGE);
  attune_engine_decision_init(&d);
  CHECK(attune_engine_decide(e, "c1", "product_cta", t + 2, NULL, NULL, 0, &d, &json) == ATTUNE_OK);
  CHECK(strlen(d.decision_id) == 16);
  CHECK(strcmp(d.variant_id, "few_left") != 0); /* anxious: no urgency */
  CHECK(d.propensity > 0.0 && d.propensity <= 1.0);
  CHECK(json != NULL && strstr(json, "no_pressure_when_anxious") != NULL);
  attune_string_free(json);
  {
    const char* names[] = {"is_mobile"};
    const double values[] = {NAN};
    attune_engine_decision d2;
    attune_engine_decision_init(&d2);
    CHECK(attune_engine_decide(e, "c1", "product_cta", t + 3, names, values, 1, &d2, NULL) == ATTUNE_E_OUT_OF_RANGE);
    CHECK(attune_engine_decide(e, "c1", "no_slot", t + 3, NULL, NULL, 0, &d2, NULL) == ATTUNE_E_NOT_FOUND);
    CHECK(attune_engine_decide(e, "c1", "product_cta", t + 3, NULL, NULL, 2, &d2, NULL) == ATTUNE_E_INVALID_ARGUMENT);
    d2.struct_size = 4; /* a caller that never initialized the struct */
    CHECK(attune_engine_decide(e, "c1", "product_cta", t + 3, NULL, NULL, 0, &d2, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  }

  CHECK(attune_engine_reward(e, d.decision_id, NAN, t + 4) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_engine_reward(e, d.decision_id, 2.0, t + 4) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(attune_engine_reward(e, "0000000000000001", 1.0, t + 4) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_engine_reward(e, d.decision_id, 1.0, t + 4) == ATTUNE_OK);
  CHECK(attune_engine_reward(e, d.decision_id, 1.0, t + 5) == ATTUNE_E_DUPLICATE);

  CHECK(attune_engine_correct(e, "c1", "o-unknown", "[\"fear\"]", t + 6) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_engine_correct(e, "c1", "o-unknown", "not json", t + 6) == ATTUNE_E_PARSE);

  CHECK(attune_engine_export_profile(e, "c1", NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(needed > 0 && needed <= sizeof bytes);
  CHECK(attune_engine_export_profile(e, "c1", bytes, sizeof bytes, &needed) == ATTUNE_OK);
  CHECK(attune_engine_import_profile(e, bytes, needed, t + 7) == ATTUNE_OK);
  CHECK(attune_engine_import_profile(e, "junk", 4, t + 7) != ATTUNE_OK);

  CHECK(attune_engine_profile(e, "c1", t + 8, &json) == ATTUNE_OK);
  CHECK(json != NULL && strstr(json, "\"rewards\":1") != NULL);
  attune_string_free(json);
  CHECK(attune_engine_forget(e, "c1", t + 9, false) == ATTUNE_OK);
  CHECK(attune_engine_profile(e, "c1", t + 10, &json) == ATTUNE_OK);
  CHECK(json != NULL && strstr(json, "\"exists\":false") != NULL);
  attune_string_free(json);
  CHECK(attune_engine_snapshot(e) == ATTUNE_OK);
  attune_engine_free(e);
  return check_report();
}
