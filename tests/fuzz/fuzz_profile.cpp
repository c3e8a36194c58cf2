// Fuzz the profile export/import bytes: profile::Profile::deserialize (also used for every
// profile in engine snapshots and journals), Engine::import_profile and the C ABI's
// attune_engine_import_profile, on the same bytes.
// Invariants: only attune errors with input statuses escape; an accepted profile re-serializes to
// a canonical form that deserializes to the same bytes; C++ Engine, C engine and the decoder agree
// on accepting the bytes; an imported profile exports as that canonical form (every purpose is
// allowed in the harness's engines, so nothing is dropped) and can be viewed; after forget() the
// customer is gone (the engines are reused across inputs, so this also keeps memory bounded).
#include "fuzz_support.hpp"

#include "attune.h"
#include "attune/engine.hpp"
#include "attune/profile/profile.hpp"

#include <memory>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  static const std::unique_ptr<attune::Engine> engine = attune::Engine::from_json(engine_config_json());
  static attune_engine* c_engine = [] {
    const std::string cfg = engine_config_json();
    attune_engine* e = nullptr;
    require(attune_engine_create(cfg.data(), cfg.size(), &e) == ATTUNE_OK);
    return e;
  }();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const int64_t now = 1764000000000;

  std::string customer, canonical;
  const bool decoded = guarded([&] {
    const auto p = attune::profile::Profile::deserialize(bytes, customer);
    canonical = p.serialize(customer);
    std::string again_customer;
    require(attune::profile::Profile::deserialize(canonical, again_customer).serialize(again_customer) == canonical);
    require(again_customer == customer);
  });
  const bool imported = guarded([&] { engine->import_profile(bytes, now); });
  const int c_rc = attune_engine_import_profile(c_engine, data, size, now);
  require((c_rc == ATTUNE_OK) == imported);
  if (imported) {
    require(decoded);
    require(engine->export_profile(customer) == canonical);
    require(engine->profile(customer, now).exists);
    size_t needed = 0;
    require(attune_engine_export_profile(c_engine, customer.c_str(), nullptr, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL ||
            needed == 0);
    std::string c_bytes(needed, '\0');
    require(attune_engine_export_profile(c_engine, customer.c_str(), c_bytes.data(), c_bytes.size(), &needed) == ATTUNE_OK);
    require(c_bytes == canonical);
    engine->forget(customer, now);
    require(!engine->profile(customer, now).exists);
    require(attune_engine_forget(c_engine, customer.c_str(), now, false) == ATTUNE_OK);
  }
  return 0;
}
