/* Hostile input against every function of attune.h (issue 9, item 4).
 *
 * The test is a table: each ROW(expected status, call) line is one row {function, arguments,
 * expected status}. For every row that must fail, the runner also checks that
 *   - attune_last_error() is a non-empty message, and
 *   - the observable state of every live handle is unchanged: a fingerprint (FNV-1a over the
 *     serialized state, sizes, counts and the scores of a probe text) is taken before the call and
 *     compared after it.
 * Rows that must succeed (boundaries: empty text, a larger struct from a newer caller) check that
 * attune_last_error() is "" afterwards. VROW rows call void functions with hostile arguments (no
 * crash is the property); BROW rows check a returned value.
 *
 * The 100 MB text and the deeply nested JSON are allocated once and passed to every function that
 * takes text or JSON; each refusal is timed and must cost less than three read-only passes over
 * the text (about 0.01 s in Release), so the length check comes before any copy or parse. Includes only attune.h, links only libattune (C99). */
#include "attune.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the live handles whose state every failing row must leave unchanged ------------------ */

static attune_emotion_model* em;
static attune_session_tracker* tr;
static attune_intent_model* im;
static attune_baseline* bl;
static attune_hesitation_detector* hd;
static attune_engagement_monitor* mon;
static attune_state_transitions* stt;
static attune_turn_risk_model* trm;
static attune_next_best_action* nba;
static attune_catalog* cat;
static attune_policy* pol;
static attune_selector* sel;
static attune_consent_registry* reg;
static attune_guardrails* gr;
static attune_engine* eng;

static const int64_t T0 = 1780000000000LL; /* engine/consent clock, ms */
static char engine_decision_id[17];
static uint64_t selector_decision_id;

/* ---- hostile inputs, allocated once --------------------------------------------------------- */

#define BIG_BYTES ((size_t)100 * 1024 * 1024)
#define DEEP_LEVELS 100000
static char* big;          /* 100 MB of 'a' + NUL: valid UTF-8, far above every limit */
static char* deep;         /* 100,000 '[' + NUL: unterminated nesting */
static char* deep_closed;  /* 100,000 '[' then 100,000 ']' + NUL: well-formed but absurdly deep */
static char* deep_obj;     /* {"a": 50,000 '[' ... ']' }: the deep value inside an object */
static char* deep_version; /* {"version": 170,000 nested {"x": ...} }: just under 1 MiB */
#define VERSION_LEVELS 170000
static const char bad_utf8[] = "ok \xC0\xAF overlong"; /* overlong '/' */
static const char lone_cont[] = "\x80";
static char long_id[300]; /* 299 'x': above the 256-byte customer id limit */

/* ---- table runner --------------------------------------------------------------------------- */

static int rows = 0, failures = 0, big_rows = 0, deep_rows = 0;
static double slowest_big = 0.0;
static double one_pass = 0.0; /* CPU seconds of one UTF-8 validation pass over the 100 MB */
static uint64_t before_fp;

static uint64_t fnv(uint64_t h, const void* p, size_t n) {
  const unsigned char* b = (const unsigned char*)p;
  size_t i;
  for (i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

/* Serialized bytes of a handle through the two-call pattern, folded into h. */
static uint64_t fold_bytes(uint64_t h, int st, size_t needed, int (*again)(uint8_t*, size_t, size_t*)) {
  uint8_t* buf;
  h = fnv(h, &st, sizeof st);
  if (st != ATTUNE_E_BUFFER_TOO_SMALL || needed == 0) return h;
  buf = (uint8_t*)malloc(needed);
  if (buf == NULL) return h;
  st = again(buf, needed, &needed);
  h = fnv(h, &st, sizeof st);
  h = fnv(h, buf, needed);
  free(buf);
  return h;
}
#define DEFINE_AGAIN(name, call_with_out_cap_needed) \
  static int name(uint8_t* out, size_t cap, size_t* needed) { return call_with_out_cap_needed; }
DEFINE_AGAIN(again_bl, attune_baseline_serialize(bl, out, cap, needed))
DEFINE_AGAIN(again_hd, attune_hesitation_detector_serialize(hd, out, cap, needed))
DEFINE_AGAIN(again_mon, attune_engagement_monitor_serialize(mon, out, cap, needed))
DEFINE_AGAIN(again_stt, attune_state_transitions_serialize(stt, out, cap, needed))
DEFINE_AGAIN(again_pol, attune_policy_save(pol, out, cap, needed))
DEFINE_AGAIN(again_sel, attune_selector_save(sel, out, cap, needed))
DEFINE_AGAIN(again_reg, attune_consent_registry_serialize(reg, out, cap, needed))
DEFINE_AGAIN(again_eng, attune_engine_export_profile(eng, "c1", out, cap, needed))
DEFINE_AGAIN(again_eng2, attune_engine_export_profile(eng, "c2", out, cap, needed))

static uint64_t fingerprint(void) {
  uint64_t h = 1469598103934665603ULL;
  size_t n = 0, needed = 0;
  uint64_t u = 0;
  int st;
  attune_emotion_scores sc;
  attune_session_features f;
  char* json = NULL;
  const char* probe = "I am so annoyed, the payment failed AGAIN";

  attune_emotion_scores_init(&sc);
  st = attune_emotion_model_score(em, probe, strlen(probe), &sc);
  h = fnv(h, &st, sizeof st);
  h = fnv(h, sc.probabilities, sizeof sc.probabilities);
  st = attune_session_tracker_size(tr, &n);
  h = fnv(h, &st, sizeof st);
  h = fnv(h, &n, sizeof n);
  memset(&f, 0, sizeof f);
  f.struct_size = sizeof f;
  st = attune_session_tracker_features(tr, "u1", 2, -1, &f);
  h = fnv(h, &st, sizeof st);
  h = fnv(h, &f.events, sizeof f.events);
  h = fnv(h, &f.product_related_duration, sizeof f.product_related_duration);
  st = attune_baseline_serialize(bl, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_bl);
  st = attune_hesitation_detector_serialize(hd, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_hd);
  st = attune_engagement_monitor_serialize(mon, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_mon);
  st = attune_state_transitions_serialize(stt, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_stt);
  st = attune_policy_save(pol, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_pol);
  st = attune_policy_updates(pol, &u);
  h = fnv(h, &u, sizeof u);
  st = attune_selector_save(sel, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_sel);
  st = attune_selector_pending(sel, &n);
  h = fnv(h, &n, sizeof n);
  st = attune_consent_registry_serialize(reg, NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_reg);
  st = attune_guardrails_rule_count(gr, &n);
  h = fnv(h, &n, sizeof n);
  /* Engine: c1's profile bytes and view; c2 must never come into existence by a failed call. */
  st = attune_engine_export_profile(eng, "c1", NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_eng);
  st = attune_engine_export_profile(eng, "c2", NULL, 0, &needed);
  h = fold_bytes(h, st, needed, again_eng2);
  st = attune_engine_profile(eng, "c1", T0 + 60000, &json);
  h = fnv(h, &st, sizeof st);
  if (json) h = fnv(h, json, strlen(json));
  attune_string_free(json);
  return h;
}

static void row(int line, const char* call, int expected, int got) {
  char message[256];
  ++rows;
  /* Read the message before fingerprint() makes further attune calls. */
  snprintf(message, sizeof message, "%s", attune_last_error());
  if (got != expected) {
    ++failures;
    fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s): %s\n", __FILE__, line, call, got,
            attune_status_string(got), expected, attune_status_string(expected), message);
    return;
  }
  if (expected != ATTUNE_OK) {
    if (message[0] == '\0') {
      ++failures;
      fprintf(stderr, "%s:%d: %s failed without a message\n", __FILE__, line, call);
    }
    if (fingerprint() != before_fp) {
      ++failures;
      fprintf(stderr, "%s:%d: %s failed (%d) but changed state\n", __FILE__, line, call, got);
    }
  } else if (message[0] != '\0') {
    ++failures;
    fprintf(stderr, "%s:%d: %s succeeded but left the message \"%s\"\n", __FILE__, line, call, message);
  }
}

/* One row: the fingerprint is taken before the call (comma operator sequences them). */
#define ROW(expected, call) row(__LINE__, #call, (expected), (before_fp = fingerprint(), (call)))

/* A row with the 100 MB text: also timed (CPU seconds); it must be refused without being scanned
 * or copied, so it stays far below a second even under AddressSanitizer. */
