/* The C ABI seen by a C99 host: includes only attune.h, links only libattune. */
#include "attune.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;
static int checks = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    ++checks;                                                              \
    if (!(cond)) {                                                         \
      ++failures;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

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

int main(void) {
  test_version();
  test_status_strings();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
