// C ABI of attune::Engine.
#include "c_api_support.hpp"

#include "attune/detail/json_limits.hpp"
#include "attune/engine.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>

struct attune_engine {
  std::unique_ptr<attune::Engine> engine;
};

using namespace attune;

namespace {

constexpr size_t kMaxLabelsJsonBytes = size_t{64} << 10;

Engine& engine_of(attune_engine* e) {
  capi::require(e, "engine");
  return *e->engine;
}

// A library-owned copy of `s` for the caller (released with attune_string_free).
void give(char** out, const std::string& s) {
  if (out == nullptr) return;
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  *out = p;
}

void copy_fixed(char* dst, size_t cap, const std::string& s) {
  const size_t n = std::min(s.size(), cap - 1);
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

}  // namespace

extern "C" {

ATTUNE_API void attune_string_free(char* s) { std::free(s); }

ATTUNE_API int attune_engine_create(const char* config_json, size_t config_len, attune_engine** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = nullptr;
    const std::string_view config = capi::text_arg(config_json, config_len, "config_json");
    auto handle = std::make_unique<attune_engine>();
    handle->engine = Engine::from_json(config.empty() ? std::string_view("{}") : config);
    *out = handle.release();
  });
}

ATTUNE_API void attune_engine_free(attune_engine* engine) { delete engine; }

ATTUNE_API int attune_engine_observe_text(attune_engine* engine, const char* customer, const char* channel,
                                          const char* text, size_t text_len, int64_t time_ms, char** result) {
  return capi::guarded([&] {
    Engine& e = engine_of(engine);
    const auto obs = e.observe_text(capi::cstr_arg(customer, "customer"),
                                    profile::parse_channel(capi::cstr_arg(channel, "channel")),
                                    capi::text_arg(text, text_len, "text"), time_ms);
    give(result, obs.to_json().dump());
  });
}

ATTUNE_API int attune_engine_observe_event(attune_engine* engine, const char* event_json, size_t event_len,
                                           char** result) {
  return capi::guarded([&] {
    Engine& e = engine_of(engine);
    const auto obs = e.observe_event(capi::text_arg(event_json, event_len, "event_json"));
    give(result, obs.to_json().dump());
  });
}

ATTUNE_API int attune_engine_observe_signal(attune_engine* engine, const char* customer, const char* channel,
                                            const char* name, double value, int64_t time_ms) {
  return capi::guarded([&] {
    engine_of(engine).observe_signal(capi::cstr_arg(customer, "customer"),
                                     profile::parse_channel(capi::cstr_arg(channel, "channel")),
                                     capi::cstr_arg(name, "name"), value, time_ms);
  });
}

ATTUNE_API void attune_engine_decision_init(attune_engine_decision* decision) {
  if (decision == nullptr) return;
  std::memset(decision, 0, sizeof *decision);
  decision->struct_size = sizeof *decision;
}

ATTUNE_API int attune_engine_decide(attune_engine* engine, const char* customer, const char* slot, int64_t time_ms,
                                    const char* const* feature_names, const double* feature_values,
                                    size_t n_features, attune_engine_decision* out, char** explanation) {
  return capi::guarded([&] {
    Engine& e = engine_of(engine);
    capi::require(out, "out");
    // Older callers may pass a smaller struct: only the fields it has are written.
    if (out->struct_size < offsetof(attune_engine_decision, propensity) + sizeof(double))
      throw invalid_argument("attune_engine_decision.struct_size is too small; call attune_engine_decision_init()");
    if (n_features > 0 && (feature_names == nullptr || feature_values == nullptr))
      throw invalid_argument("feature_names and feature_values must not be NULL when n_features > 0");
    if (n_features > 4096) throw invalid_argument("too many features", status::limit_exceeded);
    std::map<std::string, double> features;
    for (size_t i = 0; i < n_features; ++i) {
      capi::require(feature_names[i], "feature name");
      if (!features.emplace(feature_names[i], feature_values[i]).second)
        throw invalid_argument(std::string("feature \"") + feature_names[i] + "\" given twice");
    }
    const Decision d = e.decide(capi::cstr_arg(customer, "customer"), capi::cstr_arg(slot, "slot"), time_ms, features);
    std::string json;
    if (explanation) json = d.explanation().dump();
    const uint32_t size = out->struct_size;
    copy_fixed(out->decision_id, sizeof out->decision_id, d.decision_id);
    copy_fixed(out->variant_id, sizeof out->variant_id, d.variant_id);
    out->propensity = d.propensity;
    if (size >= offsetof(attune_engine_decision, adapted) + sizeof(bool)) out->adapted = d.adapted;
    if (size >= offsetof(attune_engine_decision, emotion_used) + sizeof(bool)) out->emotion_used = d.emotion_used;
    if (size >= offsetof(attune_engine_decision, review) + sizeof(bool)) out->review = d.review;
    give(explanation, json);
  });
}

