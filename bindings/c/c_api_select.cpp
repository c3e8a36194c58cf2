// C ABI of the selection layer (attune::select): catalogs, policies, selectors.
#include "c_api_support.hpp"

#include "attune/select/catalog.hpp"
#include "attune/select/policy.hpp"
#include "attune/select/selector.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

struct attune_catalog {
  attune::select::Catalog catalog;
};

struct attune_policy {
  std::unique_ptr<attune::select::Policy> policy;
  attune::select::Rng rng;
  std::vector<uint32_t> all;  // 0..K-1, the default allowed set
};

struct attune_selector {
  std::unique_ptr<attune::select::Selector> selector;
  std::vector<double> context;
  std::vector<uint32_t> all;
};

namespace {

using namespace attune;
using namespace attune::select;

// Options structs grow at the end: copy what the caller's struct_size covers over the defaults.
template <class T>
T versioned(const T* user, void (*init)(T*)) {
  T o;
  init(&o);
  if (user == nullptr) return o;
  if (user->struct_size < sizeof(uint32_t)) throw invalid_argument("options.struct_size is too small");
  std::memcpy(&o, user, std::min<size_t>(user->struct_size, sizeof(T)));
  o.struct_size = sizeof(T);
  return o;
}

PolicyOptions to_cpp(const attune_policy_options& o) {
  if (o.kind < 0 || o.kind > 3) throw invalid_argument("options.kind is not an ATTUNE_POLICY_* value");
  if (o.model < 0 || o.model > 1) throw invalid_argument("options.model is not an ATTUNE_MODEL_* value");
  PolicyOptions p;
  p.kind = static_cast<PolicyKind>(o.kind);
  p.model = static_cast<ModelKind>(o.model);
  p.regularization = o.regularization;
  p.exploration = o.exploration;
  p.epsilon_decay = o.epsilon_decay;
  p.epsilon_min = o.epsilon_min;
  p.forgetting = o.forgetting;
  p.refactor_every = o.refactor_every;
  p.importance_weighting = o.importance_weighting != 0;
  p.max_importance_weight = o.max_importance_weight;
  p.min_propensity = o.min_propensity;
  p.validate();
  return p;
}

IndexSpan allowed_arg(const uint32_t* allowed, size_t count, const std::vector<uint32_t>& all) {
  if (allowed == nullptr) {
    if (count != 0) throw invalid_argument("allowed is NULL but allowed_count is not 0");
    return IndexSpan(all);
  }
  if (count == 0) throw invalid_argument("the allowed set is empty (show the slot's safe default instead)");
  return IndexSpan(allowed, count);
}

void bytes_out(const std::string& value, uint8_t* out, size_t capacity, size_t* needed) {
  capi::require(needed, "needed");
  *needed = value.size();
  if (out == nullptr || capacity < value.size())
    throw error(status::buffer_too_small, "output buffer holds " + std::to_string(capacity) + " bytes, " +
                                              std::to_string(value.size()) + " needed");
  std::memcpy(out, value.data(), value.size());
}

const Slot& slot_of(const attune_catalog* c, size_t slot) {
  capi::require(c, "catalog");
  return c->catalog.slot(slot);
}

}  // namespace

extern "C" {

ATTUNE_API int attune_catalog_from_json(const char* json, size_t json_len, attune_catalog** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    const auto text = capi::text_arg(json, json_len, "json");
    *out = new attune_catalog{Catalog::from_json(text)};
  });
}

ATTUNE_API int attune_catalog_load(const char* path, attune_catalog** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = new attune_catalog{Catalog::load(std::string(capi::cstr_arg(path, "path")))};
  });
}

ATTUNE_API void attune_catalog_free(attune_catalog* catalog) { delete catalog; }

ATTUNE_API int attune_catalog_slot_count(const attune_catalog* catalog, size_t* out) {
  return capi::guarded([&] {
    capi::require(catalog, "catalog");
    capi::require(out, "out");
    *out = catalog->catalog.slot_count();
  });
}

