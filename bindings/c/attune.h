/*
 * attune.h: the C ABI of attune, an adaptive-empathy personalization engine.
 *
 * Pure C99: only <stddef.h>, <stdint.h> and <stdbool.h>. Link with -lattune. The library never
 * prints and no C++ exception ever crosses this boundary, so hosts built without exceptions or
 * RTTI can use it.
 *
 * Conventions (they hold for every function below unless its comment says otherwise)
 * - Status: every fallible call returns int: ATTUNE_OK (0) or a negative ATTUNE_E_* code from the
 *   table below. On failure no state changed and attune_last_error() describes what went wrong.
 * - Handles: opaque pointers returned through an out-parameter by the create and load functions; each has a
 *   matching free function; passing NULL to it is a no-op. Passing NULL where a handle is required
 *   returns ATTUNE_E_INVALID_ARGUMENT.
 * - Text: UTF-8, as (pointer, byte length). Malformed UTF-8 returns ATTUNE_E_INVALID_UTF8 and the
 *   message names the byte offset. A NULL pointer with length 0 is the empty string.
 * - Ownership: inputs are borrowed for the duration of the call; whatever the library keeps, it
 *   copies. Outputs of fixed size are caller-allocated structs. Variable-size outputs (JSON) use
 *   the two-call pattern: pass a buffer and its capacity; the call always stores the required size
 *   (including the terminating NUL) in *needed and returns ATTUNE_E_BUFFER_TOO_SMALL when the
 *   buffer is NULL or too small, in which case nothing else happened.
 * - Options structs start with `uint32_t struct_size`; fill them with the matching *_init()
 *   function so that callers compiled against an older, smaller struct keep working.
 * - Thread-safety is stated per handle type. Functions without a handle are thread-safe.
 */
#ifndef ATTUNE_H
#define ATTUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(ATTUNE_BUILDING_LIBRARY)
#    define ATTUNE_API __declspec(dllexport)
#  else
#    define ATTUNE_API __declspec(dllimport)
#  endif
#else
#  define ATTUNE_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Version ============================================================================== */

#define ATTUNE_VERSION_MAJOR 0
#define ATTUNE_VERSION_MINOR 1
#define ATTUNE_VERSION_PATCH 0
#define ATTUNE_VERSION_NUMBER (ATTUNE_VERSION_MAJOR * 10000 + ATTUNE_VERSION_MINOR * 100 + ATTUNE_VERSION_PATCH)

/** Version of the linked library, e.g. "0.1.0" (static string). Compare with the macros above to
 *  detect a header/library mismatch. */
ATTUNE_API const char* attune_version(void);
/** Version of the linked library as MAJOR*10000 + MINOR*100 + PATCH. */
ATTUNE_API int attune_version_number(void);

/* ==== Status codes ========================================================================= */

#define ATTUNE_OK 0
#define ATTUNE_E_INVALID_ARGUMENT -1  /* a parameter is malformed or outside its domain */
#define ATTUNE_E_INVALID_UTF8 -2      /* text is not well-formed UTF-8 */
#define ATTUNE_E_OUT_OF_RANGE -3      /* NaN, infinite or out-of-range number */
#define ATTUNE_E_NOT_FOUND -4         /* unknown id (customer, decision, variant) or missing file */
#define ATTUNE_E_DUPLICATE -5         /* operation already applied (e.g. second reward) */
#define ATTUNE_E_LIMIT_EXCEEDED -6    /* input larger than a documented resource limit */
#define ATTUNE_E_BUFFER_TOO_SMALL -7  /* output buffer NULL or too small; see *needed */
#define ATTUNE_E_PARSE -8             /* malformed JSON or CSV */
#define ATTUNE_E_IO -9                /* file could not be read or written */
#define ATTUNE_E_FORMAT -10           /* corrupt or truncated model/snapshot/journal */
#define ATTUNE_E_VERSION -11          /* unsupported file format version */
#define ATTUNE_E_CONSENT -12          /* the customer has not consented to this purpose */
#define ATTUNE_E_STATE -13            /* object not in a state that allows the call */
#define ATTUNE_E_INTERNAL -14         /* bug in attune */
#define ATTUNE_E_NO_MEMORY -15        /* allocation failed */

/** One-line English description of a status code (static string; never NULL). */
ATTUNE_API const char* attune_status_string(int status);

