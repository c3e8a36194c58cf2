// Python bindings of attune::behavior (compiled layer; attune/behavior.py is the friendly one).
#include "bindings.hpp"

#include "attune/behavior/event.hpp"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"
#include "attune/error.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace attune::python {
namespace {

using namespace attune::behavior;

py::dict features_dict(const SessionFeatures& f) {
  py::dict d;
  const UciVector v = uci_vector(f);
  for (size_t i = 0; i < kUciFeatureCount; ++i) d[py::str(std::string(kUciFeatureNames[i]))] = v[i];
  d["start_ms"] = f.start_ms;
  d["last_ms"] = f.last_ms;
  d["events"] = f.events;
  d["uncategorized_pages"] = f.uncategorized_pages;
  d["uncategorized_duration"] = f.uncategorized_duration;
  d["products_viewed"] = f.products_viewed;
  d["products_added"] = f.products_added;
  d["products_removed"] = f.products_removed;
  d["cart_views"] = f.cart_views;
  d["checkouts_started"] = f.checkouts_started;
  d["orders_completed"] = f.orders_completed;
  d["searches"] = f.searches;
  d["support_messages"] = f.support_messages;
  d["errors_shown"] = f.errors_shown;
  d["unsubscribes"] = f.unsubscribes;
  d["engagement_pings"] = f.engagement_pings;
  d["other_events"] = f.other_events;
  d["late_events"] = f.late_events;
  d["duplicate_events"] = f.duplicate_events;
  d["session_index"] = f.session_index;
  d["active"] = f.active;
  return d;
}

const char* observe_name(ObserveResult r) {
  static const char* names[] = {"continued", "new_session", "late", "ignored_late", "duplicate"};
  return names[static_cast<size_t>(r)];
}

py::array_t<double> predict_rows(const IntentModel& m, py::array_t<double, py::array::c_style | py::array::forcecast> x) {
  if (x.ndim() != 2 || x.shape(1) != static_cast<py::ssize_t>(kUciFeatureCount))
    throw attune::invalid_argument("expected a 2-d array with 17 columns (UCI order)");
  const auto n = static_cast<size_t>(x.shape(0));
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  const double* in = x.data();
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    m.predict_batch(in, n, o);
  }
  return out;
}

}  // namespace

