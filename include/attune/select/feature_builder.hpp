// attune/select/feature_builder.hpp: turns a customer and a slot's variants into bandit features.
//
// Customer side (the "context", fixed dimension context_dim()), in this order:
//   [0, 8)                 the 8 marketing states of attune/states.hpp, each in [0,1];
//   [8, 8+I)               intent scores named in ContextSchema::intents, each in [0,1];
//   [8+I, 8+I+F)           host-provided numeric features named in ContextSchema::features
//                          (finite; scale them to roughly [-3, 3]: the ridge prior is isotropic).
// Policies append a constant 1 (bias) themselves.
//
// Variant side (VariantFeatures, one row per variant of a slot, dimension dim), columns in this
// order, each block sorted by name:
//   one-hot columns "key=value" for every categorical attribute value seen in the slot;
//   numeric attributes "key" (variants without the attribute get 0);
//   tag indicators "#tag" for every tag seen in the slot.
// How policies combine both (interactions x (x) [1, a] plus a per-variant bias, or one model per
// variant) is described in policy.hpp.
//
// build() writes into a caller buffer and never allocates, so it can sit in a hot path.
// Thread-safety: immutable after construction; concurrent use is safe.
#pragma once

#include "attune/select/catalog.hpp"
#include "attune/states.hpp"

#include <string>
#include <vector>

namespace attune::select {

/// Customer inputs in schema order (vectors sized like ContextSchema::intents / ::features).
struct CustomerContext {
  StateVector states{};          ///< marketing-state scores in [0,1]
  std::vector<double> intents;   ///< in [0,1], schema order
  std::vector<double> features;  ///< finite, schema order
};

/// Variant attributes of one slot as a dense row-major matrix (count x dim).
struct VariantFeatures {
  size_t count = 0;
  size_t dim = 0;
  std::vector<double> values;      ///< count * dim, row-major
  std::vector<std::string> names;  ///< dim column names
  const double* row(size_t k) const noexcept { return values.data() + k * dim; }
};

class FeatureBuilder {
 public:
  explicit FeatureBuilder(ContextSchema schema);

  const ContextSchema& schema() const noexcept { return schema_; }
  size_t context_dim() const noexcept { return kStateCount + schema_.intents.size() + schema_.features.size(); }
  /// Names of the context columns ("state:frustration", "intent:purchase", "feature:is_mobile").
  std::vector<std::string> context_names() const;

  /// Write the context vector (context_dim() doubles) to `out`. Validates sizes, ranges and
  /// finiteness first and throws attune::invalid_argument (out_of_range for NaN or a score
  /// outside [0,1]) without writing anything. Never allocates.
  void build(const CustomerContext& customer, double* out) const;

  /// Raw form: states (8), intents and features in schema order. Same validation as above.
  void build(const double* states, const double* intents, const double* features, double* out) const;

  /// The variant-side encoding of a slot (see the header comment).
  static VariantFeatures variant_features(const Slot& slot);

 private:
  ContextSchema schema_;
};

}  // namespace attune::select