static void big_row(int line, const char* call, int expected, int got, clock_t start) {
  const double s = (double)(clock() - start) / CLOCKS_PER_SEC;
  ++big_rows;
  if (s > slowest_big) slowest_big = s;
  if (getenv("ATTUNE_HOSTILE_TIMES")) fprintf(stderr, "%.3f s  %s\n", s, call);
  /* A refusal may at most find the end of a NUL-terminated string: it must not tokenize or copy
   * the text. The bound is relative to one read-only pass over the 100 MB (UTF-8 validation,
   * measured at start-up), so it holds in Release (about 0.01 s each), under the sanitizers and
   * under qemu alike; a copy costs several passes. */
  if (expected != ATTUNE_OK && s > 3.0 * one_pass + 0.01) {
    ++failures;
    fprintf(stderr, "%s:%d: %s took %.3f s on 100 MB (one read-only pass: %.3f s)\n", __FILE__, line, call, s,
            one_pass);
  }
  row(line, call, expected, got);
}
#define BIG(expected, call)                                \
  do {                                                     \
    int st_;                                               \
    before_fp = fingerprint();                             \
    start = clock();                                       \
    st_ = (call);                                          \
    big_row(__LINE__, #call, (expected), st_, start);      \
  } while (0)
#define DEEP(expected, call) \
  do {                       \
    ++deep_rows;             \
    ROW(expected, call);     \
  } while (0)

/* void functions with hostile arguments: the property is "no crash". */
#define VROW(call) (++rows, (void)(call))
/* A row checking a returned value. */
#define BROW(cond)                                                                    \
  do {                                                                                \
    ++rows;                                                                           \
    if (!(cond)) {                                                                    \
      ++failures;                                                                     \
      fprintf(stderr, "%s:%d: %s is false\n", __FILE__, __LINE__, #cond);             \
    }                                                                                 \
  } while (0)

#define SETUP(call)                                                                   \
  do {                                                                                \
    int st_ = (call);                                                                 \
    if (st_ != ATTUNE_OK) {                                                           \
      fprintf(stderr, "%s:%d: setup %s failed: %d %s\n", __FILE__, __LINE__, #call, st_, \
              attune_last_error());                                                   \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

/* Fixed-size output structs inside a guard: a huge struct_size must not make the library write
 * past the struct it knows. */
#define GUARD_BYTES 64
static int guard_intact(const unsigned char* g) {
  int i;
  for (i = 0; i < GUARD_BYTES; ++i)
    if (g[i] != 0xA5) return 0;
  return 1;
}

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  unsigned char* data;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = (unsigned char*)malloc((size_t)n + 1);
  if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return data;
}

/* Serialized bytes (two-call pattern) into a fresh malloc'ed buffer. */
static uint8_t* take_bytes(int (*again)(uint8_t*, size_t, size_t*), size_t* size) {
  size_t needed = 0;
  uint8_t* b;
  again(NULL, 0, &needed);
  b = (uint8_t*)malloc(needed + 1);
  if (again(b, needed, &needed) != ATTUNE_OK) {
    fprintf(stderr, "setup: serialize failed: %s\n", attune_last_error());
    exit(1);
  }
  *size = needed;
  return b;
}

/* A copy of `src` with byte `at` set to `value` (wrong format version). */
static uint8_t* with_byte(const uint8_t* src, size_t n, size_t at, uint8_t value) {
  uint8_t* c = (uint8_t*)malloc(n);
  memcpy(c, src, n);
  c[at] = value;
  return c;
}

static const char* kCatalog =
    "{\"context\":{\"intents\":[\"purchase\"],\"features\":[]},"
    "\"slots\":[{\"id\":\"cta\",\"variants\":["
    "{\"id\":\"buy_now\",\"text\":\"Buy Now\",\"safe_default\":true,\"attributes\":{\"tone\":\"direct\"}},"
    "{\"id\":\"explore\",\"text\":\"Explore\",\"attributes\":{\"tone\":\"gentle\"},\"tags\":[\"calming\"]},"
    "{\"id\":\"few_left\",\"text\":\"Only 3 left\",\"attributes\":{\"tone\":\"urgent\"},\"tags\":[\"urgency\"]}]}]}";
static const char* kView =
    "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Product Viewed\","
    "\"properties\":{\"product_id\":\"p7\",\"price\":19.5},\"timestamp\":\"2026-11-28T10:00:00Z\"}";

static void setup(void) {
  const char* text = "I'm really worried and nervous about this payment";
  attune_engine_decision d;
  attune_customer cu;
  attune_decision dec;
  double intents[1] = {0.5};
  char* json = NULL;

  SETUP(attune_emotion_model_load_default(&em));
  SETUP(attune_session_tracker_create(NULL, &tr));
  SETUP(attune_session_tracker_observe_json(tr, kView, strlen(kView), NULL));
  SETUP(attune_intent_model_load_default(ATTUNE_INTENT_DEFAULT, &im));
  SETUP(attune_baseline_create(0, &bl));
  SETUP(attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, 12.0, 1000.0));
  SETUP(attune_hesitation_detector_create(0, &hd));
  SETUP(attune_hesitation_detector_observe_product_view(hd, "p1", 2, 40.0, 1000.0, NULL));
  SETUP(attune_engagement_monitor_create(NULL, &mon));
  SETUP(attune_engagement_monitor_observe_day(mon, 100, 3.0));
  SETUP(attune_state_transitions_create(0, &stt));
  SETUP(attune_state_transitions_observe(stt, ATTUNE_STATE_FRUSTRATION, ATTUNE_STATE_DETACHMENT, 1.0));
  SETUP(attune_turn_risk_model_create(&trm));
  SETUP(attune_next_best_action_load(NULL, &nba));
  SETUP(attune_catalog_from_json(kCatalog, strlen(kCatalog), &cat));
  SETUP(attune_policy_create(NULL, 3, 3, NULL, 0, &pol));
  {
    const double ctx[3] = {0.1, 0.2, 0.3};
    SETUP(attune_policy_learn(pol, ctx, 3, 1, 1.0, 0.5));
  }
  SETUP(attune_selector_create(cat, NULL, &sel));
  memset(&cu, 0, sizeof cu);
  cu.struct_size = sizeof cu;
  cu.intents = intents;
  cu.intent_count = 1;
  SETUP(attune_selector_decide(sel, "cta", &cu, NULL, 0, 100.0, &dec));
  selector_decision_id = dec.decision_id;
  SETUP(attune_consent_registry_create(&reg));
  SETUP(attune_consent_registry_grant(reg, "c1", 2, "personalization", T0, ATTUNE_CONSENT_NO_EXPIRY, "test", 4));
  SETUP(attune_guardrails_load(NULL, &gr));
  SETUP(attune_engine_create("{}", 2, &eng));
  SETUP(attune_engine_consent(eng, "c1", "emotion_inference", true, T0, -1, NULL));
  SETUP(attune_engine_consent(eng, "c1", "personalization", true, T0, -1, NULL));
  SETUP(attune_engine_observe_text(eng, "c1", "chat", text, strlen(text), T0 + 1, &json));
  attune_string_free(json);
  attune_engine_decision_init(&d);
  SETUP(attune_engine_decide(eng, "c1", "product_cta", T0 + 2, NULL, NULL, 0, &d, NULL));
  memcpy(engine_decision_id, d.decision_id, sizeof engine_decision_id);
}

static void alloc_hostile(void) {
  size_t i;
  big = (char*)malloc(BIG_BYTES + 1);
  deep = (char*)malloc(DEEP_LEVELS + 1);
  deep_closed = (char*)malloc(2 * DEEP_LEVELS + 1);
  if (!big || !deep || !deep_closed) {
    fprintf(stderr, "cannot allocate the hostile inputs\n");
    exit(1);
  }
  memset(big, 'a', BIG_BYTES);
  big[BIG_BYTES] = '\0';
  memset(deep, '[', DEEP_LEVELS);
  deep[DEEP_LEVELS] = '\0';
  memset(deep_closed, '[', DEEP_LEVELS);
  memset(deep_closed + DEEP_LEVELS, ']', DEEP_LEVELS);
  deep_closed[2 * DEEP_LEVELS] = '\0';
  deep_obj = (char*)malloc(DEEP_LEVELS + 16);
  if (!deep_obj) exit(1);
  strcpy(deep_obj, "{\"a\":");
  memset(deep_obj + 5, '[', DEEP_LEVELS / 2);
  memset(deep_obj + 5 + DEEP_LEVELS / 2, ']', DEEP_LEVELS / 2);
  strcpy(deep_obj + 5 + DEEP_LEVELS, "}");
  deep_version = (char*)malloc(12 + (size_t)VERSION_LEVELS * 6 + 16);
  if (!deep_version) exit(1);
  {
    char* p = deep_version;
    strcpy(p, "{\"version\":");
    p += strlen(p);
    for (i = 0; i < VERSION_LEVELS; ++i, p += 5) memcpy(p, "{\"x\":", 5);
    *p++ = '1';
    memset(p, '}', VERSION_LEVELS + 1);
    p[VERSION_LEVELS + 1] = '\0';
  }
  for (i = 0; i < 2; ++i) { /* the faster of two passes: the first also faults the pages in */
    const clock_t start = clock();
    size_t bad = 0;
    double s;
    if (attune_utf8_validate(big, BIG_BYTES, &bad) != ATTUNE_OK) exit(1);
    s = (double)(clock() - start) / CLOCKS_PER_SEC;
    if (i == 0 || s < one_pass) one_pass = s;
  }
  for (i = 0; i + 1 < sizeof long_id; ++i) long_id[i] = 'x';
  long_id[sizeof long_id - 1] = '\0';
}

/* ---- the table ------------------------------------------------------------------------------ */

static void rows_core_and_text(void) {
  char out[4096];
  size_t needed = 0, bad = 0;
  clock_t start;

  BROW(attune_version() != NULL && attune_version_number() == ATTUNE_VERSION_NUMBER);
  BROW(attune_status_string(12345) != NULL && attune_status_string(-99999) != NULL);
  BROW(attune_status_string(INT32_MIN) != NULL);
  BROW(attune_last_error() != NULL);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_tokenize("abc", 3, 0, out, sizeof out, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_tokenize(NULL, 3, 0, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_tokenize("abc", 3, 0xFFFFFFFFu, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_UTF8, attune_tokenize(bad_utf8, sizeof bad_utf8 - 1, 0, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_UTF8, attune_tokenize(lone_cont, 1, 0, out, sizeof out, &needed));
  ROW(ATTUNE_OK, attune_tokenize(bad_utf8, sizeof bad_utf8 - 1, ATTUNE_TOKENIZE_REPLACE_INVALID, out, sizeof out, &needed));
  ROW(ATTUNE_OK, attune_tokenize(NULL, 0, 0, out, sizeof out, &needed));
  ROW(ATTUNE_OK, attune_tokenize("", 0, 0, out, sizeof out, &needed));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_tokenize("abc", 3, 0, NULL, 0, &needed));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_tokenize("abc", 3, 0, out, 1, &needed));
  ROW(ATTUNE_OK, attune_tokenize("a\0b", 3, 0, out, sizeof out, &needed)); /* U+0000 is valid UTF-8 */
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_tokenize(big, BIG_BYTES, 0, out, sizeof out, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_tokenize(big, BIG_BYTES, ATTUNE_TOKENIZE_REPLACE_INVALID, out, sizeof out, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_tokenize(big, (size_t)-1, 0, out, sizeof out, &needed));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_utf8_validate(NULL, 5, &bad));
  ROW(ATTUNE_E_INVALID_UTF8, attune_utf8_validate(bad_utf8, sizeof bad_utf8 - 1, &bad));
  BROW(bad == 3);
  ROW(ATTUNE_E_INVALID_UTF8, attune_utf8_validate("\xED\xA0\x80", 3, NULL)); /* surrogate */
  ROW(ATTUNE_E_INVALID_UTF8, attune_utf8_validate("\xF4\x90\x80\x80", 4, NULL)); /* > U+10FFFF */
  ROW(ATTUNE_E_INVALID_UTF8, attune_utf8_validate("\xE2\x82", 2, NULL)); /* truncated */
  ROW(ATTUNE_OK, attune_utf8_validate(NULL, 0, NULL));
  /* Validation is the one text call without a size limit: it only reads, in one pass. */
  BIG(ATTUNE_OK, attune_utf8_validate(big, BIG_BYTES, &bad));
}

static void rows_emotion(void) {
  struct {
    attune_emotion_scores s;
    unsigned char guard[GUARD_BYTES];
  } g;
  attune_emotion_scores scores[2];
  attune_emotion_model* m = NULL;
  const char* texts[2] = {"fine", bad_utf8};
  size_t lens[2] = {4, sizeof bad_utf8 - 1};
  const char* big_texts[2] = {"fine", NULL};
  size_t big_lens[2] = {4, BIG_BYTES};
  char out[8192];
  size_t needed = 0, model_size = 0;
  unsigned char* model_bytes;
  uint8_t* wrong_version;
  char path[1024];
  const char* src = getenv("ATTUNE_SOURCE_DIR");
  clock_t start;

  big_texts[1] = big;
  attune_emotion_scores_init(&scores[0]);
  attune_emotion_scores_init(&scores[1]);
  VROW(attune_emotion_scores_init(NULL));
  BROW(attune_emotion_label_name(ATTUNE_EMOTION_LABELS) == NULL);
  BROW(attune_emotion_label_name(0xFFFFFFFFu) == NULL);
  BROW(attune_emotion_ekman_name(ATTUNE_EMOTION_EKMAN) == NULL);
  BROW(attune_emotion_ekman_name(0xFFFFFFFFu) == NULL);
  VROW(attune_emotion_model_free(NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_load(NULL, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_load("x.attm", NULL));
  ROW(ATTUNE_E_IO, attune_emotion_model_load("/nonexistent/dir/model.attm", &m));
  ROW(ATTUNE_E_IO, attune_emotion_model_load("/", &m)); /* a directory: refused before any allocation */
  ROW(ATTUNE_E_IO, attune_emotion_model_load("/dev/zero", &m)); /* endless: not a regular file */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_load_memory(NULL, 10, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_load_memory("ATTUNEEM", 8, NULL));
  ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory("", 0, &m));
  ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory("ATTUNEEM", 8, &m));
  BIG(ATTUNE_E_FORMAT, attune_emotion_model_load_memory(big, BIG_BYTES, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_load_default(NULL));
  BROW(m == NULL);
  if (src) {
    snprintf(path, sizeof path, "%s/models/emotion-en.attm", src);
    model_bytes = read_file(path, &model_size);
    BROW(model_bytes != NULL);
    if (model_bytes) {
      ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory(model_bytes, model_size / 2, &m));
      ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory(model_bytes, model_size - 1, &m));
      ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory(model_bytes, 12, &m));
      wrong_version = with_byte(model_bytes, model_size, 8, 99);
      ROW(ATTUNE_E_VERSION, attune_emotion_model_load_memory(wrong_version, model_size, &m));
      free(wrong_version);
      wrong_version = with_byte(model_bytes, model_size, model_size / 2, (uint8_t)(model_bytes[model_size / 2] ^ 0x40));
      ROW(ATTUNE_E_FORMAT, attune_emotion_model_load_memory(wrong_version, model_size, &m)); /* checksum */
      free(wrong_version);
      free(model_bytes);
    }
    BROW(m == NULL);
  }

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score(NULL, "a", 1, &scores[0]));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score(em, "a", 1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score(em, NULL, 1, &scores[0]));
  ROW(ATTUNE_E_INVALID_UTF8, attune_emotion_model_score(em, bad_utf8, sizeof bad_utf8 - 1, &scores[0]));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_score(em, big, BIG_BYTES, &scores[0]));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_score(em, big, (size_t)ATTUNE_MAX_TEXT_BYTES + 1, &scores[0]));
  ROW(ATTUNE_OK, attune_emotion_model_score(em, NULL, 0, &scores[0]));
  scores[1].struct_size = 0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score(em, "a", 1, &scores[1]));
  scores[1].struct_size = (uint32_t)sizeof(attune_emotion_scores) - 4;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score(em, "a", 1, &scores[1]));
  attune_emotion_scores_init(&scores[1]);
  memset(&g, 0xA5, sizeof g);
  g.s.struct_size = 0xFFFFFFFFu; /* a newer caller: only what this library knows is written */
  ROW(ATTUNE_OK, attune_emotion_model_score(em, "a", 1, &g.s));
  BROW(guard_intact(g.guard));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score_batch(NULL, texts, lens, 1, 1, scores));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score_batch(em, NULL, lens, 1, 1, scores));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score_batch(em, texts, NULL, 1, 1, scores));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_score_batch(em, texts, lens, 1, 1, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_emotion_model_score_batch(em, texts, lens, 2, 1, scores));
  ROW(ATTUNE_OK, attune_emotion_model_score_batch(em, NULL, NULL, 0, 1, NULL));
  ROW(ATTUNE_OK, attune_emotion_model_score_batch(em, texts, lens, 1, 0xFFFFFFFFu, scores));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_score_batch(em, texts, lens, (size_t)1 << 40, 1, scores));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_score_batch(em, big_texts, big_lens, 2, 2, scores));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_explain(NULL, "a", 1, 3, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_explain(em, "a", 1, 3, out, sizeof out, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_emotion_model_explain(em, bad_utf8, sizeof bad_utf8 - 1, 3, out, sizeof out, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_explain(em, big, BIG_BYTES, 3, out, sizeof out, &needed));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_emotion_model_explain(em, "so angry", 8, 3, out, 2, &needed));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_emotion_model_explain(em, "so angry", 8, 0xFFFFFFFFu, out, sizeof out, &needed));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_correct(NULL, "a", 1, 1));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_correct(em, "a", 1, 0));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_correct(em, "a", 1, 0xF0000000u)); /* bits above label 27 */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_correct(em, NULL, 3, 1));
  ROW(ATTUNE_E_INVALID_UTF8, attune_emotion_model_correct(em, bad_utf8, sizeof bad_utf8 - 1, 1));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_emotion_model_correct(em, big, BIG_BYTES, 1));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_save(NULL, "/tmp/x.attm"));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_emotion_model_save(em, NULL));
  ROW(ATTUNE_E_IO, attune_emotion_model_save(em, "/nonexistent/dir/x.attm"));
}

