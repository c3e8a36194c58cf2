// StateTransitions: Dirichlet-smoothed first-order Markov chain over the marketing states.
#include "attune/behavior/state_transitions.hpp"

#include "attune/behavior/detail/dynamics_bytes.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace attune::behavior {
namespace {

double prior(size_t from, size_t to) {
  return from == to ? StateTransitions::kPriorStay : (1.0 - StateTransitions::kPriorStay) / (kStateCount - 1);
}

void check_scores(const StateVector& v, const char* what) {
  for (float s : v)
    if (!std::isfinite(s) || s < 0 || s > 1)
      throw invalid_argument(std::string("StateTransitions: ") + what + " scores must be in [0,1]", status::out_of_range);
}

constexpr size_t kDetach = index(MarketingState::detachment);
constexpr size_t kFrustration = index(MarketingState::frustration);

}  // namespace

MarketingState require_state(std::string_view name) {
  if (auto s = state_from_name(name)) return *s;
  std::string valid;
  for (auto n : kStateNames) valid += (valid.empty() ? "" : ", ") + std::string(n);
  throw invalid_argument("unknown marketing state '" + std::string(name) + "' (valid: " + valid + ")",
                         status::not_found);
}

std::string ChurnRisk::to_json() const {
  return nlohmann::json{{"risk", risk},
                        {"flagged", flagged},
                        {"p_next_detachment", p_next_detachment},
                        {"frustration", frustration},
                        {"lift", lift},
                        {"pattern", "frustration->detachment"}}
      .dump();
}

StateTransitions::StateTransitions(double smoothing) {
  if (!std::isfinite(smoothing) || smoothing <= 0)
    throw invalid_argument("StateTransitions: smoothing must be finite and > 0", status::out_of_range);
  smoothing_ = smoothing;
}

void StateTransitions::observe(MarketingState from, MarketingState to, double weight) {
  if (index(from) >= kStateCount || index(to) >= kStateCount)
    throw invalid_argument("StateTransitions: state index out of range", status::out_of_range);
  if (!std::isfinite(weight) || weight < 0 || weight > 1e12)
    throw invalid_argument("StateTransitions: weight must be finite, >= 0 and <= 1e12", status::out_of_range);
  n_[index(from)][index(to)] += weight;
}

void StateTransitions::observe_sequence(const std::vector<MarketingState>& states) {
  for (auto s : states)
    if (index(s) >= kStateCount) throw invalid_argument("StateTransitions: state index out of range", status::out_of_range);
  for (size_t i = 1; i < states.size(); ++i) n_[index(states[i - 1])][index(states[i])] += 1.0;
}

void StateTransitions::observe_sequence(const std::vector<std::string>& names) {
  std::vector<MarketingState> states;
  states.reserve(names.size());
  for (const auto& n : names) states.push_back(require_state(n));  // all validated before any change
  observe_sequence(states);
}

TransitionRow StateTransitions::predict(MarketingState from) const noexcept {
  TransitionRow row{};
  const size_t f = index(from) < kStateCount ? index(from) : 0;
  double total = 0;
  for (double c : n_[f]) total += c;
  for (size_t t = 0; t < kStateCount; ++t)
    row[t] = static_cast<float>((n_[f][t] + smoothing_ * prior(f, t)) / (total + smoothing_));
  return row;
}

TransitionRow StateTransitions::predict(const StateVector& current) const {
  check_scores(current, "current");
  double sum = 0;
  for (float s : current) sum += s;
  std::array<double, kStateCount> mix{};
  for (size_t f = 0; f < kStateCount; ++f) {
    const double w = sum > 0 ? current[f] / sum : 1.0 / kStateCount;
    if (w == 0) continue;
    const auto row = predict(static_cast<MarketingState>(f));
    for (size_t t = 0; t < kStateCount; ++t) mix[t] += w * row[t];
  }
  TransitionRow out{};
  for (size_t t = 0; t < kStateCount; ++t) out[t] = static_cast<float>(mix[t]);
  return out;
}

ChurnRisk StateTransitions::churn_risk(const StateVector& previous, const StateVector& current) const {
  check_scores(previous, "previous");
  check_scores(current, "current");
  ChurnRisk r;
  r.p_next_detachment = predict(current)[kDetach];
  r.frustration = std::max(previous[kFrustration], current[kFrustration]);
  const float d = std::max(current[kDetach], r.p_next_detachment);
  r.risk = std::min(1.0f, r.frustration * d);
  r.flagged = r.risk >= 0.25f || (previous[kFrustration] >= 0.5f && current[kDetach] >= 0.5f);
  double avg = 0;
  for (size_t f = 0; f < kStateCount; ++f) avg += predict(static_cast<MarketingState>(f))[kDetach];
  avg /= kStateCount;
  r.lift = static_cast<float>(predict(MarketingState::frustration)[kDetach] / avg);
  return r;
}

double StateTransitions::count(MarketingState from, MarketingState to) const noexcept {
  if (index(from) >= kStateCount || index(to) >= kStateCount) return 0;
  return n_[index(from)][index(to)];
}

double StateTransitions::total() const noexcept {
  double t = 0;
  for (const auto& row : n_)
    for (double c : row) t += c;
  return t;
}

std::string StateTransitions::to_json() const {
  nlohmann::json counts = nlohmann::json::object(), probs = nlohmann::json::object();
  for (size_t f = 0; f < kStateCount; ++f) {
    const auto row = predict(static_cast<MarketingState>(f));
    nlohmann::json c = nlohmann::json::object(), p = nlohmann::json::object();
    for (size_t t = 0; t < kStateCount; ++t) {
      c[std::string(kStateNames[t])] = n_[f][t];
      p[std::string(kStateNames[t])] = row[t];
    }
    counts[std::string(kStateNames[f])] = c;
    probs[std::string(kStateNames[f])] = p;
  }
  return nlohmann::json{{"smoothing", smoothing_}, {"counts", counts}, {"probabilities", probs}}.dump();
}

std::vector<uint8_t> StateTransitions::serialize() const {
  detail::ByteWriter w;
  w.magic("ATST");
  w.u8(1);
  w.f64(smoothing_);
  for (const auto& row : n_)
    for (double c : row) w.f64(c);
  return w.take();
}

StateTransitions StateTransitions::deserialize(const uint8_t* data, size_t size) {
  detail::ByteReader r(data, size, "StateTransitions");
  r.header("ATST", 1);
  StateTransitions t;
  t.smoothing_ = r.f64();
  if (!std::isfinite(t.smoothing_) || t.smoothing_ <= 0)
    throw error(status::format_error, "StateTransitions: corrupt smoothing");
  for (auto& row : t.n_)
    for (double& c : row) {
      c = r.f64();
      if (!std::isfinite(c) || c < 0) throw error(status::format_error, "StateTransitions: corrupt counts");
    }
  r.finish();
  return t;
}

bool StateTransitions::operator==(const StateTransitions& o) const noexcept {
  return smoothing_ == o.smoothing_ && n_ == o.n_;
}

}  // namespace attune::behavior
