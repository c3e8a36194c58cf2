// Fuzz the UTF-8 validator, the repair mode and the tokenizer (C++ and the C entry point).
// Invariants checked: strict mode accepts exactly what the validator accepts; repaired text is
// always valid; token offsets stay inside the input; the C ABI agrees with C++ on success.
#include "attune.h"
#include "attune/error.hpp"
#include "attune/text/tokenizer.hpp"
#include "attune/text/utf8.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune::text;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool valid = !find_invalid_utf8(input).has_value();
  Tokens tokens;
  try {
    Tokenizer().tokenize(input, tokens);
    if (!valid) std::abort();  // strict mode accepted malformed UTF-8
    for (const auto& t : tokens)
      if (size_t(t.offset) + t.length > input.size() || size_t(t.norm_offset) + t.norm_length > tokens.normalized.size())
        std::abort();
  } catch (const attune::invalid_argument& e) {
    if (valid && e.code() != attune::status::limit_exceeded) std::abort();
  }
  const std::string repaired = replace_invalid_utf8(input);
  if (find_invalid_utf8(repaired)) std::abort();
  Tokenizer::Options replace;
  replace.utf8 = Utf8Mode::replace;
  try {
    Tokenizer(replace).tokenize(input, tokens);
  } catch (const attune::invalid_argument& e) {
    if (e.code() != attune::status::limit_exceeded) std::abort();
  }
  size_t needed = 0;
  const int rc = attune_tokenize(input.data(), input.size(), 0, nullptr, 0, &needed);
  if (valid && rc != ATTUNE_E_BUFFER_TOO_SMALL && rc != ATTUNE_E_LIMIT_EXCEEDED) std::abort();
  if (!valid && rc != ATTUNE_E_INVALID_UTF8 && rc != ATTUNE_E_LIMIT_EXCEEDED) std::abort();
  return 0;
}
