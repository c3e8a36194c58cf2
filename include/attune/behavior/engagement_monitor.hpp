// attune/behavior/engagement_monitor.hpp: detachment as a sustained drop in engagement.
//
// Purpose. A customer who drifts away rarely says so: their engagement (events, minutes, opened
// emails, replies per day) just falls, say by 22%, and stays lower. EngagementMonitor follows one
// account's daily engagement and raises `detached` when a sustained drop against the account's
// own baseline is statistically clear, while ignoring weekly rhythm, noisy days and single bad
// days (an outage, a holiday).
//
// Method: one-sided CUSUM on standardized log engagement (docs/behavior-dynamics.md).
//   y_d = log(1 + x_d)                    x_d = engagement of day d (missing days are 0)
//   r_d = y_d - level - dow[d mod 7]      residual against the account's baseline and weekday
//   z_d = r_d / scale
//   k   = delta / 2,  delta = -log(1 - min_drop) / scale   (the drop to detect, in sd units)
//   S_d = max(0, S_{d-1} + e_d)           alarm ("detached") when S_d > h, where the day's
//                                         evidence e_d is robust to days that say nothing about
//                                         a drop:
//     plausible day: e = -clamp(z, -(k + min(h/2, 2)), 1.5) - k   (no two days alone alarm)
//     z < -(2k + 3) and below 60% of the usual (r < log 0.6), far below even a dropped
//       baseline (an outage, a holiday): e = 0.1 h, but the third such day in a row (the customer
//       stopped) counts, with the two before it, at the cap min(h/2, 2) each
//     z > 4 (a campaign spike): e = 0
//   h   solves Siegmund's approximation ARL0(h, k) = (e^{2k(h+1.166)} - 2k(h+1.166) - 1) / (2k^2)
//       = arl0_days, so the threshold follows each account's own noise level instead of one
//       global constant. arl0_days is nominal: the robust evidence and the estimated baseline
//       make the real rate differ (benchmark: 0.3-0.9 false alarms per 1,000 stable days at
//       the default 2500).
// Baseline: the first `warmup_days` closed days are kept (quantized to 1/32 on the log scale)
// and fitted robustly: weekday offsets = median per weekday minus the overall median, level =
// median of the de-seasonalized days, scale = 1.4826 * MAD of the residuals (so an outage or a
// campaign spike in the first weeks does not inflate the noise estimate). Afterwards, on days
// where S < 0.65 h (no drop building up) and |z| <= 4 (not an outlier, unless the account has
// been that far above its baseline for 3 days: a real rise), the level follows a running mean
// that turns into exponential forgetting (half-life `level_half_life` days, default 42), each
// weekday offset a running mean of its own days that turns into forgetting with 3x that
// half-life, residuals clipped at 2.5 sd; scale is an exponentially weighted RMS of the kept
// prediction residuals. While S >= 0.65 h the baseline is frozen, so a real drop cannot be
// absorbed before it is detected.
// After an alarm: `detached` stays true until S returns to 0 (recovery) or, after
// `rebaseline_days` days in alarm, the lower level is accepted as the new normal (level moves
// by the mean residual of the run, S = 0, `detached` false).
// Estimated drop: 1 - exp(mean r over the current CUSUM run), i.e. since S last was 0; the run
// start is the change-point estimate (`change_day`).
//
// Feeding. Either per day (observe_day(day, value): day indices strictly increasing, gaps are
// days of 0) or per event (observe(time_seconds, amount): events are summed into UTC days, a
// day is closed when a later day's event arrives). A customer who stops coming sends no events,
// so the host must also call advance_to(time_seconds) on a clock tick (e.g. daily) to close
// the silent days. Any regular period works as a "day" (weeks, sessions), the weekday model then
// being a period-of-7 pattern.
//
// Errors: invalid_argument (status::out_of_range) for NaN/infinite/negative values and
// non-finite times; invalid_argument for a day/time earlier than the open day; Options out of
// range. Nothing changes on error. A gap longer than 400 days restarts the baseline (warm-up).
// Size: 112 bytes in memory; serialize() writes 110 bytes. Thread-safety: none (one per account,
// one writer); const members may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attune::behavior {