ATTUNE_API int attune_engine_reward(attune_engine* engine, const char* decision_id, double value, int64_t time_ms) {
  return capi::guarded([&] { engine_of(engine).reward(capi::cstr_arg(decision_id, "decision_id"), value, time_ms); });
}

ATTUNE_API int attune_engine_correct(attune_engine* engine, const char* customer, const char* observation_id,
                                     const char* labels_json, int64_t time_ms) {
  return capi::guarded([&] {
    Engine& e = engine_of(engine);
    const std::string_view text = capi::cstr_arg(labels_json, "labels_json");
    // At most 28 label names: 64 KiB and two levels are generous, and refuse hostile documents
    // before anything walks them (docs/limits.md).
    const nlohmann::json j = detail::parse_json_limited(text, "labels_json", kMaxLabelsJsonBytes, 2);
    if (!j.is_array()) throw invalid_argument("labels_json must be a JSON array of label names");
    std::vector<std::string> labels;
    for (const auto& l : j) {
      if (!l.is_string()) throw invalid_argument("labels_json must contain only strings");
      labels.push_back(l.get<std::string>());
    }
    e.correct(capi::cstr_arg(customer, "customer"), capi::cstr_arg(observation_id, "observation_id"), labels, time_ms);
  });
}

ATTUNE_API int attune_engine_consent(attune_engine* engine, const char* customer, const char* purpose, bool granted,
                                     int64_t time_ms, int64_t expires_ms, const char* source) {
  return capi::guarded([&] {
    engine_of(engine).consent(capi::cstr_arg(customer, "customer"), capi::cstr_arg(purpose, "purpose"), granted,
                              time_ms, expires_ms < 0 ? std::nullopt : std::optional<int64_t>(expires_ms),
                              source ? capi::cstr_arg(source, "source") : std::string_view());
  });
}

ATTUNE_API int attune_engine_forget(attune_engine* engine, const char* customer, int64_t time_ms, bool compact_now) {
  return capi::guarded([&] { engine_of(engine).forget(capi::cstr_arg(customer, "customer"), time_ms, compact_now); });
}

ATTUNE_API int attune_engine_profile(attune_engine* engine, const char* customer, int64_t time_ms, char** result) {
  return capi::guarded([&] {
    capi::require(result, "result");
    give(result, engine_of(engine).profile(capi::cstr_arg(customer, "customer"), time_ms).to_json().dump());
  });
}

ATTUNE_API int attune_engine_export_profile(attune_engine* engine, const char* customer, void* out,
                                            size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(needed, "needed");
    const std::string bytes = engine_of(engine).export_profile(capi::cstr_arg(customer, "customer"));
    *needed = bytes.size();
    if (out == nullptr || out_capacity < bytes.size())
      throw error(status::buffer_too_small, "profile needs " + std::to_string(bytes.size()) + " bytes");
    std::memcpy(out, bytes.data(), bytes.size());
  });
}

ATTUNE_API int attune_engine_import_profile(attune_engine* engine, const void* bytes, size_t len, int64_t time_ms) {
  return capi::guarded([&] {
    if (bytes == nullptr && len != 0) throw invalid_argument("bytes is NULL but len is not 0");
    engine_of(engine).import_profile(std::string_view(static_cast<const char*>(bytes), len), time_ms);
  });
}

ATTUNE_API int attune_engine_snapshot(attune_engine* engine) {
  return capi::guarded([&] { engine_of(engine).snapshot(); });
}

ATTUNE_API int attune_engine_sync(attune_engine* engine) {
  return capi::guarded([&] { engine_of(engine).sync(); });
}

}  // extern "C"
