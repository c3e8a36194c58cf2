// C ABI of the behaviour dynamics: Baseline, HesitationDetector, EngagementMonitor,
// StateTransitions, TurnRiskModel, NextBestAction.
#include "c_api_support.hpp"

#include "attune/behavior/baseline.hpp"
#include "attune/behavior/engagement_monitor.hpp"
#include "attune/behavior/hesitation_detector.hpp"
#include "attune/behavior/next_best_action.hpp"
#include "attune/behavior/state_transitions.hpp"
#include "attune/behavior/event.hpp"
#include "attune/behavior/turn_risk.hpp"
#include "attune/text/utf8.hpp"

#include <cmath>

using namespace attune;
using namespace attune::behavior;

struct attune_baseline {
  Baseline v;
};
struct attune_hesitation_detector {
  HesitationDetector v;
};
struct attune_engagement_monitor {
  EngagementMonitor v;
};
struct attune_state_transitions {
  StateTransitions v;
};
struct attune_turn_risk_model {
  TurnRiskModel v;
};
struct attune_next_best_action {
  NextBestAction v;
};

namespace {

// Two-call pattern for binary output (no terminating NUL).
void copy_bytes(const std::vector<uint8_t>& value, uint8_t* out, size_t capacity, size_t* needed) {
  capi::require(needed, "needed");
  *needed = value.size();
  if (out == nullptr || capacity < value.size())
    throw error(status::buffer_too_small, "output buffer holds " + std::to_string(capacity) + " bytes, " +
                                              std::to_string(value.size()) + " needed");
  std::copy(value.begin(), value.end(), out);
}

Signal signal_arg(int s) {
  if (s < 0 || s >= static_cast<int>(kSignalCount)) throw invalid_argument("unknown signal " + std::to_string(s));
  return static_cast<Signal>(s);
}

MarketingState state_arg(int s) {
  if (s < 0 || s >= static_cast<int>(kStateCount))
    throw invalid_argument("unknown marketing state index " + std::to_string(s), status::out_of_range);
  return static_cast<MarketingState>(s);
}

StateVector vector_arg(const float* v, const char* what) {
  capi::require(v, what);
  StateVector out{};
  for (size_t i = 0; i < kStateCount; ++i) out[i] = v[i];
  return out;
}

template <class T, class Handle, class Make>
void create(Handle** out, Make&& make) {
  capi::require(out, "out");
  *out = nullptr;
  *out = new Handle{make()};
}

std::vector<DialogueTurn> turns_arg(const attune_dialogue_turn* turns, size_t count) {
  if (turns == nullptr && count != 0) throw invalid_argument("turns is NULL but count is not 0");
  if (count > TurnRiskModel::kMaxTurns) throw invalid_argument("more than 10000 turns", status::limit_exceeded);
  std::vector<DialogueTurn> v;
  v.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    // Checked before the copy: a 100 MB turn is refused without being copied.
    if (turns[i].text_len > TurnRiskModel::kMaxTurnBytes)
      throw invalid_argument("turn " + std::to_string(i) + " is larger than 1 MiB", status::limit_exceeded);
    v.push_back({turns[i].customer, std::string(capi::text_arg(turns[i].text, turns[i].text_len, "turn text"))});
  }
  return v;
}

// "<= 0 selects the default" must not let NaN through as a parameter (NaN > 0 is false too, so
// it silently became the default): NaN is an error like everywhere else.
double param_arg(double v, const char* what) {
  if (std::isnan(v)) throw invalid_argument(std::string(what) + " is NaN", status::out_of_range);
  return v;
}

// Product ids are only hashed, but they are ids like any other: valid UTF-8 of bounded size, so a
// 100 MB "id" is refused before it is hashed (docs/limits.md).
std::string_view product_id_arg(const char* id, size_t len) {
  const std::string_view pid = capi::text_arg(id, len, "product_id");
  if (pid.size() > kMaxIdBytes)
    throw invalid_argument("product_id is " + std::to_string(pid.size()) + " bytes, above the limit of " +
                               std::to_string(kMaxIdBytes),
                           status::limit_exceeded);
  text::require_utf8(pid, "product_id");
  return pid;
}

}  // namespace

