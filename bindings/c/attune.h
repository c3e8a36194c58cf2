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

/* Emotion scoring: text -> probabilities of the 27 GoEmotions emotions + neutral, Ekman groups,
 * marketing states, valence, arousal, confidence; token-level explanations; online correction
 * (the empathy loop). Model files: see docs/emotion-model.md (format version 2).
 *
 * Thread-safety of attune_emotion_model: scoring, batch scoring, explain and save may be called
 * concurrently from any number of threads on one handle. attune_emotion_model_correct takes an
 * exclusive lock on the handle (other calls wait while it runs), so it is safe too, just not
 * concurrent. */

#define ATTUNE_EMOTION_LABELS 28  /* labels, in GoEmotions emotions.txt order (27 = neutral) */
#define ATTUNE_EMOTION_EKMAN 7    /* anger, disgust, fear, joy, sadness, surprise, neutral */
#define ATTUNE_EMOTION_STATES 8   /* marketing states, in attune/states.hpp order */
#define ATTUNE_EMOTION_MODEL_FORMAT_VERSION 2

typedef struct attune_emotion_model attune_emotion_model;

/** Scores of one text. Fill struct_size with attune_emotion_scores_init() before the call. */
typedef struct attune_emotion_scores {
  uint32_t struct_size;
  float probabilities[ATTUNE_EMOTION_LABELS]; /* each in [0,1]; multi-label, no sum constraint */
  uint32_t active;                            /* bit i set = label i active (never 0) */
  float ekman[ATTUNE_EMOTION_EKMAN];          /* max probability of each group's members */
  uint32_t ekman_active;                      /* bit e set = Ekman group e active */
  float states[ATTUNE_EMOTION_STATES];        /* frustration, anxiety, hesitation, confusion,
                                                 curiosity, excitement, satisfaction, detachment */
  float valence;                              /* [-1,1] */
  float arousal;                              /* [0,1] */
  float confidence;                           /* [0,1] */
} attune_emotion_scores;

/** Set struct_size (and zero the rest). */
ATTUNE_API void attune_emotion_scores_init(attune_emotion_scores* scores);

/** Name of label `index` (0..27), of Ekman group `index` (0..6); NULL when out of range. */
ATTUNE_API const char* attune_emotion_label_name(uint32_t index);
ATTUNE_API const char* attune_emotion_ekman_name(uint32_t index);

/** Load a model file. Errors: ATTUNE_E_IO (cannot read), ATTUNE_E_FORMAT (corrupt, truncated),
 *  ATTUNE_E_VERSION (unsupported format version), ATTUNE_E_INVALID_ARGUMENT (NULL). */
ATTUNE_API int attune_emotion_model_load(const char* path, attune_emotion_model** out);
/** Load from memory (the bytes are decoded and not kept). Same errors. */
ATTUNE_API int attune_emotion_model_load_memory(const void* data, size_t size, attune_emotion_model** out);
/** Load the shipped default model (emotion-en.attm on the model search path; $ATTUNE_MODEL_DIR
 *  overrides). ATTUNE_E_NOT_FOUND when it is nowhere on the path. */
ATTUNE_API int attune_emotion_model_load_default(attune_emotion_model** out);
/** Free a model; NULL is a no-op. */
ATTUNE_API void attune_emotion_model_free(attune_emotion_model* model);

/** Score one UTF-8 text into *out (caller-allocated, struct_size set).
 *  Errors: ATTUNE_E_INVALID_UTF8, ATTUNE_E_LIMIT_EXCEEDED (> ATTUNE_MAX_TEXT_BYTES),
 *  ATTUNE_E_INVALID_ARGUMENT. Empty text is valid. */
ATTUNE_API int attune_emotion_model_score(const attune_emotion_model* model, const char* text, size_t text_len,
                                          attune_emotion_scores* out);
/** Score `count` texts (texts[i], lens[i]) into out[0..count) (each initialized with
 *  attune_emotion_scores_init) on up to `threads` threads (0 = all cores). On error nothing is
 *  guaranteed about `out` and the message names the failing text's index. */
ATTUNE_API int attune_emotion_model_score_batch(const attune_emotion_model* model, const char* const* texts,
                                                const size_t* lens, size_t count, uint32_t threads,
                                                attune_emotion_scores* out);
/** Explanation as JSON (two-call pattern): per active label, the top `top_k` tokens by
 *  contribution to its log-odds:
 *  [{"label":"joy","probability":0.8,"threshold":0.3,"bias":-3.1,
 *    "tokens":[{"token":"great","offset":0,"length":5,"weight":1.9},..]},..] */
ATTUNE_API int attune_emotion_model_explain(const attune_emotion_model* model, const char* text, size_t text_len,
                                            uint32_t top_k, char* out, size_t out_capacity, size_t* needed);
/** The empathy loop: a person verified that `text` carries exactly the labels in `label_mask`
 *  (bit i = label i; nonzero). Adapts the model with a bounded online step (see
 *  attune::emotion::PartialFitOptions). Takes the handle's exclusive lock. */
ATTUNE_API int attune_emotion_model_correct(attune_emotion_model* model, const char* text, size_t text_len,
                                            uint32_t label_mask);
/** Save the model (adapted models keep their adaptation). ATTUNE_E_IO on write failure. */
ATTUNE_API int attune_emotion_model_save(const attune_emotion_model* model, const char* path);

/* ==== Behaviour and intent (attune::behavior) ============================================== */
/*
 * Events (Segment tracking spec JSON, docs/behavior-events.md) fold into live session features
 * per customer (the UCI Online Shoppers feature set), which the intent model turns into a
 * purchase probability with per-feature log-odds contributions.
 * Thread-safety: attune_session_tracker is NOT thread-safe (one thread or an external lock);
 * attune_intent_model is immutable and may be used from many threads at once.
 */

/* Event call types (attune_event.type). */
#define ATTUNE_EVENT_TRACK 0
#define ATTUNE_EVENT_PAGE 1
#define ATTUNE_EVENT_SCREEN 2
#define ATTUNE_EVENT_IDENTIFY 3

