// attune/behavior/baseline.hpp: a customer's own "usual" for timing and length signals.
//
// Purpose. "Longer than usual" only means something against the same customer's history: a slow
// reader lingers 90 s on every product page, a fast one 10 s. Baseline keeps, per customer, a
// time-decayed streaming mean and variance of four signals and turns a new value into a z-score
// against them. The engine keeps one Baseline per customer inside its Profile.
//
// Method (docs/behavior-dynamics.md has the derivation).
// - Every signal is modelled on the log scale, u = log(1 + x): durations and lengths are
//   heavy-tailed (roughly log-normal), so a z-score on u is robust to the occasional 20-minute
//   dwell while the tab sat in the background. mean_seconds() reports exp(mean_u) - 1 (a
//   geometric-mean-like "typical" value in the signal's own unit).
// - Exponential forgetting by time: before each observation at time t, all weights are multiplied
//   by 2^(-(t - t_last) / half_life), so a habit from months ago weighs little. Within one weight
//   the update is the weighted Welford recursion (numerically stable, O(1), no history kept).
// - Cold start: a population prior (mean and sd of u, strength n0 pseudo-observations) is blended
//   with the customer's own statistics by effective sample size w:
//       mean = (n0*mu0 + w*m) / (n0 + w)
//       var  = (n0*(s0^2 + (mu0-mean)^2) + w*(v + (m-mean)^2)) / (n0 + w)
//   so a new customer is judged against everyone, and after ~n0 observations mostly against
//   themselves. The sd used for z has a floor (kMinSd) so a perfectly regular customer
//   does not turn a 1-second difference into z = 50.
//
// Population priors (defaults, on u = log(1+x)):
//   dwell          mu0 3.45 (≈ 30 s), s0 0.90  from UCI Online Shoppers, product-page duration per
//                                                page (median 30.3 s; session means have log-sd
//                                                0.69, widened for single pages)
//   pace           mu0 3.45 (≈ 30 s), s0 1.00  UCI Online Shoppers, session duration per page
//                                                (median 31.0 s, log-sd 0.67), widened
//   reply_latency  mu0 3.43 (≈ 30 s), s0 1.20  assumption (no public data at hand): chat replies
//                                                typically come within tens of seconds
//   message_length mu0 3.57 (≈ 35 ch), s0 0.85 user turns of the USS dialogues (median 35 chars,
//                                                log-sd 0.84); a single number, no text shipped
//   n0 = 5 pseudo-observations for every signal (kPriorStrength); sd floor kMinSd = 0.15.
//
// Units: times are seconds on any monotone clock (Unix epoch seconds are typical); durations and
// latencies in seconds; message length in characters (code points or bytes, but consistently).
//
// Errors: observe() throws attune::invalid_argument (status::out_of_range) for NaN, infinite or
// negative values and non-finite times, (status::invalid_argument) for a time earlier than the
// last observation; the Baseline is unchanged. Equal times are fine.
//
// Size: 64 bytes in memory (static_assert below); serialize() writes 66 bytes (format below).
// Thread-safety: none; one Baseline belongs to one customer and is updated by one thread at a time.
// const members may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace attune::behavior {

/// The signals a Baseline tracks. Numbers are stable (C ABI ATTUNE_SIGNAL_*).
enum class Signal : uint8_t {
  dwell = 0,           ///< seconds spent on a page or product view
  pace = 1,            ///< seconds between consecutive events of a session
  reply_latency = 2,   ///< seconds between a message to the customer and their reply
  message_length = 3,  ///< characters in a customer's message
};
inline constexpr size_t kSignalCount = 4;

/// "dwell", "pace", "reply_latency", "message_length".
std::string_view signal_name(Signal s) noexcept;
/// The signal with this name, or nullopt.
std::optional<Signal> signal_from_name(std::string_view name) noexcept;

/// Population prior of one signal on the log scale u = log(1 + x).
struct SignalPrior {
  float mean_log = 0;  ///< mu0
  float sd_log = 1;    ///< s0 (> 0)
};

/// The documented default priors above, indexed by Signal.
const std::array<SignalPrior, kSignalCount>& default_priors() noexcept;

class Baseline {
 public:
  /// Pseudo-observations of the population prior (n0).
  static constexpr double kPriorStrength = 5.0;
  /// Floor of the sd used by z(), log units (a factor of ~1.16).
  static constexpr double kMinSd = 0.15;
  /// Default forgetting half-life: 30 days.
  static constexpr float kDefaultHalfLife = 30.0f * 86400.0f;

  Baseline() = default;
  /// Throws invalid_argument (out_of_range) unless half_life_seconds is finite and > 0.
  explicit Baseline(double half_life_seconds);

  /// Add one observation of `signal` with value `value` (>= 0, finite) at time `time_seconds`.
  void observe(Signal signal, double value, double time_seconds);

  /// z-score of `value` against this customer's blended baseline: > 0 means longer/larger than
  /// usual (2 = two standard deviations). Does not change the Baseline. Throws like observe() for
  /// a bad value.
  double z(Signal signal, double value) const;

  /// Blended mean and sd on the log scale (what z() uses; the sd includes the floor).
  double mean_log(Signal signal) const noexcept;
  double sd_log(Signal signal) const noexcept;
  /// The typical value in the signal's unit: exp(mean_log) - 1.
  double typical(Signal signal) const noexcept;
  /// Effective number of the customer's own observations (decayed to the last update time).
  double weight(Signal signal) const noexcept;
  /// Time of the last observation, or nullopt before the first.
  std::optional<double> last_time() const noexcept;
  float half_life_seconds() const noexcept { return half_life_; }

  /// Compact binary form (66 bytes), little-endian:
  ///   "ATBL" u8 version(=1) u8 flags(bit0: has time) f64 last_time f32 half_life
  ///   then per signal (dwell, pace, reply_latency, message_length): f32 weight f32 mean f32 var.
  /// The priors are the library's documented defaults and are not stored.
  std::vector<uint8_t> serialize() const;
  /// Inverse of serialize(). Throws attune::error(format_error / version_mismatch) on a corrupt
  /// blob and invalid_argument on NULL data.
  static Baseline deserialize(const uint8_t* data, size_t size);

  bool operator==(const Baseline& o) const noexcept;

 private:
  struct Moments {
    float weight = 0;  // effective sample size, decayed to last_time_
    float mean = 0;    // weighted mean of u
    float var = 0;     // weighted (population) variance of u
  };
  void blended(size_t i, double& mean, double& var) const noexcept;

  double last_time_ = 0;
  std::array<Moments, kSignalCount> m_{};
  float half_life_ = kDefaultHalfLife;
  uint8_t has_time_ = 0;
};

static_assert(sizeof(Baseline) <= 64, "Baseline must stay compact: one per customer");

}  // namespace attune::behavior
