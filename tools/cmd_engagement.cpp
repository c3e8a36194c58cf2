// `attune engagement bench`: the synthetic detachment benchmark of docs/behavior-dynamics.md.
//
// Generator (documented there; every parameter is an option so the regime is visible):
//   daily count x_d ~ Poisson(lambda_d * G_d), G_d ~ Gamma(kappa, 1/kappa)  (negative binomial:
//   var = m + m^2/kappa), lambda_d = base * weekday_factor[d mod 7] * exp(drift_d) * outlier_d
//   * (1 - drop if d >= change day). base log-uniform in [base_lo, base_hi]; kappa log-uniform in
//   [kappa_lo, kappa_hi]; weekend factor U[0.6, 1.0], other weekdays U[0.95, 1.05]; drift a random
//   walk with sd 0.003 per day on the log scale; outliers: 2% of days x U[0, 0.5] (outage,
//   holiday), 1% of days x U[1.5, 3] (campaign spike).
// Stable accounts run warm-up + 365 days; every alarm raised after warm-up is a false alarm.
// Drop accounts change at day 60 + U{0..59} and keep the lower rate for 60 days; an alarm on days
// [change, change + 6] is a detection within 7 days (delay 1 = alarm on the first lower day).
// Results are also broken down by the account's nominal noise (cv = sqrt(1/base + 1/kappa)), and
// --oracle runs the same CUSUM rules with the true outlier-free mean and noise beside the monitor
// (the ceiling for a detector that has to learn the baseline).
#include "command.hpp"
#include "args.hpp"

#include "attune/behavior/engagement_monitor.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

