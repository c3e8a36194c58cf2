// Fuzz the intent model file decoder: IntentModel::load_from_memory and the C ABI's
// attune_intent_model_load_from_memory on the same bytes. First input byte: odd = rewrite the
// trailing CRC-32 first (mutations then reach the tree decoder), even = the bytes as they are.
// Invariants: only attune::error with a decode status escapes; C and C++ agree on accepting the
// bytes; an accepted model predicts probabilities in [0,1] (C and C++ identical), its
// explanation adds up (bias + contributions = logit), and to_bytes() re-decodes to itself.
#include "fuzz_support.hpp"

#include "attune.h"

#include <cmath>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  if (size == 0) return 0;
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (data[0] & 1) fix_crc32(bytes);

  attune_intent_model* c_model = nullptr;
  const int c_status = attune_intent_model_load_from_memory(bytes.data(), bytes.size(), &c_model);
  attune::behavior::UciVector x{};
  x[0] = 2; x[4] = 12; x[5] = 300; x[6] = 0.01; x[7] = 0.03; x[8] = 12.5; x[10] = 11; x[11] = 2; x[12] = 2;
  x[13] = 1; x[14] = 2; x[15] = 1; x[16] = 0;
  double cpp_p = -1;
  const bool cpp_ok = guarded([&] {
    const auto m = attune::behavior::IntentModel::load_from_memory(bytes.data(), bytes.size());
    cpp_p = m.predict(x);
    require(cpp_p >= 0.0 && cpp_p <= 1.0);
    const auto ex = m.explain(x);
    double sum = ex.bias;
    for (double c : ex.contributions) sum += c;
    require(std::isfinite(ex.logit) && std::fabs(sum - ex.logit) <= 1e-6 * (1 + std::fabs(ex.logit)));
    const std::string again = m.to_bytes();
    require(attune::behavior::IntentModel::load_from_memory(again.data(), again.size()).to_bytes() == again);
  });
  require(cpp_ok == (c_status == ATTUNE_OK));
  if (c_model) {
    double p = -1;
    require(attune_intent_model_predict_rows(c_model, x.data(), 1, &p) == ATTUNE_OK && p == cpp_p);
  }
  attune_intent_model_free(c_model);
  return 0;
}
