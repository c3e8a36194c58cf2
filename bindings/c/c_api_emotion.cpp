// C ABI of attune::emotion (see the Emotion section of attune.h).
#include "c_api_support.hpp"

#include "attune/emotion/emotion_json.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/text/tokenizer.hpp"

#include <cstring>
#include <mutex>
#include <shared_mutex>

using attune::emotion::EmotionModel;
using attune::emotion::EmotionScores;

struct attune_emotion_model {
  explicit attune_emotion_model(EmotionModel m) : model(std::move(m)) {}
  EmotionModel model;
  mutable std::shared_mutex mu;  // shared for reads, exclusive for correct()
};

namespace {

static_assert(ATTUNE_EMOTION_LABELS == attune::emotion::kLabelCount, "label count");
static_assert(ATTUNE_EMOTION_EKMAN == attune::emotion::kEkmanCount, "ekman count");
static_assert(ATTUNE_EMOTION_STATES == attune::kStateCount, "state count");
static_assert(ATTUNE_EMOTION_MODEL_FORMAT_VERSION == attune::emotion::kModelFormatVersion, "format version");

void check_out(const attune_emotion_scores* out) {
  attune::capi::require(out, "scores");
  if (out->struct_size < sizeof(attune_emotion_scores))
    throw attune::invalid_argument("scores->struct_size is " + std::to_string(out->struct_size) +
                                   "; call attune_emotion_scores_init() first");
}

void fill(const EmotionScores& s, attune_emotion_scores* out) {
  attune_emotion_scores r;
  r.struct_size = sizeof(attune_emotion_scores);
  std::memcpy(r.probabilities, s.probabilities.data(), sizeof r.probabilities);
  r.active = s.active;
  std::memcpy(r.ekman, s.ekman.data(), sizeof r.ekman);
  r.ekman_active = s.ekman_active;
  std::memcpy(r.states, s.states.data(), sizeof r.states);
  r.valence = s.valence;
  r.arousal = s.arousal;
  r.confidence = s.confidence;
  std::memcpy(out, &r, sizeof r);
}

int make(attune_emotion_model** out, EmotionModel (*loader)(const void*, const char*), const void* a, const char* b) {
  return attune::capi::guarded([&] {
    attune::capi::require(out, "out");
    *out = nullptr;
    *out = new attune_emotion_model(loader(a, b));
  });
}

/// Texts per attune_emotion_model_score_batch call (docs/limits.md).
constexpr size_t kMaxBatchTexts = size_t{1} << 24;

}  // namespace

