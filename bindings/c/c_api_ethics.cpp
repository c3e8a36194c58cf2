// C ABI of the consent registry and the guardrails (attune::ethics).
#include "c_api_support.hpp"

#include "attune/ethics/consent_registry.hpp"
#include "attune/ethics/guardrails.hpp"
#include "attune/text/utf8.hpp"

#include <nlohmann/json.hpp>

#include <memory>

using namespace attune;
using namespace attune::ethics;

struct attune_consent_registry {
  ConsentRegistry registry;
};

struct attune_guardrails {
  explicit attune_guardrails(Guardrails g) : rules(std::move(g)) {}
  Guardrails rules;
};

namespace {

std::string_view customer_arg(const char* customer, size_t len) {
  capi::require(customer, "customer");
  return std::string_view(customer, len);
}

Purpose purpose_arg(const char* purpose) { return parse_purpose(capi::cstr_arg(purpose, "purpose")); }

// Two-call pattern for binary output: the exact byte count, no terminator.
void copy_bytes_out(const std::string& bytes, uint8_t* out, size_t capacity, size_t* needed) {
  capi::require(needed, "needed");
  *needed = bytes.size();
  if (out == nullptr || capacity < bytes.size())
    throw error(status::buffer_too_small, "output buffer of " + std::to_string(out ? capacity : 0) +
                                              " bytes is too small; " + std::to_string(bytes.size()) + " needed");
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
}

std::string_view bytes_arg(const uint8_t* data, size_t size) {
  if (data == nullptr && size != 0) throw invalid_argument("data is NULL but its size is not 0");
  return data == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), size);
}

nlohmann::json record_json(std::string_view customer, const ConsentRecord& rec, int64_t now_ms) {
  nlohmann::json purposes = nlohmann::json::object();
  for (Purpose p : kPurposes) {
    const PurposeConsent& c = rec[p];
    nlohmann::json j = {{"status", std::string(consent_status_name(c.status_at(now_ms)))}, {"granted", c.granted}};
    j["granted_at_ms"] = c.present && (c.granted || c.granted_at_ms > 0) ? nlohmann::json(c.granted_at_ms) : nlohmann::json();
    j["expires_at_ms"] = c.expires_at_ms ? nlohmann::json(*c.expires_at_ms) : nlohmann::json();
    j["revoked_at_ms"] = c.revoked_at_ms ? nlohmann::json(*c.revoked_at_ms) : nlohmann::json();
    j["source"] = c.source;
    purposes[std::string(purpose_name(p))] = std::move(j);
  }
  return {{"customer", std::string(customer)}, {"purposes", std::move(purposes)}};
}

template <class T>
Borrowed<T> borrowed(const T* data, size_t count, const char* what) {
  if (data == nullptr && count != 0) throw invalid_argument(std::string(what) + " is NULL but its count is not 0");
  return Borrowed<T>(data, count);
}

/// Candidates of one attune_guardrails_evaluate call (a catalog slot holds at most 256).
constexpr size_t kMaxCandidates = 65536;

}  // namespace

extern "C" {

ATTUNE_API int attune_consent_registry_create(attune_consent_registry** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = new attune_consent_registry();
  });
}

ATTUNE_API void attune_consent_registry_free(attune_consent_registry* registry) { delete registry; }

ATTUNE_API int attune_consent_registry_grant(attune_consent_registry* registry, const char* customer,
                                             size_t customer_len, const char* purpose, int64_t granted_at_ms,
                                             int64_t expires_at_ms, const char* source, size_t source_len) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    std::optional<int64_t> expiry;
    if (expires_at_ms != ATTUNE_CONSENT_NO_EXPIRY) expiry = expires_at_ms;
    registry->registry.grant(customer_arg(customer, customer_len), purpose_arg(purpose), granted_at_ms, expiry,
                             capi::text_arg(source, source_len, "source"));
  });
}

ATTUNE_API int attune_consent_registry_revoke(attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, const char* purpose, int64_t revoked_at_ms,
                                              const char* source, size_t source_len, bool* was_in_force) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    const bool in_force = registry->registry.revoke(customer_arg(customer, customer_len), purpose_arg(purpose),
                                                    revoked_at_ms, capi::text_arg(source, source_len, "source"));
    if (was_in_force) *was_in_force = in_force;
  });
}