static void rows_behavior(void) {
  attune_event ev;
  attune_session_config cfg;
  attune_session_tracker* t2 = NULL;
  attune_intent_model* m = NULL;
  struct {
    attune_session_features f;
    unsigned char guard[GUARD_BYTES];
  } g;
  attune_session_features f;
  double p = 0.0, rows17[17];
  char out[4096];
  size_t needed = 0, n = 0, model_size = 0;
  int result = 0, i;
  unsigned char* model_bytes;
  uint8_t* wrong;
  char path[1024];
  const char* src = getenv("ATTUNE_SOURCE_DIR");
  const char* dup = "{\"type\":\"track\",\"userId\":\"u1\",\"userId\":\"u2\",\"event\":\"Product Viewed\","
                    "\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  const char* unknown = "{\"type\":\"track\",\"userId\":\"u9\",\"event\":\"Product Viewed\",\"zz_unknown\":{\"a\":[1]},"
                        "\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  const char* bad_ts = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"9999-99-99\"}";
  const char* nan_price = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Product Viewed\","
                          "\"properties\":{\"price\":1e999},\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  const char* bad_type = "{\"type\":\"alias\",\"userId\":\"u1\",\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  const char* utf8_id = "{\"type\":\"track\",\"userId\":\"\xC3\x28\",\"event\":\"x\",\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  clock_t start;

  VROW(attune_event_init(NULL));
  VROW(attune_session_config_init(NULL));
  VROW(attune_session_tracker_free(NULL));
  VROW(attune_intent_model_free(NULL));

  attune_event_init(&ev);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_event_parse(NULL, 5, &ev));
  ROW(ATTUNE_E_PARSE, attune_event_parse("{", 1, &ev));
  ROW(ATTUNE_E_PARSE, attune_event_parse("", 0, &ev));
  ROW(ATTUNE_E_PARSE, attune_event_parse(dup, strlen(dup), &ev)); /* duplicate keys are rejected */
  ROW(ATTUNE_OK, attune_event_parse(unknown, strlen(unknown), &ev)); /* unknown fields are Segment's */
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_event_parse(bad_ts, strlen(bad_ts), &ev));
  ROW(ATTUNE_E_PARSE, attune_event_parse(nan_price, strlen(nan_price), &ev)); /* 1e999 overflows a double */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_event_parse(bad_type, strlen(bad_type), &ev));
  ROW(ATTUNE_E_INVALID_UTF8, attune_event_parse(utf8_id, strlen(utf8_id), &ev));
  ROW(ATTUNE_E_PARSE, attune_event_parse("[]", 2, &ev));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_event_parse(deep, DEEP_LEVELS, &ev));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_event_parse(deep_closed, 2 * DEEP_LEVELS, &ev));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_event_parse(deep_obj, strlen(deep_obj), &ev));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_event_parse(big, BIG_BYTES, &ev));
  ev.struct_size = 2;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_event_parse(kView, strlen(kView), &ev));
  attune_event_init(&ev);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_event_normalize(kView, strlen(kView), out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_event_normalize(kView, strlen(kView), out, 3, &needed));
  ROW(ATTUNE_E_PARSE, attune_event_normalize(dup, strlen(dup), out, sizeof out, &needed));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_event_normalize(deep, DEEP_LEVELS, out, sizeof out, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_event_normalize(big, BIG_BYTES, out, sizeof out, &needed));

  attune_session_config_init(&cfg);
  cfg.struct_size = 3;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_create(&cfg, &t2));
  attune_session_config_init(&cfg);
  cfg.timeout_ms = -5;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_create(&cfg, &t2));
  attune_session_config_init(&cfg);
  cfg.default_bounce_rate = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_create(&cfg, &t2));
  attune_session_config_init(&cfg);
  cfg.max_customers = 0;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_create(&cfg, &t2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_create(NULL, NULL));
  BROW(t2 == NULL);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe_json(NULL, kView, strlen(kView), &result));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe_json(tr, NULL, 4, &result));
  ROW(ATTUNE_E_PARSE, attune_session_tracker_observe_json(tr, dup, strlen(dup), &result));
  ROW(ATTUNE_E_INVALID_UTF8, attune_session_tracker_observe_json(tr, utf8_id, strlen(utf8_id), &result));
  ROW(ATTUNE_E_PARSE, attune_session_tracker_observe_json(tr, nan_price, strlen(nan_price), &result));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_observe_json(tr, deep, DEEP_LEVELS, &result));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_observe_json(tr, deep_closed, 2 * DEEP_LEVELS, &result));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_observe_json(tr, big, BIG_BYTES, &result));

  attune_event_init(&ev);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(tr, NULL, &result));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(NULL, &ev, &result));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(tr, &ev, &result)); /* no user id */
  ev.user_id = "u1";
  ev.name = "Product Viewed";
  ev.timestamp_ms = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.timestamp_ms = INT64_MAX;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.timestamp_ms = 1780000000000LL;
  ev.price = INFINITY;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.price = NAN;
  ev.bounce_rate = 7.0;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.bounce_rate = NAN;
  ev.type = 99;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(tr, &ev, &result));
  ev.type = ATTUNE_EVENT_TRACK;
  ev.kind = -7;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(tr, &ev, &result));
  ev.kind = 0;
  ev.os_code = 100000;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.os_code = 0;
  ev.utc_offset_min = 100000;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_session_tracker_observe(tr, &ev, &result));
  ev.utc_offset_min = 0;
  ev.user_id = bad_utf8;
  ROW(ATTUNE_E_INVALID_UTF8, attune_session_tracker_observe(tr, &ev, &result));
  ev.user_id = big;
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_observe(tr, &ev, &result));
  ev.user_id = "u1";
  ev.name = big;
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_observe(tr, &ev, &result));
  ev.name = "Product Viewed";
  ev.struct_size = 1;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_observe(tr, &ev, &result));

  memset(&f, 0, sizeof f);
  f.struct_size = sizeof f;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_features(NULL, "u1", 2, -1, &f));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_features(tr, "u1", 2, -1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_features(tr, NULL, 2, -1, &f));
  ROW(ATTUNE_E_NOT_FOUND, attune_session_tracker_features(tr, "nobody", 6, -1, &f));
  ROW(ATTUNE_E_NOT_FOUND, attune_session_tracker_features(tr, bad_utf8, sizeof bad_utf8 - 1, -1, &f)); /* lookups: no such id */
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_features(tr, big, BIG_BYTES, -1, &f));
  f.struct_size = 4;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_features(tr, "u1", 2, -1, &f));
  memset(&g, 0xA5, sizeof g);
  g.f.struct_size = 0x7FFFFFFFu;
  ROW(ATTUNE_OK, attune_session_tracker_features(tr, "u1", 2, INT64_MAX, &g.f));
  BROW(guard_intact(g.guard));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_erase(NULL, "u1", 2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_erase(tr, NULL, 2));
  ROW(ATTUNE_E_NOT_FOUND, attune_session_tracker_erase(tr, "nobody", 6));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_session_tracker_erase(tr, big, BIG_BYTES));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_size(NULL, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_session_tracker_size(tr, NULL));

  /* Intent model. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load(NULL, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load("x", NULL));
  ROW(ATTUNE_E_IO, attune_intent_model_load("/nonexistent/intent.attm", &m));
  ROW(ATTUNE_E_IO, attune_intent_model_load("/", &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load_from_memory(NULL, 4, &m));
  ROW(ATTUNE_E_FORMAT, attune_intent_model_load_from_memory("ATTUNEIM", 8, &m));
  BIG(ATTUNE_E_FORMAT, attune_intent_model_load_from_memory(big, BIG_BYTES, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load_default(7, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load_default(-1, &m));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_load_default(0, NULL));
  if (src) {
    snprintf(path, sizeof path, "%s/models/intent-v1.attm", src);
    model_bytes = read_file(path, &model_size);
    BROW(model_bytes != NULL);
    if (model_bytes) {
      ROW(ATTUNE_E_FORMAT, attune_intent_model_load_from_memory(model_bytes, model_size / 2, &m));
      ROW(ATTUNE_E_FORMAT, attune_intent_model_load_from_memory(model_bytes, model_size - 1, &m));
      wrong = with_byte(model_bytes, model_size, 8, 99);
      ROW(ATTUNE_E_VERSION, attune_intent_model_load_from_memory(wrong, model_size, &m));
      free(wrong);
      wrong = with_byte(model_bytes, model_size, model_size / 2, (uint8_t)(model_bytes[model_size / 2] ^ 0x10));
      ROW(ATTUNE_E_FORMAT, attune_intent_model_load_from_memory(wrong, model_size, &m));
      free(wrong);
      free(model_bytes);
    }
  }
  BROW(m == NULL);

  memset(&f, 0, sizeof f);
  f.struct_size = sizeof f;
  ROW(ATTUNE_OK, attune_session_tracker_features(tr, "u1", 2, -1, &f));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict(NULL, &f, &p));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict(im, NULL, &p));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict(im, &f, NULL));
  f.page_values = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_intent_model_predict(im, &f, &p));
  f.page_values = -INFINITY;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_intent_model_predict(im, &f, &p));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_intent_model_explain(im, &f, out, sizeof out, &needed));
  f.page_values = 0;
  f.month = 13; /* finite: the trees give a probability for any finite value */
  ROW(ATTUNE_OK, attune_intent_model_predict(im, &f, &p));
  f.month = 5;
  f.struct_size = 8;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict(im, &f, &p));
  f.struct_size = sizeof f;
  f.product_related_duration = 1e300; /* huge but finite: a probability, not a crash */
  ROW(ATTUNE_OK, attune_intent_model_predict(im, &f, &p));
  BROW(p >= 0.0 && p <= 1.0);
  f.product_related_duration = 0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_explain(im, &f, out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_intent_model_explain(im, &f, out, 1, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_explain(NULL, &f, out, sizeof out, &needed));

  for (i = 0; i < 17; ++i) rows17[i] = 1.0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict_rows(im, NULL, 1, &p));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict_rows(im, rows17, 1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_intent_model_predict_rows(NULL, rows17, 1, &p));
  ROW(ATTUNE_OK, attune_intent_model_predict_rows(im, NULL, 0, NULL));
  rows17[3] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_intent_model_predict_rows(im, rows17, 1, &p));
  rows17[3] = 1.0;
  rows17[10] = 77; /* Month: finite, so a probability */
  ROW(ATTUNE_OK, attune_intent_model_predict_rows(im, rows17, 1, &p));
  BROW(p >= 0.0 && p <= 1.0);
  rows17[10] = INFINITY;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_intent_model_predict_rows(im, rows17, 1, &p));
}