ATTUNE_API int attune_catalog_slot_index(const attune_catalog* catalog, const char* slot_id, size_t* out) {
  return capi::guarded([&] {
    capi::require(catalog, "catalog");
    capi::require(out, "out");
    const auto id = capi::cstr_arg(slot_id, "slot_id");
    const auto i = catalog->catalog.find_slot(id);
    if (!i) throw invalid_argument("unknown slot \"" + std::string(id) + "\"", status::not_found);
    *out = *i;
  });
}

ATTUNE_API int attune_catalog_variant_count(const attune_catalog* catalog, size_t slot, size_t* out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = slot_of(catalog, slot).variants.size();
  });
}

ATTUNE_API int attune_catalog_variant_index(const attune_catalog* catalog, size_t slot, const char* variant_id,
                                            size_t* out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    const Slot& s = slot_of(catalog, slot);
    const auto id = capi::cstr_arg(variant_id, "variant_id");
    const auto i = s.find(id);
    if (!i) throw invalid_argument("unknown variant \"" + std::string(id) + "\" in slot " + s.id, status::not_found);
    *out = *i;
  });
}

ATTUNE_API int attune_catalog_variant_id(const attune_catalog* catalog, size_t slot, size_t variant, char* out,
                                         size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    const Slot& s = slot_of(catalog, slot);
    if (variant >= s.variants.size()) throw invalid_argument("variant index out of range", status::not_found);
    capi::copy_out(s.variants[variant].id, out, out_capacity, needed);
  });
}

ATTUNE_API int attune_catalog_safe_default(const attune_catalog* catalog, size_t slot, size_t* out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = slot_of(catalog, slot).safe_default;
  });
}

ATTUNE_API int attune_catalog_context_dim(const attune_catalog* catalog, size_t* out) {
  return capi::guarded([&] {
    capi::require(catalog, "catalog");
    capi::require(out, "out");
    *out = FeatureBuilder(catalog->catalog.context()).context_dim();
  });
}

ATTUNE_API void attune_policy_options_init(attune_policy_options* o) {
  if (o == nullptr) return;
  const PolicyOptions d;
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->kind = static_cast<int32_t>(d.kind);
  o->model = static_cast<int32_t>(d.model);
  o->regularization = d.regularization;
  o->exploration = d.exploration;
  o->epsilon_decay = d.epsilon_decay;
  o->epsilon_min = d.epsilon_min;
  o->forgetting = d.forgetting;
  o->refactor_every = d.refactor_every;
  o->importance_weighting = d.importance_weighting ? 1 : 0;
  o->max_importance_weight = d.max_importance_weight;
  o->min_propensity = d.min_propensity;
  o->seed = 0;
}

ATTUNE_API int attune_policy_create(const attune_policy_options* options, size_t context_dim, size_t variant_count,
                                    const double* variant_attributes, size_t attr_dim, attune_policy** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    const attune_policy_options o = versioned(options, attune_policy_options_init);
    if (attr_dim > 0) capi::require(variant_attributes, "variant_attributes");
    if (variant_count > kMaxVariantsPerSlot || attr_dim > 4096)
      throw invalid_argument("too many variants or attributes", status::limit_exceeded);
    VariantFeatures v;
    v.count = variant_count;
    v.dim = attr_dim;
    if (attr_dim > 0) v.values.assign(variant_attributes, variant_attributes + variant_count * attr_dim);
    auto p = make_policy(to_cpp(o), context_dim, v);
    auto h = std::make_unique<attune_policy>();
    h->policy = std::move(p);
    h->rng.reseed(o.seed);
    h->all.resize(variant_count);
    std::iota(h->all.begin(), h->all.end(), 0u);
    *out = h.release();
  });
}

ATTUNE_API void attune_policy_free(attune_policy* policy) { delete policy; }

ATTUNE_API int attune_policy_choose(attune_policy* policy, const double* context, size_t context_len,
                                    const uint32_t* allowed, size_t allowed_count, attune_choice* out) {
  return capi::guarded([&] {
    capi::require(policy, "policy");
    capi::require(out, "out");
    if (context_len != policy->policy->context_dim())
      throw invalid_argument("context has " + std::to_string(context_len) + " values, the policy expects " +
                             std::to_string(policy->policy->context_dim()));
    const Choice c = policy->policy->choose(context, allowed_arg(allowed, allowed_count, policy->all), policy->rng);
    out->variant = c.variant;
    out->propensity = c.propensity;
  });
}