/* Event kinds (attune_event.kind): the names attune understands; OTHER is any other name. */
#define ATTUNE_EVENT_KIND_OTHER 0
#define ATTUNE_EVENT_KIND_PAGE_VIEWED 1
#define ATTUNE_EVENT_KIND_IDENTIFY 2
#define ATTUNE_EVENT_KIND_PRODUCT_VIEWED 3
#define ATTUNE_EVENT_KIND_PRODUCT_ADDED 4
#define ATTUNE_EVENT_KIND_PRODUCT_REMOVED 5
#define ATTUNE_EVENT_KIND_CART_VIEWED 6
#define ATTUNE_EVENT_KIND_CHECKOUT_STARTED 7
#define ATTUNE_EVENT_KIND_ORDER_COMPLETED 8
#define ATTUNE_EVENT_KIND_PRODUCTS_SEARCHED 9
#define ATTUNE_EVENT_KIND_SUPPORT_MESSAGE 10
#define ATTUNE_EVENT_KIND_ERROR_SHOWN 11
#define ATTUNE_EVENT_KIND_EMAIL_UNSUBSCRIBED 12
#define ATTUNE_EVENT_KIND_ENGAGEMENT_PING 13

/* Page categories (UCI Online Shoppers). */
#define ATTUNE_PAGE_NONE 0
#define ATTUNE_PAGE_ADMINISTRATIVE 1
#define ATTUNE_PAGE_INFORMATIONAL 2
#define ATTUNE_PAGE_PRODUCT 3

/* Visitor types. UNKNOWN lets the tracker decide (returning after a first session). */
#define ATTUNE_VISITOR_UNKNOWN 0
#define ATTUNE_VISITOR_NEW 1
#define ATTUNE_VISITOR_RETURNING 2
#define ATTUNE_VISITOR_OTHER 3

/* What attune_session_tracker_observe* did with an event. */
#define ATTUNE_OBSERVED_CONTINUED 0    /* folded into the current session */
#define ATTUNE_OBSERVED_NEW_SESSION 1  /* started a session (first event or after the timeout) */
#define ATTUNE_OBSERVED_LATE 2         /* out of order inside the session: counted, no duration */
#define ATTUNE_OBSERVED_IGNORED_LATE 3 /* earlier than the session start: ignored */
#define ATTUNE_OBSERVED_DUPLICATE 4    /* identical to a recent event: ignored */

/** Maximum event JSON size in bytes (64 KiB); larger payloads give ATTUNE_E_LIMIT_EXCEEDED. */
#define ATTUNE_MAX_EVENT_BYTES (64u * 1024u)

/** A behavioural event as a struct. Strings are borrowed NUL-terminated UTF-8 (NULL = empty);
 *  numbers that are absent are NaN; codes that are absent are 0. Fill with attune_event_init()
 *  then set what you have: user_id, timestamp_ms and, for track events, name are required.
 *  `kind` is derived from `name` when left at ATTUNE_EVENT_KIND_OTHER. */
typedef struct attune_event {
  uint32_t struct_size;
  int32_t type;            /* ATTUNE_EVENT_* */
  int32_t kind;            /* ATTUNE_EVENT_KIND_* */
  int32_t page_category;   /* ATTUNE_PAGE_* */
  int32_t visitor_type;    /* ATTUNE_VISITOR_* */
  int32_t utc_offset_min;  /* local offset of the timestamp, minutes (-1080..1080) */
  int64_t timestamp_ms;    /* milliseconds since the Unix epoch, UTC */
  const char* user_id;
  const char* name;        /* track: event name; page: page name */
  const char* product_id;
  const char* path;
  double price, quantity, value;
  double bounce_rate, exit_rate, page_value; /* page-level rates in [0,1]; page value >= 0 */
  int32_t os_code, browser_code, region_code, traffic_type_code; /* 1..255, 0 = absent */
  bool anonymous;          /* user_id is an anonymous id */
} attune_event;

/** Defaults: a track event, no ids, numbers NaN, codes 0, struct_size set. */
ATTUNE_API void attune_event_init(attune_event* event);

/** Parse and validate one Segment-spec event JSON. On success the fixed-size fields of *out are
 *  filled and its string pointers are set to NULL (use attune_event_normalize for the strings);
 *  `out` may be NULL to only validate. Errors: ATTUNE_E_PARSE, ATTUNE_E_INVALID_UTF8,
 *  ATTUNE_E_LIMIT_EXCEEDED, ATTUNE_E_INVALID_ARGUMENT (missing ids, wrong types),
 *  ATTUNE_E_OUT_OF_RANGE (timestamp, rates). Thread-safe. */
ATTUNE_API int attune_event_parse(const char* json, size_t json_len, attune_event* out);

/** Parse an event JSON and write the normalized JSON of what attune keeps (two-call pattern).
 *  Thread-safe. */
ATTUNE_API int attune_event_normalize(const char* json, size_t json_len, char* out, size_t out_capacity,
                                      size_t* needed);

/** Session tracker options. Fill with attune_session_config_init(). */
typedef struct attune_session_config {
  uint32_t struct_size;
  int64_t timeout_ms;            /* inactivity that ends a session (default 30 min) */
  int64_t page_merge_ms;         /* product page call + "Product Viewed" closer than this = one view (2000) */
  double default_bounce_rate;    /* used when a page carries none (0.022) */
  double default_exit_rate;      /* (0.043) */
  double default_page_value;     /* (0) */
  int32_t default_operating_system, default_browser, default_region, default_traffic_type; /* 2,2,1,2 */
  uint64_t max_customers;        /* customers held at once (1,000,000) */
} attune_session_config;

ATTUNE_API void attune_session_config_init(attune_session_config* config);

/** Session features of one customer: the 17 UCI Online Shoppers features then attune's counters.
 *  Durations in seconds, times in ms since the epoch. */
typedef struct attune_session_features {
  uint32_t struct_size;
  double administrative, administrative_duration;
  double informational, informational_duration;
  double product_related, product_related_duration;
  double bounce_rates, exit_rates, page_values, special_day;
  int32_t month;              /* 1..12 */
  int32_t operating_systems, browser, region, traffic_type;
  int32_t visitor_type;       /* ATTUNE_VISITOR_NEW / _RETURNING / _OTHER */
  bool weekend;
  bool active;                /* false when now_ms passed to ..._features is past the timeout */
  int64_t start_ms, last_ms;
  uint32_t events, uncategorized_pages;
  uint32_t products_viewed, products_added, products_removed, cart_views, checkouts_started,
      orders_completed, searches, support_messages, errors_shown, unsubscribes, engagement_pings,
      other_events, late_events, duplicate_events, session_index;
} attune_session_features;

typedef struct attune_session_tracker attune_session_tracker;

