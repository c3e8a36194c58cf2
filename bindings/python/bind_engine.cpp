// Python bindings of attune::Engine. Results are plain dicts (JSON-shaped) so notebooks can put
// them straight into DataFrames; times default to now.
#include "bindings.hpp"

#include "attune/engine.hpp"
#include "attune/error.hpp"

#include <pybind11/stl.h>

#include <chrono>

namespace py = pybind11;

namespace attune::python {
namespace {

int64_t time_or_now(const std::optional<int64_t>& t) {
  if (t) return *t;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

py::object to_py(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

std::string config_text(const py::object& config) {
  if (config.is_none()) return "{}";
  if (py::isinstance<py::str>(config)) return config.cast<std::string>();
  if (py::isinstance<py::dict>(config)) return py::module_::import("json").attr("dumps")(config).cast<std::string>();
  throw invalid_argument("config must be a dict, a JSON string or None");
}

}  // namespace

void bind_engine(py::module_& m) {
  py::class_<Engine>(m, "Engine", R"doc(
The attune engine: emotion, intent, guardrails, bandit, consent, audit and persistence behind
one object. ``Engine(config)`` takes the configuration as a dict or JSON string (docs/engine.md).
Every method is thread-safe. Times are milliseconds since the Unix epoch (default: now).
)doc")
      .def(py::init([](const py::object& config) { return Engine::from_json(config_text(config)); }),
           py::arg("config") = py::none())
      .def(
          "observe_text",
          [](Engine& e, std::string_view customer, std::string_view channel, std::string_view text,
             std::optional<int64_t> time_ms) {
            TextObservation o;
            {
              py::gil_scoped_release release;
              o = e.observe_text(customer, profile::parse_channel(channel), text, time_or_now(time_ms));
            }
            return to_py(o.to_json());
          },
          py::arg("customer"), py::arg("channel"), py::arg("text"), py::arg("time_ms") = py::none(),
          "Observe a customer's text; returns the observation (observation_id, emotion_used, states, ...).")
      .def(
          "observe_event",
          [](Engine& e, const py::object& event) {
            const std::string json = py::isinstance<py::str>(event)
                                         ? event.cast<std::string>()
                                         : py::module_::import("json").attr("dumps")(event).cast<std::string>();
            EventObservation o;
            {
              py::gil_scoped_release release;
              o = e.observe_event(json);
            }
            return to_py(o.to_json());
          },
          py::arg("event"), "Observe a Segment-spec event (dict or JSON string).")
      .def(
          "observe_signal",
          [](Engine& e, std::string_view customer, std::string_view channel, std::string_view name, double value,
             std::optional<int64_t> time_ms) {
            e.observe_signal(customer, profile::parse_channel(channel), name, value, time_or_now(time_ms));
          },
          py::arg("customer"), py::arg("channel"), py::arg("name"), py::arg("value"), py::arg("time_ms") = py::none())
      .def(
          "decide",
          [](Engine& e, std::string_view customer, std::string_view slot, std::optional<int64_t> time_ms,
             const std::map<std::string, double>& features) {
            Decision d;
            {
              py::gil_scoped_release release;
              d = e.decide(customer, slot, time_or_now(time_ms), features);
            }
            return to_py(d.explanation());
          },
          py::arg("customer"), py::arg("slot"), py::arg("time_ms") = py::none(),
          py::arg("features") = std::map<std::string, double>{},
          "Choose the variant for a slot; returns the decision with its explanation and disclosure.")
      .def(
          "reward",
          [](Engine& e, std::string_view decision_id, double value, std::optional<int64_t> time_ms) {
            e.reward(decision_id, value, time_or_now(time_ms));
          },
          py::arg("decision_id"), py::arg("value"), py::arg("time_ms") = py::none())
      .def(
          "correct",
          [](Engine& e, std::string_view customer, std::string_view observation_id, const std::vector<std::string>& labels,
             std::optional<int64_t> time_ms) { e.correct(customer, observation_id, labels, time_or_now(time_ms)); },
          py::arg("customer"), py::arg("observation_id"), py::arg("labels"), py::arg("time_ms") = py::none())
      .def(
          "consent",
          [](Engine& e, std::string_view customer, std::string_view purpose, bool granted, std::optional<int64_t> time_ms,
             std::optional<int64_t> expires_ms, std::string_view source) {
            e.consent(customer, purpose, granted, time_or_now(time_ms), expires_ms, source);
          },
          py::arg("customer"), py::arg("purpose"), py::arg("granted") = true, py::arg("time_ms") = py::none(),
          py::arg("expires_ms") = py::none(), py::arg("source") = "")
      .def(
          "forget",
          [](Engine& e, std::string_view customer, std::optional<int64_t> time_ms, bool compact_now) {
            e.forget(customer, time_or_now(time_ms), compact_now);
          },
          py::arg("customer"), py::arg("time_ms") = py::none(), py::arg("compact_now") = false)
      .def(
          "profile",
          [](const Engine& e, std::string_view customer, std::optional<int64_t> time_ms) {
            return to_py(e.profile(customer, time_or_now(time_ms)).to_json());
          },
          py::arg("customer"), py::arg("time_ms") = py::none())
      .def("export_profile", [](const Engine& e, std::string_view customer) { return py::bytes(e.export_profile(customer)); })
      .def(
          "import_profile",
          [](Engine& e, py::bytes data, std::optional<int64_t> time_ms) {
            e.import_profile(std::string_view(data), time_or_now(time_ms));
          },
          py::arg("data"), py::arg("time_ms") = py::none())
      .def("snapshot", &Engine::snapshot, py::call_guard<py::gil_scoped_release>())
      .def("sync", &Engine::sync, py::call_guard<py::gil_scoped_release>())
      .def("stats", [](const Engine& e) { return to_py(e.stats()); })
      .def_property_readonly("customer_count", &Engine::customer_count)
      .def_property_readonly("restore_report", [](const Engine& e) { return to_py(e.restore_report().to_json()); });
}

}  // namespace attune::python
