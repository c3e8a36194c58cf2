// Python bindings of attune::emotion (compiled layer; the friendly API is attune/emotion.py).
#include "bindings.hpp"

#include "attune/emotion/emotion_json.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/error.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

namespace py = pybind11;

namespace attune::python {
namespace {

using emotion::EmotionModel;
using emotion::EmotionScores;

py::dict scores_to_dict(const EmotionScores& s) {
  py::dict d, labels, ekman, states;
  for (size_t i = 0; i < emotion::kLabelCount; ++i)
    labels[py::str(std::string(emotion::kLabelNames[i]))] = s.probabilities[i];
  py::list active, ekman_active;
  for (auto l : s.active_labels()) active.append(std::string(emotion::Taxonomy::label_name(l)));
  for (size_t e = 0; e < emotion::kEkmanCount; ++e) {
    ekman[py::str(std::string(emotion::kEkmanNames[e]))] = s.ekman[e];
    if ((s.ekman_active >> e) & 1u) ekman_active.append(std::string(emotion::kEkmanNames[e]));
  }
  for (size_t k = 0; k < kStateCount; ++k) states[py::str(std::string(kStateNames[k]))] = s.states[k];
  d["labels"] = labels;
  d["active"] = active;
  d["ekman"] = ekman;
  d["ekman_active"] = ekman_active;
  d["states"] = states;
  d["valence"] = s.valence;
  d["arousal"] = s.arousal;
  d["confidence"] = s.confidence;
  d["active_mask"] = s.active;
  return d;
}

std::vector<std::string> to_strings(const py::sequence& texts) {
  std::vector<std::string> out;
  out.reserve(py::len(texts));
  for (const auto& t : texts) {
    if (!py::isinstance<py::str>(t)) throw attune::invalid_argument("texts must be str");
    out.push_back(t.cast<std::string>());
  }
  return out;
}

py::array_t<float> batch_probabilities(const EmotionModel& m, const std::vector<std::string>& texts,
                                       unsigned threads, std::vector<uint32_t>* masks) {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<EmotionScores> scores;
  {
    py::gil_scoped_release release;
    m.score_batch(views, scores, threads);
  }
  py::array_t<float> out({static_cast<py::ssize_t>(texts.size()), static_cast<py::ssize_t>(emotion::kLabelCount)});
  auto buf = out.mutable_unchecked<2>();
  for (size_t i = 0; i < scores.size(); ++i)
    for (size_t j = 0; j < emotion::kLabelCount; ++j) buf(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j)) = scores[i].probabilities[j];
  if (masks) for (const auto& s : scores) masks->push_back(s.active);
  return out;
}

}  // namespace