struct EngagementStatus {
  bool detached = false;      ///< a sustained drop is detected (alarm active)
  bool warming_up = true;     ///< fewer than warmup_days closed days: no alarms yet
  float score = 0;            ///< S / h clamped to [0,1]: how close to (or deep in) an alarm
  float drop = 0;             ///< estimated relative drop over the current run (0.22 = 22%), >= 0
  float baseline = 0;         ///< the account's typical daily engagement, exp(level) - 1
  float cusum = 0;            ///< S
  float threshold = 0;        ///< h
  int32_t change_day = -1;    ///< first day of the current CUSUM run (change-point), or -1
  int32_t alarm_day = -1;     ///< day the current alarm was raised, or -1
  uint32_t days_observed = 0; ///< closed days (saturates at 65535)

  /// {"detached":..,"score":..,"drop":..,...}
  std::string to_json() const;
};

class EngagementMonitor {
 public:
  struct Options {
    float min_drop = 0.20f;          ///< relative drop the test is tuned to detect, in (0, 0.95]
    float arl0_days = 2500.0f;       ///< nominal in-control ARL (Siegmund; days per false alarm), >= 50
    uint16_t warmup_days = 28;       ///< closed days before alarms are possible, 14..28
    uint16_t level_half_life = 42;   ///< days, 2..365 (weekday offsets: 3x)
    uint16_t rebaseline_days = 28;   ///< days in alarm before the new level is accepted, 1..365
  };

  EngagementMonitor();
  /// Validates options (invalid_argument, status::out_of_range).
  explicit EngagementMonitor(const Options& options);

  /// Add `amount` (finite, >= 0) of engagement at `time_seconds` (Unix seconds; UTC days).
  void observe(double time_seconds, double amount = 1.0);
  /// Engagement `value` (finite, >= 0) of day `day` (e.g. Unix days); closes that day.
  void observe_day(int32_t day, double value);
  /// Close every day before the UTC day of `time_seconds` (silent days count as 0).
  void advance_to(double time_seconds);

  EngagementStatus status() const noexcept;
  const Options& options() const noexcept { return opt_; }

  /// Compact binary form, little-endian: "ATEM" u8 version(=1) u8 flags (bit 0: a day is open,
  /// bits 1-3: outage-like days in a row, bits 4-6: spike days in a row), options (f32 min_drop,
  /// f32 arl0, u16 warmup, u16 half_life, u16 rebaseline), i32 open_day f32 open_amount
  /// f32 level f32 scale f32 dow[7] f32 cusum f32 run_sum u16 run_len u16 days_seen
  /// u16 alarm_age i32 change_day u8 warm[28].
  std::vector<uint8_t> serialize() const;
  static EngagementMonitor deserialize(const uint8_t* data, size_t size);
  bool operator==(const EngagementMonitor& o) const noexcept;

  /// Siegmund's approximation of the in-control ARL of a CUSUM with reference k and threshold h
  /// (standardized units), and its inverse in h (exposed for the docs and tests).
  static double siegmund_arl0(double h, double k) noexcept;
  static double threshold_for(double arl0, double k) noexcept;
  /// The CUSUM increment e_d of a day with log residual r and noise `scale` (z = r / scale; method
  /// above); `low_run` and `high_run` carry the outage-like and spike days in a row from day to
  /// day (start at 0). Exposed for the benchmark's oracle, which applies the same rules to the
  /// true baseline.
  static double day_evidence(double r, double scale, double k, double h, uint8_t& low_run,
                             uint8_t& high_run) noexcept;

  static constexpr uint16_t kMaxWarmup = 28;

 private:
  void close_day(int32_t day, double value) noexcept;
  void advance_days(int32_t day) noexcept;  // close every open day < day
  void fit_warmup(int32_t last_day) noexcept;
  double k_() const noexcept;

  Options opt_;
  int32_t open_day_ = 0;
  float open_amount_ = 0;
  float level_ = 0;
  float scale_ = 0;  // during warm-up: Welford M2 of y
  std::array<float, 7> dow_{};
  float cusum_ = 0;
  float run_sum_ = 0;
  uint16_t run_len_ = 0;
  uint16_t days_seen_ = 0;
  uint16_t alarm_age_ = 0;  // days since the alarm was raised + 1; 0 = no alarm
  int32_t change_day_ = -1;
  uint8_t has_day_ = 0;
  uint8_t low_run_ = 0;   // outage-like days in a row (saturates at 4; see day_evidence)
  uint8_t high_run_ = 0;  // spike days in a row (saturates at 3)
  std::array<uint8_t, kMaxWarmup> warm_{};  // warm-up days, quantized (see close_day)
};

}  // namespace attune::behavior