extern "C" {

ATTUNE_API void attune_emotion_scores_init(attune_emotion_scores* scores) {
  if (scores == nullptr) return;
  std::memset(scores, 0, sizeof *scores);
  scores->struct_size = sizeof *scores;
}

ATTUNE_API const char* attune_emotion_label_name(uint32_t index) {
  return index < attune::emotion::kLabelCount ? attune::emotion::kLabelNames[index].data() : nullptr;
}

ATTUNE_API const char* attune_emotion_ekman_name(uint32_t index) {
  return index < attune::emotion::kEkmanCount ? attune::emotion::kEkmanNames[index].data() : nullptr;
}

ATTUNE_API int attune_emotion_model_load(const char* path, attune_emotion_model** out) {
  return make(out, [](const void* p, const char*) {
    return EmotionModel::load(std::string(attune::capi::cstr_arg(static_cast<const char*>(p), "path")));
  }, path, nullptr);
}

ATTUNE_API int attune_emotion_model_load_memory(const void* data, size_t size, attune_emotion_model** out) {
  return attune::capi::guarded([&] {
    attune::capi::require(out, "out");
    *out = nullptr;
    attune::capi::require(data, "data");
    *out = new attune_emotion_model(EmotionModel::from_bytes(data, size));
  });
}

ATTUNE_API int attune_emotion_model_load_default(attune_emotion_model** out) {
  return make(out, [](const void*, const char*) { return EmotionModel::load_default(); }, nullptr, nullptr);
}

ATTUNE_API void attune_emotion_model_free(attune_emotion_model* model) { delete model; }

ATTUNE_API int attune_emotion_model_score(const attune_emotion_model* model, const char* text, size_t text_len,
                                          attune_emotion_scores* out) {
  return attune::capi::guarded([&] {
    attune::capi::require(model, "model");
    check_out(out);
    const auto t = attune::capi::text_arg(text, text_len, "text");
    std::shared_lock<std::shared_mutex> lock(model->mu);
    fill(model->model.score(t), out);
  });
}

ATTUNE_API int attune_emotion_model_score_batch(const attune_emotion_model* model, const char* const* texts,
                                                const size_t* lens, size_t count, uint32_t threads,
                                                attune_emotion_scores* out) {
  return attune::capi::guarded([&] {
    attune::capi::require(model, "model");
    if (count == 0) return;
    // Memory is proportional to the count: refuse absurd counts before allocating for them.
    if (count > kMaxBatchTexts)
      throw attune::invalid_argument("count " + std::to_string(count) + " is above the limit of " +
                                         std::to_string(kMaxBatchTexts) + " texts per call; split the batch",
                                     attune::status::limit_exceeded);
    attune::capi::require(texts, "texts");
    attune::capi::require(lens, "lens");
    attune::capi::require(out, "out");
    std::vector<std::string_view> views(count);
    for (size_t i = 0; i < count; ++i) {
      check_out(&out[i]);
      views[i] = attune::capi::text_arg(texts[i], lens[i], "texts[i]");
    }
    std::vector<EmotionScores> scores;
    std::shared_lock<std::shared_mutex> lock(model->mu);
    model->model.score_batch(views, scores, threads);
    for (size_t i = 0; i < count; ++i) fill(scores[i], &out[i]);
  });
}

ATTUNE_API int attune_emotion_model_explain(const attune_emotion_model* model, const char* text, size_t text_len,
                                            uint32_t top_k, char* out, size_t out_capacity, size_t* needed) {
  return attune::capi::guarded([&] {
    attune::capi::require(model, "model");
    attune::capi::require(needed, "needed");
    if (top_k == 0 || top_k > 1000) throw attune::invalid_argument("top_k must be in 1..1000", attune::status::out_of_range);
    const auto t = attune::capi::text_arg(text, text_len, "text");
    std::string json;
    {
      std::shared_lock<std::shared_mutex> lock(model->mu);
      json = attune::emotion::to_json(model->model.explain(t, top_k));
    }
    attune::capi::copy_out(json, out, out_capacity, needed);
  });
}

ATTUNE_API int attune_emotion_model_correct(attune_emotion_model* model, const char* text, size_t text_len,
                                            uint32_t label_mask) {
  return attune::capi::guarded([&] {
    attune::capi::require(model, "model");
    const auto t = attune::capi::text_arg(text, text_len, "text");
    // Checked before the copy below (partial_fit would refuse it only after copying 100 MB).
    if (t.size() > attune::text::kMaxTextBytes)
      throw attune::invalid_argument("text is " + std::to_string(t.size()) + " bytes, above the limit of " +
                                         std::to_string(attune::text::kMaxTextBytes),
                                     attune::status::limit_exceeded);
    if (label_mask == 0 || (label_mask >> attune::emotion::kLabelCount) != 0)
      throw attune::invalid_argument("label_mask must be a nonzero mask of bits 0..27");
    std::unique_lock<std::shared_mutex> lock(model->mu);
    model->model.partial_fit({attune::emotion::LabeledText{std::string(t), label_mask}});
  });
}

ATTUNE_API int attune_emotion_model_save(const attune_emotion_model* model, const char* path) {
  return attune::capi::guarded([&] {
    attune::capi::require(model, "model");
    const std::string p(attune::capi::cstr_arg(path, "path"));
    std::shared_lock<std::shared_mutex> lock(model->mu);
    model->model.save(p);
  });
}

}  // extern "C"
