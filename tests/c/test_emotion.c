/* The emotion C ABI seen by a C99 host: includes only attune.h, links only libattune.
 * Uses the shipped default model (found on the model search path). */
#include "attune.h"
#include "c_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int label_index(const char* name) {
  unsigned i;
  for (i = 0; i < ATTUNE_EMOTION_LABELS; ++i)
    if (strcmp(attune_emotion_label_name(i), name) == 0) return (int)i;
  return -1;
}

static void test_names(void) {
  CHECK(strcmp(attune_emotion_label_name(0), "admiration") == 0);
  CHECK(strcmp(attune_emotion_label_name(27), "neutral") == 0);
  CHECK(attune_emotion_label_name(28) == NULL);
  CHECK(strcmp(attune_emotion_ekman_name(6), "neutral") == 0);
  CHECK(attune_emotion_ekman_name(7) == NULL);
}

static void test_score(attune_emotion_model* m) {
  attune_emotion_scores s;
  const char* text = "Thank you so much, that was really helpful!";
  int j;
  attune_emotion_scores_init(&s);
  CHECK(attune_emotion_model_score(m, text, strlen(text), &s) == ATTUNE_OK);
  CHECK(s.active & (1u << label_index("gratitude")));
  for (j = 0; j < ATTUNE_EMOTION_LABELS; ++j) CHECK(s.probabilities[j] >= 0.0f && s.probabilities[j] <= 1.0f);
  CHECK(s.valence > 0.0f && s.valence <= 1.0f);
  CHECK(s.arousal >= 0.0f && s.arousal <= 1.0f);
  CHECK(s.confidence >= 0.0f && s.confidence <= 1.0f);
  /* Empty text is valid; NULL with length 0 is the empty string. */
  CHECK(attune_emotion_model_score(m, NULL, 0, &s) == ATTUNE_OK);
  /* Errors: bad UTF-8, NULL text with a length, uninitialized struct, NULL model. */
  CHECK(attune_emotion_model_score(m, "bad \xC3\x28", 6, &s) == ATTUNE_E_INVALID_UTF8);
  CHECK(strlen(attune_last_error()) > 0);
  CHECK(attune_emotion_model_score(m, NULL, 3, &s) == ATTUNE_E_INVALID_ARGUMENT);
  s.struct_size = 4;
  CHECK(attune_emotion_model_score(m, "hi", 2, &s) == ATTUNE_E_INVALID_ARGUMENT);
  attune_emotion_scores_init(&s);
  CHECK(attune_emotion_model_score(NULL, "hi", 2, &s) == ATTUNE_E_INVALID_ARGUMENT);
}

static void test_batch(attune_emotion_model* m) {
  const char* texts[3] = {"I love it", "This is awful", "When does the store open?"};
  size_t lens[3];
  attune_emotion_scores out[3], one;
  int i, j;
  for (i = 0; i < 3; ++i) { lens[i] = strlen(texts[i]); attune_emotion_scores_init(&out[i]); }
  CHECK(attune_emotion_model_score_batch(m, texts, lens, 3, 2, out) == ATTUNE_OK);
  for (i = 0; i < 3; ++i) {
    attune_emotion_scores_init(&one);
    CHECK(attune_emotion_model_score(m, texts[i], lens[i], &one) == ATTUNE_OK);
    for (j = 0; j < ATTUNE_EMOTION_LABELS; ++j) CHECK(one.probabilities[j] == out[i].probabilities[j]);
    CHECK(one.valence == out[i].valence);
  }
  CHECK(out[0].valence > out[1].valence);
  texts[1] = "\xFF";
  lens[1] = 1;
  CHECK(attune_emotion_model_score_batch(m, texts, lens, 3, 1, out) == ATTUNE_E_INVALID_UTF8);
  CHECK(attune_emotion_model_score_batch(m, NULL, NULL, 0, 1, NULL) == ATTUNE_OK);
}

static void test_explain(attune_emotion_model* m) {
  const char* text = "thanks, great job";
  size_t needed = 0;
  char* buf;
  CHECK(attune_emotion_model_explain(m, text, strlen(text), 3, NULL, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  CHECK(needed > 10);
  buf = (char*)malloc(needed);
  CHECK(attune_emotion_model_explain(m, text, strlen(text), 3, buf, needed, &needed) == ATTUNE_OK);
  CHECK(strstr(buf, "\"tokens\"") != NULL);
  CHECK(buf[needed - 1] == '\0');
  free(buf);
  CHECK(attune_emotion_model_explain(m, text, strlen(text), 0, NULL, 0, &needed) == ATTUNE_E_OUT_OF_RANGE);
}

static void test_memory_and_errors(attune_emotion_model* m) {
  attune_emotion_model* other = NULL;
  const char garbage[] = "definitely not a model file";
  char path[512];
  FILE* f;
  long size;
  unsigned char* bytes;
  attune_emotion_scores a, b;
  const char* text = "my order is late again";
  CHECK(attune_emotion_model_load("/nonexistent/model.attm", &other) == ATTUNE_E_IO);
  CHECK(other == NULL);
  CHECK(attune_emotion_model_load_memory(garbage, sizeof garbage, &other) == ATTUNE_E_FORMAT);
  CHECK(attune_emotion_model_load(NULL, &other) == ATTUNE_E_INVALID_ARGUMENT);
  attune_emotion_model_free(NULL);
  /* Save, read the bytes back, load from memory: same scores. */
  snprintf(path, sizeof path, "test_emotion_c_%d.attm", (int)sizeof(void*));
  CHECK(attune_emotion_model_save(m, path) == ATTUNE_OK);
  f = fopen(path, "rb");
  CHECK(f != NULL);
  if (!f) return;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  bytes = (unsigned char*)malloc((size_t)size);
  CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  remove(path);
  CHECK(attune_emotion_model_load_memory(bytes, (size_t)size, &other) == ATTUNE_OK);
  /* A truncated copy is refused. */
  {
    attune_emotion_model* broken = NULL;
    CHECK(attune_emotion_model_load_memory(bytes, (size_t)size / 2, &broken) == ATTUNE_E_FORMAT);
    CHECK(broken == NULL);
  }
  free(bytes);
  attune_emotion_scores_init(&a);
  attune_emotion_scores_init(&b);
  CHECK(attune_emotion_model_score(m, text, strlen(text), &a) == ATTUNE_OK);
  CHECK(attune_emotion_model_score(other, text, strlen(text), &b) == ATTUNE_OK);
  CHECK(memcmp(a.probabilities, b.probabilities, sizeof a.probabilities) == 0);
  /* The empathy loop through C: correcting changes the adapted copy only. */
  CHECK(attune_emotion_model_correct(other, text, strlen(text), 1u << label_index("annoyance")) == ATTUNE_OK);
  CHECK(attune_emotion_model_correct(other, text, strlen(text), 0) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_emotion_model_score(other, text, strlen(text), &b) == ATTUNE_OK);
  CHECK(b.probabilities[label_index("annoyance")] > a.probabilities[label_index("annoyance")]);
  attune_emotion_model_free(other);
}

int main(void) {
  attune_emotion_model* m = NULL;
  test_names();
  if (attune_emotion_model_load_default(&m) != ATTUNE_OK) {
    fprintf(stderr, "cannot load the default emotion model: %s\n", attune_last_error());
    printf("0 passed, 1 failed\n");
    return 1;
  }
  test_score(m);
  test_batch(m);
  test_explain(m);
  test_memory_and_errors(m);
  attune_emotion_model_free(m);
  return check_report();
}
