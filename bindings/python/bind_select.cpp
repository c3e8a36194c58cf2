// Python bindings of attune::select (compiled layer; the friendly layer is attune/select.py).
#include "bindings.hpp"

#include "attune/error.hpp"
#include "attune/select/catalog.hpp"
#include "attune/select/policy.hpp"
#include "attune/select/selector.hpp"
#include "attune/select/simulate.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <numeric>

namespace py = pybind11;

namespace attune::python {
namespace {

using namespace attune::select;
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IndexArray = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;

PolicyOptions make_options(const std::string& kind, const std::string& model, double exploration,
                           double regularization, double forgetting, double epsilon_decay, double epsilon_min,
                           uint32_t refactor_every, bool importance_weighting, double max_importance_weight) {
  PolicyOptions o;
  o.kind = policy_kind_from_name(kind);
  if (model == "per_variant") o.model = ModelKind::per_variant;
  else if (model == "shared") o.model = ModelKind::shared;
  else throw attune::invalid_argument("model must be 'per_variant' or 'shared'");
  o.exploration = exploration;
  o.regularization = regularization;
  o.forgetting = forgetting;
  o.epsilon_decay = epsilon_decay;
  o.epsilon_min = epsilon_min;
  o.refactor_every = refactor_every;
  o.importance_weighting = importance_weighting;
  o.max_importance_weight = max_importance_weight;
  o.validate();
  return o;
}

// A policy with its own generator (seeded), as the C ABI handle.
struct PyPolicy {
  std::unique_ptr<Policy> policy;
  Rng rng;
  std::vector<uint32_t> all;
  void init_all() {
    all.resize(policy->variant_count());
    std::iota(all.begin(), all.end(), 0u);
  }
  const double* context(const Array& x) const {
    if (x.ndim() != 1 || static_cast<size_t>(x.shape(0)) != policy->context_dim())
      throw attune::invalid_argument("context must be a 1-D array of " + std::to_string(policy->context_dim()) + " values");
    return x.data();
  }
  IndexSpan allowed(const std::optional<IndexArray>& a) const {
    if (!a) return IndexSpan(all);
    if (a->ndim() != 1) throw attune::invalid_argument("allowed must be a 1-D sequence of variant indices");
    return IndexSpan(a->data(), static_cast<size_t>(a->shape(0)));
  }
};

}  // namespace

void bind_select(py::module_& m) {
  py::class_<Catalog>(m, "Catalog", "A validated catalog of slots and variants (see docs/selection.md).")
      .def_static("from_json", [](const std::string& s) { return Catalog::from_json(s); }, py::arg("json"))
      .def_static("load", &Catalog::load, py::arg("path"))
      .def("to_json", &Catalog::to_json)
      .def_property_readonly("slot_ids", [](const Catalog& c) {
        std::vector<std::string> ids;
        for (const auto& s : c.slots()) ids.push_back(s.id);
        return ids;
      })
      .def("variant_ids", [](const Catalog& c, const std::string& slot) {
        std::vector<std::string> ids;
        for (const auto& v : c.slot(slot).variants) ids.push_back(v.id);
        return ids;
      }, py::arg("slot"))
      .def("variant_tags", [](const Catalog& c, const std::string& slot) {
        std::vector<std::vector<std::string>> tags;
        for (const auto& v : c.slot(slot).variants) tags.push_back(v.tags);
        return tags;
      }, py::arg("slot"))
      .def("safe_default", [](const Catalog& c, const std::string& slot) { return c.slot(slot).safe_default; }, py::arg("slot"))
      .def_property_readonly("intents", [](const Catalog& c) { return c.context().intents; })
      .def_property_readonly("features", [](const Catalog& c) { return c.context().features; });

  py::class_<PyPolicy>(m, "Policy", "A contextual-bandit policy (compiled layer; see attune.Policy).")
      .def(py::init([](const std::string& kind, size_t context_dim, size_t n_variants,
                       std::optional<Array> variant_features, const std::string& model, uint64_t seed,
                       double exploration, double regularization, double forgetting, double epsilon_decay,
                       double epsilon_min, uint32_t refactor_every, bool importance_weighting,
                       double max_importance_weight) {
             const auto o = make_options(kind, model, exploration, regularization, forgetting, epsilon_decay,
                                         epsilon_min, refactor_every, importance_weighting, max_importance_weight);
             VariantFeatures v = plain_variants(n_variants);
             if (variant_features) {
               if (variant_features->ndim() != 2 || static_cast<size_t>(variant_features->shape(0)) != n_variants)
                 throw attune::invalid_argument("variant_features must have shape (n_variants, n_attributes)");
               v.dim = static_cast<size_t>(variant_features->shape(1));
               v.values.assign(variant_features->data(), variant_features->data() + n_variants * v.dim);
             }
             auto p = std::make_unique<PyPolicy>();
             p->policy = make_policy(o, context_dim, v);
             p->rng.reseed(seed);
             p->init_all();
             return p;
           }),
           py::arg("kind"), py::arg("context_dim"), py::arg("n_variants"), py::arg("variant_features") = py::none(),
           py::arg("model") = "per_variant", py::arg("seed") = 0, py::arg("exploration") = -1.0,
           py::arg("regularization") = 1.0, py::arg("forgetting") = 1.0, py::arg("epsilon_decay") = 0.001,
           py::arg("epsilon_min") = 0.01, py::arg("refactor_every") = 1000, py::arg("importance_weighting") = false,
           py::arg("max_importance_weight") = 20.0)
      .def_property_readonly("kind", [](const PyPolicy& p) { return std::string(policy_kind_name(p.policy->kind())); })
      .def_property_readonly("context_dim", [](const PyPolicy& p) { return p.policy->context_dim(); })
      .def_property_readonly("n_variants", [](const PyPolicy& p) { return p.policy->variant_count(); })
      .def_property_readonly("updates", [](const PyPolicy& p) { return p.policy->updates(); })
      .def("choose", [](PyPolicy& p, const Array& x, std::optional<IndexArray> allowed) {
             const Choice c = p.policy->choose(p.context(x), p.allowed(allowed), p.rng);
             return py::make_tuple(c.variant, c.propensity);
           }, py::arg("context"), py::arg("allowed") = py::none())
      .def("probabilities", [](PyPolicy& p, const Array& x, std::optional<IndexArray> allowed) {
             const IndexSpan a = p.allowed(allowed);
             Array out(static_cast<py::ssize_t>(a.size));
             p.policy->probabilities(p.context(x), a, out.mutable_data());
             return out;
           }, py::arg("context"), py::arg("allowed") = py::none())
      .def("expected_rewards", [](PyPolicy& p, const Array& x, std::optional<IndexArray> allowed) {
             const IndexSpan a = p.allowed(allowed);
             Array out(static_cast<py::ssize_t>(a.size));
             p.policy->expected_rewards(p.context(x), a, out.mutable_data());
             return out;
           }, py::arg("context"), py::arg("allowed") = py::none())
      .def("learn", [](PyPolicy& p, const Array& x, uint32_t variant, double reward, double propensity) {
             p.policy->learn(p.context(x), variant, reward, propensity);
           }, py::arg("context"), py::arg("variant"), py::arg("reward"), py::arg("propensity"))
      .def("learn_batch", [](PyPolicy& p, const Array& X, const IndexArray& variants, const Array& rewards,
                             const Array& propensities) {
             const size_t d = p.policy->context_dim();
             if (X.ndim() != 2 || static_cast<size_t>(X.shape(1)) != d)
               throw attune::invalid_argument("contexts must have shape (n, " + std::to_string(d) + ")");
             const size_t n = static_cast<size_t>(X.shape(0));
             if (variants.size() != static_cast<py::ssize_t>(n) || rewards.size() != static_cast<py::ssize_t>(n) ||
                 propensities.size() != static_cast<py::ssize_t>(n))
               throw attune::invalid_argument("variants, rewards and propensities must have one entry per row");
             const double* xd = X.data();
             const uint32_t* vd = variants.data();
             const double* rd = rewards.data();
             const double* pd = propensities.data();
             // Validate everything first so a bad row changes nothing.
             for (size_t i = 0; i < n; ++i) {
               if (vd[i] >= p.policy->variant_count()) throw attune::invalid_argument("variant index out of range in row " + std::to_string(i), status::not_found);
               if (!std::isfinite(rd[i]) || std::fabs(rd[i]) > 1e6) throw attune::invalid_argument("bad reward in row " + std::to_string(i), status::out_of_range);
               if (!(pd[i] > 0.0 && pd[i] <= 1.0)) throw attune::invalid_argument("propensity outside (0,1] in row " + std::to_string(i), status::out_of_range);
               for (size_t j = 0; j < d; ++j)
                 if (!std::isfinite(xd[i * d + j])) throw attune::invalid_argument("non-finite context in row " + std::to_string(i), status::out_of_range);
             }
             py::gil_scoped_release release;
             for (size_t i = 0; i < n; ++i) p.policy->learn(xd + i * d, vd[i], rd[i], pd[i]);
           }, py::arg("contexts"), py::arg("variants"), py::arg("rewards"), py::arg("propensities"))
      .def("save", [](const PyPolicy& p) { return py::bytes(p.policy->save()); })
      .def_static("load", [](const py::bytes& b, uint64_t seed) {
             auto p = std::make_unique<PyPolicy>();
             p->policy = Policy::load(std::string(b));
             p->rng.reseed(seed);
             p->init_all();
             return p;
           }, py::arg("data"), py::arg("seed") = 0)
      .def("merge", [](PyPolicy& p, const PyPolicy& other, const PyPolicy* base) {
             p.policy->merge(*other.policy, base ? base->policy.get() : nullptr);
           }, py::arg("other"), py::arg("base") = nullptr);

  py::class_<Decision>(m, "Decision", "One decision: id, slot, chosen variant, propensity, scores.")
      .def_readonly("id", &Decision::id)
      .def_property_readonly("id_str", &Decision::id_string)
      .def_readonly("slot", &Decision::slot)
      .def_readonly("slot_id", &Decision::slot_id)
      .def_readonly("variant", &Decision::variant)
      .def_readonly("variant_id", &Decision::variant_id)
      .def_readonly("propensity", &Decision::propensity)
      .def_readonly("scores", &Decision::scores)
      .def_readonly("decided_at", &Decision::decided_at)
      .def("__repr__", [](const Decision& d) {
        return "Decision(id='" + d.id_string() + "', slot='" + d.slot_id + "', variant='" + d.variant_id +
               "', propensity=" + std::to_string(d.propensity) + ")";
      });

  py::class_<Selector>(m, "Selector", "Catalog + one policy per slot + pending decisions (compiled layer).")
      .def(py::init([](const Catalog& catalog, const std::string& kind, const std::string& model, uint64_t seed,
                       double exploration, double regularization, double forgetting, double reward_min,
                       double reward_max, double pending_ttl_s, size_t max_pending) {
             SelectorOptions o;
             o.policy = make_options(kind, model, exploration, regularization, forgetting, 0.001, 0.01, 1000, false, 20.0);
             o.seed = seed;
             o.reward_min = reward_min;
             o.reward_max = reward_max;
             o.pending_ttl_s = pending_ttl_s;
             o.max_pending = max_pending;
             return std::make_unique<Selector>(catalog, o);
           }),
           py::arg("catalog"), py::arg("policy") = "linear_thompson", py::arg("model") = "per_variant",
           py::arg("seed") = 0, py::arg("exploration") = -1.0, py::arg("regularization") = 1.0,
           py::arg("forgetting") = 1.0, py::arg("reward_min") = 0.0, py::arg("reward_max") = 1.0,
           py::arg("pending_ttl_s") = 7 * 86400.0, py::arg("max_pending") = 65536)
      .def_property_readonly("context_dim", &Selector::context_dim)
      .def_property_readonly("pending", &Selector::pending)
      .def("decide", [](Selector& s, const std::string& slot, const std::vector<double>& states,
                        const std::vector<double>& intents, const std::vector<double>& features,
                        std::optional<std::vector<uint32_t>> allowed, double now) {
             if (states.size() != kStateCount) throw attune::invalid_argument("states must have 8 values");
             CustomerContext c;
             for (size_t i = 0; i < kStateCount; ++i) {
               if (!(states[i] >= 0.0 && states[i] <= 1.0))
                 throw attune::invalid_argument("state scores must be in [0,1]", status::out_of_range);
               c.states[i] = static_cast<float>(states[i]);
             }
             c.intents = intents;
             c.features = features;
             if (allowed) return s.decide(slot, c, IndexSpan(*allowed), now);
             return s.decide(slot, c, now);
           }, py::arg("slot"), py::arg("states"), py::arg("intents"), py::arg("features"), py::arg("allowed"),
           py::arg("now"))
      .def("reward", &Selector::reward, py::arg("decision_id"), py::arg("value"), py::arg("now"))
      .def("expire", &Selector::expire, py::arg("now"))
      .def("save", [](const Selector& s) { return py::bytes(s.save()); })
      .def("load", [](Selector& s, const py::bytes& b) { s.load(std::string(b)); }, py::arg("data"))
      .def("merge", [](Selector& s, const Selector& other, const Selector* base) { s.merge(other, base); },
           py::arg("other"), py::arg("base") = nullptr);

  m.def("parse_decision_id", [](const std::string& s) { return parse_decision_id(s); }, py::arg("text"));
  m.def("simulate_synthetic", [](size_t rounds, size_t variants, uint64_t seed, const std::string& kind) {
          PolicyOptions o;
          o.kind = policy_kind_from_name(kind);
          World w;
          {
            py::gil_scoped_release release;
            w = synthetic_world(rounds, variants, seed + 1000);
          }
          const auto r = simulate(w, o, seed);
          py::dict d;
          d["policy"] = r.policy;
          d["rounds"] = r.rounds;
          d["avg_reward"] = r.avg_reward;
          d["avg_expected_reward"] = r.avg_expected_reward;
          d["optimal_avg_reward"] = r.optimal_avg_reward;
          d["uniform_avg_reward"] = r.uniform_avg_reward;
          d["regret_per_round"] = r.regret_per_round;
          return d;
        }, py::arg("rounds"), py::arg("variants"), py::arg("seed"), py::arg("policy") = "linear_thompson",
        "Same world and protocol as `attune select simulate --world synthetic --n N --variants K --seed S`.");
}

}  // namespace attune::python
