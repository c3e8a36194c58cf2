// attune/detail/json_limits.hpp (internal): parsing untrusted JSON within documented limits.
//
// nlohmann::json parses iteratively, but copying, comparing and dumping a value recurse once per
// nesting level, so a document of 100,000 '[' that parses fine can still overflow the stack later.
// Every parser of caller-supplied JSON therefore refuses, before anything else looks at the value:
//   - more than `max_bytes` bytes            -> invalid_argument(status::limit_exceeded)
//   - malformed UTF-8                        -> status::invalid_utf8 (message names the offset)
//   - nesting deeper than `max_depth` levels -> invalid_argument(status::limit_exceeded)
//   - malformed JSON (and numbers beyond double range, e.g. 1e999) -> status::parse_error
//   - a key repeated within one object       -> status::parse_error (nlohmann would silently keep
//     the last one, which can hide an override)
// docs/limits.md lists the limits of each caller.
#pragma once

#include "attune/error.hpp"
#include "attune/text/utf8.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace attune::detail {

/// Default nesting limit: far deeper than any attune document, far shallower than the stack.
inline constexpr int kMaxJsonDepth = 64;

/// The depth-and-duplicate checks as a parser callback, for parsers that add their own callback
/// logic. `what` names the document in messages.
inline nlohmann::json::parser_callback_t strict_json_callback(std::vector<std::set<std::string>>& keys, int max_depth,
                                                              std::string what) {
  return [&keys, max_depth, what = std::move(what)](int depth, nlohmann::json::parse_event_t event,
                                                     nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start || event == E::array_start) {
      if (depth >= max_depth)
        throw invalid_argument(what + ": JSON nested deeper than " + std::to_string(max_depth) + " levels",
                               status::limit_exceeded);
      if (event == E::object_start) keys.emplace_back();
    } else if (event == E::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == E::key && !keys.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(k).second)
        throw invalid_argument(what + ": duplicate key \"" + k + "\" in a JSON object", status::parse_error);
    }
    return true;
  };
}

/// Parse `text` under the limits above. Throws invalid_argument (status as listed above).
inline nlohmann::json parse_json_limited(std::string_view text, const char* what, std::size_t max_bytes,
                                         int max_depth = kMaxJsonDepth) {
  if (text.size() > max_bytes)
    throw invalid_argument(std::string(what) + " is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                               std::to_string(max_bytes),
                           status::limit_exceeded);
  text::require_utf8(text, what);
  std::vector<std::set<std::string>> keys;
  try {
    return nlohmann::json::parse(text.begin(), text.end(), strict_json_callback(keys, max_depth, what));
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw invalid_argument(std::string(what) + ": malformed JSON: " + e.what(), status::parse_error);
  }
}

}  // namespace attune::detail