/** Create a tracker; `config` may be NULL for the defaults. */
ATTUNE_API int attune_session_tracker_create(const attune_session_config* config, attune_session_tracker** out);
ATTUNE_API void attune_session_tracker_free(attune_session_tracker* tracker);

/** Fold one event JSON into its customer's session; *result (may be NULL) gets ATTUNE_OBSERVED_*.
 *  Errors as attune_event_parse, plus ATTUNE_E_LIMIT_EXCEEDED when max_customers are active. */
ATTUNE_API int attune_session_tracker_observe_json(attune_session_tracker* tracker, const char* json, size_t json_len,
                                                   int* result);
/** Fold one event struct (validated like a parsed one). */
ATTUNE_API int attune_session_tracker_observe(attune_session_tracker* tracker, const attune_event* event, int* result);

/** The customer's current session features. `now_ms` < 0 skips the activity check. Set
 *  out->struct_size = sizeof(attune_session_features) first: only that many bytes are written.
 *  ATTUNE_E_NOT_FOUND for a customer never seen or erased. */
ATTUNE_API int attune_session_tracker_features(const attune_session_tracker* tracker, const char* customer,
                                               size_t customer_len, int64_t now_ms, attune_session_features* out);

/** Forget a customer (erasure). ATTUNE_E_NOT_FOUND if unknown. */
ATTUNE_API int attune_session_tracker_erase(attune_session_tracker* tracker, const char* customer, size_t customer_len);
/** Number of customers held. */
ATTUNE_API int attune_session_tracker_size(const attune_session_tracker* tracker, size_t* out);

/* Variants of the shipped intent model. */
#define ATTUNE_INTENT_DEFAULT 0               /* models/intent-v1.attm: all 17 UCI features */
#define ATTUNE_INTENT_WITHOUT_PAGE_VALUES 1   /* models/intent-nopv-v1.attm */

typedef struct attune_intent_model attune_intent_model;

/** Load an intent model file (docs/intent-model.md). Errors: ATTUNE_E_IO, ATTUNE_E_FORMAT,
 *  ATTUNE_E_VERSION. */
ATTUNE_API int attune_intent_model_load(const char* path, attune_intent_model** out);
/** Load from bytes in memory (copied). */
ATTUNE_API int attune_intent_model_load_from_memory(const void* data, size_t size, attune_intent_model** out);
/** Load a shipped model (ATTUNE_INTENT_*), found on the model search path ($ATTUNE_MODEL_DIR
 *  first). ATTUNE_E_NOT_FOUND when missing. */
ATTUNE_API int attune_intent_model_load_default(int variant, attune_intent_model** out);
ATTUNE_API void attune_intent_model_free(attune_intent_model* model);

/** Probability in [0,1] that the session ends in a purchase. ATTUNE_E_OUT_OF_RANGE for NaN or
 *  infinite features. */
ATTUNE_API int attune_intent_model_predict(const attune_intent_model* model, const attune_session_features* features,
                                           double* probability);
/* attune_intent_model_predict and _explain read the 17 UCI fields of *features, which every
 * struct_size since version 0.1 contains. */
/** Batch: `n` rows of 17 doubles in UCI column order and encoding (Month 1..12, VisitorType
 *  New=0/Returning=1/Other=2, Weekend 0/1), row-major, into probabilities[0..n). */
ATTUNE_API int attune_intent_model_predict_rows(const attune_intent_model* model, const double* rows, size_t n,
                                                double* probabilities);
/** Explanation JSON (two-call pattern): {"probability":..,"logit":..,"bias":..,
 *  "contributions":{"PageValues":..,...}}; contributions are log-odds and sum with the bias to
 *  the logit. */
ATTUNE_API int attune_intent_model_explain(const attune_intent_model* model, const attune_session_features* features,
                                           char* out, size_t out_capacity, size_t* needed);


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

/* Page kinds that matter to hesitation (attune::behavior::PageKind; not the UCI page categories). */
#define ATTUNE_HESITATION_PAGE_OTHER 0
#define ATTUNE_HESITATION_PAGE_PRICE 1
#define ATTUNE_HESITATION_PAGE_SHIPPING 2
#define ATTUNE_HESITATION_PAGE_RETURNS 3

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
  float arl0_days;           /* nominal days between false alarms, default 2500 */
  uint16_t warmup_days;      /* default 28 (14..28) */
  uint16_t level_half_life;  /* days, default 42 */
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

/* Catalogs of message variants, contextual-bandit policies with logged propensities, and a
 * selector with delayed rewards. Reference: docs/selection.md and the headers in include/attune/select/.
 *
 * Thread-safety: attune_catalog is immutable and may be shared by threads. attune_policy and
 * attune_selector are NOT safe for concurrent calls on one handle (choose/decide mutate the
 * random generator and scratch space, learn/reward mutate the model): serialize calls with a
 * mutex, or give each thread its own replica and combine them with *_merge. Different handles
 * are independent. */

typedef struct attune_catalog attune_catalog;
typedef struct attune_policy attune_policy;
typedef struct attune_selector attune_selector;

/* Policy kinds and model layouts (attune::select::PolicyKind / ModelKind). */
#define ATTUNE_POLICY_LINEAR_THOMPSON 0
#define ATTUNE_POLICY_LIN_UCB 1
#define ATTUNE_POLICY_EPSILON_GREEDY 2
#define ATTUNE_POLICY_UNIFORM 3
#define ATTUNE_MODEL_PER_VARIANT 0 /* one ridge model per variant over the context */
#define ATTUNE_MODEL_SHARED 1      /* one model over context x variant-attribute interactions */

/* Limits of a catalog (see docs/selection.md). */
#define ATTUNE_SELECT_MAX_SLOTS 64
#define ATTUNE_SELECT_MAX_VARIANTS 256
#define ATTUNE_STATE_COUNT 8 /* marketing states, order of attune/states.hpp */

/** Parse and validate a catalog from JSON (borrowed). Errors: ATTUNE_E_PARSE (malformed JSON,
 *  duplicate key), ATTUNE_E_INVALID_ARGUMENT (unknown field, bad id, not exactly one safe default;
 *  the message starts with the JSON path), ATTUNE_E_LIMIT_EXCEEDED, ATTUNE_E_VERSION. */