/** Message describing the last failure on the calling thread (thread-local; valid until the next
 *  attune call on this thread; "" if the last call succeeded). */
ATTUNE_API const char* attune_last_error(void);

/* ==== Text (attune::text) ================================================================== */

/* Token kinds, as reported in attune_tokenize's JSON ("kind" field) and by the C++ API. */
#define ATTUNE_TOKEN_WORD 0
#define ATTUNE_TOKEN_NUMBER 1
#define ATTUNE_TOKEN_URL 2
#define ATTUNE_TOKEN_MENTION 3
#define ATTUNE_TOKEN_HASHTAG 4
#define ATTUNE_TOKEN_EMOJI 5
#define ATTUNE_TOKEN_EMOTICON 6
#define ATTUNE_TOKEN_PUNCTUATION 7
#define ATTUNE_TOKEN_PLACEHOLDER 8

/* Token flags (bit set). */
#define ATTUNE_TOKEN_FLAG_ALL_CAPS 0x01u    /* word of 2+ letters written in capitals */
#define ATTUNE_TOKEN_FLAG_ELONGATED 0x02u   /* a letter repeated 3+ times ("soooo" -> "so") */
#define ATTUNE_TOKEN_FLAG_EMPHASIS 0x04u    /* repeated ! or ? ("!!!", "?!") */
#define ATTUNE_TOKEN_FLAG_NEGATED 0x08u     /* inside the scope of a negation */
#define ATTUNE_TOKEN_FLAG_NEGATOR 0x10u     /* the token opens a negation scope ("not", "n't") */

/* Tokenizer options: bit set passed as `flags` to attune_tokenize. */
#define ATTUNE_TOKENIZE_STRICT 0u           /* malformed UTF-8 is an error (default) */
#define ATTUNE_TOKENIZE_REPLACE_INVALID 1u  /* malformed UTF-8 is replaced by U+FFFD */

/** Maximum input size of the tokenizer and of every text-taking call, in bytes (1 MiB). */
#define ATTUNE_MAX_TEXT_BYTES (1u << 20)

/** Tokenize UTF-8 text into a JSON array written to `out` (two-call pattern, NUL-terminated):
 *  [{"text":"not","kind":"word","flags":["negator"],"offset":0,"length":3}, ...]
 *  `text` is the normalized token, offset/length are bytes in the input.
 *  Errors: ATTUNE_E_INVALID_UTF8 (message names the byte offset), ATTUNE_E_LIMIT_EXCEEDED (input
 *  above ATTUNE_MAX_TEXT_BYTES), ATTUNE_E_BUFFER_TOO_SMALL, ATTUNE_E_INVALID_ARGUMENT.
 *  Thread-safe. */
ATTUNE_API int attune_tokenize(const char* text, size_t text_len, uint32_t flags, char* out,
                               size_t out_capacity, size_t* needed);

/** Check UTF-8. Returns ATTUNE_OK, or ATTUNE_E_INVALID_UTF8 with the offset of the first bad byte
 *  in *bad_offset (may be NULL). Thread-safe. */
ATTUNE_API int attune_utf8_validate(const char* text, size_t text_len, size_t* bad_offset);

/* ==== Emotion (attune::emotion) ============================================================ */

/* ==== Behaviour and intent (attune::behavior) ============================================== */

/* ---- Behaviour dynamics: baselines, hesitation, engagement, transitions, next best action --- */
/* C mirror of attune/behavior/{baseline,hesitation_detector,engagement_monitor,state_transitions,
 * turn_risk,next_best_action}.hpp; the C++ headers carry the full method documentation.
 * Times are seconds on a monotone clock (Unix seconds typical). Per-customer objects (baseline,
 * hesitation detector, engagement monitor) are small and have a compact binary form
 * (*_serialize / *_deserialize, little-endian, versioned) for storage in a profile.
 * Thread-safety: a handle may be used by one thread at a time for updates; const calls (z,
 * score, status, predict, recommend, serialize) may run concurrently with each other. */

#ifndef ATTUNE_STATE_COUNT
/* Marketing states, the index order of every state vector (attune/states.hpp). */
#define ATTUNE_STATE_COUNT 8
#define ATTUNE_STATE_FRUSTRATION 0
#define ATTUNE_STATE_ANXIETY 1
#define ATTUNE_STATE_HESITATION 2
#define ATTUNE_STATE_CONFUSION 3
#define ATTUNE_STATE_CURIOSITY 4
#define ATTUNE_STATE_EXCITEMENT 5
#define ATTUNE_STATE_SATISFACTION 6
#define ATTUNE_STATE_DETACHMENT 7
#endif