ATTUNE_API int attune_policy_probabilities(attune_policy* policy, const double* context, size_t context_len,
                                           const uint32_t* allowed, size_t allowed_count, double* out,
                                           size_t out_capacity) {
  return capi::guarded([&] {
    capi::require(policy, "policy");
    capi::require(out, "out");
    if (context_len != policy->policy->context_dim()) throw invalid_argument("context has the wrong length");
    const IndexSpan a = allowed_arg(allowed, allowed_count, policy->all);
    if (out_capacity < a.size) throw error(status::buffer_too_small, "out holds fewer values than allowed variants");
    policy->policy->probabilities(context, a, out);
  });
}

ATTUNE_API int attune_policy_learn(attune_policy* policy, const double* context, size_t context_len, uint32_t variant,
                                   double reward, double propensity) {
  return capi::guarded([&] {
    capi::require(policy, "policy");
    if (context_len != policy->policy->context_dim()) throw invalid_argument("context has the wrong length");
    policy->policy->learn(context, variant, reward, propensity);
  });
}

ATTUNE_API int attune_policy_save(const attune_policy* policy, uint8_t* out, size_t out_capacity, size_t* needed) {
  return capi::guarded([&] {
    capi::require(policy, "policy");
    bytes_out(policy->policy->save(), out, out_capacity, needed);
  });
}

ATTUNE_API int attune_policy_load(const uint8_t* bytes, size_t len, uint64_t seed, attune_policy** out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    if (bytes == nullptr && len != 0) throw invalid_argument("bytes is NULL but len is not 0");
    auto h = std::make_unique<attune_policy>();
    h->policy = Policy::load(std::string_view(reinterpret_cast<const char*>(bytes), len));
    h->rng.reseed(seed);
    h->all.resize(h->policy->variant_count());
    std::iota(h->all.begin(), h->all.end(), 0u);
    *out = h.release();
  });
}

ATTUNE_API int attune_policy_merge(attune_policy* into, const attune_policy* other, const attune_policy* base) {
  return capi::guarded([&] {
    capi::require(into, "into");
    capi::require(other, "other");
    into->policy->merge(*other->policy, base ? base->policy.get() : nullptr);
  });
}

ATTUNE_API int attune_policy_updates(const attune_policy* policy, uint64_t* out) {
  return capi::guarded([&] {
    capi::require(policy, "policy");
    capi::require(out, "out");
    *out = policy->policy->updates();
  });
}

ATTUNE_API void attune_selector_options_init(attune_selector_options* o) {
  if (o == nullptr) return;
  const SelectorOptions d;
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  attune_policy_options_init(&o->policy);
  o->seed = d.seed;
  o->reward_min = d.reward_min;
  o->reward_max = d.reward_max;
  o->pending_ttl_s = d.pending_ttl_s;
  o->max_pending = d.max_pending;
}

ATTUNE_API int attune_selector_create(const attune_catalog* catalog, const attune_selector_options* options,
                                      attune_selector** out) {
  return capi::guarded([&] {
    capi::require(catalog, "catalog");
    capi::require(out, "out");
    const attune_selector_options o = versioned(options, attune_selector_options_init);
    const attune_policy_options po = versioned(&o.policy, attune_policy_options_init);
    SelectorOptions so;
    so.policy = to_cpp(po);
    so.seed = o.seed;
    so.reward_min = o.reward_min;
    so.reward_max = o.reward_max;
    so.pending_ttl_s = o.pending_ttl_s;
    if (o.max_pending > kMaxPendingLimit) throw invalid_argument("max_pending above 2^22", status::limit_exceeded);
    so.max_pending = static_cast<size_t>(o.max_pending);
    auto h = std::make_unique<attune_selector>();
    h->selector = std::make_unique<Selector>(catalog->catalog, so);
    h->context.resize(h->selector->context_dim());
    h->all.resize(kMaxVariantsPerSlot);
    std::iota(h->all.begin(), h->all.end(), 0u);
    *out = h.release();
  });
}