ATTUNE_API int attune_consent_registry_allows(const attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, const char* purpose, int64_t now_ms,
                                              bool* allowed) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    capi::require(allowed, "allowed");
    *allowed = registry->registry.allows(customer_arg(customer, customer_len), purpose_arg(purpose), now_ms);
  });
}

ATTUNE_API int attune_consent_registry_forget(attune_consent_registry* registry, const char* customer,
                                              size_t customer_len, bool* removed) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    const bool r = registry->registry.forget(customer_arg(customer, customer_len));
    if (removed) *removed = r;
  });
}

ATTUNE_API int attune_consent_registry_record_json(const attune_consent_registry* registry, const char* customer,
                                                   size_t customer_len, int64_t now_ms, char* out,
                                                   size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    const std::string_view id = customer_arg(customer, customer_len);
    if (now_ms < 0 || now_ms > kMaxTimeMs) throw invalid_argument("now_ms is out of range", status::out_of_range);
    const ConsentRecord rec = registry->registry.record(id);
    capi::copy_out(record_json(id, rec, now_ms).dump(), out, out_capacity, needed);
  });
}

ATTUNE_API int attune_consent_registry_serialize(const attune_consent_registry* registry, uint8_t* out,
                                                 size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    copy_bytes_out(registry->registry.serialize(), out, out_capacity, needed);
  });
}

ATTUNE_API int attune_consent_registry_deserialize(attune_consent_registry* registry, const uint8_t* data, size_t size) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    registry->registry.deserialize(bytes_arg(data, size));
  });
}

ATTUNE_API int attune_consent_registry_serialize_customer(const attune_consent_registry* registry,
                                                          const char* customer, size_t customer_len, uint8_t* out,
                                                          size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    copy_bytes_out(registry->registry.serialize_customer(customer_arg(customer, customer_len)), out, out_capacity,
                   needed);
  });
}

ATTUNE_API int attune_consent_registry_deserialize_customer(attune_consent_registry* registry, const uint8_t* data,
                                                            size_t size) {
  return capi::guarded([&] {
    capi::require(registry, "registry");
    registry->registry.deserialize_customer(bytes_arg(data, size));
  });
}

ATTUNE_API int attune_guardrails_from_json(const char* json, size_t json_len, attune_guardrails** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = new attune_guardrails(Guardrails::from_json(capi::text_arg(json, json_len, "json")));
  });
}

ATTUNE_API int attune_guardrails_load(const char* path, attune_guardrails** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = new attune_guardrails(path ? Guardrails::load(path) : Guardrails::load_default());
  });
}

ATTUNE_API void attune_guardrails_free(attune_guardrails* guardrails) { delete guardrails; }

ATTUNE_API int attune_guardrails_rule_count(const attune_guardrails* guardrails, size_t* count) {
  return capi::guarded([&] {
    capi::require(guardrails, "guardrails");
    capi::require(count, "count");
    *count = guardrails->rules.size();
  });
}

ATTUNE_API int attune_guardrails_to_json(const attune_guardrails* guardrails, char* out, size_t out_capacity,
                                         size_t* needed) {
  return capi::guarded([&] {
    capi::require(guardrails, "guardrails");
    capi::copy_out(guardrails->rules.to_json(), out, out_capacity, needed);
  });
}

ATTUNE_API void attune_guardrail_context_init(attune_guardrail_context* context) {
  if (!context) return;
  *context = attune_guardrail_context{};
  context->struct_size = sizeof(attune_guardrail_context);
}

ATTUNE_API void attune_guardrail_outcome_init(attune_guardrail_outcome* outcome) {
  if (!outcome) return;
  *outcome = attune_guardrail_outcome{};
  outcome->struct_size = sizeof(attune_guardrail_outcome);
}