void bind_emotion(py::module_& m) {
  m.attr("EMOTION_LABELS") = [] {
    py::list l;
    for (auto n : emotion::kLabelNames) l.append(std::string(n));
    return l;
  }();
  m.attr("EKMAN_GROUPS") = [] {
    py::list l;
    for (auto n : emotion::kEkmanNames) l.append(std::string(n));
    return l;
  }();
  py::class_<EmotionModel>(m, "_EmotionModel")
      .def_static("load", &EmotionModel::load, py::arg("path"))
      .def_static("from_bytes", [](py::bytes b) {
        const std::string_view v(b);
        return EmotionModel::from_bytes(v.data(), v.size());
      })
      .def_static("load_default", &EmotionModel::load_default)
      .def("score", [](const EmotionModel& self, std::string_view text) {
        EmotionScores s;
        {
          py::gil_scoped_release release;
          s = self.score(text);
        }
        return scores_to_dict(s);
      }, py::arg("text"))
      .def("score_batch", [](const EmotionModel& self, const py::sequence& texts, unsigned threads) {
        return batch_probabilities(self, to_strings(texts), threads, nullptr);
      }, py::arg("texts"), py::arg("threads") = 0)
      .def("score_batch_masks", [](const EmotionModel& self, const py::sequence& texts, unsigned threads) {
        std::vector<uint32_t> masks;
        auto probs = batch_probabilities(self, to_strings(texts), threads, &masks);
        py::array_t<uint32_t> m(static_cast<py::ssize_t>(masks.size()));
        if (!masks.empty()) std::memcpy(m.mutable_data(), masks.data(), masks.size() * sizeof(uint32_t));
        return py::make_tuple(probs, m);
      }, py::arg("texts"), py::arg("threads") = 0)
      .def("explain_json", [](const EmotionModel& self, std::string_view text, size_t top_k) {
        return emotion::to_json(self.explain(text, top_k));
      }, py::arg("text"), py::arg("top_k") = 5)
      .def("partial_fit", [](EmotionModel& self, const py::sequence& texts, const std::vector<uint32_t>& masks,
                             float learning_rate, uint32_t epochs, float max_weight_change) {
        const auto t = to_strings(texts);
        if (t.size() != masks.size()) throw attune::invalid_argument("texts and labels differ in length");
        std::vector<emotion::LabeledText> ex;
        for (size_t i = 0; i < t.size(); ++i) ex.push_back({t[i], masks[i]});
        emotion::PartialFitOptions o;
        o.learning_rate = learning_rate;
        o.epochs = epochs;
        o.max_weight_change = max_weight_change;
        py::gil_scoped_release release;
        self.partial_fit(ex, o);
      }, py::arg("texts"), py::arg("masks"), py::arg("learning_rate") = 0.5f, py::arg("epochs") = 4,
         py::arg("max_weight_change") = 1.0f)
      .def("save", &EmotionModel::save, py::arg("path"))
      .def("to_bytes", [](const EmotionModel& self) {
        const auto b = self.to_bytes();
        return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
      })
      .def("rule_valence", &EmotionModel::rule_valence, py::arg("text"), py::arg("vader_compat") = false)
      .def_property_readonly("thresholds", [](const EmotionModel& self) {
        const auto& t = self.info().thresholds;
        return py::array_t<float>(static_cast<py::ssize_t>(t.size()), t.data());
      })
      .def_property_readonly("metadata_json", [](const EmotionModel& self) { return self.info().metadata_json; })
      .def_property_readonly("adapted", [](const EmotionModel& self) { return self.info().adapted; })
      .def_static("train", [](const py::sequence& texts, const std::vector<uint32_t>& masks, const EmotionModel& lexicon_from,
                              uint32_t epochs, float learning_rate, uint32_t hash_bits, uint32_t char_min, uint32_t char_max,
                              uint32_t folds, uint64_t seed, float class_weight_power, bool quantize) {
        const auto t = to_strings(texts);
        if (t.size() != masks.size()) throw attune::invalid_argument("texts and labels differ in length");
        std::vector<emotion::LabeledText> ex;
        for (size_t i = 0; i < t.size(); ++i) ex.push_back({t[i], masks[i]});
        emotion::TrainOptions o;
        o.epochs = epochs;
        o.learning_rate = learning_rate;
        o.features.hash_bits = hash_bits;
        o.features.char_min = char_min;
        o.features.char_max = char_max;
        o.folds = folds;
        o.seed = seed;
        o.class_weight_power = class_weight_power;
        o.quantize = quantize;
        o.data_description = "python EmotionClassifier.fit (" + std::to_string(ex.size()) + " rows)";
        py::gil_scoped_release release;
        return EmotionModel::train(ex, lexicon_from.lexicon(), o);
      }, py::arg("texts"), py::arg("masks"), py::arg("lexicon_from"), py::arg("epochs") = 6,
         py::arg("learning_rate") = 0.1f, py::arg("hash_bits") = 18, py::arg("char_min") = 3, py::arg("char_max") = 5,
         py::arg("folds") = 5, py::arg("seed") = 1, py::arg("class_weight_power") = 0.3f, py::arg("quantize") = true);
}

}  // namespace attune::python
