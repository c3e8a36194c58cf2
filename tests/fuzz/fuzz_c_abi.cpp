// Fuzz the C ABI entry points that take caller buffers, through attune.h exactly as a C host
// calls them (borrowed pointer + length, two-call outputs, NUL-terminated strings where the API
// says so). The first input byte picks the entry point, the rest is its buffer:
//    0 attune_tokenize (both flag modes)           1 attune_utf8_validate
//    2 attune_engine_observe_event                 3 attune_engine_observe_text
//    4 attune_engine_correct (labels JSON)         5 attune_catalog_from_json (+ a decision)
//    6 attune_next_best_action_from_json           7 attune_baseline_deserialize
//    8 attune_hesitation_detector_deserialize      9 attune_engagement_monitor_deserialize
//   10 attune_state_transitions_deserialize       11 attune_turn_risk_model_deserialize
//   12 attune_selector_load                       13 attune_decision_id_parse
//   14 attune_audit_pseudonymize                  15 attune_consent_registry_deserialize(_customer)
// Invariants: every call returns ATTUNE_OK or a documented negative status with a message (no
// crash, leak, UB, exception across the boundary); JSON outputs are valid JSON; accepted
// serialized states re-serialize to bytes that deserialize to the same bytes; a failed load
// leaves the target handle's saved state unchanged.
#include "fuzz_support.hpp"

#include "attune.h"
#include "attune/select/catalog.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace {

using attune_fuzz::require;

void require_status(int rc) {
  require(rc <= 0 && rc >= -15);
  if (rc != ATTUNE_OK) {
    const char* m = attune_last_error();
    require(m != nullptr && *m != '\0');
  }
}

void require_json(const char* s) {
  require(s != nullptr && nlohmann::json::accept(s));
}

// Two-call pattern for a char output; returns the status of the second call (or the first one's
// error) and the string in `out`.
template <class Call>
int two_call_text(Call call, std::string& out) {
  size_t needed = 0;
  int rc = call(nullptr, size_t{0}, &needed);
  require_status(rc);
  if (rc != ATTUNE_OK && rc != ATTUNE_E_BUFFER_TOO_SMALL) return rc;
  std::vector<char> buf(needed + 1);
  rc = call(buf.data(), buf.size(), &needed);
  require_status(rc);
  if (rc == ATTUNE_OK) out.assign(buf.data());
  return rc;
}

template <class Call>
int two_call_bytes(Call call, std::string& out) {
  size_t needed = 0;
  int rc = call(nullptr, size_t{0}, &needed);
  require_status(rc);
  if (rc != ATTUNE_OK && rc != ATTUNE_E_BUFFER_TOO_SMALL) return rc;
  std::vector<uint8_t> buf(needed + 1);
  rc = call(buf.data(), buf.size(), &needed);
  require_status(rc);
  if (rc == ATTUNE_OK) out.assign(reinterpret_cast<const char*>(buf.data()), needed);
  return rc;
}

// Deserialize -> serialize -> deserialize -> serialize gives the same bytes twice.
template <class Handle, class Load, class Save, class Free>
void round_trip(const std::string& in, Load load, Save save, Free free_handle) {
  Handle* h = nullptr;
  const int rc = load(reinterpret_cast<const uint8_t*>(in.data()), in.size(), &h);
  require_status(rc);
  require((rc == ATTUNE_OK) == (h != nullptr));
  if (!h) return;
  std::string first, second;
  require(two_call_bytes([&](uint8_t* o, size_t c, size_t* n) { return save(h, o, c, n); }, first) == ATTUNE_OK);
  free_handle(h);
  h = nullptr;
  require(load(reinterpret_cast<const uint8_t*>(first.data()), first.size(), &h) == ATTUNE_OK);
  require(two_call_bytes([&](uint8_t* o, size_t c, size_t* n) { return save(h, o, c, n); }, second) == ATTUNE_OK);
  free_handle(h);
  require(first == second);
}