ATTUNE_API int attune_catalog_from_json(const char* json, size_t json_len, attune_catalog** out);
/** Read and validate a catalog file. Errors as above plus ATTUNE_E_IO. */
ATTUNE_API int attune_catalog_load(const char* path, attune_catalog** out);
ATTUNE_API void attune_catalog_free(attune_catalog* catalog);
ATTUNE_API int attune_catalog_slot_count(const attune_catalog* catalog, size_t* out);
/** Index of the slot with this id (NUL-terminated); ATTUNE_E_NOT_FOUND if none. */
ATTUNE_API int attune_catalog_slot_index(const attune_catalog* catalog, const char* slot_id, size_t* out);
ATTUNE_API int attune_catalog_variant_count(const attune_catalog* catalog, size_t slot, size_t* out);
/** Index of a variant of a slot by id; ATTUNE_E_NOT_FOUND if none. */
ATTUNE_API int attune_catalog_variant_index(const attune_catalog* catalog, size_t slot, const char* variant_id,
                                            size_t* out);
/** Id of a variant (two-call pattern, NUL-terminated). */
ATTUNE_API int attune_catalog_variant_id(const attune_catalog* catalog, size_t slot, size_t variant, char* out,
                                         size_t out_capacity, size_t* needed);
/** Index of the slot's safe default variant. */
ATTUNE_API int attune_catalog_safe_default(const attune_catalog* catalog, size_t slot, size_t* out);
/** Customer-context dimension: 8 states + intents + features of the catalog's "context". */
ATTUNE_API int attune_catalog_context_dim(const attune_catalog* catalog, size_t* out);

/** Policy options; fill with attune_policy_options_init(). Fields as in attune::select::
 *  PolicyOptions (exploration < 0 = the kind's default: Thompson scale 0.25, UCB alpha 0.15,
 *  epsilon 0.1). */
typedef struct attune_policy_options {
  uint32_t struct_size;
  int32_t kind;                 /* ATTUNE_POLICY_* (default LINEAR_THOMPSON) */
  int32_t model;                /* ATTUNE_MODEL_* (default PER_VARIANT) */
  double regularization;        /* ridge lambda > 0 (1.0) */
  double exploration;           /* (-1: default of the kind) */
  double epsilon_decay;         /* epsilon-greedy eps_t = eps0 / (1 + decay t) (0.001) */
  double epsilon_min;           /* (0.01) */
  double forgetting;            /* in (0, 1] (1.0 = none) */
  uint32_t refactor_every;      /* refactorization period of the ridge model (1000) */
  int32_t importance_weighting; /* 0/1: weight updates by min(1/propensity, max) (0) */
  double max_importance_weight; /* (20) */
  double min_propensity;        /* floor of Thompson propensity estimates (1e-6) */
  uint64_t seed;                /* seed of the handle's random generator (0) */
} attune_policy_options;

ATTUNE_API void attune_policy_options_init(attune_policy_options* options);

/** Result of a choice: the variant index and the probability it had under this call,
 *  computed over the allowed variants only. */
typedef struct attune_choice {
  uint32_t variant;
  double propensity;
} attune_choice;

/** Create a policy for contexts of `context_dim` doubles and `variant_count` variants with
 *  `attr_dim` attributes each (`variant_attributes`: variant_count x attr_dim, row-major, copied;
 *  may be NULL when attr_dim is 0). options NULL = defaults. */
ATTUNE_API int attune_policy_create(const attune_policy_options* options, size_t context_dim, size_t variant_count,
                                    const double* variant_attributes, size_t attr_dim, attune_policy** out);
ATTUNE_API void attune_policy_free(attune_policy* policy);
/** Choose among `allowed` (variant indices; NULL with count 0 = all variants). `context_len`
 *  must equal the policy's context dimension. Errors leave the policy and its generator as they
 *  were. */
ATTUNE_API int attune_policy_choose(attune_policy* policy, const double* context, size_t context_len,
                                    const uint32_t* allowed, size_t allowed_count, attune_choice* out);
/** Probabilities of the allowed variants under this call (out[i] for allowed[i], or for
 *  variant i when allowed is NULL); out_capacity >= number of allowed variants. */
ATTUNE_API int attune_policy_probabilities(attune_policy* policy, const double* context, size_t context_len,
                                           const uint32_t* allowed, size_t allowed_count, double* out,
                                           size_t out_capacity);
/** Learn from one outcome. Errors: ATTUNE_E_OUT_OF_RANGE (NaN/inf reward or context, propensity
 *  outside (0,1]), ATTUNE_E_NOT_FOUND (variant index). No state changes on error. */
ATTUNE_API int attune_policy_learn(attune_policy* policy, const double* context, size_t context_len,
                                   uint32_t variant, double reward, double propensity);
/** Serialize the learned state (versioned little-endian binary; two-call pattern: *needed is
 *  the byte count, no NUL). */
ATTUNE_API int attune_policy_save(const attune_policy* policy, uint8_t* out, size_t out_capacity, size_t* needed);
/** Load a saved state; `seed` seeds the new handle's generator. ATTUNE_E_FORMAT, ATTUNE_E_VERSION. */
ATTUNE_API int attune_policy_load(const uint8_t* bytes, size_t len, uint64_t seed, attune_policy** out);
/** into += other - base (base may be NULL: replicas started from the empty prior). */
ATTUNE_API int attune_policy_merge(attune_policy* into, const attune_policy* other, const attune_policy* base);
/** Number of learn calls reflected in the state. */
ATTUNE_API int attune_policy_updates(const attune_policy* policy, uint64_t* out);

/** Selector options; fill with attune_selector_options_init(). */
typedef struct attune_selector_options {
  uint32_t struct_size;
  attune_policy_options policy; /* the policy of every slot (its seed is ignored) */
  uint64_t seed;                /* seeds decisions and decision ids (0) */
  double reward_min;            /* accepted reward range, inclusive ([0, 1]) */
  double reward_max;
  double pending_ttl_s;         /* pending decisions expire after this many seconds (7 days) */
  uint64_t max_pending;         /* at most this many pending decisions, oldest evicted (65536) */
} attune_selector_options;

ATTUNE_API void attune_selector_options_init(attune_selector_options* options);

/** The customer side of a decision. States in [0,1] (order of attune/states.hpp); intents in
 *  [0,1] and features (finite) in the order of the catalog's "context" lists. */
typedef struct attune_customer {
  uint32_t struct_size;
  float states[ATTUNE_STATE_COUNT];
  const double* intents;
  size_t intent_count;
  const double* features;
  size_t feature_count;
} attune_customer;