void bind_behavior(py::module_& m) {
  py::class_<Event>(m, "Event", "A validated behavioural event (see attune.parse_event).")
      .def_property_readonly("type", [](const Event& e) { static const char* t[] = {"track", "page", "screen", "identify"}; return t[static_cast<size_t>(e.type)]; })
      .def_property_readonly("kind", [](const Event& e) { return std::string(event_kind_name(e.kind)); })
      .def_property_readonly("page_category", [](const Event& e) { return std::string(page_category_name(e.page_category)); })
      .def_readonly("user_id", &Event::user_id)
      .def_readonly("anonymous", &Event::anonymous)
      .def_readonly("name", &Event::name)
      .def_readonly("timestamp_ms", &Event::timestamp_ms)
      .def_readonly("utc_offset_min", &Event::utc_offset_min)
      .def_readonly("product_id", &Event::product_id)
      .def_readonly("path", &Event::path)
      .def_readonly("price", &Event::price)
      .def_readonly("quantity", &Event::quantity)
      .def_readonly("value", &Event::value)
      .def_readonly("bounce_rate", &Event::bounce_rate)
      .def_readonly("exit_rate", &Event::exit_rate)
      .def_readonly("page_value", &Event::page_value)
      .def("to_json", [](const Event& e) { return to_json(e); })
      .def("__repr__", [](const Event& e) { return "attune.Event(" + to_json(e) + ")"; });
  m.def("parse_event", [](std::string_view json) { return parse_event(json); }, py::arg("json"),
        "Parse and validate one Segment-spec event JSON (ValueError when malformed).");

  py::class_<SessionTracker>(m, "_SessionTracker")
      .def(py::init([](double timeout_minutes, double page_merge_seconds, double default_bounce_rate,
                       double default_exit_rate, double default_page_value, size_t max_customers) {
             SessionConfig c;
             if (!(timeout_minutes > 0) || timeout_minutes > 1e9)
               throw attune::invalid_argument("timeout_minutes must be > 0", attune::status::out_of_range);
             c.timeout_ms = static_cast<int64_t>(timeout_minutes * 60000.0);
             c.page_merge_ms = static_cast<int64_t>(page_merge_seconds * 1000.0);
             c.default_bounce_rate = default_bounce_rate;
             c.default_exit_rate = default_exit_rate;
             c.default_page_value = default_page_value;
             c.max_customers = max_customers;
             return SessionTracker(c);
           }),
           py::arg("timeout_minutes") = 30.0, py::arg("page_merge_seconds") = 2.0, py::arg("default_bounce_rate") = 0.022,
           py::arg("default_exit_rate") = 0.043, py::arg("default_page_value") = 0.0,
           py::arg("max_customers") = size_t{1000000})
      .def("observe_json", [](SessionTracker& t, std::string_view json) { return observe_name(t.observe_json(json)); },
           py::arg("json"))
      .def("observe_event", [](SessionTracker& t, const Event& e) { return observe_name(t.observe(e)); }, py::arg("event"))
      .def("features",
           [](const SessionTracker& t, std::string_view customer, int64_t now_ms) -> py::object {
             auto f = t.features(customer, now_ms);
             if (!f) return py::none();
             return features_dict(*f);
           },
           py::arg("customer"), py::arg("now_ms") = -1)
      .def("erase", &SessionTracker::erase, py::arg("customer"))
      .def("expire", &SessionTracker::expire, py::arg("now_ms"))
      .def("__len__", &SessionTracker::size);

  py::class_<IntentModel>(m, "_IntentModel")
      .def_static("load", &IntentModel::load, py::arg("path"))
      .def_static("load_default", &IntentModel::load_default)
      .def_static("load_default_without_page_values", &IntentModel::load_default_without_page_values)
      .def_static("from_bytes", [](py::bytes b) { const std::string_view v(b); return IntentModel::load_from_memory(v.data(), v.size()); })
      .def_static(
          "train",
          [](py::array_t<double, py::array::c_style | py::array::forcecast> x, py::array_t<int64_t, py::array::forcecast> y,
             int trees, int max_depth, double learning_rate, double l2, int min_child_samples, double subsample,
             uint64_t seed, std::vector<std::string> exclude) {
            if (x.ndim() != 2 || x.shape(1) != static_cast<py::ssize_t>(kUciFeatureCount))
              throw attune::invalid_argument("X must be 2-d with 17 columns (UCI order)");
            if (y.ndim() != 1 || y.shape(0) != x.shape(0)) throw attune::invalid_argument("y must be 1-d with one label per row");
            IntentDataset d;
            const auto n = static_cast<size_t>(x.shape(0));
            d.x.resize(n);
            d.y.resize(n);
            for (size_t i = 0; i < n; ++i) {
              for (size_t f = 0; f < kUciFeatureCount; ++f) d.x[i][f] = x.data()[i * kUciFeatureCount + f];
              const int64_t label = y.data()[i];
              if (label != 0 && label != 1) throw attune::invalid_argument("y must hold 0/1 labels");
              d.y[i] = static_cast<uint8_t>(label);
            }
            IntentTrainOptions o;
            o.trees = trees;
            o.max_depth = max_depth;
            o.learning_rate = learning_rate;
            o.l2 = l2;
            o.min_child_samples = min_child_samples;
            o.subsample = subsample;
            o.seed = seed;
            for (const auto& name : exclude) {
              bool found = false;
              for (size_t f = 0; f < kUciFeatureCount; ++f)
                if (kUciFeatureNames[f] == name) { o.exclude.push_back(static_cast<UciFeature>(f)); found = true; }
              if (!found) throw attune::invalid_argument("exclude: unknown UCI column '" + name + "'");
            }
            py::gil_scoped_release release;
            return IntentModel::train(d, o);
          },
          py::arg("X"), py::arg("y"), py::arg("trees") = 120, py::arg("max_depth") = 4, py::arg("learning_rate") = 0.08,
          py::arg("l2") = 1.0, py::arg("min_child_samples") = 30, py::arg("subsample") = 0.8,
          py::arg("seed") = uint64_t{20261128}, py::arg("exclude") = std::vector<std::string>{})
      .def("predict_rows", &predict_rows, py::arg("X"), "Probabilities for an (n, 17) float array in UCI order/encoding.")
      .def("predict_session", [](const IntentModel& m, const SessionTracker& t, std::string_view customer) -> py::object {
             auto f = t.features(customer);
             if (!f) return py::none();
             return py::float_(m.predict(*f));
           })
      .def("explain_rows",
           [](const IntentModel& m, py::array_t<double, py::array::c_style | py::array::forcecast> x) {
             if (x.ndim() != 2 || x.shape(1) != static_cast<py::ssize_t>(kUciFeatureCount))
               throw attune::invalid_argument("expected a 2-d array with 17 columns (UCI order)");
             const auto n = static_cast<size_t>(x.shape(0));
             py::array_t<double> contrib({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(kUciFeatureCount)});
             py::array_t<double> bias(static_cast<py::ssize_t>(n));
             double* c = contrib.mutable_data();
             double* b = bias.mutable_data();
             const double* in = x.data();
             {
               py::gil_scoped_release release;
               for (size_t i = 0; i < n; ++i) {
                 UciVector v;
                 std::copy(in + i * kUciFeatureCount, in + (i + 1) * kUciFeatureCount, v.begin());
                 const auto e = m.explain(v);
                 std::copy(e.contributions.begin(), e.contributions.end(), c + i * kUciFeatureCount);
                 b[i] = e.bias;
               }
             }
             return py::make_tuple(contrib, bias);
           },
           py::arg("X"), "(contributions (n, 17) in log-odds, bias (n,)) for an (n, 17) array.")
      .def("explain_json", [](const IntentModel& m, std::vector<double> row) {
             if (row.size() != kUciFeatureCount) throw attune::invalid_argument("expected 17 values (UCI order)");
             UciVector v;
             std::copy(row.begin(), row.end(), v.begin());
             return m.explain(v).to_json(m.features());
           })
      .def("to_bytes", [](const IntentModel& m) { return py::bytes(m.to_bytes()); })
      .def("save", &IntentModel::save, py::arg("path"))
      .def_property_readonly("features", [](const IntentModel& m) {
        std::vector<std::string> out;
        for (auto f : m.features()) out.emplace_back(kUciFeatureNames[static_cast<size_t>(f)]);
        return out;
      })
      .def_property_readonly("metadata_json", &IntentModel::metadata_json)
      .def_property_readonly("tree_count", &IntentModel::tree_count)
      .def_property_readonly("depth", &IntentModel::depth);

  m.attr("UCI_FEATURES") = [] {
    std::vector<std::string> v;
    for (auto n : kUciFeatureNames) v.emplace_back(n);
    return v;
  }();
}

}  // namespace attune::python