ATTUNE_API int attune_guardrails_evaluate(const attune_guardrails* guardrails, const attune_guardrail_context* context,
                                          const attune_guardrail_candidate* candidates, size_t candidate_count,
                                          uint8_t* allowed, attune_guardrail_outcome* outcome, char* result_json,
                                          size_t result_capacity, size_t* result_needed) {
  return capi::guarded([&] {
    capi::require(guardrails, "guardrails");
    capi::require(context, "context");
    if (context->struct_size < sizeof(attune_guardrail_context))
      throw invalid_argument("context->struct_size is too small; fill the context with attune_guardrail_context_init()");
    if (outcome && outcome->struct_size < sizeof(attune_guardrail_outcome))
      throw invalid_argument("outcome->struct_size is too small; fill it with attune_guardrail_outcome_init()");
    if (candidate_count > 0) {
      capi::require(candidates, "candidates");
      capi::require(allowed, "allowed");
    }
    // Work is proportional to the count: refuse absurd counts before allocating for them.
    if (candidate_count > kMaxCandidates)
      throw invalid_argument("candidate_count " + std::to_string(candidate_count) + " is above the limit of " +
                                 std::to_string(kMaxCandidates),
                             status::limit_exceeded);
    const Guardrails& g = guardrails->rules;
    GuardrailContext ctx;
    ctx.slot = context->slot ? std::string_view(context->slot) : std::string_view();
    std::vector<std::string> slot_tags;
    for (const char* t : borrowed(context->slot_tags, context->slot_tag_count, "slot_tags"))
      slot_tags.emplace_back(capi::cstr_arg(t, "slot tag"));
    ctx.slot_tags = slot_tags;
    if (context->states) {
      StateVector s;
      for (size_t i = 0; i < kStateCount; ++i) s[i] = context->states[i];
      ctx.states = s;
    }
    std::vector<NamedScore> signals;
    if (context->signal_count > 0) {
      capi::require(context->signal_names, "signal_names");
      capi::require(context->signal_scores, "signal_scores");
      for (size_t i = 0; i < context->signal_count; ++i)
        signals.push_back({capi::cstr_arg(context->signal_names[i], "signal name"), context->signal_scores[i]});
    }
    ctx.signals = signals;
    ctx.now_ms = context->now_ms;
    std::vector<StatePeak> peaks;
    for (const attune_state_peak& p : borrowed(context->peaks, context->peak_count, "peaks")) {
      const std::string_view name = capi::cstr_arg(p.state, "peak state");
      const auto st = state_from_name(name);
      if (!st) throw invalid_argument("unknown marketing state '" + std::string(name.substr(0, 64)) + "' in a peak");
      peaks.push_back({*st, p.score, p.at_ms});
    }
    ctx.state_peaks = peaks;
    ctx.recent_decisions_ms = borrowed(context->recent_decisions_ms, context->recent_decision_count, "recent_decisions_ms");

    std::vector<TagBits> tags(candidate_count);
    std::vector<std::string> ids;
    if (result_needed) ids.reserve(candidate_count);
    for (size_t i = 0; i < candidate_count; ++i) {
      const attune_guardrail_candidate& c = candidates[i];
      for (const char* t : borrowed(c.tags, c.tag_count, "candidate tags")) tags[i] |= g.tag_bits(capi::cstr_arg(t, "tag"));
      const std::string_view id = capi::cstr_arg(c.id, "candidate id");
      text::require_utf8(id, "candidate id");  // it is echoed in the result JSON
      if (result_needed) ids.emplace_back(id);
    }
    GuardrailResult result;
    g.evaluate_tags(ctx, tags, result);
    if (result_needed) capi::copy_out(Guardrails::result_json(result, ids), result_json, result_capacity, result_needed);
    if (candidate_count > 0) std::memcpy(allowed, result.allowed.data(), candidate_count);
    if (outcome) {
      outcome->allowed_count = result.allowed_count;
      outcome->fired_count = result.fired.size();
      outcome->use_emotion = result.use_emotion;
      outcome->fallback_to_default = result.fallback_to_default;
    }
  });
}

ATTUNE_API int attune_guardrails_evaluate_json(const attune_guardrails* guardrails, const char* request,
                                               size_t request_len, char* out, size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(guardrails, "guardrails");
    capi::copy_out(guardrails->rules.evaluate_json(capi::text_arg(request, request_len, "request")), out, out_capacity,
                   needed);
  });
}

}  // extern "C"
