// EngagementMonitor: one-sided CUSUM on standardized log engagement with a robust, weekly-aware
// baseline. See the header for the method and docs/behavior-dynamics.md for the benchmark.
#include "attune/behavior/engagement_monitor.hpp"

#include "attune/behavior/detail/dynamics_bytes.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace attune::behavior {
namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr double kMinScale = 0.02;  // 2%: below this, counting noise alone is larger
// Evidence of one day for "a drop of min_drop started" (the CUSUM increment), robust to the
// days that say nothing about a drop: an outage or a holiday (a day far below even a dropped
// baseline) and a campaign spike (far above the usual).
constexpr double kZClipUp = 1.5;        // a plausible high day subtracts at most k + 1.5 from S
constexpr double kLowCapShare = 0.5;    // a plausible low day adds at most h/2: no two days alone alarm
constexpr double kLowCapMax = 2.0;      // ... and at most 2 (sd units) for the flat thresholds of noisy accounts
constexpr double kImplausible = 3.0;    // sd below the dropped baseline: an outage, not the drop ...
constexpr double kOutageLog = -0.5108;  // ... and below 60% of the usual, log(0.6)
constexpr double kOutageShare = 0.1;    // an isolated implausible low day adds 0.1 h
constexpr uint8_t kStopDays = 3;        // this many implausible low days in a row: the customer stopped
constexpr double kSpike = 4.0;          // sd above the baseline: a spike, no evidence either way
// Baseline tracking skips days more than kOutlier sd from the prediction (unless they persist,
// kStopDays in a row above it: a real rise); the scale is the RMS of the kept residuals, divided
// by E[z^2 | |z| < 4] = 0.9989 for Gaussian noise.
constexpr double kOutlier = 4.0;
constexpr double kKeptVariance = 0.9989;
constexpr double kLevelClip = 2.5;      // kept residuals move the level by at most 2.5 sd
constexpr double kFreeze = 0.65;        // tracking pauses while S >= 0.65 h (a drop may be building)
constexpr int32_t kMaxGapDays = 400;

int weekday(int32_t day) { return static_cast<int>(((day % 7) + 7) % 7); }

void check_amount(double v, const char* what) {
  if (!std::isfinite(v) || v < 0)
    throw invalid_argument(std::string("EngagementMonitor: ") + what + " must be finite and >= 0", status::out_of_range);
}

int32_t day_of(double t) {
  if (!std::isfinite(t)) throw invalid_argument("EngagementMonitor: time must be finite", status::out_of_range);
  const double d = std::floor(t / kSecondsPerDay);
  if (d < -2.0e9 || d > 2.0e9) throw invalid_argument("EngagementMonitor: time out of range", status::out_of_range);
  return static_cast<int32_t>(d);
}

void validate(const EngagementMonitor::Options& o) {
  auto bad = [](const char* what) {
    throw invalid_argument(std::string("EngagementMonitor: option ") + what, status::out_of_range);
  };
  if (!std::isfinite(o.min_drop) || o.min_drop <= 0 || o.min_drop > 0.95f) bad("min_drop must be in (0, 0.95]");
  if (!std::isfinite(o.arl0_days) || o.arl0_days < 50 || o.arl0_days > 1e7f) bad("arl0_days must be in [50, 1e7]");
  if (o.warmup_days < 14 || o.warmup_days > EngagementMonitor::kMaxWarmup) bad("warmup_days must be in [14, 28]");
  if (o.level_half_life < 2 || o.level_half_life > 365) bad("level_half_life must be in [2, 365]");
  if (o.rebaseline_days < 1 || o.rebaseline_days > 365) bad("rebaseline_days must be in [1, 365]");
}

}  // namespace

std::string EngagementStatus::to_json() const {
  nlohmann::json j = {{"detached", detached},   {"warming_up", warming_up}, {"score", score},
                      {"drop", drop},           {"baseline", baseline},     {"cusum", cusum},
                      {"threshold", threshold}, {"change_day", change_day}, {"alarm_day", alarm_day},
                      {"days_observed", days_observed}};
  return j.dump();
}

