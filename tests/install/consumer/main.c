#include <attune.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  char buf[512];
  size_t needed = 0;
  if (attune_version_number() != ATTUNE_VERSION_NUMBER) return 1;
  if (attune_tokenize("not bad", 7, 0, buf, sizeof buf, &needed) != ATTUNE_OK) return 1;
  if (strstr(buf, "negated") == NULL) return 1;
  puts("consumer_c ok");
  return 0;
}
