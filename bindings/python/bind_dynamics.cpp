// Python bindings of the behaviour dynamics (attune::behavior): Baseline, HesitationDetector,
// EngagementMonitor, StateTransitions, TurnRiskModel, NextBestAction. Mirrors the C++ API; the
// package module attune/dynamics.py adds the scikit-learn style conveniences.
#include "bindings.hpp"

#include "attune/behavior/baseline.hpp"
#include "attune/behavior/engagement_monitor.hpp"
#include "attune/behavior/hesitation_detector.hpp"
#include "attune/behavior/next_best_action.hpp"
#include "attune/behavior/state_transitions.hpp"
#include "attune/behavior/turn_risk.hpp"
#include "attune/error.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace attune::python {
namespace {

using namespace attune::behavior;

Signal to_signal(const py::object& o) {
  if (py::isinstance<py::str>(o)) {
    const auto name = o.cast<std::string>();
    if (auto s = signal_from_name(name)) return *s;
    throw invalid_argument("unknown signal '" + name + "' (dwell, pace, reply_latency, message_length)");
  }
  const int i = o.cast<int>();
  if (i < 0 || i >= static_cast<int>(kSignalCount)) throw invalid_argument("unknown signal " + std::to_string(i));
  return static_cast<Signal>(i);
}

MarketingState to_state(const py::object& o) {
  if (py::isinstance<py::str>(o)) return require_state(o.cast<std::string>());
  const int i = o.cast<int>();
  if (i < 0 || i >= static_cast<int>(kStateCount))
    throw invalid_argument("marketing state index out of range", status::out_of_range);
  return static_cast<MarketingState>(i);
}

/// A StateVector from a dict {name: score} or a sequence / array of 8 scores.
StateVector to_vector(const py::object& o) {
  StateVector v{};
  if (py::isinstance<py::dict>(o)) {
    for (auto item : o.cast<py::dict>()) {
      const auto s = require_state(py::str(item.first).cast<std::string>());
      v[index(s)] = item.second.cast<float>();
    }
    return v;
  }
  const auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(o);
  if (!arr || arr.ndim() != 1 || arr.size() != static_cast<py::ssize_t>(kStateCount))
    throw invalid_argument("a state vector is a dict {state: score} or 8 scores in attune.STATE_NAMES order");
  for (size_t i = 0; i < kStateCount; ++i) v[i] = arr.at(static_cast<py::ssize_t>(i));
  return v;
}

py::array_t<float> to_array(const TransitionRow& row) {
  py::array_t<float> a(static_cast<py::ssize_t>(kStateCount));
  for (size_t i = 0; i < kStateCount; ++i) a.mutable_at(static_cast<py::ssize_t>(i)) = row[i];
  return a;
}

py::bytes to_bytes(const std::vector<uint8_t>& v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

template <class T>
T from_bytes(const py::bytes& b) {
  const std::string_view s(b);
  return T::deserialize(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

py::dict hesitation_dict(const HesitationScore& s) {
  py::list reasons;
  for (const auto& r : s.reasons)
    reasons.append(py::dict(py::arg("reason") = std::string(r.reason), py::arg("weight") = r.weight,
                            py::arg("evidence") = r.evidence));
  return py::dict(py::arg("score") = s.score, py::arg("reasons") = reasons, py::arg("max_dwell_z") = s.max_dwell_z,
                  py::arg("product_views") = s.product_views, py::arg("add_to_carts") = s.add_to_carts);
}

py::dict engagement_dict(const EngagementStatus& s) {
  return py::dict(py::arg("detached") = s.detached, py::arg("warming_up") = s.warming_up,
                  py::arg("score") = s.score, py::arg("drop") = s.drop, py::arg("baseline") = s.baseline,
                  py::arg("cusum") = s.cusum, py::arg("threshold") = s.threshold,
                  py::arg("change_day") = s.change_day, py::arg("alarm_day") = s.alarm_day,
                  py::arg("days_observed") = s.days_observed);
}

/// Turns from a list of (customer: bool, text) pairs or dicts {"role": "customer"|"user"|"system"|
/// "agent", "text": ...}.
std::vector<DialogueTurn> to_turns(const py::iterable& turns) {
  std::vector<DialogueTurn> out;
  for (auto t : turns) {
    if (py::isinstance<py::dict>(t)) {
      const auto d = t.cast<py::dict>();
      const auto role = d["role"].cast<std::string>();
      bool customer;
      if (role == "customer" || role == "user" || role == "USER") customer = true;
      else if (role == "system" || role == "agent" || role == "SYSTEM") customer = false;
      else throw invalid_argument("turn role must be customer/user or system/agent, got '" + role + "'");
      out.push_back({customer, d["text"].cast<std::string>()});
    } else {
      const auto tup = t.cast<py::tuple>();
      if (tup.size() != 2) throw invalid_argument("a turn is (customer: bool, text: str) or a dict");
      out.push_back({tup[0].cast<bool>(), tup[1].cast<std::string>()});
    }
  }
  return out;
}

py::dict turn_risk_dict(const TurnRisk& r) {
  py::list reasons;
  for (const auto& x : r.reasons)
    reasons.append(py::dict(py::arg("feature") = x.feature, py::arg("contribution") = x.contribution));
  return py::dict(py::arg("probability") = r.probability, py::arg("reasons") = reasons);
}

}  // namespace

void bind_dynamics(py::module_& m) {
  py::tuple names(kStateCount);
  for (size_t i = 0; i < kStateCount; ++i) names[i] = std::string(kStateNames[i]);
  m.attr("STATE_NAMES") = names;

  py::class_<Baseline>(m, "Baseline",
                       "Per-customer time-decayed mean/variance of log(1+x) for dwell, pace, reply_latency and "
                       "message_length, blended with population priors; z() says 'longer than usual'.")
      .def(py::init([](std::optional<double> half_life) { return half_life ? Baseline(*half_life) : Baseline(); }),
           py::arg("half_life_seconds") = py::none())
      .def("observe", [](Baseline& b, const py::object& s, double v, double t) { b.observe(to_signal(s), v, t); },
           py::arg("signal"), py::arg("value"), py::arg("time"))
      .def("z", [](const Baseline& b, const py::object& s, double v) { return b.z(to_signal(s), v); },
           py::arg("signal"), py::arg("value"))
      .def("typical", [](const Baseline& b, const py::object& s) { return b.typical(to_signal(s)); })
      .def("weight", [](const Baseline& b, const py::object& s) { return b.weight(to_signal(s)); })
      .def("mean_log", [](const Baseline& b, const py::object& s) { return b.mean_log(to_signal(s)); })
      .def("sd_log", [](const Baseline& b, const py::object& s) { return b.sd_log(to_signal(s)); })
      .def_property_readonly("last_time", &Baseline::last_time)
      .def_property_readonly("half_life_seconds", &Baseline::half_life_seconds)
      .def("to_bytes", [](const Baseline& b) { return to_bytes(b.serialize()); })
      .def_static("from_bytes", &from_bytes<Baseline>, py::arg("data"))
      .def("__eq__", &Baseline::operator==)
      .def(py::pickle([](const Baseline& b) { return to_bytes(b.serialize()); },
                      [](const py::bytes& d) { return from_bytes<Baseline>(d); }));

  py::class_<HesitationDetector>(m, "HesitationDetector",
                                 "Session hesitation score in [0,1] with reasons: long dwell against the customer's "
                                 "Baseline, repeat views, price/shipping/returns pages, cart views, no add-to-cart.")
      .def(py::init([](std::optional<double> timeout) {
             return timeout ? HesitationDetector(*timeout) : HesitationDetector();
           }),
           py::arg("session_timeout_seconds") = py::none())
      .def(
          "observe_product_view",
          [](HesitationDetector& d, const std::string& id, double dwell, double t, const Baseline* b) {
            if (b) d.observe_product_view(id, dwell, t, *b);
            else d.observe_product_view(id, dwell, t);
          },
          py::arg("product_id"), py::arg("dwell_seconds"), py::arg("time"), py::arg("baseline") = nullptr)
      .def(
          "observe_page",
          [](HesitationDetector& d, const py::object& kind, double t) {
            PageKind k;
            if (py::isinstance<py::str>(kind)) {
              if (!page_kind_from_name(kind.cast<std::string>(), k))
                throw invalid_argument("unknown page kind '" + kind.cast<std::string>() +
                                       "' (other, price, shipping, returns)");
            } else {
              const int i = kind.cast<int>();
              if (i < 0 || i > 3) throw invalid_argument("unknown page kind " + std::to_string(i));
              k = static_cast<PageKind>(i);
            }
            d.observe_page(k, t);
          },
          py::arg("kind"), py::arg("time"))
      .def("observe_add_to_cart", [](HesitationDetector& d, const std::string& id, double t) { d.observe_add_to_cart(id, t); },
           py::arg("product_id"), py::arg("time"))
      .def("observe_cart_view", &HesitationDetector::observe_cart_view, py::arg("time"))
      .def("observe_checkout", &HesitationDetector::observe_checkout, py::arg("time"))
      .def("reset", &HesitationDetector::reset)
      .def("score", [](const HesitationDetector& d) { return hesitation_dict(d.score()); },
           "dict(score, reasons=[{reason, weight, evidence}], max_dwell_z, product_views, add_to_carts)")
      .def("to_bytes", [](const HesitationDetector& d) { return to_bytes(d.serialize()); })
      .def_static("from_bytes", &from_bytes<HesitationDetector>, py::arg("data"))
      .def("__eq__", &HesitationDetector::operator==)
      .def(py::pickle([](const HesitationDetector& d) { return to_bytes(d.serialize()); },
                      [](const py::bytes& b) { return from_bytes<HesitationDetector>(b); }));

  py::class_<EngagementMonitor>(m, "EngagementMonitor",
                                "Detachment: one-sided CUSUM on log daily engagement against the account's own "
                                "robust, weekly-aware baseline.")
      .def(py::init([](float min_drop, float arl0_days, uint16_t warmup_days, uint16_t level_half_life,
                       uint16_t rebaseline_days) {
             EngagementMonitor::Options o;
             o.min_drop = min_drop;
             o.arl0_days = arl0_days;
             o.warmup_days = warmup_days;
             o.level_half_life = level_half_life;
             o.rebaseline_days = rebaseline_days;
             return EngagementMonitor(o);
           }),
           py::arg("min_drop") = 0.2f, py::arg("arl0_days") = 2500.0f, py::arg("warmup_days") = 28,
           py::arg("level_half_life") = 42, py::arg("rebaseline_days") = 28)
      .def("observe", &EngagementMonitor::observe, py::arg("time"), py::arg("amount") = 1.0)
      .def("observe_day", &EngagementMonitor::observe_day, py::arg("day"), py::arg("value"))
      .def("advance_to", &EngagementMonitor::advance_to, py::arg("time"))
      .def("status", [](const EngagementMonitor& e) { return engagement_dict(e.status()); })
      .def(
          "observe_days",
          [](EngagementMonitor& e, py::array_t<double, py::array::c_style | py::array::forcecast> values,
             int32_t start_day) {
            if (values.ndim() != 1) throw invalid_argument("values must be one-dimensional");
            const auto n = values.shape(0);
            // Validate everything first so an error leaves the monitor unchanged.
            for (py::ssize_t i = 0; i < n; ++i) {
              const double v = values.at(i);
              if (!std::isfinite(v) || v < 0)
                throw invalid_argument("values must be finite and >= 0 (index " + std::to_string(i) + ")",
                                       status::out_of_range);
            }
            EngagementMonitor work = e;
            py::array_t<bool> detached(n);
            py::array_t<float> score(n), drop(n);
            {
              py::gil_scoped_release release;
              for (py::ssize_t i = 0; i < n; ++i) {
                work.observe_day(start_day + static_cast<int32_t>(i), values.at(i));
                const auto s = work.status();
                detached.mutable_at(i) = s.detached;
                score.mutable_at(i) = s.score;
                drop.mutable_at(i) = s.drop;
              }
            }
            e = work;
            return py::dict(py::arg("detached") = detached, py::arg("score") = score, py::arg("drop") = drop);
          },
          py::arg("values"), py::arg("start_day"),
          "Feed consecutive days; returns dict of numpy arrays (detached, score, drop), one entry per day.")
      .def("to_bytes", [](const EngagementMonitor& e) { return to_bytes(e.serialize()); })
      .def_static("from_bytes", &from_bytes<EngagementMonitor>, py::arg("data"))
      .def("__eq__", &EngagementMonitor::operator==)
      .def(py::pickle([](const EngagementMonitor& e) { return to_bytes(e.serialize()); },
                      [](const py::bytes& b) { return from_bytes<EngagementMonitor>(b); }));

  py::class_<StateTransitions>(m, "StateTransitions",
                               "Smoothed first-order Markov model over the 8 marketing states; next-state "
                               "distribution and the frustration -> detachment churn-risk flag.")
      .def(py::init([](double smoothing) { return StateTransitions(smoothing); }),
           py::arg("smoothing") = StateTransitions::kDefaultSmoothing)
      .def("observe",
           [](StateTransitions& t, const py::object& from, const py::object& to, double w) {
             t.observe(to_state(from), to_state(to), w);
           },
           py::arg("from_state"), py::arg("to_state"), py::arg("weight") = 1.0)
      .def("observe_sequence",
           [](StateTransitions& t, const py::iterable& seq) {
             std::vector<MarketingState> v;
             for (auto s : seq) v.push_back(to_state(py::reinterpret_borrow<py::object>(s)));
             t.observe_sequence(v);
           },
           py::arg("states"))
      .def("predict",
           [](const StateTransitions& t, const py::object& current) {
             if (py::isinstance<py::str>(current) || py::isinstance<py::int_>(current))
               return to_array(t.predict(to_state(current)));
             return to_array(t.predict(to_vector(current)));
           },
           py::arg("current"), "Next-state distribution (numpy, STATE_NAMES order) from a state or a state vector.")
      .def("churn_risk",
           [](const StateTransitions& t, const py::object& prev, const py::object& cur) {
             const auto r = t.churn_risk(to_vector(prev), to_vector(cur));
             return py::dict(py::arg("risk") = r.risk, py::arg("flagged") = r.flagged,
                             py::arg("p_next_detachment") = r.p_next_detachment,
                             py::arg("frustration") = r.frustration, py::arg("lift") = r.lift);
           },
           py::arg("previous"), py::arg("current"))
      .def("count", [](const StateTransitions& t, const py::object& f, const py::object& to) {
        return t.count(to_state(f), to_state(to));
      })
      .def_property_readonly("total", &StateTransitions::total)
      .def_property_readonly("smoothing", &StateTransitions::smoothing)
      .def("to_json", &StateTransitions::to_json)
      .def("to_bytes", [](const StateTransitions& t) { return to_bytes(t.serialize()); })
      .def_static("from_bytes", &from_bytes<StateTransitions>, py::arg("data"))
      .def("__eq__", &StateTransitions::operator==)
      .def(py::pickle([](const StateTransitions& t) { return to_bytes(t.serialize()); },
                      [](const py::bytes& b) { return from_bytes<StateTransitions>(b); }));

  py::class_<TurnRiskModel>(m, "TurnRiskModel",
                            "P(the customer's next turn is dissatisfied) from the conversation so far. The default "
                            "is rule-based; fit() learns from your own labelled dialogues.")
      .def(py::init<>())
      .def("predict", [](const TurnRiskModel& mdl, const py::iterable& turns) {
        return turn_risk_dict(mdl.predict(to_turns(turns)));
      }, py::arg("turns"))
      .def("predict_proba",
           [](const TurnRiskModel& mdl, const py::iterable& histories) {
             std::vector<std::vector<DialogueTurn>> hs;
             for (auto h : histories) hs.push_back(to_turns(h.cast<py::iterable>()));
             py::array_t<float> out(static_cast<py::ssize_t>(hs.size()));
             auto* p = out.mutable_data();
             {
               py::gil_scoped_release release;
               for (size_t i = 0; i < hs.size(); ++i) p[i] = mdl.probability(hs[i]);
             }
             return out;
           },
           py::arg("histories"), "numpy array: one probability per conversation history")
      .def(
          "_fit",
          [](TurnRiskModel& mdl, const py::iterable& dialogues, double l2, int iterations, double lr, bool words) {
            std::vector<LabelledDialogue> data;
            for (auto d : dialogues) {
              LabelledDialogue ld;
              for (auto t : d.cast<py::iterable>()) {
                const auto tup = t.cast<py::tuple>();
                if (tup.size() != 3) throw invalid_argument("a labelled turn is (customer, text, label)");
                ld.turns.push_back({tup[0].cast<bool>(), tup[1].cast<std::string>()});
                ld.labels.push_back(tup[2].is_none() ? int8_t(-1) : static_cast<int8_t>(tup[2].cast<int>()));
              }
              data.push_back(std::move(ld));
            }
            TurnRiskModel::FitOptions o;
            o.l2 = l2;
            o.iterations = iterations;
            o.learning_rate = lr;
            o.words = words;
            py::gil_scoped_release release;
            mdl.fit(data, o);
          },
          py::arg("dialogues"), py::arg("l2") = 1.5e-4, py::arg("iterations") = 300, py::arg("learning_rate") = 0.05,
          py::arg("words") = true)
      .def_property_readonly("fitted", &TurnRiskModel::fitted)
      .def_property_readonly_static("feature_names", [](py::object) { return TurnRiskModel::feature_names(); })
      .def("to_bytes", [](const TurnRiskModel& t) { return to_bytes(t.serialize()); })
      .def_static("from_bytes", &from_bytes<TurnRiskModel>, py::arg("data"))
      .def(py::pickle([](const TurnRiskModel& t) { return to_bytes(t.serialize()); },
                      [](const py::bytes& b) { return from_bytes<TurnRiskModel>(b); }));

  py::class_<NextBestAction>(m, "NextBestAction",
                             "Host-replaceable JSON table: state + risk flags -> ordered actions with reasons.")
      .def(py::init([](std::optional<std::string> path) {
             return path ? NextBestAction::load(*path) : NextBestAction::load_default();
           }),
           py::arg("path") = py::none())
      .def_static("from_json", [](const std::string& s) { return NextBestAction::from_json(s); }, py::arg("json"))
      .def(
          "recommend",
          [](const NextBestAction& t, const py::object& state, bool churn, bool detachment, bool hesitation,
             size_t max_actions) {
            RiskFlags r;
            r.churn = churn;
            r.detachment = detachment;
            r.hesitation = hesitation;
            py::list out;
            for (const auto& rec : t.recommend(to_vector(state), r, max_actions))
              out.append(py::dict(py::arg("action") = rec.action, py::arg("label") = rec.label,
                                  py::arg("channel") = rec.channel, py::arg("score") = rec.score,
                                  py::arg("rule") = rec.rule, py::arg("reason") = rec.reason,
                                  py::arg("avoid") = rec.avoid));
            return out;
          },
          py::arg("state"), py::arg("churn") = false, py::arg("detachment") = false, py::arg("hesitation") = false,
          py::arg("max_actions") = 0)
      .def_property_readonly("actions", [](const NextBestAction& t) {
        py::list out;
        for (const auto& a : t.actions())
          out.append(py::dict(py::arg("id") = a.id, py::arg("label") = a.label, py::arg("channel") = a.channel,
                              py::arg("description") = a.description, py::arg("replaces") = a.replaces));
        return out;
      })
      .def_property_readonly("rule_count", &NextBestAction::rule_count);
}

}  // namespace attune::python
