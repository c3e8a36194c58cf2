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
 * (the empathy loop). Model files: see docs/emotion-model.md (format version 1).
 *
 * Thread-safety of attune_emotion_model: scoring, batch scoring, explain and save may be called
 * concurrently from any number of threads on one handle. attune_emotion_model_correct takes an
 * exclusive lock on the handle (other calls wait while it runs), so it is safe too, just not
 * concurrent. */

#define ATTUNE_EMOTION_LABELS 28  /* labels, in GoEmotions emotions.txt order (27 = neutral) */
#define ATTUNE_EMOTION_EKMAN 7    /* anger, disgust, fear, joy, sadness, surprise, neutral */
#define ATTUNE_EMOTION_STATES 8   /* marketing states, in attune/states.hpp order */
#define ATTUNE_EMOTION_MODEL_FORMAT_VERSION 1

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

/* ==== Variant selection (attune::select) =================================================== */

/* ==== Engine (attune::Engine) ============================================================== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTUNE_H */
