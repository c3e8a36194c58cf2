// attune/select/catalog.hpp: the catalog of slots and their variants, loaded from JSON.
//
// The JSON format is documented with an example in docs/selection.md; a complete example for the
// seed scenarios ships as examples/catalogs/seed_catalog.json. In short:
//
//   {"format": "attune.catalog", "version": 1,
//    "context": {"intents": ["purchase"], "features": ["is_mobile"]},      (optional)
//    "slots": [{"id": "product_cta", "description": "...",                 (description optional)
//               "variants": [{"id": "buy_now", "text": "Buy Now", "safe_default": true,
//                             "attributes": {"tone": "direct", "urgency_level": 0.4},
//                             "tags": ["sales"]}, ...]}]}
//
// Validation (every violation throws attune::invalid_argument whose message starts with the JSON
// path, e.g. "/slots/0/variants/3/colour: unknown field"):
//   - malformed JSON or a duplicate key in any object -> status::parse_error;
//   - unknown fields, wrong types, missing required fields -> status::invalid_argument;
//   - ids: 1..64 bytes of [A-Za-z0-9_.:-], unique among slots and within a slot;
//   - exactly one variant with "safe_default": true per slot;
//   - limits (status::limit_exceeded): <= kMaxSlots slots, 1..kMaxVariantsPerSlot variants per
//     slot, <= kMaxAttributes attributes and <= kMaxTags tags per variant, text <= kMaxTextBytes,
//     the whole document <= kMaxCatalogBytes;
//   - numeric attributes finite, attribute names and tags 1..64 bytes of [a-z0-9_].
// A Catalog is immutable after construction; concurrent reads are safe.
#pragma once

#include "attune/select/variant.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::select {

inline constexpr size_t kMaxSlots = 64;
inline constexpr size_t kMaxVariantsPerSlot = 256;
inline constexpr size_t kMaxAttributes = 32;
inline constexpr size_t kMaxTags = 32;
inline constexpr size_t kMaxVariantTextBytes = 1024;
inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxCatalogBytes = size_t{4} << 20;
inline constexpr size_t kMaxContextFeatures = 256;  ///< intents + host features

/// Names of the customer-side inputs beyond the 8 marketing states (see feature_builder.hpp).
struct ContextSchema {
  std::vector<std::string> intents;   ///< intent scores in [0,1], e.g. "purchase", "churn_risk"
  std::vector<std::string> features;  ///< host-provided numeric features, e.g. "is_mobile"
};

struct Slot {
  std::string id;
  std::string description;
  std::vector<std::string> tags;  ///< sorted, unique; what the slot is for, e.g. {"price"}
  std::vector<Variant> variants;
  size_t safe_default = 0;  ///< index of the variant with safe_default == true

  /// Index of the variant with this id, or nullopt.
  std::optional<size_t> find(std::string_view variant_id) const;
};

class Catalog {
 public:
  /// Parse and validate (see the header comment). Throws attune::invalid_argument.
  static Catalog from_json(std::string_view json);
  /// Read a file and parse it. Throws attune::error(io_error) when unreadable.
  static Catalog load(const std::string& path);

  /// Canonical JSON (sorted keys, as accepted by from_json).
  std::string to_json() const;

  const ContextSchema& context() const noexcept { return context_; }
  size_t slot_count() const noexcept { return slots_.size(); }
  const Slot& slot(size_t index) const;            ///< throws invalid_argument(out_of_range)
  const Slot& slot(std::string_view id) const;     ///< throws invalid_argument(not_found)
  std::optional<size_t> find_slot(std::string_view id) const;
  const std::vector<Slot>& slots() const noexcept { return slots_; }

 private:
  ContextSchema context_;
  std::vector<Slot> slots_;
};

}  // namespace attune::select
