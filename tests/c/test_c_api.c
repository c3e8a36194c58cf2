/* The C ABI seen by a C99 host: includes only attune.h, links only libattune. */
#include "attune.h"
#include "c_check.h"

#include <stdio.h>
#include <string.h>


static void test_version(void) {
  CHECK(strcmp(attune_version(), "0.1.0") == 0);
  CHECK(attune_version_number() == ATTUNE_VERSION_NUMBER);
}

static void test_status_strings(void) {
  CHECK(strcmp(attune_status_string(ATTUNE_OK), "success") == 0);
  CHECK(strlen(attune_status_string(ATTUNE_E_INVALID_UTF8)) > 0);
  CHECK(strcmp(attune_status_string(-12345), "unknown status") == 0);
  CHECK(attune_last_error() != NULL);
}

static void test_tokenize_two_call(void) {
  const char* text = "Not bad!!! \xF0\x9F\x98\x8D";
  size_t needed = 0;
  char small[8];
  /* First call: size query with no buffer. */
  CHECK(attune_tokenize(text, strlen(text), 0, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(needed > 20);
  CHECK(strlen(attune_last_error()) > 0);
  /* Too small a buffer: same status, same size, buffer untouched. */
  memset(small, 'x', sizeof small);
  CHECK(attune_tokenize(text, strlen(text), 0, small, sizeof small, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(small[0] == 'x');
  {
    char buf[1024];
    size_t again = 0;
    CHECK(needed <= sizeof buf);
    CHECK(attune_tokenize(text, strlen(text), 0, buf, sizeof buf, &again) == ATTUNE_OK);
    CHECK(again == needed);
    CHECK(strlen(buf) + 1 == needed);
    CHECK(strstr(buf, "\"negator\"") != NULL);
    CHECK(strstr(buf, "\"emphasis\"") != NULL);
    CHECK(strstr(buf, "\"kind\":\"emoji\"") != NULL);
    CHECK(strcmp(attune_last_error(), "") == 0);
  }
}

static void test_tokenize_errors(void) {
  size_t needed = 0, offset = 99;
  char buf[256];
  const char bad[] = {'o', 'k', (char)0xC0, (char)0xAF, 0};
  CHECK(attune_tokenize(bad, 4, 0, buf, sizeof buf, &needed) == ATTUNE_E_INVALID_UTF8);
  CHECK(strstr(attune_last_error(), "byte offset 2") != NULL);
  CHECK(attune_tokenize(bad, 4, ATTUNE_TOKENIZE_REPLACE_INVALID, buf, sizeof buf, &needed) == ATTUNE_OK);
  CHECK(attune_tokenize(NULL, 5, 0, buf, sizeof buf, &needed) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_tokenize("x", 1, 0, buf, sizeof buf, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_tokenize("x", 1, 0x80u, buf, sizeof buf, &needed) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_tokenize(NULL, 0, 0, buf, sizeof buf, &needed) == ATTUNE_OK);
  CHECK(strcmp(buf, "[]") == 0);
  CHECK(attune_utf8_validate(bad, 4, &offset) == ATTUNE_E_INVALID_UTF8);
  CHECK(offset == 2);
  CHECK(attune_utf8_validate("fine", 4, &offset) == ATTUNE_OK);
}

static void test_tokenize_size_limit(void) {
  static char big[ATTUNE_MAX_TEXT_BYTES + 1];
  size_t needed = 0;
  memset(big, 'a', sizeof big);
  CHECK(attune_tokenize(big, sizeof big, 0, NULL, 0, &needed) == ATTUNE_E_LIMIT_EXCEEDED);
  CHECK(attune_tokenize(big, ATTUNE_MAX_TEXT_BYTES, 0, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
}

int main(void) {
  test_version();
  test_status_strings();
  test_tokenize_two_call();
  test_tokenize_errors();
  test_tokenize_size_limit();
  return check_report();
}
