// Fuzz the engine configuration reader: EngineConfig::parse on arbitrary text, plus the catalog
// and guardrail readers on inline "catalog"/"guardrails" objects (what Engine's constructor does
// with them). No Engine is built: a fuzzed config may name state directories or model paths, and
// the harness must not create files.
// Invariants: only attune::invalid_argument / attune::error with an input status escapes; an
// accepted config's effective JSON (to_json) is accepted again and is a fixed point.
#include "fuzz_support.hpp"

#include "attune/engine_config.hpp"
#include "attune/ethics/guardrails.hpp"
#include "attune/select/catalog.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  guarded([&] {
    const attune::EngineConfig c = attune::EngineConfig::parse(json);
    const nlohmann::json effective = c.to_json();
    const attune::EngineConfig again = attune::EngineConfig::from_json(effective);
    require(again.to_json() == effective);
    require(attune::EngineConfig::parse(effective.dump()).to_json() == effective);
    guarded([&] {
      if (c.catalog.is_object()) attune::select::Catalog::from_json(c.catalog.dump());
    });
    guarded([&] {
      if (c.guardrails.is_object()) attune::ethics::Guardrails::from_json(c.guardrails.dump());
    });
  });
  return 0;
}