typedef struct attune_decision {
  uint64_t decision_id;     /* pass to attune_selector_reward */
  char decision_id_str[17]; /* the same id as 16 lower-case hex digits, NUL-terminated */
  uint32_t slot;            /* slot index */
  uint32_t variant;         /* variant index within the slot */
  double propensity;        /* probability of this variant under this call (allowed set only) */
  double expected_reward;   /* the policy's posterior mean for the chosen variant */
} attune_decision;

/** Create a selector over a copy of `catalog` (the catalog handle may be freed afterwards). */
ATTUNE_API int attune_selector_create(const attune_catalog* catalog, const attune_selector_options* options,
                                      attune_selector** out);
ATTUNE_API void attune_selector_free(attune_selector* selector);
/** Decide for slot `slot_id` among `allowed` variant indices (NULL with count 0 = all; guardrails
 *  pass what remains; an empty remaining set is the caller's cue to show the safe default).
 *  `now` is the host's clock in seconds. */
ATTUNE_API int attune_selector_decide(attune_selector* selector, const char* slot_id, const attune_customer* customer,
                                      const uint32_t* allowed, size_t allowed_count, double now,
                                      attune_decision* out);
/** Apply a delayed reward once. Errors (nothing changes): ATTUNE_E_OUT_OF_RANGE (NaN or outside
 *  [reward_min, reward_max]), ATTUNE_E_NOT_FOUND (unknown, expired or evicted id),
 *  ATTUNE_E_DUPLICATE (already rewarded). */
ATTUNE_API int attune_selector_reward(attune_selector* selector, uint64_t decision_id, double value, double now);
/** Parse a decision id string (1..16 hex digits). */
ATTUNE_API int attune_decision_id_parse(const char* text, uint64_t* out);
/** Drop pending decisions older than the TTL; *expired (may be NULL) receives how many. */
ATTUNE_API int attune_selector_expire(attune_selector* selector, double now, size_t* expired);
ATTUNE_API int attune_selector_pending(const attune_selector* selector, size_t* out);
/** Serialize every slot's learned policy (two-call pattern, bytes). Pending decisions are not
 *  included. */
ATTUNE_API int attune_selector_save(const attune_selector* selector, uint8_t* out, size_t out_capacity,
                                    size_t* needed);
/** Replace the learned state with a saved one of the same catalog. */
ATTUNE_API int attune_selector_load(attune_selector* selector, const uint8_t* bytes, size_t len);
/** into += other - base for every slot (base may be NULL). */
ATTUNE_API int attune_selector_merge(attune_selector* into, const attune_selector* other,
                                     const attune_selector* base);

/* ---- Off-policy evaluation (attune::select::ope) ----------------------------------------
 * Estimate how a target policy would have done from logs of another (logging) policy. Per row i:
 * reward r_i, logging propensity p_i of the logged action (in (0,1]), target probability pi_i of
 * the same action (in [0,1]); weight w_i = pi_i / p_i, capped at options.clip when set.
 *   IPS   = mean(w r)                     interval: normal, sample sd of w r
 *   SNIPS = sum(w r) / sum(w)             interval: delta method
 *   DR    = mean(q_target + w (r - q_logged)), with a reward model fit on other rows:
 *           q_logged[i] = qhat(x_i, a_i), q_target[i] = sum_a pi(a|x_i) qhat(x_i, a)
 * or a percentile bootstrap (options.interval). Full definitions: attune/select/ope.hpp and
 * docs/ope.md. Arrays are borrowed for the call; results go to a caller-allocated struct, which
 * is left untouched on error. All functions are thread-safe (no shared state). */

#define ATTUNE_OPE_IPS 0
#define ATTUNE_OPE_SNIPS 1
#define ATTUNE_OPE_DR 2

#define ATTUNE_OPE_INTERVAL_ANALYTIC 0  /* normal approximation (IPS, DR), delta method (SNIPS) */
#define ATTUNE_OPE_INTERVAL_BOOTSTRAP 1 /* percentile bootstrap, std::mt19937_64(seed) */

typedef struct attune_ope_options {
  uint32_t struct_size;          /* sizeof(attune_ope_options), set by attune_ope_options_init */
  double clip;                   /* weight cap; 0 (default) = no clipping; otherwise > 0 */
  double confidence;             /* two-sided interval level in (0,1); default 0.95 */
  int32_t interval;              /* ATTUNE_OPE_INTERVAL_*; default analytic */
  uint32_t bootstrap_resamples;  /* 10 .. 1000000; default 2000 */
  uint64_t seed;                 /* bootstrap seed; default 0 */
  double top_fraction;           /* diagnostics: share of weight mass in this top fraction; 0.01 */
} attune_ope_options;

typedef struct attune_ope_result {
  uint32_t struct_size;      /* sizeof(attune_ope_result), set by attune_ope_result_init */
  int32_t estimator;         /* ATTUNE_OPE_* */
  double estimate;           /* point estimate of the target policy's mean reward */
  double lower, upper;       /* confidence interval */
  double std_error;          /* analytic standard error */
  double ess;                /* effective sample size (sum w)^2 / sum w^2 of the weights used */
  double max_weight;         /* largest weight used (after clipping) */
  double max_raw_weight;     /* largest pi/p before clipping */
  double weight_mean;        /* mean weight (about 1 when the propensities are right) */
  double top_weight_share;   /* share of sum w held by the top options.top_fraction of rows */
  uint64_t rows;             /* n */
  uint64_t rows_clipped;     /* rows whose weight was capped */
} attune_ope_result;

/** Fill options with the defaults (sets struct_size). */
ATTUNE_API void attune_ope_options_init(attune_ope_options* options);
/** Zero a result and set its struct_size. */
ATTUNE_API void attune_ope_result_init(attune_ope_result* result);

/** Evaluate with `estimator` (ATTUNE_OPE_*). q_logged/q_target are required for DR and ignored
 *  (may be NULL) otherwise. `options` may be NULL (defaults). n >= 2.
 *  Errors: ATTUNE_E_OUT_OF_RANGE (propensity outside (0,1], target outside [0,1], non-finite
 *  reward or reward-model value; the message names the row), ATTUNE_E_INVALID_ARGUMENT (NULL
 *  array, n < 2, unknown estimator, bad options, SNIPS with all weights 0). */
ATTUNE_API int attune_ope_evaluate(int32_t estimator, const double* rewards, const double* propensities,
                                   const double* target_probs, const double* q_logged,
                                   const double* q_target, size_t n, const attune_ope_options* options,
                                   attune_ope_result* out);

