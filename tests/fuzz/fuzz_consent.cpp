// Fuzz the consent registry's binary format. Invariants: deserialize either succeeds or throws
// attune::error (format_error / version_mismatch) and leaves the registry unchanged; an accepted
// blob re-serializes to a canonical form that loads back to the same bytes; the same for the
// single-customer blob.
#include "attune/error.hpp"
#include "attune/ethics/consent_registry.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune::ethics;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ConsentRegistry reg;
  reg.grant("sentinel", Purpose::profiling, 1);
  const std::string before = reg.serialize();
  try {
    reg.deserialize(input);
    const std::string canonical = reg.serialize();
    ConsentRegistry again;
    again.deserialize(canonical);
    if (again.serialize() != canonical) std::abort();
  } catch (const attune::error& e) {
    if (e.code() != attune::status::format_error && e.code() != attune::status::version_mismatch) std::abort();
    if (reg.serialize() != before) std::abort();
  }
  ConsentRegistry one;
  try {
    const std::string id = one.deserialize_customer(input);
    const std::string blob = one.serialize_customer(id);
    ConsentRegistry again;
    if (again.deserialize_customer(blob) != id || again.serialize_customer(id) != blob) std::abort();
  } catch (const attune::error& e) {
    if (e.code() != attune::status::format_error && e.code() != attune::status::version_mismatch) std::abort();
    if (one.size() != 0) std::abort();
  }
  return 0;
}