static void rows_dynamics(void) {
  attune_baseline* b2 = NULL;
  attune_hesitation_detector* h2 = NULL;
  attune_engagement_monitor* m2 = NULL;
  attune_state_transitions* s2 = NULL;
  attune_turn_risk_model* t2 = NULL;
  attune_next_best_action* n2 = NULL;
  attune_baseline_stats stats;
  attune_hesitation_score hs;
  attune_engagement_options eo;
  attune_engagement_status es;
  attune_churn_risk cr;
  attune_dialogue_turn turns[2];
  float probs[ATTUNE_STATE_COUNT], state[ATTUNE_STATE_COUNT];
  const char* names[3] = {"frustration", "grumpy", "detachment"};
  const char* null_names[2] = {"frustration", NULL};
  double z = 0;
  float prob = 0;
  char out[8192];
  size_t needed = 0, size = 0;
  uint8_t *bytes, *wrong;
  int i;
  const char* nba_dup = "{\"format\":\"attune.next_best_action\",\"format\":\"x\",\"version\":1,\"actions\":{},\"rules\":[]}";
  const char* nba_unknown = "{\"format\":\"attune.next_best_action\",\"version\":1,\"actions\":{},\"rules\":[],\"zz\":1}";
  const char* nba_version = "{\"format\":\"attune.next_best_action\",\"version\":99,\"actions\":{},\"rules\":[]}";
  clock_t start;

  VROW(attune_baseline_free(NULL));
  VROW(attune_hesitation_detector_free(NULL));
  VROW(attune_engagement_monitor_free(NULL));
  VROW(attune_state_transitions_free(NULL));
  VROW(attune_turn_risk_model_free(NULL));
  VROW(attune_next_best_action_free(NULL));
  VROW(attune_engagement_options_init(NULL));

  /* Baseline. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_create(0, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_create(NAN, &b2));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_create(INFINITY, &b2));
  BROW(b2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_observe(NULL, ATTUNE_SIGNAL_DWELL, 1, 2000));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_observe(bl, 99, 1, 2000));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_observe(bl, -1, 1, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, NAN, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, INFINITY, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, -1, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, 1, NAN));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, 1, -INFINITY));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_observe(bl, ATTUNE_SIGNAL_DWELL, 1, 10)); /* earlier than the last */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_z(NULL, 0, 1, &z));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_z(bl, 0, 1, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_baseline_z(bl, 0, NAN, &z));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_z(bl, 42, 1, &z));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_stats_get(bl, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_stats_get(bl, 42, &stats));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_stats_get(NULL, 0, &stats));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_serialize(bl, NULL, 0, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_baseline_serialize(bl, (uint8_t*)out, 3, &needed));
  bytes = take_bytes(again_bl, &size);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_deserialize(NULL, 5, &b2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_baseline_deserialize(bytes, size, NULL));
  ROW(ATTUNE_E_FORMAT, attune_baseline_deserialize(bytes, size - 1, &b2));
  ROW(ATTUNE_E_FORMAT, attune_baseline_deserialize(bytes, 3, &b2));
  ROW(ATTUNE_E_FORMAT, attune_baseline_deserialize(bytes, 0, &b2));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_baseline_deserialize(wrong, size, &b2));
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_baseline_deserialize((const uint8_t*)big, BIG_BYTES, &b2));
  free(bytes);
  BROW(b2 == NULL);

  /* Hesitation detector. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_create(0, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_create(NAN, &h2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_product_view(NULL, "p", 1, 1, 2000, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_product_view(hd, NULL, 1, 1, 2000, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_product_view(hd, "p", 1, NAN, 2000, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_product_view(hd, "p", 1, -3, 2000, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_product_view(hd, "p", 1, 1, INFINITY, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_hesitation_detector_observe_product_view(hd, bad_utf8, sizeof bad_utf8 - 1, 1, 2000, NULL));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_hesitation_detector_observe_product_view(hd, big, BIG_BYTES, 1, 2000, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_page(hd, 17, 2000));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_page(NULL, 1, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_page(hd, 1, NAN));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_add_to_cart(NULL, "p", 1, 2000));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_add_to_cart(hd, NULL, 1, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_add_to_cart(hd, "p", 1, -INFINITY));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_hesitation_detector_observe_add_to_cart(hd, big, BIG_BYTES, 2000));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_cart_view(NULL, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_cart_view(hd, NAN));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_observe_checkout(NULL, 2000));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_hesitation_detector_observe_checkout(hd, INFINITY));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_reset(NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_score(hd, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_score(NULL, &hs));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_explain(hd, out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_hesitation_detector_explain(hd, out, 1, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_serialize(NULL, (uint8_t*)out, sizeof out, &needed));
  bytes = take_bytes(again_hd, &size);
  ROW(ATTUNE_E_FORMAT, attune_hesitation_detector_deserialize(bytes, size - 1, &h2));
  ROW(ATTUNE_E_FORMAT, attune_hesitation_detector_deserialize(bytes, size / 2, &h2));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_hesitation_detector_deserialize(wrong, size, &h2));
  free(wrong);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_hesitation_detector_deserialize(NULL, 4, &h2));
  BIG(ATTUNE_E_FORMAT, attune_hesitation_detector_deserialize((const uint8_t*)big, BIG_BYTES, &h2));
  free(bytes);
  BROW(h2 == NULL);

  /* Engagement monitor. */
  attune_engagement_options_init(&eo);
  eo.struct_size = 2;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_create(&eo, &m2));
  attune_engagement_options_init(&eo);
  eo.min_drop = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_create(&eo, &m2));
  attune_engagement_options_init(&eo);
  eo.warmup_days = 60000;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_create(&eo, &m2));
  attune_engagement_options_init(&eo);
  eo.arl0_days = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_create(&eo, &m2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_create(NULL, NULL));
  BROW(m2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_observe(NULL, 1e7, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe(mon, NAN, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe(mon, 1e7, -1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe(mon, 1e7, INFINITY));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe(mon, 1e300, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe_day(mon, 100, NAN));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_observe_day(mon, 99, 1)); /* going back */
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_observe_day(mon, INT32_MAX, 1)); /* huge gap */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_observe_day(mon, INT32_MIN, 1));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_observe_day(NULL, 101, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_advance_to(mon, NAN));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engagement_monitor_advance_to(mon, 1e300));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_advance_to(NULL, 1));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_status(mon, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_status(NULL, &es));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_engagement_monitor_serialize(mon, NULL, 0, &needed));
  bytes = take_bytes(again_mon, &size);
  ROW(ATTUNE_E_FORMAT, attune_engagement_monitor_deserialize(bytes, size - 1, &m2));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_engagement_monitor_deserialize(wrong, size, &m2));
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_engagement_monitor_deserialize((const uint8_t*)big, BIG_BYTES, &m2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engagement_monitor_deserialize(bytes, size, NULL));
  free(bytes);
  BROW(m2 == NULL);

  /* State transitions. */
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_create(NAN, &s2));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_create(INFINITY, &s2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_create(1, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_observe(stt, 8, 0, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_observe(stt, 0, -1, 1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_observe(stt, 0, 1, NAN));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_observe(stt, 0, 1, -1));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_observe(stt, 0, 1, INFINITY));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_observe(NULL, 0, 1, 1));
  ROW(ATTUNE_E_NOT_FOUND, attune_state_transitions_observe_names(stt, names, 3));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_observe_names(stt, null_names, 2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_observe_names(stt, NULL, 2));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_predict(stt, 99, probs));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_predict(stt, 0, NULL));
  for (i = 0; i < ATTUNE_STATE_COUNT; ++i) state[i] = 0.5f;
  state[2] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_predict_vector(stt, state, probs));
  state[2] = 7.0f;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_predict_vector(stt, state, probs));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_state_transitions_churn_risk(stt, state, state, &cr));
  state[2] = 0.5f;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_predict_vector(stt, NULL, probs));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_churn_risk(stt, state, NULL, &cr));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_churn_risk(stt, state, state, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_state_transitions_to_json(stt, out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_state_transitions_to_json(stt, out, 4, &needed));
  bytes = take_bytes(again_stt, &size);
  ROW(ATTUNE_E_FORMAT, attune_state_transitions_deserialize(bytes, size - 1, &s2));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_state_transitions_deserialize(wrong, size, &s2));
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_state_transitions_deserialize((const uint8_t*)big, BIG_BYTES, &s2));
  free(bytes);
  BROW(s2 == NULL);

  /* Turn risk. */
  turns[0].text = "this is useless";
  turns[0].text_len = 15;
  turns[0].customer = true;
  turns[1].text = bad_utf8;
  turns[1].text_len = sizeof bad_utf8 - 1;
  turns[1].customer = false;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_model_create(NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_predict(NULL, turns, 1, &prob));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_predict(trm, NULL, 1, &prob));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_predict(trm, turns, 1, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_turn_risk_predict(trm, turns, 2, &prob));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_turn_risk_predict(trm, turns, (size_t)1 << 40, &prob));
  ROW(ATTUNE_E_INVALID_UTF8, attune_turn_risk_explain(trm, turns, 2, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_explain(trm, turns, 1, out, sizeof out, NULL));
  turns[1].text = big;
  turns[1].text_len = BIG_BYTES;
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_turn_risk_predict(trm, turns, 2, &prob));
  turns[1].text = NULL;
  turns[1].text_len = 3;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_predict(trm, turns, 2, &prob));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_turn_risk_model_deserialize(NULL, 3, &t2));
  ROW(ATTUNE_E_FORMAT, attune_turn_risk_model_deserialize((const uint8_t*)"ATTR", 4, &t2));
  ROW(ATTUNE_E_VERSION, attune_turn_risk_model_deserialize((const uint8_t*)"ATTR\x63\x00\x00\x00", 8, &t2));
  BIG(ATTUNE_E_FORMAT, attune_turn_risk_model_deserialize((const uint8_t*)big, BIG_BYTES, &t2));
  BROW(t2 == NULL);

  /* Next best action. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_load("x.json", NULL));
  ROW(ATTUNE_E_IO, attune_next_best_action_load("/nonexistent/nba.json", &n2));
  ROW(ATTUNE_E_IO, attune_next_best_action_load("/", &n2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_from_json(NULL, 4, &n2));
  ROW(ATTUNE_E_PARSE, attune_next_best_action_from_json("{", 1, &n2));
  ROW(ATTUNE_E_PARSE, attune_next_best_action_from_json(nba_dup, strlen(nba_dup), &n2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_from_json(nba_unknown, strlen(nba_unknown), &n2));
  ROW(ATTUNE_E_VERSION, attune_next_best_action_from_json(nba_version, strlen(nba_version), &n2));
  ROW(ATTUNE_E_INVALID_UTF8, attune_next_best_action_from_json(bad_utf8, sizeof bad_utf8 - 1, &n2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_next_best_action_from_json(deep, DEEP_LEVELS, &n2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_next_best_action_from_json(deep_obj, strlen(deep_obj), &n2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_next_best_action_from_json(deep_closed, 2 * DEEP_LEVELS, &n2));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_next_best_action_from_json(big, BIG_BYTES, &n2));
  BROW(n2 == NULL);
  for (i = 0; i < ATTUNE_STATE_COUNT; ++i) state[i] = 0.2f;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_recommend(NULL, state, 0, 0, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_recommend(nba, NULL, 0, 0, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_recommend(nba, state, 0, 0, out, sizeof out, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_next_best_action_recommend(nba, state, 0x80000000u, 0, out, sizeof out, &needed));
  state[0] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_next_best_action_recommend(nba, state, 0, 0, out, sizeof out, &needed));
  state[0] = -0.5f;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_next_best_action_recommend(nba, state, 0, 0, out, sizeof out, &needed));
  state[0] = 0.2f;
  ROW(ATTUNE_OK, attune_next_best_action_recommend(nba, state, 0, (size_t)-1, out, sizeof out, &needed));
}

static void rows_select(void) {
  attune_catalog* c2 = NULL;
  attune_policy* p2 = NULL;
  attune_selector* s2 = NULL;
  attune_policy_options po;
  attune_selector_options so;
  attune_customer cu;
  attune_decision dec;
  attune_choice ch;
  double ctx[3] = {0.1, 0.2, 0.3}, probs[3], intents[1] = {0.5}, attrs[6] = {0};
  uint32_t allowed[2] = {0, 7}, one[1] = {1};
  size_t n = 0, needed = 0, size = 0;
  uint64_t u = 0;
  char out[256];
  uint8_t *bytes, *wrong;
  const char* cat_dup = "{\"slots\":[],\"slots\":[]}";
  const char* cat_unknown = "{\"slots\":[{\"id\":\"s\",\"variants\":[{\"id\":\"a\",\"safe_default\":true,\"colour\":1}]}]}";
  const char* cat_two_defaults =
      "{\"slots\":[{\"id\":\"s\",\"variants\":[{\"id\":\"a\",\"safe_default\":true},{\"id\":\"b\",\"safe_default\":true}]}]}";
  const char* cat_version = "{\"version\":99,\"slots\":[{\"id\":\"s\",\"variants\":[{\"id\":\"a\",\"safe_default\":true}]}]}";
  const char* cat_bad_id = "{\"slots\":[{\"id\":\"s p a c e\",\"variants\":[{\"id\":\"a\",\"safe_default\":true}]}]}";
  clock_t start;

  VROW(attune_catalog_free(NULL));
  VROW(attune_policy_free(NULL));
  VROW(attune_selector_free(NULL));
  VROW(attune_policy_options_init(NULL));
  VROW(attune_selector_options_init(NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_from_json(NULL, 3, &c2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_from_json(kCatalog, strlen(kCatalog), NULL));
  ROW(ATTUNE_E_PARSE, attune_catalog_from_json("", 0, &c2));
  ROW(ATTUNE_E_PARSE, attune_catalog_from_json(cat_dup, strlen(cat_dup), &c2)); /* duplicate keys rejected */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_from_json(cat_unknown, strlen(cat_unknown), &c2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_from_json(cat_two_defaults, strlen(cat_two_defaults), &c2));
  ROW(ATTUNE_E_VERSION, attune_catalog_from_json(cat_version, strlen(cat_version), &c2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_from_json(cat_bad_id, strlen(cat_bad_id), &c2));
  ROW(ATTUNE_E_PARSE, attune_catalog_from_json(bad_utf8, sizeof bad_utf8 - 1, &c2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_from_json(deep, DEEP_LEVELS, &c2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_from_json(deep_closed, 2 * DEEP_LEVELS, &c2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_from_json(deep_obj, strlen(deep_obj), &c2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_from_json(deep_version, strlen(deep_version), &c2));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_from_json(big, BIG_BYTES, &c2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_load(NULL, &c2));
  ROW(ATTUNE_E_IO, attune_catalog_load("/nonexistent/catalog.json", &c2));
  BROW(c2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_slot_count(NULL, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_slot_count(cat, NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_slot_index(cat, "nope", &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_slot_index(cat, NULL, &n));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_catalog_slot_index(cat, big, &n));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_variant_count(cat, 5, &n));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_variant_count(cat, (size_t)-1, &n));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_variant_index(cat, 0, "nope", &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_variant_index(cat, 0, NULL, &n));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_variant_id(cat, 0, 99, out, sizeof out, &needed));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_catalog_variant_id(cat, 0, 0, out, 2, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_variant_id(cat, 0, 0, out, sizeof out, NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_catalog_safe_default(cat, 9, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_safe_default(cat, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_context_dim(NULL, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_catalog_context_dim(cat, NULL));

  /* Policy. */
  attune_policy_options_init(&po);
  po.kind = 9;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_create(&po, 3, 3, NULL, 0, &p2));
  attune_policy_options_init(&po);
  po.regularization = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_create(&po, 3, 3, NULL, 0, &p2));
  attune_policy_options_init(&po);
  po.forgetting = 0;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_create(&po, 3, 3, NULL, 0, &p2));
  attune_policy_options_init(&po);
  po.struct_size = 0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_create(&po, 3, 3, NULL, 0, &p2));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_policy_create(NULL, (size_t)1 << 40, 3, NULL, 0, &p2));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_policy_create(NULL, 3, (size_t)1 << 40, NULL, 0, &p2));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_policy_create(NULL, 3, 0, NULL, 0, &p2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_create(NULL, 3, 3, NULL, 2, &p2));
  attrs[1] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_create(NULL, 3, 3, attrs, 2, &p2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_create(NULL, 3, 3, NULL, 0, NULL));
  BROW(p2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_choose(NULL, ctx, 3, NULL, 0, &ch));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_choose(pol, ctx, 2, NULL, 0, &ch));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_choose(pol, NULL, 3, NULL, 0, &ch));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_choose(pol, ctx, 3, NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_choose(pol, ctx, 3, NULL, 5, &ch));
  ROW(ATTUNE_E_NOT_FOUND, attune_policy_choose(pol, ctx, 3, allowed, 2, &ch));
  ctx[1] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_choose(pol, ctx, 3, NULL, 0, &ch));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_probabilities(pol, ctx, 3, NULL, 0, probs, 3));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, 1.0, 0.5));
  ctx[1] = 0.2;
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_policy_probabilities(pol, ctx, 3, NULL, 0, probs, 2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_probabilities(pol, ctx, 3, NULL, 0, NULL, 3));
  ROW(ATTUNE_E_NOT_FOUND, attune_policy_probabilities(pol, ctx, 3, allowed, 2, probs, 3));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, NAN, 0.5));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, INFINITY, 0.5));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, 1e300, 0.5));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, 1.0, 0.0));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, 1.0, 1.5));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_policy_learn(pol, ctx, 3, 0, 1.0, NAN));
  ROW(ATTUNE_E_NOT_FOUND, attune_policy_learn(pol, ctx, 3, 99, 1.0, 0.5));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_learn(pol, ctx, 1, 0, 1.0, 0.5));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_learn(NULL, ctx, 3, 0, 1.0, 0.5));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_save(pol, NULL, 0, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_policy_save(pol, NULL, 0, &needed));
  bytes = take_bytes(again_pol, &size);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_load(NULL, 4, 0, &p2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_load(bytes, size, 0, NULL));
  ROW(ATTUNE_E_FORMAT, attune_policy_load(bytes, size - 1, 0, &p2));
  ROW(ATTUNE_E_FORMAT, attune_policy_load(bytes, size / 2, 0, &p2));
  ROW(ATTUNE_E_FORMAT, attune_policy_load(bytes, 0, 0, &p2));
  wrong = with_byte(bytes, size, 8, 99);
  ROW(ATTUNE_E_VERSION, attune_policy_load(wrong, size, 0, &p2));
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_policy_load((const uint8_t*)big, BIG_BYTES, 0, &p2));
  free(bytes);
  BROW(p2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_merge(NULL, pol, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_merge(pol, NULL, NULL));
  ROW(ATTUNE_OK, attune_policy_merge(pol, pol, pol)); /* aliasing is defined: into += into - into */
  SETUP(attune_policy_create(NULL, 2, 3, NULL, 0, &p2)); /* another shape */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_merge(pol, p2, NULL));
  attune_policy_free(p2);
  p2 = NULL;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_updates(NULL, &u));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_policy_updates(pol, NULL));

  /* Selector. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_create(NULL, NULL, &s2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_create(cat, NULL, NULL));
  attune_selector_options_init(&so);
  so.max_pending = (uint64_t)1 << 40;
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_selector_create(cat, &so, &s2));
  attune_selector_options_init(&so);
  so.max_pending = 0;
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_selector_create(cat, &so, &s2));
  attune_selector_options_init(&so);
  so.reward_min = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_create(cat, &so, &s2));
  attune_selector_options_init(&so);
  so.reward_min = 2;
  so.reward_max = 1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_create(cat, &so, &s2));
  attune_selector_options_init(&so);
  so.pending_ttl_s = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_create(cat, &so, &s2));
  BROW(s2 == NULL);

  memset(&cu, 0, sizeof cu);
  cu.struct_size = sizeof cu;
  cu.intents = intents;
  cu.intent_count = 1;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(NULL, "cta", &cu, NULL, 0, 200, &dec));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, NULL, &cu, NULL, 0, 200, &dec));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", NULL, NULL, 0, 200, &dec));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_selector_decide(sel, "nope", &cu, NULL, 0, 200, &dec));
  ROW(ATTUNE_E_NOT_FOUND, attune_selector_decide(sel, "cta", &cu, allowed, 2, 200, &dec));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", &cu, one, 0, 200, &dec));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_decide(sel, "cta", &cu, NULL, 0, NAN, &dec));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_decide(sel, "cta", &cu, NULL, 0, INFINITY, &dec));
  cu.intent_count = 5;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, &dec));
  cu.intent_count = 1;
  cu.intents = NULL;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, &dec));
  cu.intents = intents;
  intents[0] = 3.0;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, &dec));
  intents[0] = 0.5;
  cu.states[3] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, &dec));
  cu.states[3] = 0;
  cu.struct_size = 4;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_decide(sel, "cta", &cu, NULL, 0, 200, &dec));
  cu.struct_size = sizeof cu;

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_reward(NULL, selector_decision_id, 1, 200));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_reward(sel, selector_decision_id, NAN, 200));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_reward(sel, selector_decision_id, -INFINITY, 200));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_reward(sel, selector_decision_id, 1.5, 200));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_reward(sel, selector_decision_id, 1, NAN));
  ROW(ATTUNE_E_NOT_FOUND, attune_selector_reward(sel, 0xDEADBEEFULL, 1, 200));
  ROW(ATTUNE_E_NOT_FOUND, attune_selector_reward(sel, UINT64_MAX, 1, 200));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse(NULL, &u));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse("abc", NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse("", &u));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse("xyz", &u));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse("00000000000000001", &u)); /* 17 digits */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_decision_id_parse("-1", &u));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_decision_id_parse(big, &u));
  ROW(ATTUNE_OK, attune_decision_id_parse("ffffffffffffffff", &u));
  BROW(u == UINT64_MAX);

  ROW(ATTUNE_E_OUT_OF_RANGE, attune_selector_expire(sel, NAN, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_expire(NULL, 1, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_pending(NULL, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_pending(sel, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_save(sel, NULL, 0, NULL));
  bytes = take_bytes(again_sel, &size);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_load(NULL, bytes, size));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_load(sel, NULL, 5));
  ROW(ATTUNE_E_FORMAT, attune_selector_load(sel, bytes, size - 1));
  ROW(ATTUNE_E_FORMAT, attune_selector_load(sel, bytes, size / 2));
  ROW(ATTUNE_E_FORMAT, attune_selector_load(sel, bytes, 0));
  wrong = with_byte(bytes, size, 8, 99);
  ROW(ATTUNE_E_VERSION, attune_selector_load(sel, wrong, size));
  free(wrong);
  wrong = with_byte(bytes, size, 12, (uint8_t)(bytes[12] ^ 1)); /* another catalog's fingerprint */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_load(sel, wrong, size));
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_selector_load(sel, (const uint8_t*)big, BIG_BYTES));
  free(bytes);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_merge(NULL, sel, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_selector_merge(sel, NULL, NULL));
}