/** Same, with the target policy as an n x n_actions row-major probability matrix (each row sums
 *  to 1 within 1e-6) and the logged actions in [0, n_actions); q_matrix (n x n_actions
 *  row-major reward-model values) is required for DR, ignored otherwise. */
ATTUNE_API int attune_ope_evaluate_matrix(int32_t estimator, const int64_t* actions, const double* rewards,
                                          const double* propensities, const double* target_matrix,
                                          const double* q_matrix, size_t n, size_t n_actions,
                                          const attune_ope_options* options, attune_ope_result* out);

/** Shorthands for attune_ope_evaluate. */
ATTUNE_API int attune_ope_ips(const double* rewards, const double* propensities, const double* target_probs,
                              size_t n, const attune_ope_options* options, attune_ope_result* out);
ATTUNE_API int attune_ope_snips(const double* rewards, const double* propensities, const double* target_probs,
                                size_t n, const attune_ope_options* options, attune_ope_result* out);
ATTUNE_API int attune_ope_dr(const double* rewards, const double* propensities, const double* target_probs,
                             const double* q_logged, const double* q_target, size_t n,
                             const attune_ope_options* options, attune_ope_result* out);

/* ==== Audit log (attune::ethics::AuditLog) ================================================= */

/* The tamper-evident audit log is written by the engine; these functions let a C host check a
 * log file and compute the pseudonyms it contains. Format, chain and threat model: docs/audit.md.
 * All functions here are thread-safe (they keep no state). */

#define ATTUNE_AUDIT_REASON_CAPACITY 192 /* bytes of attune_audit_verify_result.reason */
#define ATTUNE_AUDIT_HASH_CHARS 64       /* hex characters of a line hash */
#define ATTUNE_AUDIT_PSEUDONYM_CHARS 32  /* hex characters of a pseudonym */

/** Outcome of attune_audit_verify. Fill with attune_audit_verify_result_init() first. */
typedef struct attune_audit_verify_result {
  uint32_t struct_size;    /* sizeof(attune_audit_verify_result), set by _init */
  bool ok;                 /* true when every line verified (and the anchor matched, if given) */
  uint64_t lines;          /* lines in the file (a last line without newline counts) */
  uint64_t first_bad_line; /* 1-based line where tampering or damage is located; 0 when ok */
  uint64_t head_seq;       /* seq of the last line of the verified prefix (0: none) */
  char head_hash[ATTUNE_AUDIT_HASH_CHARS + 1];   /* hex SHA-256 of that line, NUL-terminated */
  char reason[ATTUNE_AUDIT_REASON_CAPACITY];     /* "" when ok, else e.g. "hash mismatch (...)",
                                                    "sequence gap (lines removed)", "inserted line",
                                                    "lines out of order", "malformed JSON",
                                                    "truncated last line"; NUL-terminated,
                                                    truncated to fit */
} attune_audit_verify_result;

/** Set struct_size and defaults (ok = true, zeros, empty strings). */
ATTUNE_API void attune_audit_verify_result_init(attune_audit_verify_result* result);

/** Verify the audit log at `path` (UTF-8 file name, NUL-terminated). A broken log is not an
 *  error: the call returns ATTUNE_OK with result->ok false. Errors: ATTUNE_E_NOT_FOUND (no such
 *  file), ATTUNE_E_IO, ATTUNE_E_INVALID_ARGUMENT (NULL or a struct_size too small). */
ATTUNE_API int attune_audit_verify(const char* path, attune_audit_verify_result* result);

/** As attune_audit_verify, and also require the line with seq `anchor_seq` to exist and to hash
 *  to `anchor_hash` (64 lower-case hex characters, NUL-terminated), i.e. the head a host recorded
 *  elsewhere earlier. Detects a chain recomputed after an edit and lines cut from the end. */
ATTUNE_API int attune_audit_verify_anchored(const char* path, uint64_t anchor_seq, const char* anchor_hash,
                                            attune_audit_verify_result* result);

/** The pseudonym of `customer_id` under `salt` (the operator's secret, >= 16 bytes; a log's
 *  generated salt is the bytes encoded by the hex in "<log>.salt"): 32 lower-case hex characters
 *  plus NUL written to `out`, which must hold ATTUNE_AUDIT_PSEUDONYM_CHARS + 1 bytes.
 *  Errors: ATTUNE_E_INVALID_ARGUMENT (short salt, empty id, NULL), ATTUNE_E_INVALID_UTF8,
 *  ATTUNE_E_LIMIT_EXCEEDED (id above 4096 bytes). */
ATTUNE_API int attune_audit_pseudonymize(const char* salt, size_t salt_len, const char* customer_id, size_t id_len,
                                         char* out);

/* ==== Ethics: consent registry and guardrails (attune::ethics) =========================== */

/* Consent purposes are passed by name (NUL-terminated): "emotion_inference", "personalization",
 * "profiling"; any other name returns ATTUNE_E_INVALID_ARGUMENT. Times are milliseconds since the
 * Unix epoch (UTC) in [0, 253402300799999]; other values return ATTUNE_E_OUT_OF_RANGE. Customer
 * ids are non-empty UTF-8 of at most 256 bytes; sources UTF-8 of at most 128 bytes. */

/** Pass as expires_at_ms for a grant without expiry. */
#define ATTUNE_CONSENT_NO_EXPIRY (-1)

/** Consent registry (attune::ethics::ConsentRegistry). A customer with nothing recorded has no
 *  consent. A grant allows on [granted_at_ms, expires_at_ms); a revocation wins immediately.
 *  Thread-safety: every function may be called concurrently on one handle (reader/writer lock). */
typedef struct attune_consent_registry attune_consent_registry;

/** Create an empty registry. */
ATTUNE_API int attune_consent_registry_create(attune_consent_registry** out);
/** Free a registry (NULL is a no-op). */
ATTUNE_API void attune_consent_registry_free(attune_consent_registry* registry);
/** Record a grant for (customer, purpose); expires_at_ms is ATTUNE_CONSENT_NO_EXPIRY or > granted_at_ms.
 *  `source` (may be NULL with length 0) says where the consent came from, e.g. "web_banner_v3". */
ATTUNE_API int attune_consent_registry_grant(attune_consent_registry* registry, const char* customer,
                                             size_t customer_len, const char* purpose, int64_t granted_at_ms,
                                             int64_t expires_at_ms, const char* source, size_t source_len);
/** Record a revocation, effective immediately. *was_in_force (may be NULL) tells whether a grant
 *  was active or pending. */
