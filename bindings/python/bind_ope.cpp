// Python bindings of attune::select::ope (compiled layer; the friendly API is attune/ope.py).
#include "bindings.hpp"

#include "attune/error.hpp"
#include "attune/select/ope.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <string>

namespace py = pybind11;

namespace attune::python {
namespace {

namespace ope = attune::select::ope;
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

const double* vec(const Array& a, std::size_t n, const char* name) {
  if (a.ndim() != 1) throw attune::invalid_argument(std::string(name) + " must be one-dimensional");
  if (static_cast<std::size_t>(a.shape(0)) != n)
    throw attune::invalid_argument(std::string(name) + " has " + std::to_string(a.shape(0)) + " rows, reward has " +
                                   std::to_string(n));
  return a.data();
}

ope::Options make_options(double clip, double confidence, const std::string& interval, std::uint32_t resamples,
                          std::uint64_t seed, double top_fraction) {
  ope::Options o;
  o.clip = clip;
  o.confidence = confidence;
  if (interval == "analytic") o.interval = ope::IntervalMethod::analytic;
  else if (interval == "bootstrap") o.interval = ope::IntervalMethod::bootstrap;
  else throw attune::invalid_argument("interval must be 'analytic' or 'bootstrap', got '" + interval + "'");
  o.bootstrap_resamples = resamples;
  o.seed = seed;
  o.top_fraction = top_fraction;
  ope::validate(o);
  return o;
}

ope::Estimator parse_estimator(const std::string& s) {
  if (s == "ips") return ope::Estimator::ips;
  if (s == "snips") return ope::Estimator::snips;
  if (s == "dr") return ope::Estimator::dr;
  throw attune::invalid_argument("estimator must be 'ips', 'snips' or 'dr', got '" + s + "'");
}

py::dict to_dict(const ope::Estimate& e) {
  py::dict d;
  const auto& g = e.diagnostics;
  d["estimator"] = ope::estimator_name(e.estimator);
  d["estimate"] = e.value;
  d["lower"] = e.lower;
  d["upper"] = e.upper;
  d["std_error"] = e.std_error;
  d["confidence"] = e.confidence;
  d["interval"] = e.interval == ope::IntervalMethod::bootstrap ? "bootstrap" : "analytic";
  d["rows"] = g.n;
  d["weight_mean"] = g.weight_mean;
  d["ess"] = g.ess;
  d["max_weight"] = g.max_weight;
  d["max_raw_weight"] = g.max_raw_weight;
  d["top_weight_share"] = g.top_weight_share;
  d["top_rows"] = g.top_rows;
  d["rows_clipped"] = g.n_clipped;
  d["clip"] = g.clip;
  return d;
}

}  // namespace

void bind_ope(py::module_& m) {
  py::class_<ope::Estimate>(m, "OpeEstimate", "One off-policy estimate with its interval and weight diagnostics.")
      .def_property_readonly("estimator", [](const ope::Estimate& e) { return std::string(ope::estimator_name(e.estimator)); })
      .def_property_readonly("estimate", [](const ope::Estimate& e) { return e.value; }, "point estimate of V(pi)")
      .def_readonly("lower", &ope::Estimate::lower)
      .def_readonly("upper", &ope::Estimate::upper)
      .def_readonly("std_error", &ope::Estimate::std_error)
      .def_readonly("confidence", &ope::Estimate::confidence)
      .def_property_readonly("interval",
                             [](const ope::Estimate& e) {
                               return std::string(e.interval == ope::IntervalMethod::bootstrap ? "bootstrap" : "analytic");
                             })
      .def_property_readonly("rows", [](const ope::Estimate& e) { return e.diagnostics.n; })
      .def_property_readonly("weight_mean", [](const ope::Estimate& e) { return e.diagnostics.weight_mean; })
      .def_property_readonly("ess", [](const ope::Estimate& e) { return e.diagnostics.ess; }, "effective sample size")
      .def_property_readonly("max_weight", [](const ope::Estimate& e) { return e.diagnostics.max_weight; })
      .def_property_readonly("max_raw_weight", [](const ope::Estimate& e) { return e.diagnostics.max_raw_weight; })
      .def_property_readonly("top_weight_share", [](const ope::Estimate& e) { return e.diagnostics.top_weight_share; })
      .def_property_readonly("rows_clipped", [](const ope::Estimate& e) { return e.diagnostics.n_clipped; })
      .def_property_readonly("clip", [](const ope::Estimate& e) { return e.diagnostics.clip; })
      .def("to_dict", &to_dict, "All fields as a dict.")
      .def("__repr__", [](const ope::Estimate& e) {
        return "OpeEstimate(" + std::string(ope::estimator_name(e.estimator)) + ": " + std::to_string(e.value) + " [" +
               std::to_string(e.lower) + ", " + std::to_string(e.upper) + "], ess=" + std::to_string(e.diagnostics.ess) +
               ")";
      });

  m.def(
      "ope_evaluate",
      [](const std::string& estimator, const Array& reward, const Array& propensity, const Array& target,
         std::optional<Array> q_logged, std::optional<Array> q_target, double clip, double confidence,
         const std::string& interval, std::uint32_t bootstrap_resamples, std::uint64_t seed, double top_fraction) {
        const auto which = parse_estimator(estimator);
        const auto opts = make_options(clip, confidence, interval, bootstrap_resamples, seed, top_fraction);
        if (reward.ndim() != 1) throw attune::invalid_argument("reward must be one-dimensional");
        const auto n = static_cast<std::size_t>(reward.shape(0));
        ope::Logs logs;
        logs.reward = reward.data();
        logs.propensity = vec(propensity, n, "propensity");
        logs.target = vec(target, n, "target");
        logs.size = n;
        if (which == ope::Estimator::dr) {
          if (!q_logged || !q_target) throw attune::invalid_argument("dr needs q_logged and q_target");
          logs.q_logged = vec(*q_logged, n, "q_logged");
          logs.q_target = vec(*q_target, n, "q_target");
        }
        py::gil_scoped_release release;
        return ope::evaluate(which, logs, opts);
      },
      py::arg("estimator"), py::arg("reward"), py::arg("propensity"), py::arg("target"), py::arg("q_logged") = py::none(),
      py::arg("q_target") = py::none(), py::arg("clip") = std::numeric_limits<double>::infinity(),
      py::arg("confidence") = 0.95, py::arg("interval") = "analytic", py::arg("bootstrap_resamples") = 2000u,
      py::arg("seed") = 0u, py::arg("top_fraction") = 0.01,
      "Evaluate 'ips', 'snips' or 'dr' from per-row arrays (see attune/select/ope.hpp).");

  m.def(
      "ope_from_matrix",
      [](const IntArray& actions, const Array& reward, const Array& propensity, const Array& target_matrix,
         std::optional<Array> q_matrix) {
        if (reward.ndim() != 1) throw attune::invalid_argument("reward must be one-dimensional");
        const auto n = static_cast<std::size_t>(reward.shape(0));
        if (actions.ndim() != 1 || static_cast<std::size_t>(actions.shape(0)) != n)
          throw attune::invalid_argument("action must be one-dimensional with one entry per row");
        if (target_matrix.ndim() != 2 || static_cast<std::size_t>(target_matrix.shape(0)) != n)
          throw attune::invalid_argument("target matrix must be n x n_actions");
        const auto k = static_cast<std::size_t>(target_matrix.shape(1));
        const double* q = nullptr;
        if (q_matrix) {
          if (q_matrix->ndim() != 2 || static_cast<std::size_t>(q_matrix->shape(0)) != n ||
              static_cast<std::size_t>(q_matrix->shape(1)) != k)
            throw attune::invalid_argument("q matrix must have the shape of the target matrix");
          q = q_matrix->data();
        }
        const auto owned = ope::from_matrix(actions.data(), reward.data(), vec(propensity, n, "propensity"),
                                            target_matrix.data(), n, k, q);
        auto out = [](const std::vector<double>& v) { return Array(static_cast<py::ssize_t>(v.size()), v.data()); };
        py::object ql = q ? py::object(out(owned.q_logged)) : py::object(py::none());
        py::object qt = q ? py::object(out(owned.q_target)) : py::object(py::none());
        return py::make_tuple(out(owned.target), ql, qt);
      },
      py::arg("action"), py::arg("reward"), py::arg("propensity"), py::arg("target_matrix"), py::arg("q_matrix") = py::none(),
      "Per-row (target, q_logged, q_target) from a target-probability matrix (rows must sum to 1).");

  m.def(
      "ope_suggested_clip",
      [](const Array& reward, const Array& propensity, const Array& target) {
        if (reward.ndim() != 1) throw attune::invalid_argument("reward must be one-dimensional");
        const auto n = static_cast<std::size_t>(reward.shape(0));
        ope::Logs logs;
        logs.reward = reward.data();
        logs.propensity = vec(propensity, n, "propensity");
        logs.target = vec(target, n, "target");
        logs.size = n;
        return ope::suggested_clip(logs);
      },
      py::arg("reward"), py::arg("propensity"), py::arg("target"),
      "Ionides' truncation level sqrt(n) * mean(w).");
}

}  // namespace attune::python