static void rows_ope(void) {
  attune_ope_options o;
  attune_ope_result r;
  struct {
    attune_ope_result r;
    unsigned char guard[GUARD_BYTES];
  } g;
  double rew[4] = {1, 0, 1, 0}, prop[4] = {0.5, 0.5, 0.5, 0.5}, tgt[4] = {0.5, 0.5, 1, 0};
  double q[4] = {0.5, 0.5, 0.5, 0.5};
  int64_t act[4] = {0, 1, 0, 1};
  double mat[8] = {0.5, 0.5, 0.5, 0.5, 1, 0, 0, 1};

  VROW(attune_ope_options_init(NULL));
  VROW(attune_ope_result_init(NULL));
  attune_ope_options_init(&o);
  attune_ope_result_init(&r);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate(ATTUNE_OPE_IPS, NULL, prop, tgt, NULL, NULL, 4, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate(ATTUNE_OPE_IPS, rew, prop, tgt, NULL, NULL, 4, NULL, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate(77, rew, prop, tgt, NULL, NULL, 4, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate(ATTUNE_OPE_IPS, rew, prop, tgt, NULL, NULL, 1, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate(ATTUNE_OPE_DR, rew, prop, tgt, NULL, NULL, 4, NULL, &r));
  prop[2] = 0;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, NULL, &r));
  prop[2] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_snips(rew, prop, tgt, 4, NULL, &r));
  prop[2] = 1.5;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, NULL, &r));
  prop[2] = 0.5;
  rew[1] = INFINITY;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, NULL, &r));
  rew[1] = 0;
  tgt[0] = -0.1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, NULL, &r));
  tgt[0] = 0.5;
  q[3] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_dr(rew, prop, tgt, q, q, 4, NULL, &r));
  q[3] = 0.5;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_dr(rew, prop, tgt, NULL, q, 4, NULL, &r));
  o.confidence = 1.5;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  o.clip = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  o.clip = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  o.interval = ATTUNE_OPE_INTERVAL_BOOTSTRAP;
  o.bootstrap_resamples = 0xFFFFFFFFu;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  o.interval = 5;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  o.struct_size = 1;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  r.struct_size = 3;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_ips(rew, prop, tgt, 4, NULL, &r));
  attune_ope_result_init(&r);
  memset(&g, 0xA5, sizeof g);
  g.r.struct_size = 0xFFFFFFFFu;
  ROW(ATTUNE_OK, attune_ope_ips(rew, prop, tgt, 4, NULL, &g.r));
  BROW(guard_intact(g.guard));
  o.struct_size = 0xFFFFFFFFu; /* a newer caller's larger options: the known prefix is read */
  ROW(ATTUNE_OK, attune_ope_ips(rew, prop, tgt, 4, &o, &r));
  attune_ope_options_init(&o);
  tgt[0] = 0; tgt[1] = 0; tgt[2] = 0; tgt[3] = 0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_snips(rew, prop, tgt, 4, NULL, &r));
  tgt[0] = 0.5; tgt[1] = 0.5; tgt[2] = 1; tgt[3] = 0;

  ROW(ATTUNE_OK, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, 4, 2, NULL, &r));
  act[1] = 2;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, 4, 2, NULL, &r));
  act[1] = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, 4, 2, NULL, &r));
  act[1] = 1;
  mat[0] = 0.9; /* row no longer sums to 1 */
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, 4, 2, NULL, &r));
  mat[0] = 0.5;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate_matrix(ATTUNE_OPE_DR, act, rew, prop, mat, NULL, 4, 2, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, NULL, rew, prop, mat, NULL, 4, 2, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, 4, 0, NULL, &r));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, act, rew, prop, mat, NULL, (size_t)1 << 62, (size_t)1 << 62, NULL, &r));
}