ATTUNE_API void attune_selector_free(attune_selector* selector) { delete selector; }

ATTUNE_API int attune_selector_decide(attune_selector* selector, const char* slot_id, const attune_customer* customer,
                                      const uint32_t* allowed, size_t allowed_count, double now,
                                      attune_decision* out) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    capi::require(customer, "customer");
    capi::require(out, "out");
    if (customer->struct_size < sizeof(attune_customer)) throw invalid_argument("customer.struct_size is too small");
    Selector& s = *selector->selector;
    const auto id = capi::cstr_arg(slot_id, "slot_id");
    const auto slot = s.catalog().find_slot(id);
    if (!slot) throw invalid_argument("unknown slot \"" + std::string(id) + "\"", status::not_found);
    const ContextSchema& schema = s.features().schema();
    if (customer->intent_count != schema.intents.size() || customer->feature_count != schema.features.size())
      throw invalid_argument("customer has " + std::to_string(customer->intent_count) + " intents and " +
                             std::to_string(customer->feature_count) + " features, the catalog declares " +
                             std::to_string(schema.intents.size()) + " and " + std::to_string(schema.features.size()));
    if ((customer->intent_count && !customer->intents) || (customer->feature_count && !customer->features))
      throw invalid_argument("customer intents/features are NULL");
    double states[ATTUNE_STATE_COUNT];
    for (size_t i = 0; i < ATTUNE_STATE_COUNT; ++i) states[i] = static_cast<double>(customer->states[i]);
    s.features().build(states, customer->intents, customer->features, selector->context.data());
    const size_t k = s.catalog().slots()[*slot].variants.size();
    const IndexSpan a = allowed == nullptr && allowed_count == 0 ? IndexSpan(selector->all.data(), k)
                                                                 : allowed_arg(allowed, allowed_count, selector->all);
    const Decision d = s.decide(*slot, selector->context.data(), a, now, s.rng());
    out->decision_id = d.id;
    const std::string hex = d.id_string();
    std::memcpy(out->decision_id_str, hex.c_str(), 17);
    out->slot = d.slot;
    out->variant = d.variant;
    out->propensity = d.propensity;
    out->expected_reward = d.scores[d.variant];
  });
}

ATTUNE_API int attune_selector_reward(attune_selector* selector, uint64_t decision_id, double value, double now) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    selector->selector->reward(decision_id, value, now);
  });
}

ATTUNE_API int attune_decision_id_parse(const char* text, uint64_t* out) {
  return capi::guarded([&] {
    capi::require(out, "out");
    *out = parse_decision_id(capi::cstr_arg(text, "text"));
  });
}

ATTUNE_API int attune_selector_expire(attune_selector* selector, double now, size_t* expired) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    if (!std::isfinite(now)) throw invalid_argument("time must be finite", status::out_of_range);
    const size_t n = selector->selector->expire(now);
    if (expired) *expired = n;
  });
}

ATTUNE_API int attune_selector_pending(const attune_selector* selector, size_t* out) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    capi::require(out, "out");
    *out = selector->selector->pending();
  });
}

ATTUNE_API int attune_selector_save(const attune_selector* selector, uint8_t* out, size_t out_capacity,
                                    size_t* needed) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    bytes_out(selector->selector->save(), out, out_capacity, needed);
  });
}

ATTUNE_API int attune_selector_load(attune_selector* selector, const uint8_t* bytes, size_t len) {
  return capi::guarded([&] {
    capi::require(selector, "selector");
    if (bytes == nullptr && len != 0) throw invalid_argument("bytes is NULL but len is not 0");
    selector->selector->load(std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

ATTUNE_API int attune_selector_merge(attune_selector* into, const attune_selector* other,
                                     const attune_selector* base) {
  return capi::guarded([&] {
    capi::require(into, "into");
    capi::require(other, "other");
    into->selector->merge(*other->selector, base ? base->selector.get() : nullptr);
  });
}

}  // extern "C"
