// Fuzz guardrail rules and requests. Invariants: from_json either succeeds or throws
// attune::invalid_argument (never anything else); accepted rules survive a canonical JSON round
// trip unchanged; the same bytes read as a request against the shipped rules either evaluate or
// throw invalid_argument; on success "allowed" and "masked" partition the candidates.
#include "attune/error.hpp"
#include "attune/ethics/guardrails.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using attune::ethics::Guardrails;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const Guardrails g = Guardrails::from_json(input);
    const std::string canonical = g.to_json();
    if (Guardrails::from_json(canonical).to_json() != canonical) std::abort();
  } catch (const attune::invalid_argument&) {
  }
  static const Guardrails defaults = [] {
#ifdef ATTUNE_SOURCE_DIR
    return Guardrails::load(std::string(ATTUNE_SOURCE_DIR) + "/models/guardrails.json");
#else
    return Guardrails::load_default();
#endif
  }();
  try {
    const auto result = nlohmann::json::parse(defaults.evaluate_json(input));
    const auto request = nlohmann::json::parse(input);
    if (result["allowed"].size() + result["masked"].size() != request["candidates"].size()) std::abort();
  } catch (const attune::invalid_argument&) {
  }
  return 0;
}