static void rows_audit(void) {
  attune_audit_verify_result res;
  char pseudo[ATTUNE_AUDIT_PSEUDONYM_CHARS + 1];
  const char* salt = "0123456789abcdef0123";
  char path[64];
  FILE* f;
  clock_t start;

  VROW(attune_audit_verify_result_init(NULL));
  attune_audit_verify_result_init(&res);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_verify(NULL, &res));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_verify("/tmp/x", NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_audit_verify("/nonexistent/audit.log", &res));
  res.struct_size = 4;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_verify("/nonexistent/audit.log", &res));
  attune_audit_verify_result_init(&res);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_verify_anchored("/nonexistent/audit.log", 1, NULL, &res));
  ROW(ATTUNE_E_NOT_FOUND, attune_audit_verify_anchored("/nonexistent/audit.log", 1, "zz", &res));
  /* A damaged log is a result, not an error: ok = false with a reason. */
  snprintf(path, sizeof path, "/tmp/attune_hostile_audit_%ld.log", (long)clock());
  f = fopen(path, "wb");
  if (f) {
    fputs("{\"seq\":1,\"prev\":\"00\",\"event\":\"x\"}\n{\"seq\":2", f);
    fputs(deep, f);
    fclose(f);
    ROW(ATTUNE_OK, attune_audit_verify(path, &res));
    BROW(!res.ok && res.first_bad_line >= 1 && res.reason[0] != '\0');
    remove(path);
  }
  /* A line under the 64 KiB line limit whose field nests 30,000 levels: verified without
   * recursing once per level (the hash is recomputed over the line). */
  f = fopen(path, "wb");
  if (f) {
    int i;
    fputs("{\"seq\":1,\"time\":1,\"kind\":\"x\",\"prev\":\"00\",\"x\":", f);
    for (i = 0; i < 30000; ++i) fputc('[', f);
    for (i = 0; i < 30000; ++i) fputc(']', f);
    fputs(",\"hash\":\"00\"}\n", f);
    fclose(f);
    attune_audit_verify_result_init(&res);
    ROW(ATTUNE_OK, attune_audit_verify(path, &res));
    BROW(!res.ok && res.first_bad_line == 1);
    remove(path);
  }

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_pseudonymize(NULL, 20, "c1", 2, pseudo));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_pseudonymize(salt, 5, "c1", 2, pseudo));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_pseudonymize(salt, 20, "", 0, pseudo));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_pseudonymize(salt, 20, NULL, 2, pseudo));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_audit_pseudonymize(salt, 20, "c1", 2, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_audit_pseudonymize(salt, 20, bad_utf8, sizeof bad_utf8 - 1, pseudo));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_audit_pseudonymize(salt, 20, big, BIG_BYTES, pseudo));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_audit_pseudonymize(big, BIG_BYTES, "c1", 2, pseudo));
}