attune_engine* engine() {
  static attune_engine* e = [] {
    const std::string cfg = attune_fuzz::engine_config_json();
    attune_engine* h = nullptr;
    require(attune_engine_create(cfg.data(), cfg.size(), &h) == ATTUNE_OK);
    return h;
  }();
  return e;
}

attune_catalog* default_catalog() {
  static attune_catalog* c = [] {
    attune_catalog* h = nullptr;
    const std::string path = std::string(ATTUNE_FUZZ_SOURCE_DIR) + "/models/catalog.json";
    require(attune_catalog_load(path.c_str(), &h) == ATTUNE_OK);
    return h;
  }();
  return c;
}

constexpr int64_t kNow = 1764000000000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 16;
  const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);  // also NUL-terminated
  switch (which) {
    case 0: {
      for (uint32_t flags : {ATTUNE_TOKENIZE_STRICT, ATTUNE_TOKENIZE_REPLACE_INVALID}) {
        std::string out;
        const int rc = two_call_text(
            [&](char* o, size_t c, size_t* n) { return attune_tokenize(in.data(), in.size(), flags, o, c, n); }, out);
        if (rc == ATTUNE_OK) require_json(out.c_str());
        if (flags == ATTUNE_TOKENIZE_REPLACE_INVALID) require(rc == ATTUNE_OK || rc == ATTUNE_E_LIMIT_EXCEEDED);
      }
      break;
    }
    case 1: {
      size_t bad = 0;
      const int rc = attune_utf8_validate(in.data(), in.size(), &bad);
      require(rc == ATTUNE_OK || (rc == ATTUNE_E_INVALID_UTF8 && bad < in.size()));
      break;
    }
    case 2: {
      char* result = nullptr;
      const int rc = attune_engine_observe_event(engine(), in.data(), in.size(), &result);
      require_status(rc);
      require((rc == ATTUNE_OK) == (result != nullptr));
      if (result) {
        require_json(result);
        const auto j = nlohmann::json::parse(result);
        const std::string customer = j.at("customer").get<std::string>();
        attune_string_free(result);
        // Keep the reused engine small: forget whoever the event created (NUL-free ids only
        // can be named through the C ABI).
        if (customer.find('\0') == std::string::npos)
          require(attune_engine_forget(engine(), customer.c_str(), kNow, false) == ATTUNE_OK);
      }
      break;
    }
    case 3: {
      char* result = nullptr;
      const int rc = attune_engine_observe_text(engine(), "fuzz", "chat", in.data(), in.size(), kNow, &result);
      require_status(rc);
      if (result) require_json(result);
      attune_string_free(result);
      require(attune_engine_forget(engine(), "fuzz", kNow, false) == ATTUNE_OK);
      break;
    }
    case 4: {
      char* result = nullptr;
      require(attune_engine_observe_text(engine(), "fuzz", "chat", "so happy, thanks!", 17, kNow, &result) == ATTUNE_OK);
      const auto j = nlohmann::json::parse(result);
      attune_string_free(result);
      const std::string id = j.at("observation_id").get<std::string>();
      require_status(attune_engine_correct(engine(), "fuzz", id.c_str(), in.c_str(), kNow));
      require(attune_engine_forget(engine(), "fuzz", kNow, false) == ATTUNE_OK);
      break;
    }
    case 5: {
      attune_catalog* cat = nullptr;
      const int rc = attune_catalog_from_json(in.data(), in.size(), &cat);
      require_status(rc);
      if (!cat) break;
      size_t slots = 0, dim = 0;
      require(attune_catalog_slot_count(cat, &slots) == ATTUNE_OK && slots > 0);
      require(attune_catalog_context_dim(cat, &dim) == ATTUNE_OK);
      attune_selector* sel = nullptr;
      require(attune_selector_create(cat, nullptr, &sel) == ATTUNE_OK);
      // The C ABI names slots by id only; the C++ reader of the same text gives slot 0's id.
      const std::string slot_id = attune::select::Catalog::from_json(in).slots().at(0).id;
      size_t slot_index = 99;
      require(attune_catalog_slot_index(cat, slot_id.c_str(), &slot_index) == ATTUNE_OK || slot_id.find('\0') != std::string::npos);
      attune_customer customer;
      std::memset(&customer, 0, sizeof customer);
      customer.struct_size = sizeof customer;
      attune_decision d;
      const int drc = attune_selector_decide(sel, slot_id.c_str(), &customer, nullptr, 0, 1.0, &d);
      require_status(drc);
      if (drc == ATTUNE_OK) {
        size_t variants = 0;
        require(attune_catalog_variant_count(cat, d.slot, &variants) == ATTUNE_OK);
        require(d.variant < variants && d.propensity > 0 && d.propensity <= 1);
      }
      attune_selector_free(sel);
      attune_catalog_free(cat);
      break;
    }
    case 6: {
      attune_next_best_action* t = nullptr;
      require_status(attune_next_best_action_from_json(in.data(), in.size(), &t));
      attune_next_best_action_free(t);
      break;
    }
    case 7:
      round_trip<attune_baseline>(in, attune_baseline_deserialize, attune_baseline_serialize, attune_baseline_free);
      break;
    case 8:
      round_trip<attune_hesitation_detector>(in, attune_hesitation_detector_deserialize,
                                             attune_hesitation_detector_serialize, attune_hesitation_detector_free);
      break;
    case 9:
      round_trip<attune_engagement_monitor>(in, attune_engagement_monitor_deserialize,
                                            attune_engagement_monitor_serialize, attune_engagement_monitor_free);
      break;
    case 10:
      round_trip<attune_state_transitions>(in, attune_state_transitions_deserialize,
                                           attune_state_transitions_serialize, attune_state_transitions_free);
      break;
    case 11: {
      attune_turn_risk_model* m = nullptr;
      require_status(attune_turn_risk_model_deserialize(reinterpret_cast<const uint8_t*>(in.data()), in.size(), &m));
      attune_turn_risk_model_free(m);
      break;
    }
    case 12: {
      attune_selector* sel = nullptr;
      require(attune_selector_create(default_catalog(), nullptr, &sel) == ATTUNE_OK);
      std::string before, after;
      auto save = [&](uint8_t* o, size_t c, size_t* n) { return attune_selector_save(sel, o, c, n); };
      require(two_call_bytes(save, before) == ATTUNE_OK);
      const int rc = attune_selector_load(sel, reinterpret_cast<const uint8_t*>(in.data()), in.size());
      require_status(rc);
      require(two_call_bytes(save, after) == ATTUNE_OK);
      if (rc != ATTUNE_OK) require(after == before);
      attune_selector_free(sel);
      break;
    }
    case 13: {
      uint64_t id = 0;
      require_status(attune_decision_id_parse(in.c_str(), &id));
      break;
    }
    case 14: {
      char out[ATTUNE_AUDIT_PSEUDONYM_CHARS + 1];
      const size_t half = in.size() / 2;
      const int rc = attune_audit_pseudonymize(in.data(), half, in.data() + half, in.size() - half, out);
      require_status(rc);
      if (rc == ATTUNE_OK) require(std::strlen(out) == ATTUNE_AUDIT_PSEUDONYM_CHARS);
      break;
    }
    case 15: {
      attune_consent_registry* reg = nullptr;
      require(attune_consent_registry_create(&reg) == ATTUNE_OK);
      require_status(attune_consent_registry_deserialize(reg, reinterpret_cast<const uint8_t*>(in.data()), in.size()));
      require_status(
          attune_consent_registry_deserialize_customer(reg, reinterpret_cast<const uint8_t*>(in.data()), in.size()));
      attune_consent_registry_free(reg);
      break;
    }
    default:
      break;
  }
  return 0;
}
