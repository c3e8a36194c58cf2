// C ABI of the text pipeline.
#include "c_api_support.hpp"

#include "attune/text/tokenizer.hpp"
#include "attune/text/utf8.hpp"

#include <nlohmann/json.hpp>

using namespace attune;

extern "C" {

ATTUNE_API int attune_tokenize(const char* text, size_t text_len, uint32_t flags, char* out, size_t out_capacity,
                               size_t* needed) {
  return capi::guarded([&] {
    capi::require(needed, "needed");
    if (flags & ~uint32_t{ATTUNE_TOKENIZE_REPLACE_INVALID}) throw invalid_argument("unknown tokenize flags");
    const std::string_view input = capi::text_arg(text, text_len, "text");
    text::Tokenizer::Options options;
    options.utf8 = (flags & ATTUNE_TOKENIZE_REPLACE_INVALID) ? text::Utf8Mode::replace : text::Utf8Mode::strict;
    const text::Tokens tokens = text::Tokenizer(options).tokenize(input);
    nlohmann::json array = nlohmann::json::array();
    for (const auto& t : tokens) {
      nlohmann::json flag_list = nlohmann::json::array();
      for (const char* f : text::flag_names(t.flags)) flag_list.push_back(f);
      array.push_back({{"text", std::string(tokens.text(t))},
                       {"kind", text::kind_name(t.kind)},
                       {"flags", std::move(flag_list)},
                       {"offset", t.offset},
                       {"length", t.length}});
    }
    capi::copy_out(array.dump(), out, out_capacity, needed);
  });
}

ATTUNE_API int attune_utf8_validate(const char* text, size_t text_len, size_t* bad_offset) {
  return capi::guarded([&] {
    const std::string_view input = capi::text_arg(text, text_len, "text");
    if (auto bad = text::find_invalid_utf8(input)) {
      if (bad_offset) *bad_offset = bad->offset;
      text::require_utf8(input);  // throws with the message naming offset and reason
    }
    if (bad_offset) *bad_offset = 0;
  });
}

}  // extern "C"