/* Baseline signals. */
#define ATTUNE_SIGNAL_DWELL 0          /* seconds on a page / product view */
#define ATTUNE_SIGNAL_PACE 1           /* seconds between events of a session */
#define ATTUNE_SIGNAL_REPLY_LATENCY 2  /* seconds until the customer replies */
#define ATTUNE_SIGNAL_MESSAGE_LENGTH 3 /* characters in a customer message */

typedef struct attune_baseline attune_baseline;

/** A per-customer baseline (time-decayed mean/variance of log(1+x) per signal, blended with
 *  population priors). half_life_seconds <= 0 selects the default (30 days). */
ATTUNE_API int attune_baseline_create(double half_life_seconds, attune_baseline** out);
ATTUNE_API void attune_baseline_free(attune_baseline* baseline);
/** Add an observation. value finite and >= 0, time finite and not earlier than the last one;
 *  otherwise ATTUNE_E_OUT_OF_RANGE / ATTUNE_E_INVALID_ARGUMENT and nothing changes. */
ATTUNE_API int attune_baseline_observe(attune_baseline* baseline, int signal, double value, double time_seconds);
/** z-score of `value` against the customer's own usual (> 0: longer/larger than usual). */
ATTUNE_API int attune_baseline_z(const attune_baseline* baseline, int signal, double value, double* z);

typedef struct attune_baseline_stats {
  double mean_log; /* blended mean of log(1+x) */
  double sd_log;   /* blended sd of log(1+x), floored */
  double typical;  /* exp(mean_log) - 1, in the signal's unit */
  double weight;   /* effective number of the customer's own observations */
} attune_baseline_stats;
ATTUNE_API int attune_baseline_stats_get(const attune_baseline* baseline, int signal, attune_baseline_stats* out);
/** Compact binary state (66 bytes), two-call pattern (bytes, no NUL): *needed gets the size. */
ATTUNE_API int attune_baseline_serialize(const attune_baseline* baseline, uint8_t* out, size_t out_capacity,
                                         size_t* needed);
/** ATTUNE_E_FORMAT / ATTUNE_E_VERSION for corrupt or foreign bytes. */
ATTUNE_API int attune_baseline_deserialize(const uint8_t* data, size_t size, attune_baseline** out);

/* Hesitation page kinds. */
#define ATTUNE_PAGE_OTHER 0
#define ATTUNE_PAGE_PRICE 1
#define ATTUNE_PAGE_SHIPPING 2
#define ATTUNE_PAGE_RETURNS 3

typedef struct attune_hesitation_detector attune_hesitation_detector;

/** session_timeout_seconds <= 0 selects the default (30 minutes). */
ATTUNE_API int attune_hesitation_detector_create(double session_timeout_seconds, attune_hesitation_detector** out);
ATTUNE_API void attune_hesitation_detector_free(attune_hesitation_detector* detector);
/** A product view of dwell_seconds, judged against `baseline` (NULL: the population prior). The
 *  baseline is not updated: call attune_baseline_observe(DWELL) afterwards. */
ATTUNE_API int attune_hesitation_detector_observe_product_view(attune_hesitation_detector* detector,
                                                               const char* product_id, size_t product_id_len,
                                                               double dwell_seconds, double time_seconds,
                                                               const attune_baseline* baseline);
ATTUNE_API int attune_hesitation_detector_observe_page(attune_hesitation_detector* detector, int page_kind,
                                                       double time_seconds);
ATTUNE_API int attune_hesitation_detector_observe_add_to_cart(attune_hesitation_detector* detector,
                                                              const char* product_id, size_t product_id_len,
                                                              double time_seconds);
ATTUNE_API int attune_hesitation_detector_observe_cart_view(attune_hesitation_detector* detector, double time_seconds);
ATTUNE_API int attune_hesitation_detector_observe_checkout(attune_hesitation_detector* detector, double time_seconds);
ATTUNE_API int attune_hesitation_detector_reset(attune_hesitation_detector* detector);

