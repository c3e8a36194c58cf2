#include "attune/select/feature_builder.hpp"

#include "attune/error.hpp"

#include <cmath>
#include <map>
#include <set>

namespace attune::select {

FeatureBuilder::FeatureBuilder(ContextSchema schema) : schema_(std::move(schema)) {
  if (schema_.intents.size() + schema_.features.size() > kMaxContextFeatures)
    throw invalid_argument("more than 256 intents and features", status::limit_exceeded);
}

std::vector<std::string> FeatureBuilder::context_names() const {
  std::vector<std::string> out;
  for (auto s : kStateNames) out.push_back("state:" + std::string(s));
  for (const auto& n : schema_.intents) out.push_back("intent:" + n);
  for (const auto& n : schema_.features) out.push_back("feature:" + n);
  return out;
}

void FeatureBuilder::build(const CustomerContext& c, double* out) const {
  if (c.intents.size() != schema_.intents.size())
    throw invalid_argument("expected " + std::to_string(schema_.intents.size()) + " intent scores, got " +
                           std::to_string(c.intents.size()));
  if (c.features.size() != schema_.features.size())
    throw invalid_argument("expected " + std::to_string(schema_.features.size()) + " features, got " +
                           std::to_string(c.features.size()));
  double states[kStateCount];
  for (size_t i = 0; i < kStateCount; ++i) states[i] = static_cast<double>(c.states[i]);
  build(states, c.intents.data(), c.features.data(), out);
}

void FeatureBuilder::build(const double* states, const double* intents, const double* features, double* out) const {
  const size_t ni = schema_.intents.size(), nf = schema_.features.size();
  if (states == nullptr || out == nullptr || (ni && intents == nullptr) || (nf && features == nullptr))
    throw invalid_argument("feature builder: NULL input or output");
  for (size_t i = 0; i < kStateCount; ++i)
    if (!(states[i] >= 0.0 && states[i] <= 1.0))
      throw invalid_argument("state " + std::string(kStateNames[i]) + " must be in [0,1]", status::out_of_range);
  for (size_t i = 0; i < ni; ++i)
    if (!(intents[i] >= 0.0 && intents[i] <= 1.0))
      throw invalid_argument("intent " + schema_.intents[i] + " must be in [0,1]", status::out_of_range);
  for (size_t i = 0; i < nf; ++i)
    if (!std::isfinite(features[i]) || std::fabs(features[i]) > 1e6)
      throw invalid_argument("feature " + schema_.features[i] + " must be finite with |x| <= 1e6", status::out_of_range);
  for (size_t i = 0; i < kStateCount; ++i) out[i] = states[i];
  for (size_t i = 0; i < ni; ++i) out[kStateCount + i] = intents[i];
  for (size_t i = 0; i < nf; ++i) out[kStateCount + ni + i] = features[i];
}

VariantFeatures FeatureBuilder::variant_features(const Slot& slot) {
  std::map<std::string, std::set<std::string>> cats;
  std::set<std::string> nums, tags;
  for (const auto& v : slot.variants) {
    for (const auto& [k, val] : v.categorical) cats[k].insert(val);
    for (const auto& [k, val] : v.numeric) nums.insert(k);
    for (const auto& t : v.tags) tags.insert(t);
  }
  VariantFeatures f;
  for (const auto& [k, values] : cats)
    for (const auto& val : values) f.names.push_back(k + "=" + val);
  for (const auto& k : nums) f.names.push_back(k);
  for (const auto& t : tags) f.names.push_back("#" + t);
  f.count = slot.variants.size();
  f.dim = f.names.size();
  f.values.assign(f.count * f.dim, 0.0);
  for (size_t r = 0; r < f.count; ++r) {
    const Variant& v = slot.variants[r];
    double* row = f.values.data() + r * f.dim;
    size_t col = 0;
    for (const auto& [k, values] : cats) {
      auto it = v.categorical.find(k);
      for (const auto& val : values) {
        row[col++] = (it != v.categorical.end() && it->second == val) ? 1.0 : 0.0;
      }
    }
    for (const auto& k : nums) {
      auto it = v.numeric.find(k);
      row[col++] = it == v.numeric.end() ? 0.0 : it->second;
    }
    for (const auto& t : tags) row[col++] = v.has_tag(t) ? 1.0 : 0.0;
  }
  return f;
}

}  // namespace attune::select