namespace attune::cli {
namespace {

struct Regime {
  double base_lo, base_hi, kappa_lo, kappa_hi;
};

struct Ablation {
  bool outliers = true, drift = true, seasonality = true;
};
Ablation g_ablation;

struct Account {
  double base, kappa, drift = 0;
  std::array<double, 7> weekday{};
};

double log_uniform(std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
  return std::exp(u(rng));
}

Account make_account(std::mt19937_64& rng, const Regime& g) {
  Account a;
  a.base = log_uniform(rng, g.base_lo, g.base_hi);
  a.kappa = log_uniform(rng, g.kappa_lo, g.kappa_hi);
  std::uniform_real_distribution<double> wk(0.95, 1.05), we(0.6, 1.0);
  for (int d = 0; d < 7; ++d) a.weekday[static_cast<size_t>(d)] = wk(rng);
  const double weekend = we(rng);
  a.weekday[5] = weekend * wk(rng);
  a.weekday[6] = weekend * wk(rng);
  if (!g_ablation.seasonality) a.weekday.fill(1.0);
  return a;
}

// `clean_mean` (optional) receives the day's expected count without outliers and drop: what an
// oracle that knew the account's baseline exactly would expect.
double draw_day(std::mt19937_64& rng, Account& a, int day, double multiplier, double* clean_mean = nullptr) {
  std::normal_distribution<double> step(0.0, 0.003);
  const double s = step(rng);
  if (g_ablation.drift) a.drift += s;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double outlier = 1.0;
  const double p = g_ablation.outliers ? u(rng) : 1.0;
  if (p < 0.02) outlier = u(rng) * 0.5;
  else if (p < 0.03) outlier = 1.5 + 1.5 * u(rng);
  const double clean = a.base * a.weekday[static_cast<size_t>(day % 7)] * std::exp(a.drift);
  if (clean_mean) *clean_mean = clean;
  const double mean = clean * outlier * multiplier;
  std::gamma_distribution<double> gamma(a.kappa, 1.0 / a.kappa);
  const double lam = mean * gamma(rng);
  if (lam <= 0) return 0;
  std::poisson_distribution<long long> pois(lam);
  return static_cast<double>(pois(rng));
}

// Nominal day-to-day coefficient of variation of an account's counts (negative binomial:
// sqrt(1/m + 1/kappa) at the base rate): the quantity that decides how detectable a 20% drop is.
double account_cv(const Account& a) { return std::sqrt(1.0 / a.base + 1.0 / a.kappa); }

constexpr double kCvEdges[] = {0.10, 0.15, 0.20, 0.30};
constexpr const char* kCvNames[] = {"cv<0.10", "0.10-0.15", "0.15-0.20", "0.20-0.30", ">=0.30"};
constexpr size_t kCvBins = 5;
size_t cv_bin(double cv) {
  size_t b = 0;
  while (b < 4 && cv >= kCvEdges[b]) ++b;
  return b;
}

// The ceiling for this kind of test: the same CUSUM rules (k, h from Siegmund at the same ARL0,
// the same robust day evidence), but with the account's true outlier-free daily mean and true noise
// (log-scale variance m/(1+m)^2 + 1/kappa) instead of estimates. No detector that has to learn
// the baseline from the account's own history can do better than this with the same rules.
struct OracleCusum {
  double min_drop, arl0, s = 0;
  uint8_t low_run = 0, high_run = 0;
  bool alarm = false;
  bool step(double x, double clean_mean, double kappa) {
    const double m = clean_mean;
    const double sd = std::sqrt(m / ((1 + m) * (1 + m)) + 1.0 / kappa);
    const double delta = (std::log1p(m) - std::log1p((1 - min_drop) * m)) / sd;
    const double k = 0.5 * delta;
    const double h = behavior::EngagementMonitor::threshold_for(arl0, k);
    s = std::max(0.0, s + behavior::EngagementMonitor::day_evidence(std::log1p(x) - std::log1p(m), sd, k, h,
                                                                   low_run, high_run));
    const bool raised = !alarm && s > h;
    alarm = s > h || (alarm && s > 0);
    return raised;
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

nlohmann::json run_regime(const std::string& name, const Regime& g, long long accounts, uint64_t seed, double drop,
                          const behavior::EngagementMonitor::Options& opt, bool oracle) {
  std::mt19937_64 rng(seed);
  const int warm = opt.warmup_days;
  // Per noise level (account_cv bins): stable days, false alarms, drop accounts, detections.
  std::array<long long, kCvBins> bin_days{}, bin_fa{}, bin_drops{}, bin_det7{};
  // Stable accounts.
  long long stable_days = 0, false_alarms = 0, early_false_alarms = 0, accounts_with_fa = 0;
  long long oracle_fa = 0;
  for (long long i = 0; i < accounts; ++i) {
    Account a = make_account(rng, g);
    const size_t bin = cv_bin(account_cv(a));
    behavior::EngagementMonitor m(opt);
    OracleCusum o{opt.min_drop, opt.arl0_days};
    bool was = false, any = false;
    for (int d = 0; d < warm + 365; ++d) {
      double clean = 0;
      const double x = draw_day(rng, a, d, 1.0, &clean);
      m.observe_day(d, x);
      if (oracle && d >= warm) oracle_fa += o.step(x, clean, a.kappa);
      const auto s = m.status();
      if (d >= warm) {
        ++stable_days;
        ++bin_days[bin];
      }
      if (s.detached && !was) {
        ++false_alarms;
        ++bin_fa[bin];
        if (d < warm + 56) ++early_false_alarms;
        any = true;
      }
      was = s.detached;
    }
    accounts_with_fa += any;
  }
  // Drop accounts.
  std::uniform_int_distribution<int> change_at(60, 119);
  long long detected7 = 0, detected30 = 0, pre_change_fa = 0, oracle_det7 = 0;
  long long pre_days = 0;
  std::vector<double> delays;
  for (long long i = 0; i < accounts; ++i) {
    Account a = make_account(rng, g);
    const size_t bin = cv_bin(account_cv(a));
    ++bin_drops[bin];
    behavior::EngagementMonitor m(opt);
    OracleCusum o{opt.min_drop, opt.arl0_days};
    const int c = change_at(rng);
    bool was = false;
    int first_alarm = -1, oracle_alarm = -1;
    for (int d = 0; d < c + 60; ++d) {
      double clean = 0;
      const double x = draw_day(rng, a, d, d >= c ? 1.0 - drop : 1.0, &clean);
      m.observe_day(d, x);
      if (oracle && d >= warm && o.step(x, clean, a.kappa) && d >= c && oracle_alarm < 0) oracle_alarm = d;
      const auto s = m.status();
      if (d >= warm && d < c) ++pre_days;
      if (s.detached && !was) {
        if (d < c) ++pre_change_fa;
        else if (first_alarm < 0) first_alarm = d;
      }
      was = s.detached;
    }
    if (oracle_alarm >= 0 && oracle_alarm - c + 1 <= 7) ++oracle_det7;
    if (first_alarm >= 0) {
      const int delay = first_alarm - c + 1;
      if (delay <= 7) {
        ++detected7;
        ++bin_det7[bin];
      }
      if (delay <= 30) {
        ++detected30;
        delays.push_back(delay);
      }
    }
  }
  const double n = static_cast<double>(accounts);
  nlohmann::json by_noise = nlohmann::json::array();
  for (size_t b = 0; b < kCvBins; ++b) {
    if (bin_days[b] == 0 && bin_drops[b] == 0) continue;
    by_noise.push_back(
        {{"cv", kCvNames[b]},
         {"stable_days", bin_days[b]},
         {"false_alarms_per_1000_days",
          bin_days[b] ? 1000.0 * static_cast<double>(bin_fa[b]) / static_cast<double>(bin_days[b]) : 0.0},
         {"drop_accounts", bin_drops[b]},
         {"detected_within_7_days",
          bin_drops[b] ? static_cast<double>(bin_det7[b]) / static_cast<double>(bin_drops[b]) : 0.0}});
  }
  nlohmann::json j = {
      {"regime", name},
      {"base_range", {g.base_lo, g.base_hi}},
      {"kappa_range", {g.kappa_lo, g.kappa_hi}},
      {"stable_accounts", accounts},
      {"stable_days", stable_days},
      {"false_alarms", false_alarms},
      {"false_alarms_per_1000_days", 1000.0 * static_cast<double>(false_alarms) / static_cast<double>(stable_days)},
      {"false_alarms_in_first_8_weeks_share",
       false_alarms ? static_cast<double>(early_false_alarms) / static_cast<double>(false_alarms) : 0.0},
      {"share_stable_accounts_with_false_alarm_per_year", static_cast<double>(accounts_with_fa) / n},
      {"drop", drop},
      {"drop_accounts", accounts},
      {"detected_within_7_days", static_cast<double>(detected7) / n},
      {"detected_within_30_days", static_cast<double>(detected30) / n},
      {"median_delay_days", median(delays)},
      {"pre_change_false_alarms_per_1000_days",
       1000.0 * static_cast<double>(pre_change_fa) / std::max(1.0, static_cast<double>(pre_days))},
      {"by_noise_level", by_noise}};
  if (oracle)
    j["oracle_known_baseline"] = {
        {"false_alarms_per_1000_days", 1000.0 * static_cast<double>(oracle_fa) / static_cast<double>(stable_days)},
        {"detected_within_7_days", static_cast<double>(oracle_det7) / n}};
  return j;
}

int engagement_bench(const std::vector<std::string>& argv) {
  Args args(argv, {"accounts", "seed", "drop", "regime", "min-drop", "arl0", "warmup", "half-life", "rebaseline"}, {"help", "no-outliers", "no-drift", "no-seasonality", "oracle"});
  g_ablation.outliers = !args.has("no-outliers");
  g_ablation.drift = !args.has("no-drift");
  g_ablation.seasonality = !args.has("no-seasonality");
  if (args.has("help")) {
    std::printf(
        "attune engagement bench [--accounts N] [--seed S] [--drop 0.2] [--regime active|standard|quiet|hard|all]\n"
        "                        [--min-drop 0.2] [--arl0 2500] [--warmup 28] [--half-life 42] [--rebaseline 28]\n"
        "                        [--no-outliers] [--no-drift] [--no-seasonality] [--oracle]\n"
        "Synthetic detachment benchmark of EngagementMonitor (docs/behavior-dynamics.md); prints JSON lines.\n");
    return 0;
  }
  const long long accounts = args.integer_or("accounts", 2000);
  const auto seed = static_cast<uint64_t>(args.integer_or("seed", 2));
  const double drop = args.number_or("drop", 0.2);
  const std::string regime = args.get_or("regime", "all");
  if (accounts < 1 || accounts > 10000000) throw invalid_argument("--accounts must be in [1, 1e7]");
  if (!(drop > 0 && drop < 1)) throw invalid_argument("--drop must be in (0, 1)");
  behavior::EngagementMonitor::Options opt;
  opt.min_drop = static_cast<float>(args.number_or("min-drop", opt.min_drop));
  opt.arl0_days = static_cast<float>(args.number_or("arl0", opt.arl0_days));
  opt.warmup_days = static_cast<uint16_t>(std::clamp<long long>(args.integer_or("warmup", opt.warmup_days), 0, 65535));
  opt.level_half_life = static_cast<uint16_t>(std::clamp<long long>(args.integer_or("half-life", opt.level_half_life), 0, 65535));
  opt.rebaseline_days = static_cast<uint16_t>(std::clamp<long long>(args.integer_or("rebaseline", opt.rebaseline_days), 0, 65535));
  behavior::EngagementMonitor validate(opt);
  (void)validate;

  struct Named {
    const char* name;
    Regime g;
  };
  const Named regimes[] = {
      {"active", {100, 1000, 100, 500}},  // heavy users / aggregated engagement (e.g. active seconds)
      {"standard", {30, 300, 30, 200}},  // regular accounts: tens to hundreds of events a day
      {"quiet", {8, 30, 15, 100}},       // light users
      {"hard", {3, 10, 5, 30}},          // a few events a day, very bursty
  };
  bool any = false;
  for (size_t i = 0; i < std::size(regimes); ++i) {
    if (regime != "all" && regime != regimes[i].name) continue;
    any = true;
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    auto j = run_regime(regimes[i].name, regimes[i].g, accounts, seed + 1000 * i, drop, opt, args.has("oracle"));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    j["options"] = {{"min_drop", opt.min_drop}, {"arl0_days", opt.arl0_days}, {"warmup_days", opt.warmup_days},
                    {"level_half_life", opt.level_half_life}, {"rebaseline_days", opt.rebaseline_days}};
    j["seed"] = seed;
    j["generator"] = {{"outliers", g_ablation.outliers}, {"drift", g_ablation.drift},
                      {"seasonality", g_ablation.seasonality}};
    j["seconds"] = secs;
    j["cpu_seconds"] = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("%s\n", j.dump().c_str());
  }
  if (!any) throw invalid_argument("--regime must be active, standard, quiet, hard or all");
  return 0;
}

}  // namespace

ATTUNE_COMMAND("engagement bench", "synthetic detachment benchmark of EngagementMonitor (JSON)", engagement_bench);

}  // namespace attune::cli
