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

/* ==== Engine (attune::Engine) ============================================================== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTUNE_H */