extern "C" {

/* ---- Baseline ---- */

ATTUNE_API int attune_baseline_create(double half_life_seconds, attune_baseline** out) {
  return capi::guarded([&] {
    param_arg(half_life_seconds, "half_life_seconds");
    create<Baseline>(out, [&] { return half_life_seconds > 0 ? Baseline(half_life_seconds) : Baseline(); });
  });
}

ATTUNE_API void attune_baseline_free(attune_baseline* b) { delete b; }

ATTUNE_API int attune_baseline_observe(attune_baseline* b, int signal, double value, double time_seconds) {
  return capi::guarded([&] {
    capi::require(b, "baseline");
    b->v.observe(signal_arg(signal), value, time_seconds);
  });
}

ATTUNE_API int attune_baseline_z(const attune_baseline* b, int signal, double value, double* z) {
  return capi::guarded([&] {
    capi::require(b, "baseline");
    capi::require(z, "z");
    *z = b->v.z(signal_arg(signal), value);
  });
}

ATTUNE_API int attune_baseline_stats_get(const attune_baseline* b, int signal, attune_baseline_stats* out) {
  return capi::guarded([&] {
    capi::require(b, "baseline");
    capi::require(out, "out");
    const Signal s = signal_arg(signal);
    out->mean_log = b->v.mean_log(s);
    out->sd_log = b->v.sd_log(s);
    out->typical = b->v.typical(s);
    out->weight = b->v.weight(s);
  });
}

ATTUNE_API int attune_baseline_serialize(const attune_baseline* b, uint8_t* out, size_t cap, size_t* needed) {
  return capi::guarded([&] {
    capi::require(b, "baseline");
    copy_bytes(b->v.serialize(), out, cap, needed);
  });
}

ATTUNE_API int attune_baseline_deserialize(const uint8_t* data, size_t size, attune_baseline** out) {
  return capi::guarded([&] { create<Baseline>(out, [&] { return Baseline::deserialize(data, size); }); });
}

/* ---- HesitationDetector ---- */

ATTUNE_API int attune_hesitation_detector_create(double timeout, attune_hesitation_detector** out) {
  return capi::guarded([&] {
    param_arg(timeout, "session_timeout_seconds");
    create<HesitationDetector>(out,
                               [&] { return timeout > 0 ? HesitationDetector(timeout) : HesitationDetector(); });
  });
}

ATTUNE_API void attune_hesitation_detector_free(attune_hesitation_detector* d) { delete d; }

ATTUNE_API int attune_hesitation_detector_observe_product_view(attune_hesitation_detector* d, const char* id,
                                                               size_t id_len, double dwell, double time,
                                                               const attune_baseline* baseline) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    const auto pid = product_id_arg(id, id_len);
    if (baseline)
      d->v.observe_product_view(pid, dwell, time, baseline->v);
    else
      d->v.observe_product_view(pid, dwell, time);
  });
}

ATTUNE_API int attune_hesitation_detector_observe_page(attune_hesitation_detector* d, int kind, double time) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    if (kind < 0 || kind > 3) throw invalid_argument("unknown page kind " + std::to_string(kind));
    d->v.observe_page(static_cast<PageKind>(kind), time);
  });
}

ATTUNE_API int attune_hesitation_detector_observe_add_to_cart(attune_hesitation_detector* d, const char* id,
                                                              size_t id_len, double time) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    d->v.observe_add_to_cart(product_id_arg(id, id_len), time);
  });
}

ATTUNE_API int attune_hesitation_detector_observe_cart_view(attune_hesitation_detector* d, double time) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    d->v.observe_cart_view(time);
  });
}

ATTUNE_API int attune_hesitation_detector_observe_checkout(attune_hesitation_detector* d, double time) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    d->v.observe_checkout(time);
  });
}

ATTUNE_API int attune_hesitation_detector_reset(attune_hesitation_detector* d) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    d->v.reset();
  });
}

ATTUNE_API int attune_hesitation_detector_score(const attune_hesitation_detector* d, attune_hesitation_score* out) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    capi::require(out, "out");
    const auto s = d->v.score();
    out->score = s.score;
    out->max_dwell_z = s.max_dwell_z;
    out->product_views = s.product_views;
    out->add_to_carts = s.add_to_carts;
    out->reason_count = static_cast<uint32_t>(s.reasons.size());
  });
}

ATTUNE_API int attune_hesitation_detector_explain(const attune_hesitation_detector* d, char* out, size_t cap,
                                                  size_t* needed) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    capi::copy_out(d->v.score().to_json(), out, cap, needed);
  });
}

ATTUNE_API int attune_hesitation_detector_serialize(const attune_hesitation_detector* d, uint8_t* out, size_t cap,
                                                    size_t* needed) {
  return capi::guarded([&] {
    capi::require(d, "detector");
    copy_bytes(d->v.serialize(), out, cap, needed);
  });
}

ATTUNE_API int attune_hesitation_detector_deserialize(const uint8_t* data, size_t size,
                                                      attune_hesitation_detector** out) {
  return capi::guarded(
      [&] { create<HesitationDetector>(out, [&] { return HesitationDetector::deserialize(data, size); }); });
}

/* ---- EngagementMonitor ---- */