static void rows_ethics(void) {
  attune_consent_registry* r2 = NULL;
  attune_guardrails* g2 = NULL;
  attune_guardrail_context ctx;
  attune_guardrail_outcome outc;
  attune_guardrail_candidate cands[2];
  const char* tags_u[1] = {"urgency"};
  uint8_t allowed[2];
  float states[ATTUNE_STATE_COUNT] = {0};
  bool flag = false;
  char out[4096];
  size_t needed = 0, size = 0, n = 0;
  uint8_t *bytes, *wrong;
  const char* gr_dup = "{\"version\":1,\"version\":1,\"rules\":[]}";
  const char* gr_unknown = "{\"version\":1,\"rules\":[],\"zz\":true}";
  const char* gr_version = "{\"version\":99,\"rules\":[]}";
  const char* req_dup = "{\"now_ms\":1,\"now_ms\":2,\"candidates\":[]}";
  const char* req_nan = "{\"now_ms\":1700000000000,\"states\":{\"anxiety\":1e999},\"candidates\":[{\"id\":\"a\",\"tags\":[]}]}";
  clock_t start;

  VROW(attune_consent_registry_free(NULL));
  VROW(attune_guardrails_free(NULL));
  VROW(attune_guardrail_context_init(NULL));
  VROW(attune_guardrail_outcome_init(NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_create(NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(NULL, "c", 1, "profiling", T0, -1, NULL, 0));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(reg, NULL, 1, "profiling", T0, -1, NULL, 0));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(reg, "", 0, "profiling", T0, -1, NULL, 0));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(reg, "c", 1, "marketing", T0, -1, NULL, 0));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(reg, "c", 1, NULL, T0, -1, NULL, 0));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_grant(reg, "c", 1, "profiling", -5, -1, NULL, 0));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_grant(reg, "c", 1, "profiling", INT64_MAX, -1, NULL, 0));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_grant(reg, "c", 1, "profiling", T0, T0 - 1, NULL, 0));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_grant(reg, "c", 1, "profiling", T0, INT64_MIN, NULL, 0));
  ROW(ATTUNE_E_INVALID_UTF8, attune_consent_registry_grant(reg, bad_utf8, sizeof bad_utf8 - 1, "profiling", T0, -1, NULL, 0));
  ROW(ATTUNE_E_INVALID_UTF8, attune_consent_registry_grant(reg, "c", 1, "profiling", T0, -1, lone_cont, 1));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_grant(reg, "c", 1, "profiling", T0, -1, NULL, 4));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_consent_registry_grant(reg, long_id, strlen(long_id), "profiling", T0, -1, NULL, 0));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_consent_registry_grant(reg, big, BIG_BYTES, "profiling", T0, -1, NULL, 0));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_consent_registry_grant(reg, "c", 1, "profiling", T0, -1, big, BIG_BYTES));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_revoke(reg, "c1", 2, "nope", T0, NULL, 0, &flag));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_revoke(reg, "c1", 2, "personalization", -1, NULL, 0, &flag));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_consent_registry_revoke(reg, big, BIG_BYTES, "personalization", T0, NULL, 0, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_revoke(NULL, "c1", 2, "personalization", T0, NULL, 0, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_allows(reg, "c1", 2, "personalization", T0, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_allows(reg, "c1", 2, "personalization", -1, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_allows(reg, "c1", 2, "x", T0, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_forget(NULL, "c1", 2, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_forget(reg, NULL, 2, &flag));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_consent_registry_forget(reg, big, BIG_BYTES, &flag));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_record_json(reg, "c1", 2, T0, out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_consent_registry_record_json(reg, "c1", 2, T0, out, 1, &needed));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_consent_registry_record_json(reg, "c1", 2, -1, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_serialize(reg, NULL, 0, NULL));
  bytes = take_bytes(again_reg, &size);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_deserialize(NULL, bytes, size));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_deserialize(reg, NULL, 5));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize(reg, bytes, size - 1));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize(reg, bytes, size / 2));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize(reg, bytes, 0));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_consent_registry_deserialize(reg, wrong, size));
  free(wrong);
  wrong = with_byte(bytes, size, size - 3, (uint8_t)(bytes[size - 3] ^ 0x55));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize(reg, wrong, size)); /* checksum */
  free(wrong);
  BIG(ATTUNE_E_FORMAT, attune_consent_registry_deserialize(reg, (const uint8_t*)big, BIG_BYTES));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize_customer(reg, bytes, size)); /* a registry blob */
  free(bytes);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_serialize_customer(reg, "c1", 2, NULL, 0, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_consent_registry_serialize_customer(reg, "c1", 2, NULL, 0, &needed));
  bytes = (uint8_t*)malloc(needed);
  SETUP(attune_consent_registry_serialize_customer(reg, "c1", 2, bytes, needed, &size));
  ROW(ATTUNE_E_FORMAT, attune_consent_registry_deserialize_customer(reg, bytes, size - 1));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_consent_registry_deserialize_customer(reg, wrong, size));
  free(wrong);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_consent_registry_deserialize_customer(reg, NULL, 3));
  BIG(ATTUNE_E_FORMAT, attune_consent_registry_deserialize_customer(reg, (const uint8_t*)big, BIG_BYTES));
  free(bytes);

  /* Guardrails. */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_from_json(NULL, 3, &g2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_from_json("{}", 2, NULL));
  ROW(ATTUNE_E_PARSE, attune_guardrails_from_json("", 0, &g2));
  ROW(ATTUNE_E_PARSE, attune_guardrails_from_json(gr_dup, strlen(gr_dup), &g2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_from_json(gr_unknown, strlen(gr_unknown), &g2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_from_json(gr_version, strlen(gr_version), &g2));
  ROW(ATTUNE_E_INVALID_UTF8, attune_guardrails_from_json(bad_utf8, sizeof bad_utf8 - 1, &g2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_from_json(deep, DEEP_LEVELS, &g2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_from_json(deep_closed, 2 * DEEP_LEVELS, &g2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_from_json(deep_obj, strlen(deep_obj), &g2));
  /* Found by this table: the message of a bad "version" printed the value, recursing once per
   * level, and 170,000 levels (1 MiB) overflowed the stack. */
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_from_json(deep_version, strlen(deep_version), &g2));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_from_json(big, BIG_BYTES, &g2));
  ROW(ATTUNE_E_IO, attune_guardrails_load("/nonexistent/rules.json", &g2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_load(NULL, NULL));
  BROW(g2 == NULL);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_rule_count(NULL, &n));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_rule_count(gr, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_to_json(gr, out, sizeof out, NULL));
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_guardrails_to_json(gr, out, 2, &needed));

  attune_guardrail_context_init(&ctx);
  attune_guardrail_outcome_init(&outc);
  ctx.now_ms = T0;
  ctx.slot = "product_cta";
  ctx.states = states;
  cands[0].id = "a";
  cands[0].tags = tags_u;
  cands[0].tag_count = 1;
  cands[1].id = "b";
  cands[1].tags = NULL;
  cands[1].tag_count = 0;
  ROW(ATTUNE_OK, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(NULL, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, NULL, cands, 2, allowed, &outc, NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, NULL, 2, allowed, &outc, NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, NULL, &outc, NULL, 0, NULL));
  states[1] = NAN;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  states[1] = 4.0f;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  states[1] = 0.0f;
  ctx.now_ms = -1;
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ctx.now_ms = T0;
  ctx.slot_tag_count = 3; /* with slot_tags NULL */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ctx.slot_tag_count = 0;
  ctx.peak_count = 2; /* with peaks NULL */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ctx.peak_count = 0;
  ctx.recent_decision_count = (size_t)1 << 40;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ctx.recent_decision_count = 0;
  cands[1].id = NULL;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  cands[1].id = bad_utf8;
  ROW(ATTUNE_E_INVALID_UTF8, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  cands[1].id = "b";
  cands[1].tag_count = 1; /* tags NULL */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  cands[1].tag_count = 0;
  ctx.struct_size = 8;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  ctx.struct_size = sizeof ctx;
  outc.struct_size = 1;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, NULL, 0, NULL));
  attune_guardrail_outcome_init(&outc);
  ROW(ATTUNE_E_BUFFER_TOO_SMALL, attune_guardrails_evaluate(gr, &ctx, cands, 2, allowed, &outc, out, 3, &needed));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate(gr, &ctx, cands, (size_t)1 << 40, allowed, &outc, NULL, 0, NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate_json(gr, NULL, 4, out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_guardrails_evaluate_json(gr, "{}", 2, out, sizeof out, NULL));
  ROW(ATTUNE_E_PARSE, attune_guardrails_evaluate_json(gr, req_dup, strlen(req_dup), out, sizeof out, &needed));
  ROW(ATTUNE_E_PARSE, attune_guardrails_evaluate_json(gr, req_nan, strlen(req_nan), out, sizeof out, &needed));
  ROW(ATTUNE_E_INVALID_UTF8, attune_guardrails_evaluate_json(gr, bad_utf8, sizeof bad_utf8 - 1, out, sizeof out, &needed));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate_json(gr, deep, DEEP_LEVELS, out, sizeof out, &needed));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate_json(gr, deep_closed, 2 * DEEP_LEVELS, out, sizeof out, &needed));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate_json(gr, deep_obj, strlen(deep_obj), out, sizeof out, &needed));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate_json(gr, deep_version, strlen(deep_version), out, sizeof out, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_guardrails_evaluate_json(gr, big, BIG_BYTES, out, sizeof out, &needed));
  (void)r2;
}

