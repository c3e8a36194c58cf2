// Python bindings of attune::ethics (consent registry, guardrails). The friendly layer with time
// conversion, numpy masks and pandas input is attune/ethics.py.
#include "bindings.hpp"

#include "attune/error.hpp"
#include "attune/ethics/consent_registry.hpp"
#include "attune/ethics/guardrails.hpp"

#include <pybind11/stl.h>

#include <memory>

namespace py = pybind11;

namespace attune::python {
namespace {

using namespace attune::ethics;

py::object opt_ms(const std::optional<int64_t>& v) { return v ? py::object(py::int_(*v)) : py::object(py::none()); }

py::dict record_dict(const ConsentRecord& rec) {
  py::dict out;
  for (Purpose p : kPurposes) {
    const PurposeConsent& c = rec[p];
    if (!c.present) continue;
    py::dict d;
    d["granted"] = c.granted;
    d["granted_at_ms"] = c.granted || c.granted_at_ms > 0 ? py::object(py::int_(c.granted_at_ms)) : py::object(py::none());
    d["expires_at_ms"] = opt_ms(c.expires_at_ms);
    d["revoked_at_ms"] = opt_ms(c.revoked_at_ms);
    d["source"] = c.source;
    out[py::str(std::string(purpose_name(p)))] = d;
  }
  return out;
}

py::dict result_dict(const GuardrailResult& r, const std::vector<std::string>& ids) {
  py::list fired;
  for (const auto& f : r.fired) {
    py::list masked;
    for (uint32_t k = f.masked_begin; k < f.masked_end; ++k) masked.append(r.masked_indices[k]);
    py::dict d;
    d["id"] = std::string(f.id);
    d["kind"] = std::string(rule_kind_name(f.kind));
    d["reason"] = std::string(f.reason);
    d["trigger"] = std::string(f.trigger);
    d["observed"] = f.observed;
    d["observed_at_ms"] = f.observed_at_ms;
    d["unknown_input"] = f.unknown_input;
    d["disables_emotion"] = f.disables_emotion;
    d["masked"] = masked;
    fired.append(d);
  }
  py::dict out;
  out["allowed"] = py::bytes(reinterpret_cast<const char*>(r.allowed.data()), r.allowed.size());
  out["ids"] = ids;
  out["fired"] = fired;
  out["use_emotion"] = r.use_emotion;
  out["fallback_to_default"] = r.fallback_to_default;
  return out;
}

}  // namespace

void bind_ethics(py::module_& m) {
  m.attr("CONSENT_PURPOSES") = py::make_tuple("emotion_inference", "personalization", "profiling");
  m.attr("MAX_TIME_MS") = kMaxTimeMs;

  py::class_<ConsentRegistry, std::shared_ptr<ConsentRegistry>>(m, "ConsentRegistry",
                                                                "Per-customer, per-purpose consent (thread-safe).")
      .def(py::init([](const std::vector<std::string>& allow_when_absent) {
             ConsentRegistry::Defaults d;
             for (const auto& name : allow_when_absent) d.allow_when_absent[static_cast<size_t>(parse_purpose(name))] = true;
             return std::make_shared<ConsentRegistry>(d);
           }),
           py::arg("allow_when_absent") = std::vector<std::string>{})
      .def(
          "grant",
          [](ConsentRegistry& r, std::string_view customer, std::string_view purpose, int64_t granted_at_ms,
             std::optional<int64_t> expires_at_ms, std::string_view source) {
            r.grant(customer, parse_purpose(purpose), granted_at_ms, expires_at_ms, source);
          },
          py::arg("customer"), py::arg("purpose"), py::arg("granted_at_ms"), py::arg("expires_at_ms") = py::none(),
          py::arg("source") = "")
      .def(
          "revoke",
          [](ConsentRegistry& r, std::string_view customer, std::string_view purpose, int64_t revoked_at_ms,
             std::string_view source) { return r.revoke(customer, parse_purpose(purpose), revoked_at_ms, source); },
          py::arg("customer"), py::arg("purpose"), py::arg("revoked_at_ms"), py::arg("source") = "")
      .def("forget", &ConsentRegistry::forget, py::arg("customer"))
      .def(
          "allows",
          [](const ConsentRegistry& r, std::string_view customer, std::string_view purpose, int64_t now_ms) {
            return r.allows(customer, parse_purpose(purpose), now_ms);
          },
          py::arg("customer"), py::arg("purpose"), py::arg("now_ms"))
      .def(
          "status",
          [](const ConsentRegistry& r, std::string_view customer, std::string_view purpose, int64_t now_ms) {
            return std::string(consent_status_name(r.status(customer, parse_purpose(purpose), now_ms)));
          },
          py::arg("customer"), py::arg("purpose"), py::arg("now_ms"))
      .def("record", [](const ConsentRegistry& r, std::string_view customer) { return record_dict(r.record(customer)); },
           py::arg("customer"))
      .def("customers", &ConsentRegistry::customers)
      .def("__len__", &ConsentRegistry::size)
      .def("serialize", [](const ConsentRegistry& r) { return py::bytes(r.serialize()); })
      .def("deserialize", [](ConsentRegistry& r, py::bytes data) { r.deserialize(std::string_view(data)); },
           py::arg("data"))
      .def("serialize_customer",
           [](const ConsentRegistry& r, std::string_view customer) { return py::bytes(r.serialize_customer(customer)); },
           py::arg("customer"))
      .def("deserialize_customer",
           [](ConsentRegistry& r, py::bytes data) { return r.deserialize_customer(std::string_view(data)); },
           py::arg("data"));

  py::class_<Guardrails, std::shared_ptr<Guardrails>>(m, "Guardrails", "Guardrail rules (immutable, thread-safe).")
      .def(py::init<>())
      .def_static("from_json", [](std::string_view text) { return std::make_shared<Guardrails>(Guardrails::from_json(text)); },
                  py::arg("text"))
      .def_static("load", [](const std::string& path) { return std::make_shared<Guardrails>(Guardrails::load(path)); },
                  py::arg("path"))
      .def_static("load_default", [] { return std::make_shared<Guardrails>(Guardrails::load_default()); })
      .def("__len__", &Guardrails::size)
      .def("to_json", &Guardrails::to_json)
      .def_property_readonly("history_window_ms", &Guardrails::history_window_ms)
      .def("evaluate_json", &Guardrails::evaluate_json, py::arg("request"))
      .def(
          "evaluate",
          [](const Guardrails& g, const std::vector<std::pair<std::string, std::vector<std::string>>>& candidates,
             int64_t now_ms, const std::string& slot, const std::vector<std::string>& slot_tags,
             std::optional<std::vector<float>> states, const std::vector<std::pair<std::string, float>>& signals,
             const std::vector<std::tuple<std::string, float, int64_t>>& state_peaks,
             const std::vector<int64_t>& recent_decisions_ms) {
            GuardrailContext ctx;
            ctx.slot = slot;
            ctx.slot_tags = slot_tags;
            ctx.now_ms = now_ms;
            if (states) {
              if (states->size() != kStateCount)
                throw invalid_argument("states must have " + std::to_string(kStateCount) + " scores, got " +
                                       std::to_string(states->size()));
              StateVector s;
              std::copy(states->begin(), states->end(), s.begin());
              ctx.states = s;
            }
            std::vector<NamedScore> sig;
            for (const auto& [name, score] : signals) sig.push_back({name, score});
            ctx.signals = sig;
            std::vector<StatePeak> peaks;
            for (const auto& [name, score, at] : state_peaks) {
              const auto st = state_from_name(name);
              if (!st) throw invalid_argument("unknown marketing state '" + name + "' in state_peaks");
              peaks.push_back({*st, score, at});
            }
            ctx.state_peaks = peaks;
            ctx.recent_decisions_ms = recent_decisions_ms;
            std::vector<TagBits> tags;
            std::vector<std::string> ids;
            for (const auto& [id, t] : candidates) {
              ids.push_back(id);
              tags.push_back(g.tag_set(t));
            }
            GuardrailResult r;
            g.evaluate_tags(ctx, tags, r);
            return result_dict(r, ids);
          },
          py::arg("candidates"), py::arg("now_ms"), py::arg("slot") = "", py::arg("slot_tags") = std::vector<std::string>{},
          py::arg("states") = py::none(), py::arg("signals") = std::vector<std::pair<std::string, float>>{},
          py::arg("state_peaks") = std::vector<std::tuple<std::string, float, int64_t>>{},
          py::arg("recent_decisions_ms") = std::vector<int64_t>{},
          "Evaluate for [(id, [tags])] candidates; returns a dict (allowed as bytes of 0/1).");
}

}  // namespace attune::python