ATTUNE_API void attune_engagement_options_init(attune_engagement_options* o) {
  if (!o) return;
  const EngagementMonitor::Options d;
  o->struct_size = sizeof(attune_engagement_options);
  o->min_drop = d.min_drop;
  o->arl0_days = d.arl0_days;
  o->warmup_days = d.warmup_days;
  o->level_half_life = d.level_half_life;
  o->rebaseline_days = d.rebaseline_days;
}

ATTUNE_API int attune_engagement_monitor_create(const attune_engagement_options* o, attune_engagement_monitor** out) {
  return capi::guarded([&] {
    EngagementMonitor::Options opt;
    if (o) {
      // Fields beyond what an older caller's struct holds keep their defaults.
      if (o->struct_size < offsetof(attune_engagement_options, min_drop))
        throw invalid_argument("attune_engagement_options.struct_size is too small; call attune_engagement_options_init");
      auto has = [&](size_t end) { return o->struct_size >= end; };
      if (has(offsetof(attune_engagement_options, min_drop) + sizeof(float))) opt.min_drop = o->min_drop;
      if (has(offsetof(attune_engagement_options, arl0_days) + sizeof(float))) opt.arl0_days = o->arl0_days;
      if (has(offsetof(attune_engagement_options, warmup_days) + 2)) opt.warmup_days = o->warmup_days;
      if (has(offsetof(attune_engagement_options, level_half_life) + 2)) opt.level_half_life = o->level_half_life;
      if (has(offsetof(attune_engagement_options, rebaseline_days) + 2)) opt.rebaseline_days = o->rebaseline_days;
    }
    create<EngagementMonitor>(out, [&] { return EngagementMonitor(opt); });
  });
}

ATTUNE_API void attune_engagement_monitor_free(attune_engagement_monitor* m) { delete m; }

ATTUNE_API int attune_engagement_monitor_observe(attune_engagement_monitor* m, double time, double amount) {
  return capi::guarded([&] {
    capi::require(m, "monitor");
    m->v.observe(time, amount);
  });
}

ATTUNE_API int attune_engagement_monitor_observe_day(attune_engagement_monitor* m, int32_t day, double value) {
  return capi::guarded([&] {
    capi::require(m, "monitor");
    m->v.observe_day(day, value);
  });
}

ATTUNE_API int attune_engagement_monitor_advance_to(attune_engagement_monitor* m, double time) {
  return capi::guarded([&] {
    capi::require(m, "monitor");
    m->v.advance_to(time);
  });
}

ATTUNE_API int attune_engagement_monitor_status(const attune_engagement_monitor* m, attune_engagement_status* out) {
  return capi::guarded([&] {
    capi::require(m, "monitor");
    capi::require(out, "out");
    const auto s = m->v.status();
    out->detached = s.detached;
    out->warming_up = s.warming_up;
    out->score = s.score;
    out->drop = s.drop;
    out->baseline = s.baseline;
    out->cusum = s.cusum;
    out->threshold = s.threshold;
    out->change_day = s.change_day;
    out->alarm_day = s.alarm_day;
    out->days_observed = s.days_observed;
  });
}

ATTUNE_API int attune_engagement_monitor_serialize(const attune_engagement_monitor* m, uint8_t* out, size_t cap,
                                                   size_t* needed) {
  return capi::guarded([&] {
    capi::require(m, "monitor");
    copy_bytes(m->v.serialize(), out, cap, needed);
  });
}

ATTUNE_API int attune_engagement_monitor_deserialize(const uint8_t* data, size_t size, attune_engagement_monitor** out) {
  return capi::guarded(
      [&] { create<EngagementMonitor>(out, [&] { return EngagementMonitor::deserialize(data, size); }); });
}

/* ---- StateTransitions ---- */

ATTUNE_API int attune_state_transitions_create(double smoothing, attune_state_transitions** out) {
  return capi::guarded([&] {
    param_arg(smoothing, "smoothing");
    create<StateTransitions>(out,
                             [&] { return smoothing > 0 ? StateTransitions(smoothing) : StateTransitions(); });
  });
}

ATTUNE_API void attune_state_transitions_free(attune_state_transitions* t) { delete t; }

ATTUNE_API int attune_state_transitions_observe(attune_state_transitions* t, int from, int to, double weight) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    t->v.observe(state_arg(from), state_arg(to), weight);
  });
}

ATTUNE_API int attune_state_transitions_observe_names(attune_state_transitions* t, const char* const* names,
                                                      size_t count) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    if (names == nullptr && count != 0) throw invalid_argument("names is NULL but count is not 0");
    std::vector<std::string> v;
    v.reserve(count);
    for (size_t i = 0; i < count; ++i) v.emplace_back(capi::cstr_arg(names[i], "state name"));
    t->v.observe_sequence(v);
  });
}