typedef struct attune_hesitation_score {
  float score;            /* in [0,1] */
  float max_dwell_z;      /* largest dwell z of a product not added to the cart */
  uint32_t product_views;
  uint32_t add_to_carts;
  uint32_t reason_count;  /* number of reasons in the JSON explanation */
} attune_hesitation_score;
ATTUNE_API int attune_hesitation_detector_score(const attune_hesitation_detector* detector,
                                                attune_hesitation_score* out);
/** {"score":..,"reasons":[{"reason":"long_dwell","weight":..,"evidence":..},..],...}, two-call. */
ATTUNE_API int attune_hesitation_detector_explain(const attune_hesitation_detector* detector, char* out,
                                                  size_t out_capacity, size_t* needed);
ATTUNE_API int attune_hesitation_detector_serialize(const attune_hesitation_detector* detector, uint8_t* out,
                                                    size_t out_capacity, size_t* needed);
ATTUNE_API int attune_hesitation_detector_deserialize(const uint8_t* data, size_t size,
                                                      attune_hesitation_detector** out);

typedef struct attune_engagement_options {
  uint32_t struct_size;
  float min_drop;            /* relative drop to detect, default 0.20 */
  float arl0_days;           /* nominal days between false alarms, default 4000 */
  uint16_t warmup_days;      /* default 28 (14..28) */
  uint16_t level_half_life;  /* days, default 21 */
  uint16_t rebaseline_days;  /* days in alarm before the lower level is the new normal, default 28 */
} attune_engagement_options;
ATTUNE_API void attune_engagement_options_init(attune_engagement_options* options);

typedef struct attune_engagement_monitor attune_engagement_monitor;

typedef struct attune_engagement_status {
  bool detached;          /* sustained drop detected */
  bool warming_up;        /* fewer than warmup_days closed days */
  float score;            /* CUSUM / threshold in [0,1] */
  float drop;             /* estimated relative drop of the current run */
  float baseline;         /* typical daily engagement */
  float cusum;
  float threshold;
  int32_t change_day;     /* estimated first day of the drop, -1 if none */
  int32_t alarm_day;      /* day the alarm was raised, -1 if none */
  uint32_t days_observed;
} attune_engagement_status;

/** options may be NULL (defaults). */
ATTUNE_API int attune_engagement_monitor_create(const attune_engagement_options* options,
                                                attune_engagement_monitor** out);
ATTUNE_API void attune_engagement_monitor_free(attune_engagement_monitor* monitor);
/** Add `amount` of engagement at time_seconds (summed into UTC days). */
ATTUNE_API int attune_engagement_monitor_observe(attune_engagement_monitor* monitor, double time_seconds,
                                                 double amount);
/** Engagement of a whole day (day indices increasing; gaps are days of 0). */
ATTUNE_API int attune_engagement_monitor_observe_day(attune_engagement_monitor* monitor, int32_t day, double value);
/** Close the silent days before the day of time_seconds (call on a clock tick). */
ATTUNE_API int attune_engagement_monitor_advance_to(attune_engagement_monitor* monitor, double time_seconds);
ATTUNE_API int attune_engagement_monitor_status(const attune_engagement_monitor* monitor,
                                                attune_engagement_status* out);
ATTUNE_API int attune_engagement_monitor_serialize(const attune_engagement_monitor* monitor, uint8_t* out,
                                                   size_t out_capacity, size_t* needed);
ATTUNE_API int attune_engagement_monitor_deserialize(const uint8_t* data, size_t size,
                                                     attune_engagement_monitor** out);

typedef struct attune_state_transitions attune_state_transitions;

typedef struct attune_churn_risk {
  float risk;               /* in [0,1] */
  bool flagged;             /* frustration -> detachment pattern */
  float p_next_detachment;
  float frustration;
  float lift;               /* learned P(detach | frustration) / average P(detach | state) */
} attune_churn_risk;

/** smoothing <= 0 selects the default (4 pseudo-transitions per row). */
ATTUNE_API int attune_state_transitions_create(double smoothing, attune_state_transitions** out);
ATTUNE_API void attune_state_transitions_free(attune_state_transitions* transitions);
ATTUNE_API int attune_state_transitions_observe(attune_state_transitions* transitions, int from_state, int to_state,
                                                double weight);
/** Learn every consecutive pair of a sequence of state names ("frustration", ...); an unknown name
 *  returns ATTUNE_E_NOT_FOUND and nothing is learned. */
