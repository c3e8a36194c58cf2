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

/* ==== Variant selection (attune::select) =================================================== */

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

/* ==== Engine (attune::Engine) ============================================================== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTUNE_H */