ATTUNE_API int attune_state_transitions_predict(const attune_state_transitions* t, int from, float* out) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    capi::require(out, "out");
    const auto row = t->v.predict(state_arg(from));
    std::copy(row.begin(), row.end(), out);
  });
}

ATTUNE_API int attune_state_transitions_predict_vector(const attune_state_transitions* t, const float* current,
                                                       float* out) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    capi::require(out, "out");
    const auto row = t->v.predict(vector_arg(current, "current"));
    std::copy(row.begin(), row.end(), out);
  });
}

ATTUNE_API int attune_state_transitions_churn_risk(const attune_state_transitions* t, const float* previous,
                                                   const float* current, attune_churn_risk* out) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    capi::require(out, "out");
    const auto r = t->v.churn_risk(vector_arg(previous, "previous"), vector_arg(current, "current"));
    out->risk = r.risk;
    out->flagged = r.flagged;
    out->p_next_detachment = r.p_next_detachment;
    out->frustration = r.frustration;
    out->lift = r.lift;
  });
}

ATTUNE_API int attune_state_transitions_to_json(const attune_state_transitions* t, char* out, size_t cap,
                                                size_t* needed) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    capi::copy_out(t->v.to_json(), out, cap, needed);
  });
}

ATTUNE_API int attune_state_transitions_serialize(const attune_state_transitions* t, uint8_t* out, size_t cap,
                                                  size_t* needed) {
  return capi::guarded([&] {
    capi::require(t, "transitions");
    copy_bytes(t->v.serialize(), out, cap, needed);
  });
}

ATTUNE_API int attune_state_transitions_deserialize(const uint8_t* data, size_t size, attune_state_transitions** out) {
  return capi::guarded(
      [&] { create<StateTransitions>(out, [&] { return StateTransitions::deserialize(data, size); }); });
}

/* ---- TurnRiskModel ---- */

ATTUNE_API int attune_turn_risk_model_create(attune_turn_risk_model** out) {
  return capi::guarded([&] { create<TurnRiskModel>(out, [] { return TurnRiskModel(); }); });
}

ATTUNE_API int attune_turn_risk_model_deserialize(const uint8_t* data, size_t size, attune_turn_risk_model** out) {
  return capi::guarded([&] { create<TurnRiskModel>(out, [&] { return TurnRiskModel::deserialize(data, size); }); });
}

ATTUNE_API void attune_turn_risk_model_free(attune_turn_risk_model* m) { delete m; }

ATTUNE_API int attune_turn_risk_predict(const attune_turn_risk_model* m, const attune_dialogue_turn* turns,
                                        size_t count, float* probability) {
  return capi::guarded([&] {
    capi::require(m, "model");
    capi::require(probability, "probability");
    *probability = m->v.probability(turns_arg(turns, count));
  });
}

ATTUNE_API int attune_turn_risk_explain(const attune_turn_risk_model* m, const attune_dialogue_turn* turns,
                                        size_t count, char* out, size_t cap, size_t* needed) {
  return capi::guarded([&] {
    capi::require(m, "model");
    capi::copy_out(m->v.predict(turns_arg(turns, count)).to_json(), out, cap, needed);
  });
}

/* ---- NextBestAction ---- */

ATTUNE_API int attune_next_best_action_load(const char* path, attune_next_best_action** out) {
  return capi::guarded([&] {
    create<NextBestAction>(out, [&] { return path ? NextBestAction::load(path) : NextBestAction::load_default(); });
  });
}

ATTUNE_API int attune_next_best_action_from_json(const char* json, size_t len, attune_next_best_action** out) {
  return capi::guarded([&] {
    const auto text = capi::text_arg(json, len, "json");
    create<NextBestAction>(out, [&] { return NextBestAction::from_json(text); });
  });
}

ATTUNE_API void attune_next_best_action_free(attune_next_best_action* t) { delete t; }

ATTUNE_API int attune_next_best_action_recommend(const attune_next_best_action* t, const float* state,
                                                 uint32_t risk_flags, size_t max_actions, char* out, size_t cap,
                                                 size_t* needed) {
  return capi::guarded([&] {
    capi::require(t, "table");
    if (risk_flags & ~uint32_t{ATTUNE_RISK_CHURN | ATTUNE_RISK_DETACHMENT | ATTUNE_RISK_HESITATION})
      throw invalid_argument("unknown risk flags");
    RiskFlags r;
    r.churn = risk_flags & ATTUNE_RISK_CHURN;
    r.detachment = risk_flags & ATTUNE_RISK_DETACHMENT;
    r.hesitation = risk_flags & ATTUNE_RISK_HESITATION;
    capi::copy_out(NextBestAction::to_json(t->v.recommend(vector_arg(state, "state"), r, max_actions)), out, cap,
                   needed);
  });
}

}  // extern "C"
