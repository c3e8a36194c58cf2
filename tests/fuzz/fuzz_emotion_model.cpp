// Fuzz the emotion model file decoder: EmotionModel::from_bytes and the C ABI's
// attune_emotion_model_load_memory on the same bytes. The first input byte picks the framing:
// odd = the harness rewrites the trailing CRC-32 first (so mutations reach the section decoders
// behind the checksum), even = the bytes as they are.
// Invariants: only attune::error with a decode status escapes (never a crash, leak or UB); C and
// C++ agree on accepting the bytes; an accepted model scores a text to finite probabilities in
// [0,1], and its bytes re-decode to a model that serializes identically (a canonical form).
#include "fuzz_support.hpp"

#include "attune.h"

#include <cmath>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  if (size == 0) return 0;
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (data[0] & 1) fix_crc32(bytes);

  attune_emotion_model* c_model = nullptr;
  const int c_status = attune_emotion_model_load_memory(bytes.data(), bytes.size(), &c_model);
  const bool cpp_ok = guarded([&] {
    const auto m = attune::emotion::EmotionModel::from_bytes(bytes.data(), bytes.size());
    const auto s = m.score("I do NOT love waiting!!! \xF0\x9F\x98\x80 but thanks");
    for (float p : s.probabilities) require(std::isfinite(p) && p >= 0.0f && p <= 1.0f);
    require(s.valence >= -1.0f && s.valence <= 1.0f && s.arousal >= 0.0f && s.arousal <= 1.0f);
    const auto again_bytes = m.to_bytes();
    const auto again = attune::emotion::EmotionModel::from_bytes(again_bytes.data(), again_bytes.size());
    require(again.to_bytes() == again_bytes);
    m.explain("love it", 3);
  });
  require(cpp_ok == (c_status == ATTUNE_OK));
  if (c_model) {
    attune_emotion_scores scores;
    attune_emotion_scores_init(&scores);
    require(attune_emotion_model_score(c_model, "so happy", 8, &scores) == ATTUNE_OK);
  } else {
    require(c_status != ATTUNE_OK && attune_last_error() != nullptr);
  }
  attune_emotion_model_free(c_model);
  return 0;
}