ATTUNE_API int attune_state_transitions_observe_names(attune_state_transitions* transitions,
                                                      const char* const* names, size_t count);
/** Next-state distribution from one state; out has ATTUNE_STATE_COUNT floats. */
ATTUNE_API int attune_state_transitions_predict(const attune_state_transitions* transitions, int from_state,
                                                float* out);
/** Next-state distribution for a soft current state (ATTUNE_STATE_COUNT scores in [0,1]). */
ATTUNE_API int attune_state_transitions_predict_vector(const attune_state_transitions* transitions,
                                                       const float* current, float* out);
ATTUNE_API int attune_state_transitions_churn_risk(const attune_state_transitions* transitions,
                                                   const float* previous, const float* current,
                                                   attune_churn_risk* out);
/** {"smoothing":..,"counts":{..},"probabilities":{..}}, two-call. */
ATTUNE_API int attune_state_transitions_to_json(const attune_state_transitions* transitions, char* out,
                                                size_t out_capacity, size_t* needed);
ATTUNE_API int attune_state_transitions_serialize(const attune_state_transitions* transitions, uint8_t* out,
                                                  size_t out_capacity, size_t* needed);
ATTUNE_API int attune_state_transitions_deserialize(const uint8_t* data, size_t size,
                                                    attune_state_transitions** out);

/* Next-turn dissatisfaction risk of a conversation (TurnRiskModel). */
typedef struct attune_turn_risk_model attune_turn_risk_model;
typedef struct attune_dialogue_turn {
  const char* text;  /* UTF-8, borrowed */
  size_t text_len;
  bool customer;     /* true: the customer wrote it; false: the system/agent */
} attune_dialogue_turn;

/** The rule-based default model (hand-set weights on text cues). Thread-safe to share. */
ATTUNE_API int attune_turn_risk_model_create(attune_turn_risk_model** out);
/** A model trained with the C++/Python fit() and serialized. */
ATTUNE_API int attune_turn_risk_model_deserialize(const uint8_t* data, size_t size, attune_turn_risk_model** out);
ATTUNE_API void attune_turn_risk_model_free(attune_turn_risk_model* model);
/** P(the customer's next turn is dissatisfied | turns so far); turns may be NULL when count is 0. */
ATTUNE_API int attune_turn_risk_predict(const attune_turn_risk_model* model, const attune_dialogue_turn* turns,
                                        size_t count, float* probability);
/** {"probability":..,"reasons":[{"feature":"sys_apology","contribution":..},..]}, two-call. */
ATTUNE_API int attune_turn_risk_explain(const attune_turn_risk_model* model, const attune_dialogue_turn* turns,
                                        size_t count, char* out, size_t out_capacity, size_t* needed);

/* Next best action: risk flags (bit set). */
#define ATTUNE_RISK_CHURN 0x1u
#define ATTUNE_RISK_DETACHMENT 0x2u
#define ATTUNE_RISK_HESITATION 0x4u

typedef struct attune_next_best_action attune_next_best_action;

/** Load a table from a file; path NULL loads the shipped models/next_best_action.json. */
ATTUNE_API int attune_next_best_action_load(const char* path, attune_next_best_action** out);
/** Parse a table from JSON text (ATTUNE_E_PARSE for malformed JSON, ATTUNE_E_INVALID_ARGUMENT with
 *  the JSON path for schema errors). */
ATTUNE_API int attune_next_best_action_from_json(const char* json, size_t json_len, attune_next_best_action** out);
ATTUNE_API void attune_next_best_action_free(attune_next_best_action* table);
/** Ordered actions for a state vector (ATTUNE_STATE_COUNT scores) and ATTUNE_RISK_* flags, as JSON
 *  {"actions":[{"action":..,"label":..,"channel":..,"score":..,"rule":..,"reason":..,"avoid":[..]}]};
 *  max_actions 0 = all. Two-call. Thread-safe. */
ATTUNE_API int attune_next_best_action_recommend(const attune_next_best_action* table, const float* state,
                                                 uint32_t risk_flags, size_t max_actions, char* out,
                                                 size_t out_capacity, size_t* needed);

/* ==== Variant selection (attune::select) =================================================== */

/* ==== Engine (attune::Engine) ============================================================== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTUNE_H */