static void rows_engine(void) {
  attune_engine* e2 = NULL;
  attune_engine_decision d;
  struct {
    attune_engine_decision d;
    unsigned char guard[GUARD_BYTES];
  } g;
  char* json = NULL;
  const char* names[2] = {"is_mobile", "is_mobile"};
  const char* null_name[1] = {NULL};
  double values[2] = {1, 0}, nan_value[1] = {NAN};
  size_t needed = 0, size = 0;
  uint8_t *bytes, *wrong;
  const char* cfg_dup = "{\"seed\":1,\"seed\":2}";
  const char* cfg_unknown = "{\"sead\":1}";
  const char* cfg_utf8 = "{\"audit_salt\":\"\xC3\x28\"}";
  const char* cfg_range = "{\"limits\":{\"max_profiles\":-1}}";
  const char* cfg_nan = "{\"memory\":{\"state_half_life_hours\":1e999}}";
  const char* ev_dup = "{\"type\":\"track\",\"userId\":\"c1\",\"userId\":\"c2\",\"event\":\"Product Viewed\","
                       "\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  const char* ev_c2 = "{\"type\":\"track\",\"userId\":\"c2\",\"event\":\"Product Viewed\",\"properties\":{\"price\":-1},"
                      "\"timestamp\":\"2026-11-28T10:00:00Z\"}";
  clock_t start;

  VROW(attune_engine_free(NULL));
  VROW(attune_string_free(NULL));
  VROW(attune_engine_decision_init(NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_create("{}", 2, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_create(NULL, 5, &e2));
  ROW(ATTUNE_E_PARSE, attune_engine_create("{", 1, &e2));
  ROW(ATTUNE_E_PARSE, attune_engine_create(cfg_dup, strlen(cfg_dup), &e2)); /* duplicate keys rejected */
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_create(cfg_unknown, strlen(cfg_unknown), &e2));
  ROW(ATTUNE_E_INVALID_UTF8, attune_engine_create(cfg_utf8, strlen(cfg_utf8), &e2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_create(cfg_range, strlen(cfg_range), &e2));
  ROW(ATTUNE_E_PARSE, attune_engine_create(cfg_nan, strlen(cfg_nan), &e2));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_create("[]", 2, &e2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_create(deep, DEEP_LEVELS, &e2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_create(deep_obj, strlen(deep_obj), &e2));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_create(deep_closed, 2 * DEEP_LEVELS, &e2));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_create(big, BIG_BYTES, &e2));
  BROW(e2 == NULL);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(NULL, "c1", "chat", "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(eng, NULL, "chat", "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(eng, "c1", NULL, "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(eng, "c1", "fax", "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(eng, "c1", "chat", NULL, 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_text(eng, "", "chat", "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_engine_observe_text(eng, "c1", "chat", bad_utf8, sizeof bad_utf8 - 1, T0 + 5, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_engine_observe_text(eng, bad_utf8, "chat", "hi", 2, T0 + 5, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_observe_text(eng, "c1", "chat", "hi", 2, -1, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_observe_text(eng, "c1", "chat", "hi", 2, INT64_MAX, NULL));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_text(eng, long_id, "chat", "hi", 2, T0 + 5, NULL));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_text(eng, "c1", "chat", big, BIG_BYTES, T0 + 5, &json));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_text(eng, big, "chat", "hi", 2, T0 + 5, &json));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_text(eng, "c2", "chat", big, BIG_BYTES, T0 + 5, NULL));
  BROW(json == NULL);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_event(NULL, kView, strlen(kView), NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_event(eng, NULL, 3, NULL));
  ROW(ATTUNE_E_PARSE, attune_engine_observe_event(eng, "{", 1, NULL));
  ROW(ATTUNE_E_PARSE, attune_engine_observe_event(eng, ev_dup, strlen(ev_dup), NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_observe_event(eng, ev_c2, strlen(ev_c2), NULL));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_event(eng, deep, DEEP_LEVELS, NULL));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_event(eng, deep_closed, 2 * DEEP_LEVELS, NULL));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_event(eng, big, BIG_BYTES, &json));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_signal(NULL, "c1", "web", "typing", 1, T0 + 5));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_observe_signal(eng, "c1", "web", NULL, 1, T0 + 5));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_observe_signal(eng, "c1", "web", "not_configured", 1, T0 + 5));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_observe_signal(eng, "c1", "web", big, 1, T0 + 5));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_observe_signal(eng, "c1", "web", "not_configured", NAN, T0 + 5));

  attune_engine_decision_init(&d);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(NULL, "c1", "product_cta", T0 + 5, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, NULL, "product_cta", T0 + 5, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", NULL, T0 + 5, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, NULL, NULL, 0, NULL, NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_decide(eng, "c1", "nope", T0 + 5, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_decide(eng, "c2", "nope", T0 + 5, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, NULL, NULL, 1, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, names, values, 2, &d, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, null_name, values, 1, &d, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, names, nan_value, 1, &d, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_decide(eng, "c2", "product_cta", T0 + 5, names, nan_value, 1, &d, NULL));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, names, values, (size_t)1 << 40, &d, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_decide(eng, "c1", "product_cta", -7, NULL, NULL, 0, &d, NULL));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_decide(eng, long_id, "product_cta", T0 + 5, NULL, NULL, 0, &d, NULL));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_decide(eng, big, "product_cta", T0 + 5, NULL, NULL, 0, &d, NULL));
  d.struct_size = 0;
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_decide(eng, "c1", "product_cta", T0 + 5, NULL, NULL, 0, &d, NULL));
  memset(&g, 0xA5, sizeof g);
  g.d.struct_size = 0xFFFFFFFFu;
  ROW(ATTUNE_OK, attune_engine_decide(eng, "c3", "product_cta", T0 + 5, NULL, NULL, 0, &g.d, NULL));
  BROW(guard_intact(g.guard));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_reward(NULL, engine_decision_id, 1, T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_reward(eng, NULL, 1, T0 + 6));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_reward(eng, engine_decision_id, NAN, T0 + 6));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_reward(eng, engine_decision_id, INFINITY, T0 + 6));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_reward(eng, engine_decision_id, -0.5, T0 + 6));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_reward(eng, engine_decision_id, 1e300, T0 + 6));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_reward(eng, engine_decision_id, 1, -1));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_reward(eng, "0123456789abcdef", 1, T0 + 6));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_reward(eng, "not hex", 1, T0 + 6)); /* no such decision */
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_reward(eng, big, 1, T0 + 6));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(NULL, "c1", "1", "[\"joy\"]", T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(eng, "c1", "1", NULL, T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(eng, "c1", NULL, "[\"joy\"]", T0 + 6));
  ROW(ATTUNE_E_PARSE, attune_engine_correct(eng, "c1", "1", "[\"joy\"", T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(eng, "c1", "1", "{\"joy\":1}", T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(eng, "c1", "1", "[1]", T0 + 6));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_correct(eng, "c1", "1", "[\"grumpiness\"]", T0 + 6));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_correct(eng, "c1", "1", "[]", T0 + 6));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_correct(eng, "c1", "no-such-observation", "[\"joy\"]", T0 + 6));
  ROW(ATTUNE_E_INVALID_UTF8, attune_engine_correct(eng, "c1", "1", "[\"\xC3\x28\"]", T0 + 6));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_correct(eng, "c1", "1", deep, T0 + 6));
  DEEP(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_correct(eng, "c1", "1", deep_closed, T0 + 6));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_correct(eng, "c1", "1", big, T0 + 6));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_consent(NULL, "c1", "profiling", true, T0, -1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_consent(eng, NULL, "profiling", true, T0, -1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_consent(eng, "c2", NULL, true, T0, -1, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_consent(eng, "c2", "marketing", true, T0, -1, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_consent(eng, "c2", "profiling", true, -1, -1, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_consent(eng, "c2", "profiling", true, T0, T0 - 5, NULL));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_consent(eng, "c2", "profiling", true, T0, INT64_MAX, NULL));
  ROW(ATTUNE_E_INVALID_UTF8, attune_engine_consent(eng, "c2", "profiling", true, T0, -1, bad_utf8));
  ROW(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_consent(eng, long_id, "profiling", true, T0, -1, NULL));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_consent(eng, "c2", "profiling", true, T0, -1, big));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_consent(eng, big, "profiling", true, T0, -1, NULL));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_forget(NULL, "c1", T0 + 7, false));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_forget(eng, NULL, T0 + 7, false));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_forget(eng, "c1", -1, false));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_forget(eng, big, T0 + 7, false));

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_profile(eng, "c1", T0 + 7, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_profile(NULL, "c1", T0 + 7, &json));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_profile(eng, NULL, T0 + 7, &json));
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_profile(eng, "c1", -1, &json));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_profile(eng, big, T0 + 7, &json));
  BROW(json == NULL);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_export_profile(eng, "c1", NULL, 0, NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_export_profile(NULL, "c1", NULL, 0, &needed));
  ROW(ATTUNE_E_NOT_FOUND, attune_engine_export_profile(eng, "c2", NULL, 0, &needed));
  BIG(ATTUNE_E_LIMIT_EXCEEDED, attune_engine_export_profile(eng, big, NULL, 0, &needed));
  bytes = take_bytes(again_eng, &size);
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_import_profile(NULL, bytes, size, T0 + 8));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_import_profile(eng, NULL, 5, T0 + 8));
  ROW(ATTUNE_E_FORMAT, attune_engine_import_profile(eng, bytes, size - 1, T0 + 8));
  ROW(ATTUNE_E_FORMAT, attune_engine_import_profile(eng, bytes, size / 2, T0 + 8));
  ROW(ATTUNE_E_FORMAT, attune_engine_import_profile(eng, bytes, 0, T0 + 8));
  wrong = with_byte(bytes, size, 4, 99);
  ROW(ATTUNE_E_VERSION, attune_engine_import_profile(eng, wrong, size, T0 + 8));
  free(wrong);
  ROW(ATTUNE_E_OUT_OF_RANGE, attune_engine_import_profile(eng, bytes, size, -1));
  BIG(ATTUNE_E_FORMAT, attune_engine_import_profile(eng, big, BIG_BYTES, T0 + 8));
  free(bytes);

  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_snapshot(NULL));
  ROW(ATTUNE_E_INVALID_ARGUMENT, attune_engine_sync(NULL));
}

/* After the table: the state the failing rows left alone still works as before. */
static void rows_after(void) {
  size_t n = 0;
  ROW(ATTUNE_OK, attune_engine_reward(eng, engine_decision_id, 1.0, T0 + 9));
  ROW(ATTUNE_E_DUPLICATE, attune_engine_reward(eng, engine_decision_id, 1.0, T0 + 9));
  ROW(ATTUNE_OK, attune_selector_reward(sel, selector_decision_id, 1.0, 300));
  ROW(ATTUNE_E_DUPLICATE, attune_selector_reward(sel, selector_decision_id, 1.0, 300));
  ROW(ATTUNE_OK, attune_session_tracker_size(tr, &n));
  BROW(n == 1);
}

int main(void) {
  alloc_hostile();
  setup();
  rows_core_and_text();
  rows_emotion();
  rows_behavior();
  rows_dynamics();
  rows_select();
  rows_ope();
  rows_audit();
  rows_ethics();
  rows_engine();
  rows_after();

  attune_engine_free(eng);
  attune_guardrails_free(gr);
  attune_consent_registry_free(reg);
  attune_selector_free(sel);
  attune_policy_free(pol);
  attune_catalog_free(cat);
  attune_next_best_action_free(nba);
  attune_turn_risk_model_free(trm);
  attune_state_transitions_free(stt);
  attune_engagement_monitor_free(mon);
  attune_hesitation_detector_free(hd);
  attune_baseline_free(bl);
  attune_intent_model_free(im);
  attune_session_tracker_free(tr);
  attune_emotion_model_free(em);
  free(big);
  free(deep);
  free(deep_closed);
  free(deep_obj);
  free(deep_version);

  printf("hostile-input table: %d rows (%d with the 100 MB text, slowest %.3f s CPU, one read-only pass %.3f s; "
         "%d with 100,000-deep JSON)\n",
         rows, big_rows, slowest_big, one_pass, deep_rows);
  printf("%d passed, %d failed\n", rows - failures, failures);
  return failures == 0 ? 0 : 1;
}
