/* The audit C ABI seen by a C99 host: verification of logs written by hand in the documented
 * format, and pseudonyms. Includes only attune.h, links only libattune. */
#include "attune.h"
#include "c_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* One valid line of the documented format (seq 1, prev 64 zeros); its "hash" is the SHA-256 of
 * the line without the hash field, computed independently with Python's hashlib. */
static const char* kLine1 =
    "{\"seq\":1,\"time\":1700000000000,\"kind\":\"consent\",\"prev\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\",\"granted\":true,"
    "\"hash\":\"786c4f0dce5c40ae9c3a2877a022c5b654b038873f7ab1599764e46819e46c93\"}\n";

static void test_pseudonymize(void) {
  const char* salt = "c-test-salt-0123456789";
  char a[ATTUNE_AUDIT_PSEUDONYM_CHARS + 1];
  char b[ATTUNE_AUDIT_PSEUDONYM_CHARS + 1];
  CHECK(attune_audit_pseudonymize(salt, strlen(salt), "customer-1", 10, a) == ATTUNE_OK);
  CHECK(strlen(a) == ATTUNE_AUDIT_PSEUDONYM_CHARS);
  CHECK(strcmp(a, "customer-1") != 0);
  CHECK(attune_audit_pseudonymize(salt, strlen(salt), "customer-1", 10, b) == ATTUNE_OK);
  CHECK(strcmp(a, b) == 0);
  CHECK(attune_audit_pseudonymize("other-salt-0123456789", 21, "customer-1", 10, b) == ATTUNE_OK);
  CHECK(strcmp(a, b) != 0);
  CHECK(attune_audit_pseudonymize(salt, 4, "customer-1", 10, b) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(strlen(attune_last_error()) > 0);
  CHECK(attune_audit_pseudonymize(salt, strlen(salt), NULL, 0, b) == ATTUNE_E_INVALID_ARGUMENT);
}

static void test_verify(const char* dir) {
  char path[1024];
  char line[512];
  attune_audit_verify_result r;
  FILE* f;
  snprintf(path, sizeof path, "%s/c_audit_test.jsonl", dir);

  /* A file that is not a log. */
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fputs("{\"seq\":1}\n", f);
  fclose(f);
  attune_audit_verify_result_init(&r);
  CHECK(r.struct_size == sizeof r && r.ok);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_OK);
  CHECK(!r.ok);
  CHECK(r.first_bad_line == 1);
  CHECK(r.lines == 1);
  CHECK(strstr(r.reason, "seq") == NULL);  /* seq is fine; "time" is missing */
  CHECK(strstr(r.reason, "time") != NULL);

  /* A valid one-line log; then one byte changed. */
  f = fopen(path, "wb");
  fputs(kLine1, f);
  fclose(f);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_OK);
  CHECK(r.ok);
  CHECK(r.lines == 1 && r.first_bad_line == 0 && r.head_seq == 1);
  CHECK(r.reason[0] == '\0');
  CHECK(strlen(r.head_hash) == ATTUNE_AUDIT_HASH_CHARS);
  strcpy(line, kLine1);
  *strstr(line, "true") = 'T';
  f = fopen(path, "wb");
  fputs(line, f);
  fclose(f);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_OK);
  CHECK(!r.ok && r.first_bad_line == 1);
  CHECK(strstr(r.reason, "malformed JSON") != NULL);
  strcpy(line, kLine1);
  memcpy(strstr(line, "1700000000000"), "1700000000001", 13);
  f = fopen(path, "wb");
  fputs(line, f);
  fclose(f);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_OK);
  CHECK(!r.ok && r.first_bad_line == 1);
  CHECK(strstr(r.reason, "hash mismatch") != NULL);

  /* An empty log verifies; a missing one is an error with a message. */
  f = fopen(path, "wb");
  fclose(f);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_OK && r.ok && r.lines == 0);
  remove(path);
  CHECK(attune_audit_verify(path, &r) == ATTUNE_E_NOT_FOUND);
  CHECK(strlen(attune_last_error()) > 0);
  CHECK(attune_audit_verify(NULL, &r) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_audit_verify_anchored(path, 0, "", &r) == ATTUNE_E_INVALID_ARGUMENT);
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  test_pseudonymize();
  test_verify(tmp && *tmp ? tmp : "/tmp");
  return check_report();
}