ATTUNE_API int attune_consent_registry_revoke(attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, const char* purpose, int64_t revoked_at_ms,
                                              const char* source, size_t source_len, bool* was_in_force);
/** *allowed = whether the consent is active at now_ms. */
ATTUNE_API int attune_consent_registry_allows(const attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, const char* purpose, int64_t now_ms,
                                              bool* allowed);
/** Erase every record of the customer; *removed (may be NULL) tells whether there was one. */
ATTUNE_API int attune_consent_registry_forget(attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, bool* removed);
/** The customer's records as JSON (two-call pattern):
 *  {"customer":..,"purposes":{"emotion_inference":{"status":"active","granted":true,
 *   "granted_at_ms":..,"expires_at_ms":null,"revoked_at_ms":null,"source":".."}, ...}}
 *  "status" is evaluated at now_ms ("none", "active", "pending", "expired", "revoked"). */
ATTUNE_API int attune_consent_registry_record_json(const attune_consent_registry* registry, const char* customer,
                                                   size_t customer_len, int64_t now_ms, char* out,
                                                   size_t out_capacity, size_t* needed);
/** The whole registry as bytes (format "ATCN" v1, docs/ethics-rules.md). Two-call pattern on bytes:
 *  *needed is the exact byte count (no terminator). A concurrent change between the two calls may
 *  change the size; call again on ATTUNE_E_BUFFER_TOO_SMALL. */
ATTUNE_API int attune_consent_registry_serialize(const attune_consent_registry* registry, uint8_t* out,
                                                 size_t out_capacity, size_t* needed);
/** Replace the whole registry with serialized bytes. ATTUNE_E_FORMAT / ATTUNE_E_VERSION leave it unchanged. */
ATTUNE_API int attune_consent_registry_deserialize(attune_consent_registry* registry, const uint8_t* data,
                                                   size_t size);
/** One customer's records as bytes (two-call pattern on bytes, as above). */
ATTUNE_API int attune_consent_registry_serialize_customer(const attune_consent_registry* registry,
                                                          const char* customer, size_t customer_len, uint8_t* out,
                                                          size_t out_capacity, size_t* needed);
/** Replace one customer's records with a serialize_customer blob (an empty record set erases the customer). */
ATTUNE_API int attune_consent_registry_deserialize_customer(attune_consent_registry* registry, const uint8_t* data,
                                                            size_t size);

/** Guardrail rules (attune::ethics::Guardrails), immutable once loaded. Rules only remove
 *  variants; the allowed mask is what the bandit may choose from (propensities over that set).
 *  Thread-safety: one handle may be evaluated from many threads at once. */
typedef struct attune_guardrails attune_guardrails;

/** Parse rules from JSON (schema in docs/ethics-rules.md). Errors name the JSON path:
 *  ATTUNE_E_PARSE (malformed JSON, duplicate key), ATTUNE_E_INVALID_ARGUMENT (schema),
 *  ATTUNE_E_OUT_OF_RANGE (thresholds), ATTUNE_E_LIMIT_EXCEEDED. */
ATTUNE_API int attune_guardrails_from_json(const char* json, size_t json_len, attune_guardrails** out);
/** Load rules from a file; NULL path loads the shipped defaults (models/guardrails.json). */
ATTUNE_API int attune_guardrails_load(const char* path, attune_guardrails** out);
/** Free rules (NULL is a no-op). */
ATTUNE_API void attune_guardrails_free(attune_guardrails* guardrails);
/** Number of rules. */
ATTUNE_API int attune_guardrails_rule_count(const attune_guardrails* guardrails, size_t* count);
/** The rules as canonical JSON (generated reasons filled in; two-call pattern). */
ATTUNE_API int attune_guardrails_to_json(const attune_guardrails* guardrails, char* out, size_t out_capacity,
                                         size_t* needed);

/** A past high state of the customer (for quiet periods). `state` is a marketing state name. */
typedef struct attune_state_peak {
  const char* state; /* "frustration", "anxiety", ... */
  float score;       /* [0,1] */
  int64_t at_ms;
} attune_state_peak;

/** Inputs of one evaluation; all pointers are borrowed for the call and may be NULL when their
 *  count is 0. Fill with attune_guardrail_context_init() first. */
typedef struct attune_guardrail_context {
  uint32_t struct_size;
  const char* slot;                   /* slot name, NUL-terminated (NULL: "") */
  const char* const* slot_tags;       /* e.g. {"price"} */
  size_t slot_tag_count;
  const float* states;                /* 8 scores in [0,1] in the order frustration, anxiety, hesitation,
                                         confusion, curiosity, excitement, satisfaction, detachment;
                                         NULL when unknown (no emotion consent) */
  const char* const* signal_names;    /* optional emotion scores by name, e.g. "sadness" */
  const float* signal_scores;
  size_t signal_count;
  int64_t now_ms;
  const attune_state_peak* peaks;
  size_t peak_count;
  const int64_t* recent_decisions_ms; /* this customer's recent decision times in this slot */
  size_t recent_decision_count;
} attune_guardrail_context;

/** Zero the context and set struct_size. */
ATTUNE_API void attune_guardrail_context_init(attune_guardrail_context* context);

/** One candidate variant: its id (NUL-terminated) and tags. */
typedef struct attune_guardrail_candidate {
  const char* id;
  const char* const* tags;
  size_t tag_count;
} attune_guardrail_candidate;

/** Summary of one evaluation. Fill with attune_guardrail_outcome_init() first. */
typedef struct attune_guardrail_outcome {
  uint32_t struct_size;
  size_t allowed_count;     /* candidates left for the bandit */
  size_t fired_count;       /* rules that applied */
  bool use_emotion;         /* false: emotional states must not drive this decision */
  bool fallback_to_default; /* everything masked: show the slot's safe default */
} attune_guardrail_outcome;

/** Zero the outcome and set struct_size. */
ATTUNE_API void attune_guardrail_outcome_init(attune_guardrail_outcome* outcome);

/** Evaluate the rules for one decision. `allowed` receives candidate_count bytes (1 may be chosen,
 *  0 masked); `outcome` (may be NULL) the summary. When `result_needed` is not NULL the full
 *  result JSON ({"allowed":[ids],"masked":[ids],"use_emotion":..,"fallback_to_default":..,
 *  "fired":[{"id","kind","reason","trigger","observed","observed_at_ms","unknown_input",
 *  "disables_emotion","masked":[ids]}]}) is written with the two-call pattern, and on
 *  ATTUNE_E_BUFFER_TOO_SMALL nothing else is written; pass result_needed = NULL to skip it. */
