// Baseline: time-decayed weighted Welford moments on log(1 + x), blended with population priors.
#include "attune/behavior/baseline.hpp"

#include "attune/behavior/detail/dynamics_bytes.hpp"
#include "attune/error.hpp"

#include <cmath>
#include <string>

namespace attune::behavior {
namespace {

constexpr std::array<std::string_view, kSignalCount> kSignalNames = {"dwell", "pace", "reply_latency",
                                                                    "message_length"};

void check_value(Signal signal, double value) {
  if (static_cast<size_t>(signal) >= kSignalCount)
    throw invalid_argument("unknown signal " + std::to_string(static_cast<int>(signal)));
  if (!std::isfinite(value) || value < 0)
    throw invalid_argument("Baseline: " + std::string(signal_name(signal)) + " value must be finite and >= 0, got " +
                               std::to_string(value),
                           status::out_of_range);
}

}  // namespace

std::string_view signal_name(Signal s) noexcept {
  const auto i = static_cast<size_t>(s);
  return i < kSignalCount ? kSignalNames[i] : std::string_view("unknown");
}

std::optional<Signal> signal_from_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kSignalCount; ++i)
    if (kSignalNames[i] == name) return static_cast<Signal>(i);
  return std::nullopt;
}

const std::array<SignalPrior, kSignalCount>& default_priors() noexcept {
  static const std::array<SignalPrior, kSignalCount> priors = {{
      {3.45f, 0.90f},  // dwell: UCI Online Shoppers product pages, median ~30 s
      {3.45f, 1.00f},  // pace: UCI Online Shoppers duration per page, median ~31 s
      {3.43f, 1.20f},  // reply latency: assumption, ~30 s, wide
      {3.57f, 0.85f},  // message length: USS dialogue user turns, median 35 chars
  }};
  return priors;
}

Baseline::Baseline(double half_life_seconds) {
  if (!std::isfinite(half_life_seconds) || half_life_seconds <= 0 || half_life_seconds > 3.0e38)
    throw invalid_argument("Baseline: half-life must be finite and > 0 seconds", status::out_of_range);
  half_life_ = static_cast<float>(half_life_seconds);
}

void Baseline::observe(Signal signal, double value, double time_seconds) {
  check_value(signal, value);
  if (!std::isfinite(time_seconds))
    throw invalid_argument("Baseline: time must be finite", status::out_of_range);
  if (has_time_ && time_seconds < last_time_)
    throw invalid_argument("Baseline: time " + std::to_string(time_seconds) + " is earlier than the last observation (" +
                           std::to_string(last_time_) + "); observations must arrive in time order");
  // All validation is done: from here on nothing throws.
  if (has_time_ && time_seconds > last_time_) {
    const double decay = std::exp2(-(time_seconds - last_time_) / static_cast<double>(half_life_));
    for (auto& mo : m_) mo.weight = static_cast<float>(mo.weight * decay);
  }
  last_time_ = time_seconds;
  has_time_ = 1;

  auto& mo = m_[static_cast<size_t>(signal)];
  const double u = std::log1p(value);
  const double w_old = mo.weight;
  const double w_new = w_old + 1.0;
  const double delta = u - mo.mean;
  const double mean_new = mo.mean + delta / w_new;
  // Weighted Welford: S_new = S_old + (u - mean_old)(u - mean_new), var = S / w.
  const double s_new = w_old * mo.var + delta * (u - mean_new);
  mo.weight = static_cast<float>(w_new);
  mo.mean = static_cast<float>(mean_new);
  mo.var = static_cast<float>(std::max(0.0, s_new / w_new));
}

void Baseline::blended(size_t i, double& mean, double& var) const noexcept {
  const SignalPrior& p = default_priors()[i];
  const Moments& mo = m_[i];
  const double n0 = kPriorStrength, w = mo.weight;
  mean = (n0 * p.mean_log + w * mo.mean) / (n0 + w);
  const double dp = p.mean_log - mean, dm = mo.mean - mean;
  var = (n0 * (double(p.sd_log) * p.sd_log + dp * dp) + w * (mo.var + dm * dm)) / (n0 + w);
}

double Baseline::mean_log(Signal signal) const noexcept {
  const auto i = static_cast<size_t>(signal);
  if (i >= kSignalCount) return std::nan("");
  double mean, var;
  blended(i, mean, var);
  return mean;
}

double Baseline::sd_log(Signal signal) const noexcept {
  const auto i = static_cast<size_t>(signal);
  if (i >= kSignalCount) return std::nan("");
  double mean, var;
  blended(i, mean, var);
  return std::max(kMinSd, std::sqrt(var));
}

double Baseline::typical(Signal signal) const noexcept { return std::expm1(mean_log(signal)); }

double Baseline::weight(Signal signal) const noexcept {
  const auto i = static_cast<size_t>(signal);
  return i < kSignalCount ? static_cast<double>(m_[i].weight) : 0.0;
}

std::optional<double> Baseline::last_time() const noexcept {
  if (!has_time_) return std::nullopt;
  return last_time_;
}

double Baseline::z(Signal signal, double value) const {
  check_value(signal, value);
  double mean, var;
  blended(static_cast<size_t>(signal), mean, var);
  return (std::log1p(value) - mean) / std::max(kMinSd, std::sqrt(var));
}

std::vector<uint8_t> Baseline::serialize() const {
  detail::ByteWriter w;
  w.magic("ATBL");
  w.u8(1);
  w.u8(has_time_);
  w.f64(last_time_);
  w.f32(half_life_);
  for (const auto& mo : m_) {
    w.f32(mo.weight);
    w.f32(mo.mean);
    w.f32(mo.var);
  }
  return w.take();
}

Baseline Baseline::deserialize(const uint8_t* data, size_t size) {
  detail::ByteReader r(data, size, "Baseline");
  r.header("ATBL", 1);
  Baseline b;
  const uint8_t flags = r.u8();
  if (flags > 1) throw error(status::format_error, "Baseline: unknown flags in serialized state");
  b.has_time_ = flags;
  b.last_time_ = r.f64();
  b.half_life_ = r.f32();
  if (!std::isfinite(b.last_time_) || !std::isfinite(b.half_life_) || b.half_life_ <= 0)
    throw error(status::format_error, "Baseline: corrupt time or half-life in serialized state");
  for (auto& mo : b.m_) {
    mo.weight = r.f32();
    mo.mean = r.f32();
    mo.var = r.f32();
    if (!std::isfinite(mo.weight) || mo.weight < 0 || !std::isfinite(mo.mean) || !std::isfinite(mo.var) || mo.var < 0)
      throw error(status::format_error, "Baseline: corrupt moments in serialized state");
  }
  r.finish();
  return b;
}

bool Baseline::operator==(const Baseline& o) const noexcept {
  if (has_time_ != o.has_time_ || last_time_ != o.last_time_ || half_life_ != o.half_life_) return false;
  for (size_t i = 0; i < kSignalCount; ++i)
    if (m_[i].weight != o.m_[i].weight || m_[i].mean != o.m_[i].mean || m_[i].var != o.m_[i].var) return false;
  return true;
}

}  // namespace attune::behavior
