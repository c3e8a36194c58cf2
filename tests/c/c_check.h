/* The check macro of the C test programs: counts checks, prints each failure with attune's last
 * error message, and check_report() prints the closing "N passed, N failed" line that CI reads. */
#ifndef ATTUNE_TESTS_C_CHECK_H
#define ATTUNE_TESTS_C_CHECK_H

#include "attune.h"

#include <stdio.h>

static int failures = 0, checks = 0;

#define CHECK(cond)                                                                        \
  do {                                                                                     \
    ++checks;                                                                              \
    if (!(cond)) {                                                                         \
      ++failures;                                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              attune_last_error());                                                        \
    }                                                                                      \
  } while (0)

/* Print the summary line; the program's exit status. */
static int check_report(void) {
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}

#endif