ATTUNE_API int attune_guardrails_evaluate(const attune_guardrails* guardrails, const attune_guardrail_context* context,
                                          const attune_guardrail_candidate* candidates, size_t candidate_count,
                                          uint8_t* allowed, attune_guardrail_outcome* outcome, char* result_json,
                                          size_t result_capacity, size_t* result_needed);
/** Evaluate a JSON request (format of `attune guardrails eval`, docs/ethics-rules.md) into the
 *  result JSON above (two-call pattern). */
ATTUNE_API int attune_guardrails_evaluate_json(const attune_guardrails* guardrails, const char* request,
                                               size_t request_len, char* out, size_t out_capacity, size_t* needed);

/* ==== Engine (attune::Engine) ============================================================== */

/* The composition a host embeds: perception, per-customer memory, guardrails, the bandit,
 * consent, audit and persistence behind one handle. Reference: attune/engine.hpp, docs/engine.md.
 *
 * Times are milliseconds since the Unix epoch (UTC). Customer ids, slots, channels ("web",
 * "email", "chat", "app", "other") and purposes ("emotion_inference", "personalization",
 * "profiling") are NUL-terminated UTF-8. Results that vary in size come back as JSON in a
 * library-owned string (char** out; pass NULL to skip it) released with attune_string_free():
 * state-changing calls cannot use the two-call pattern, since calling twice would act twice.
 *
 * Thread-safety: every attune_engine_* call may run concurrently on one handle, for different
 * customers and for the same customer; attune_engine_free must not race with other calls. */

typedef struct attune_engine attune_engine;

/** Release a string returned by an attune_engine_* call. NULL is a no-op. */
ATTUNE_API void attune_string_free(char* s);

/** Create an engine from its JSON configuration (docs/engine.md; "{}" for the defaults). With a
 *  "state_dir", the state saved there is restored. ATTUNE_E_INVALID_ARGUMENT / ATTUNE_E_PARSE for
 *  bad configuration (the message names the JSON path), ATTUNE_E_NOT_FOUND / ATTUNE_E_IO /
 *  ATTUNE_E_FORMAT for models or state that cannot be read. */
ATTUNE_API int attune_engine_create(const char* config_json, size_t config_len, attune_engine** out);
/** Flush and close; NULL is a no-op. */
ATTUNE_API void attune_engine_free(attune_engine* engine);

/** Observe a customer's text. *result (optional): {"observation_id","emotion_used","states",...}. */
ATTUNE_API int attune_engine_observe_text(attune_engine* engine, const char* customer, const char* channel,
                                          const char* text, size_t text_len, int64_t time_ms, char** result);
/** Observe a Segment-spec event (JSON). *result (optional): {"customer","kind","purchase_probability",...}. */
ATTUNE_API int attune_engine_observe_event(attune_engine* engine, const char* event_json, size_t event_len,
                                           char** result);
/** Observe a configured numeric cue (voice prosody, facial action units, typing pace). */
ATTUNE_API int attune_engine_observe_signal(attune_engine* engine, const char* customer, const char* channel,
                                            const char* name, double value, int64_t time_ms);

/** The typed result of a decision (fast path). Fill with attune_engine_decision_init(). */
typedef struct attune_engine_decision {
  uint32_t struct_size;
  char decision_id[17];   /* 16 hex digits + NUL: pass to attune_engine_reward */
  char variant_id[65];    /* the variant to show */
  double propensity;      /* probability of variant_id under the logging policy, (0,1] */
  bool adapted;           /* chosen by the policy (false: the slot's safe default) */
  bool emotion_used;      /* emotional states influenced the choice (disclose it) */
  bool review;            /* flagged for human review */
} attune_engine_decision;
ATTUNE_API void attune_engine_decision_init(attune_engine_decision* decision);

/** Choose the variant for `slot`. `feature_names`/`feature_values` (n_features entries; both may be
 *  NULL when n_features is 0) are host features named in the catalog. *explanation (optional): the
 *  full explanation JSON (states, drivers, guardrails fired, disclosure sentence, next best actions). */
ATTUNE_API int attune_engine_decide(attune_engine* engine, const char* customer, const char* slot, int64_t time_ms,
                                    const char* const* feature_names, const double* feature_values,
                                    size_t n_features, attune_engine_decision* out, char** explanation);
/** Apply a delayed reward in [0,1], once. ATTUNE_E_NOT_FOUND (unknown/expired id), ATTUNE_E_DUPLICATE,
 *  ATTUNE_E_OUT_OF_RANGE (NaN or outside [0,1]); nothing changes on error. */
ATTUNE_API int attune_engine_reward(attune_engine* engine, const char* decision_id, double value, int64_t time_ms);
/** A person verified the emotions of an observation: `labels_json` is a JSON array of GoEmotions
 *  label names, e.g. ["annoyance","disappointment"]. */
ATTUNE_API int attune_engine_correct(attune_engine* engine, const char* customer, const char* observation_id,
                                     const char* labels_json, int64_t time_ms);
/** Grant (granted=true) or revoke consent for a purpose. expires_ms < 0: no expiry. `source` may be NULL. */
ATTUNE_API int attune_engine_consent(attune_engine* engine, const char* customer, const char* purpose, bool granted,
                                     int64_t time_ms, int64_t expires_ms, const char* source);
/** Erase a customer (profile, consent, pending decisions, cached texts). compact_now: rewrite the
 *  snapshot at once so no file holds the data any longer. */
ATTUNE_API int attune_engine_forget(attune_engine* engine, const char* customer, int64_t time_ms, bool compact_now);
/** The customer's profile view as JSON in *result (required). */
ATTUNE_API int attune_engine_profile(attune_engine* engine, const char* customer, int64_t time_ms, char** result);
/** One customer's profile as bytes (two-call pattern), for a host's own database. */
ATTUNE_API int attune_engine_export_profile(attune_engine* engine, const char* customer, void* out,
                                            size_t out_capacity, size_t* needed);
/** Replace a customer's profile with exported bytes (consent still applies). */
ATTUNE_API int attune_engine_import_profile(attune_engine* engine, const void* bytes, size_t len, int64_t time_ms);
/** Write a snapshot and start a new journal (no-op without a state_dir). */
ATTUNE_API int attune_engine_snapshot(attune_engine* engine);
/** Flush the journal and the audit log to stable storage. */
ATTUNE_API int attune_engine_sync(attune_engine* engine);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTUNE_H */
