// attune/select/variant.hpp: one variant of a message slot (a CTA text, a tone, a pacing, ...).
//
// A Variant is a plain value: an id unique within its slot, an optional display text, attributes
// and tags. Attributes are what the bandit learns from (see feature_builder.hpp): categorical
// ones (tone, cta, theme, channel, pacing, length class, ...) become one-hot columns, numeric ones
// (urgency level, length in words, ...) enter as numbers. Tags are free labels that guardrails
// act on (`urgency`, `scarcity`, `social_proof`, `calming`, ...) and that are also features.
// `safe_default` marks the variant a host shows when nothing else is allowed; every slot has
// exactly one. Catalog::from_json validates all of this (limits in catalog.hpp).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace attune::select {

/// Tags with a documented meaning for guardrails (any other tag is allowed too).
inline constexpr const char* kWellKnownTags[] = {"urgency", "scarcity", "social_proof", "calming",
                                                 "motivational", "discount", "reassurance", "sales",
                                                 "non_sales"};

struct Variant {
  std::string id;                                ///< unique in its slot; [A-Za-z0-9_.:-], 1..64 bytes
  std::string text;                              ///< display text (UTF-8, may be empty), <= 1024 bytes
  std::map<std::string, std::string> categorical;  ///< e.g. {"tone": "calm", "pacing": "slow"}
  std::map<std::string, double> numeric;           ///< e.g. {"urgency_level": 0.8}; finite values
  std::vector<std::string> tags;                 ///< sorted, unique, e.g. {"scarcity", "urgency"}
  bool safe_default = false;                     ///< shown when nothing else is allowed

  bool has_tag(const std::string& tag) const;
};

}  // namespace attune::select
