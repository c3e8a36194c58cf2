/* A CRM backend calling attune through its C ABI: a support ticket arrives, the engine reads how
 * the customer feels, chooses the follow-up message, and learns whether it helped.
 * Build: cc -std=c99 crm_backend.c -I<include> -L<lib> -lattune
 * Run:   ./crm_backend [STATE_DIR]   (default: in-memory) */
#include "attune.h"

#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                                 \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != ATTUNE_OK) {                                                         \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, attune_status_string(rc_),    \
              attune_last_error());                                                 \
      attune_engine_free(engine);                                                   \
      return 1;                                                                     \
    }                                                                               \
  } while (0)

int main(int argc, char** argv) {
  attune_engine* engine = NULL;
  char config[1024];
  const int64_t now = 1780000000000LL; /* the CRM's clock, ms since epoch */
  const char* ticket = "My order arrived damaged and nobody has replied for four days. I'm really upset.";
  char* observation = NULL;
  char* explanation = NULL;
  char* profile = NULL;
  attune_engine_decision decision;

  if (argc > 1) snprintf(config, sizeof config, "{\"state_dir\": \"%s\", \"audit\": {\"path\": \"audit.jsonl\"}}", argv[1]);
  else snprintf(config, sizeof config, "{}");
  printf("attune %s (header %d)\n", attune_version(), ATTUNE_VERSION_NUMBER);
  CHECK(attune_engine_create(config, strlen(config), &engine));

  /* The customer agreed to emotion-aware support and personalization when signing up. */
  CHECK(attune_engine_consent(engine, "cust-4711", "emotion_inference", true, now, -1, "crm_signup"));
  CHECK(attune_engine_consent(engine, "cust-4711", "personalization", true, now, -1, "crm_signup"));

  CHECK(attune_engine_observe_text(engine, "cust-4711", "email", ticket, strlen(ticket), now + 1000, &observation));
  printf("ticket read: %s\n", observation);

  attune_engine_decision_init(&decision);
  CHECK(attune_engine_decide(engine, "cust-4711", "follow_up", now + 2000, NULL, NULL, 0, &decision, &explanation));
  printf("follow-up: %s (p=%.2f, emotion used: %s)\nexplanation: %s\n", decision.variant_id, decision.propensity,
         decision.emotion_used ? "yes" : "no", explanation);

  /* Two days later the customer replied positively: reward 1. A second reward is refused. */
  CHECK(attune_engine_reward(engine, decision.decision_id, 1.0, now + 2 * 86400000LL));
  if (attune_engine_reward(engine, decision.decision_id, 1.0, now + 2 * 86400000LL) != ATTUNE_E_DUPLICATE) {
    fprintf(stderr, "a duplicate reward was accepted\n");
    return 1;
  }
  CHECK(attune_engine_profile(engine, "cust-4711", now + 2 * 86400000LL, &profile));
  printf("profile: %s\n", profile);

  attune_string_free(observation);
  attune_string_free(explanation);
  attune_string_free(profile);
  attune_engine_free(engine);
  return 0;
}