double EngagementMonitor::siegmund_arl0(double h, double k) noexcept {
  const double b = h + 1.166;
  if (k < 1e-6) return b * b;
  const double x = 2.0 * k * b;
  if (x > 700) return HUGE_VAL;
  return (std::exp(x) - x - 1.0) / (2.0 * k * k);
}

double EngagementMonitor::threshold_for(double arl0, double k) noexcept {
  double lo = 0, hi = 1000;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (siegmund_arl0(mid, k) < arl0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

EngagementMonitor::EngagementMonitor() = default;

EngagementMonitor::EngagementMonitor(const Options& options) : opt_(options) { validate(opt_); }

double EngagementMonitor::k_() const noexcept {
  const double delta = -std::log(1.0 - static_cast<double>(opt_.min_drop)) / std::max(kMinScale, double(scale_));
  return 0.5 * delta;
}

double EngagementMonitor::day_evidence(double r, double scale, double k, double h, uint8_t& low_run,
                                       uint8_t& high_run) noexcept {
  const double z = r / scale;
  const double cap = std::min(kLowCapShare * h, kLowCapMax);
  // A drop of min_drop puts a day at z ~ -2k. A day more than kImplausible sd below that, and
  // below 60% of the usual, is an outage or a holiday under either hypothesis, so alone it is
  // weak evidence (0.1 h). Only a run of kStopDays such days (the customer stopped) counts, and
  // then every day of it at the cap. (Without the 60% condition, a very regular account's 30%
  // drop would look like a string of outages.)
  const bool outage_like = z < -(2.0 * k + kImplausible) && r < kOutageLog;
  low_run = outage_like ? static_cast<uint8_t>(std::min(low_run + 1, kStopDays + 1)) : 0;
  high_run = z > kSpike ? static_cast<uint8_t>(std::min(high_run + 1, int(kStopDays))) : 0;
  const double outage = std::min(kOutageShare * h, cap);
  // Clamped as an increment, not as z: for a very regular account h (and so the cap) can be far
  // below the rounding error of k, and k + cap - k would be 0.
  if (low_run == 0) return high_run > 0 ? 0.0 : std::clamp(-z - k, -(kZClipUp + k), cap);
  if (low_run < kStopDays) return outage;
  if (low_run == kStopDays) return cap + (kStopDays - 1) * (cap - outage);  // the run's earlier days, fully
  return cap;
}

void EngagementMonitor::close_day(int32_t day, double value) noexcept {
  const double y = std::log1p(value);
  const int w = weekday(day);
  if (days_seen_ < opt_.warmup_days) {
    // Warm-up: keep the days (quantized log values relative to the first day, 1/32 resolution,
    // +-4 range: coarser than any realistic day-to-day noise) and fit the baseline robustly at
    // the end, so an outage or a campaign spike during warm-up cannot inflate the scale.
    if (days_seen_ == 0) level_ = static_cast<float>(y);
    const double q = std::clamp(std::round((y - level_) * 32.0) + 128.0, 0.0, 255.0);
    warm_[days_seen_] = static_cast<uint8_t>(q);
    ++days_seen_;
    if (days_seen_ == opt_.warmup_days) fit_warmup(day);
    return;
  }
  if (days_seen_ < 65535) ++days_seen_;

  const double scale = std::max(kMinScale, double(scale_));
  const double r = y - level_ - dow_[w];
  const double z = r / scale;
  const double k = k_();
  const double h = threshold_for(opt_.arl0_days, k);
  const double s_new = std::max(0.0, cusum_ + day_evidence(r, scale, k, h, low_run_, high_run_));

  if (s_new > 0) {
    if (cusum_ == 0) {
      change_day_ = day;
      run_sum_ = 0;
      run_len_ = 0;
    }
    run_sum_ = static_cast<float>(run_sum_ + r);
    if (run_len_ < 65535) ++run_len_;
  } else {
    change_day_ = -1;
    run_sum_ = 0;
    run_len_ = 0;
  }
  cusum_ = static_cast<float>(s_new);

  if (alarm_age_ > 0) {
    if (cusum_ == 0) {
      alarm_age_ = 0;  // recovered
    } else if (++alarm_age_ > opt_.rebaseline_days) {
      // The drop lasted: accept the lower level as the new normal.
      if (run_len_ > 0) level_ = static_cast<float>(level_ + run_sum_ / run_len_);
      cusum_ = 0;
      alarm_age_ = 0;
      change_day_ = -1;
      run_sum_ = 0;
      run_len_ = 0;
    }
  } else if (cusum_ > h) {
    alarm_age_ = 1;
  }

  // Baseline follows the account except while a drop may be building up (S >= 0.65 h), so a
  // real drop is not absorbed before it is detected. Outlier days are skipped (they would
  // inflate the scale: 3% of such days made it 12% too wide on the benchmark), unless they
  // persist above the baseline (a real rise); a persistent fall is the CUSUM's business.
  const bool outlier = std::fabs(z) > kOutlier && high_run_ < kStopDays;
  if (cusum_ < kFreeze * h && alarm_age_ == 0 && !outlier) {
    // Gain: a running mean right after warm-up (the warm-up fit counts as warmup_days
    // observations), then the exponential forgetting of level_half_life.
    const double alpha = std::max(1.0 - std::exp2(-1.0 / opt_.level_half_life), 1.0 / double(days_seen_));
    const double rc = std::clamp(r, -kLevelClip * scale, kLevelClip * scale);
    level_ = static_cast<float>(level_ + alpha * rc);
    // Weekday offsets see one observation a week: a running mean of that weekday's residuals
    // (the warm-up counts as its 2-4 observations), then forgetting with a half-life of
    // 3 x level_half_life days, so a 28-day warm-up's noisy medians are replaced within weeks.
    const double alpha_w = std::min(0.5, std::max(1.0 - std::exp2(-7.0 / (3.0 * opt_.level_half_life)),
                                                  7.0 / double(days_seen_)));
    dow_[w] = static_cast<float>(dow_[w] + alpha_w * (rc - alpha * rc));
    double mean = 0;
    for (float o : dow_) mean += o;
    mean /= 7.0;
    for (auto& o : dow_) o = static_cast<float>(o - mean);
    level_ = static_cast<float>(level_ + mean);
    const double r2 = std::min(r * r, kOutlier * kOutlier * scale * scale);
    scale_ = static_cast<float>(std::max(kMinScale, std::sqrt((1 - alpha) * scale * scale + alpha * r2 / kKeptVariance)));
  }
}

namespace {
double median_of(double* v, size_t n) {
  std::sort(v, v + n);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

void EngagementMonitor::fit_warmup(int32_t last_day) noexcept {
  const size_t n = days_seen_;
  const int32_t first_day = last_day - static_cast<int32_t>(n) + 1;
  std::array<double, kMaxWarmup> v{}, tmp{};
  for (size_t i = 0; i < n; ++i) v[i] = level_ + (warm_[i] - 128.0) / 32.0;
  std::copy(v.begin(), v.begin() + static_cast<long>(n), tmp.begin());
  const double m = median_of(tmp.data(), n);
  // Weekday offsets: median of that weekday's days (2-4 of them) minus the overall median.
  double mean_off = 0;
  for (int w = 0; w < 7; ++w) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i)
      if (weekday(first_day + static_cast<int32_t>(i)) == w) tmp[k++] = v[i] - m;
    dow_[static_cast<size_t>(w)] = k ? static_cast<float>(median_of(tmp.data(), k)) : 0.0f;
    mean_off += dow_[static_cast<size_t>(w)];
  }
  mean_off /= 7.0;
  for (auto& o : dow_) o = static_cast<float>(o - mean_off);
  for (size_t i = 0; i < n; ++i) tmp[i] = v[i] - dow_[static_cast<size_t>(weekday(first_day + static_cast<int32_t>(i)))];
  const double lvl = median_of(tmp.data(), n);
  for (size_t i = 0; i < n; ++i)
    tmp[i] = std::fabs(v[i] - lvl - dow_[static_cast<size_t>(weekday(first_day + static_cast<int32_t>(i)))]);
  // 1.4826 * MAD estimates the sd of Gaussian residuals; 7 offsets and a level were fitted on n days.
  const double mad = median_of(tmp.data(), n);
  level_ = static_cast<float>(lvl);
  // In-sample spread, corrected for the 8 fitted medians. It is not widened for the fitted
  // baseline's own error: the RMS of the later prediction residuals takes over within weeks, and
  // widening it cost more detection than the false alarms it saved (docs/behavior-dynamics.md).
  const double dof = double(n) / std::max(1.0, double(n) - 8.0);
  scale_ = static_cast<float>(std::max(kMinScale, 1.4826 * mad * std::sqrt(dof)));
  warm_.fill(0);
}

void EngagementMonitor::advance_days(int32_t day) noexcept {
  if (!has_day_) {
    open_day_ = day;
    open_amount_ = 0;
    has_day_ = 1;
    return;
  }
  if (day <= open_day_) return;
  if (static_cast<int64_t>(day) - open_day_ > kMaxGapDays) {
    // Away for more than a year: the old baseline says nothing any more.
    const Options keep = opt_;
    *this = EngagementMonitor();
    opt_ = keep;
    open_day_ = day;
    has_day_ = 1;
    return;
  }
  while (open_day_ < day) {
    close_day(open_day_, open_amount_);
    open_amount_ = 0;
    ++open_day_;
  }
}

void EngagementMonitor::observe(double time_seconds, double amount) {
  check_amount(amount, "amount");
  const int32_t day = day_of(time_seconds);
  if (has_day_ && day < open_day_)
    throw invalid_argument("EngagementMonitor: event day " + std::to_string(day) + " is before the open day " +
                           std::to_string(open_day_) + " (days already closed cannot change)");
  advance_days(day);
  open_amount_ = static_cast<float>(std::min(3.0e38, double(open_amount_) + amount));
}

void EngagementMonitor::observe_day(int32_t day, double value) {
  check_amount(value, "value");
  if (has_day_ && day < open_day_)
    throw invalid_argument("EngagementMonitor: day " + std::to_string(day) + " is not after the last closed day " +
                           std::to_string(open_day_ - 1));
  if (day == INT32_MAX) throw invalid_argument("EngagementMonitor: day out of range", status::out_of_range);
  advance_days(day);
  close_day(day, std::min(3.0e38, double(open_amount_) + value));
  open_amount_ = 0;
  open_day_ = day + 1;
}

void EngagementMonitor::advance_to(double time_seconds) {
  const int32_t day = day_of(time_seconds);
  if (has_day_ && day < open_day_) return;  // nothing to close; not an error for a clock tick
  advance_days(day);
}

EngagementStatus EngagementMonitor::status() const noexcept {
  EngagementStatus s;
  s.days_observed = days_seen_;
  s.warming_up = days_seen_ < opt_.warmup_days;
  if (s.warming_up) return s;
  const double h = threshold_for(opt_.arl0_days, k_());
  s.threshold = static_cast<float>(h);
  s.cusum = cusum_;
  s.score = static_cast<float>(std::min(1.0, cusum_ / h));
  s.detached = alarm_age_ > 0;
  s.baseline = static_cast<float>(std::expm1(level_));
  if (run_len_ > 0) s.drop = static_cast<float>(std::max(0.0, 1.0 - std::exp(run_sum_ / run_len_)));
  s.change_day = change_day_;
  if (alarm_age_ > 0) s.alarm_day = open_day_ - 1 - (alarm_age_ - 1);
  return s;
}

std::vector<uint8_t> EngagementMonitor::serialize() const {
  detail::ByteWriter w;
  w.magic("ATEM");
  w.u8(1);
  w.u8(static_cast<uint8_t>(has_day_ | (low_run_ << 1) | (high_run_ << 4)));
  w.f32(opt_.min_drop);
  w.f32(opt_.arl0_days);
  w.u16(opt_.warmup_days);
  w.u16(opt_.level_half_life);
  w.u16(opt_.rebaseline_days);
  w.i32(open_day_);
  w.f32(open_amount_);
  w.f32(level_);
  w.f32(scale_);
  for (float o : dow_) w.f32(o);
  w.f32(cusum_);
  w.f32(run_sum_);
  w.u16(run_len_);
  w.u16(days_seen_);
  w.u16(alarm_age_);
  w.i32(change_day_);
  for (uint8_t b : warm_) w.u8(b);
  return w.take();
}

EngagementMonitor EngagementMonitor::deserialize(const uint8_t* data, size_t size) {
  detail::ByteReader r(data, size, "EngagementMonitor");
  r.header("ATEM", 1);
  EngagementMonitor m;
  const uint8_t flags = r.u8();
  m.has_day_ = flags & 1u;
  m.low_run_ = (flags >> 1) & 7u;
  m.high_run_ = (flags >> 4) & 7u;
  m.opt_.min_drop = r.f32();
  m.opt_.arl0_days = r.f32();
  m.opt_.warmup_days = r.u16();
  m.opt_.level_half_life = r.u16();
  m.opt_.rebaseline_days = r.u16();
  try {
    validate(m.opt_);
  } catch (const std::exception& e) {
    throw error(status::format_error, std::string("EngagementMonitor: corrupt options: ") + e.what());
  }
  m.open_day_ = r.i32();
  m.open_amount_ = r.f32();
  m.level_ = r.f32();
  m.scale_ = r.f32();
  for (auto& o : m.dow_) o = r.f32();
  m.cusum_ = r.f32();
  m.run_sum_ = r.f32();
  m.run_len_ = r.u16();
  m.days_seen_ = r.u16();
  m.alarm_age_ = r.u16();
  m.change_day_ = r.i32();
  for (auto& b : m.warm_) b = r.u8();
  bool ok = (flags & 0x80u) == 0 && m.low_run_ <= kStopDays + 1 && m.high_run_ <= kStopDays &&
            std::isfinite(m.open_amount_) && m.open_amount_ >= 0 && std::isfinite(m.level_) &&
            std::isfinite(m.scale_) && m.scale_ >= 0 && std::isfinite(m.cusum_) && m.cusum_ >= 0 &&
            std::isfinite(m.run_sum_);
  for (float o : m.dow_) ok = ok && std::isfinite(o);
  if (!ok) throw error(status::format_error, "EngagementMonitor: corrupt state values");
  // -0 reads as +0 (x + 0 is exact otherwise): equal monitors then have equal bytes, which the
  // engine's store relies on when it keeps a monitor equal to a new one as "no monitor".
  for (float* x : {&m.opt_.min_drop, &m.opt_.arl0_days, &m.open_amount_, &m.level_, &m.scale_, &m.cusum_, &m.run_sum_})
    *x += 0.0f;
  for (auto& o : m.dow_) o += 0.0f;
  r.finish();
  return m;
}

bool EngagementMonitor::operator==(const EngagementMonitor& o) const noexcept {
  return opt_.min_drop == o.opt_.min_drop && opt_.arl0_days == o.opt_.arl0_days &&
         opt_.warmup_days == o.opt_.warmup_days && opt_.level_half_life == o.opt_.level_half_life &&
         opt_.rebaseline_days == o.opt_.rebaseline_days && open_day_ == o.open_day_ &&
         open_amount_ == o.open_amount_ && level_ == o.level_ && scale_ == o.scale_ && dow_ == o.dow_ &&
         cusum_ == o.cusum_ && run_sum_ == o.run_sum_ && run_len_ == o.run_len_ && days_seen_ == o.days_seen_ &&
         alarm_age_ == o.alarm_age_ && change_day_ == o.change_day_ && has_day_ == o.has_day_ &&
         low_run_ == o.low_run_ && high_run_ == o.high_run_ && warm_ == o.warm_;
}

}  // namespace attune::behavior
