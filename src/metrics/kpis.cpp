// The attune KPIs from audit records (see attune/metrics/kpis.hpp and docs/kpis.md).
#include "attune/metrics/kpis.hpp"

#include "attune/error.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

namespace attune::metrics {
namespace {

constexpr double kMsPerDay = 86400000.0;

std::optional<std::string> get_string(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<double> get_number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> get_bool(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::optional<std::set<std::string>> get_labels(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return std::nullopt;
  std::set<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return std::nullopt;
    out.insert(v.get<std::string>());
  }
  return out;
}

/// mean ± z * sd / sqrt(n), optionally clipped to [lo, hi].
Estimate normal_mean(const std::vector<double>& v, double z, double lo = -INFINITY, double hi = INFINITY) {
  Estimate e;
  e.n = v.size();
  e.value = mean(v);
  if (v.size() >= 2) {
    const double half = z * sample_sd(v) / std::sqrt(static_cast<double>(v.size()));
    e.ci = {std::max(lo, e.value - half), std::min(hi, e.value + half)};
    e.method = "normal";
  }
  return e;
}

struct Decision {
  std::string customer, id, slot, variant, mode;
  std::int64_t time_ms = 0;
  double propensity = kNaN;
  double purchase_probability = kNaN;
  std::optional<bool> emotion_used, adapted, review;
};

// ---- EAR -------------------------------------------------------------------------------------

struct Correction {
  std::vector<std::pair<size_t, int>> marks;  // (label index, 0 tp / 1 fp / 2 fn)
};

struct LabelCounts {
  std::vector<std::uint64_t> tp, fp, fn;
  explicit LabelCounts(size_t n) : tp(n, 0), fp(n, 0), fn(n, 0) {}
  void add(const Correction& c) {
    for (const auto& [label, what] : c.marks) (what == 0 ? tp : what == 1 ? fp : fn)[label]++;
  }
};

struct MacroFigures {
  double precision = kNaN, recall = kNaN, f1 = kNaN, micro_f1 = kNaN;
};

MacroFigures macro(const LabelCounts& c) {
  std::vector<double> p, r, f;
  std::uint64_t tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < c.tp.size(); ++i) {
    tp += c.tp[i];
    fp += c.fp[i];
    fn += c.fn[i];
    const double t = static_cast<double>(c.tp[i]);
    if (c.tp[i] + c.fp[i] > 0) p.push_back(t / static_cast<double>(c.tp[i] + c.fp[i]));
    if (c.tp[i] + c.fn[i] > 0) r.push_back(t / static_cast<double>(c.tp[i] + c.fn[i]));
    if (c.tp[i] + c.fp[i] + c.fn[i] > 0) f.push_back(2 * t / static_cast<double>(2 * c.tp[i] + c.fp[i] + c.fn[i]));
  }
  MacroFigures m{mean(p), mean(r), mean(f), kNaN};
  if (tp + fp + fn > 0) m.micro_f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
  return m;
}

EmotionalAccuracy compute_ear(const std::vector<AuditRecord>& records, const KpiOptions& o, std::map<std::string, std::uint64_t>& skipped) {
  std::map<std::string, size_t> label_index;
  std::vector<std::pair<std::set<std::string>, std::set<std::string>>> raw;
  for (const auto& r : records) {
    if (r.kind != "correction") continue;
    auto detected = get_labels(r.fields, "detected");
    auto verified = get_labels(r.fields, "verified");
    if (!detected || !verified) {
      ++skipped["correction without detected/verified label lists"];
      continue;
    }
    for (const auto& l : *detected) label_index.emplace(l, 0);
    for (const auto& l : *verified) label_index.emplace(l, 0);
    raw.emplace_back(std::move(*detected), std::move(*verified));
  }
  std::vector<std::string> labels;
  for (auto& [name, idx] : label_index) {
    idx = labels.size();
    labels.push_back(name);
  }
  std::vector<Correction> corrections;
  for (const auto& [detected, verified] : raw) {
    Correction c;
    for (const auto& l : detected) c.marks.emplace_back(label_index[l], verified.count(l) ? 0 : 1);
    for (const auto& l : verified)
      if (!detected.count(l)) c.marks.emplace_back(label_index[l], 2);
    corrections.push_back(std::move(c));
  }

  EmotionalAccuracy ear;
  ear.corrections = corrections.size();
  LabelCounts counts(labels.size());
  for (const auto& c : corrections) counts.add(c);
  for (size_t i = 0; i < labels.size(); ++i) {
    LabelAccuracy la;
    la.label = labels[i];
    la.tp = counts.tp[i];
    la.fp = counts.fp[i];
    la.fn = counts.fn[i];
    la.precision = proportion(la.tp, la.tp + la.fp, o.level);
    la.recall = proportion(la.tp, la.tp + la.fn, o.level);
    // F1 = 2TP / (2TP + FP + FN): a Wilson interval of that ratio read as a proportion of
    // 2TP "hits" out of 2TP + FP + FN "chances" (documented as an approximation).
    la.f1 = proportion(2 * la.tp, 2 * la.tp + la.fp + la.fn, o.level);
    ear.per_label.push_back(std::move(la));
  }
  const MacroFigures point = macro(counts);
  ear.macro_precision.value = point.precision;
  ear.macro_recall.value = point.recall;
  ear.macro_f1.value = point.f1;
  ear.micro_f1.value = point.micro_f1;
  for (Estimate* e : {&ear.macro_precision, &ear.macro_recall, &ear.macro_f1, &ear.micro_f1}) e->n = corrections.size();
  if (o.bootstrap_samples > 0 && corrections.size() >= 2) {
    Resampler rs(o.seed);
    std::vector<double> bp, br, bf, bm;
    for (size_t b = 0; b < o.bootstrap_samples; ++b) {
      LabelCounts c(labels.size());
      for (size_t i : rs.bootstrap(corrections.size())) c.add(corrections[i]);
      const MacroFigures m = macro(c);
      bp.push_back(m.precision);
      br.push_back(m.recall);
      bf.push_back(m.f1);
      bm.push_back(m.micro_f1);
    }
    ear.macro_precision.ci = percentile_interval(bp, o.level);
    ear.macro_recall.ci = percentile_interval(br, o.level);
    ear.macro_f1.ci = percentile_interval(bf, o.level);
    ear.micro_f1.ci = percentile_interval(bm, o.level);
    for (Estimate* e : {&ear.macro_precision, &ear.macro_recall, &ear.macro_f1, &ear.micro_f1})
      e->method = "bootstrap-percentile";
  }
  return ear;
}

// ---- PES -------------------------------------------------------------------------------------

PredictiveEngagement compute_pes(const std::vector<double>& probs, const std::vector<int>& y, const KpiOptions& o) {
  PredictiveEngagement pes;
  pes.decisions = probs.size();
  for (int v : y) pes.positives += static_cast<std::uint64_t>(v);
  const double z = normal_quantile_two_sided(o.level);
  pes.auc.n = pes.ece.n = probs.size();
  pes.auc.value = roc_auc(probs, y);
  if (std::isfinite(pes.auc.value)) {
    const double se = auc_standard_error(pes.auc.value, pes.positives, pes.decisions - pes.positives);
    pes.auc.ci = {std::max(0.0, pes.auc.value - z * se), std::min(1.0, pes.auc.value + z * se)};
    pes.auc.method = "hanley-mcneil";
  }
  pes.ece.value = expected_calibration_error(probs, y, o.calibration_bins);
  if (!probs.empty()) {
    double brier = 0;
    for (size_t i = 0; i < probs.size(); ++i) brier += (probs[i] - y[i]) * (probs[i] - y[i]);
    pes.brier = brier / static_cast<double>(probs.size());
  }
  if (o.bootstrap_samples > 0 && probs.size() >= 2) {
    Resampler rs(o.seed ^ 0x9e5ULL);
    std::vector<double> samples;
    std::vector<double> bp(probs.size());
    std::vector<int> by(probs.size());
    for (size_t b = 0; b < o.bootstrap_samples; ++b) {
      const auto idx = rs.bootstrap(probs.size());
      for (size_t i = 0; i < idx.size(); ++i) {
        bp[i] = probs[idx[i]];
        by[i] = y[idx[i]];
      }
      samples.push_back(expected_calibration_error(bp, by, o.calibration_bins));
    }
    pes.ece.ci = percentile_interval(samples, o.level);
    pes.ece.method = "bootstrap-percentile";
  }
  return pes;
}

// ---- ECR -------------------------------------------------------------------------------------

struct Snips {
  double value = kNaN, variance = kNaN, ess = kNaN;
};

Snips snips(const std::vector<double>& w, const std::vector<double>& r) {
  Snips s;
  double sw = 0, sw2 = 0, swr = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    sw += w[i];
    sw2 += w[i] * w[i];
    swr += w[i] * r[i];
  }
  if (!(sw > 0)) return s;
  s.value = swr / sw;
  double v = 0;
  for (size_t i = 0; i < w.size(); ++i) v += w[i] * w[i] * (r[i] - s.value) * (r[i] - s.value);
  s.variance = v / (sw * sw);
  s.ess = sw * sw / sw2;
  return s;
}

Estimate rate_estimate(const Snips& s, std::uint64_t n, double z) {
  Estimate e;
  e.n = n;
  e.value = s.value;
  if (std::isfinite(s.value) && n >= 2) {
    const double half = z * std::sqrt(s.variance);
    e.ci = {std::max(0.0, s.value - half), std::min(1.0, s.value + half)};
    e.method = "delta";
  }
  return e;
}

}  // namespace

nlohmann::json to_json(const Estimate& e) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"value", num(e.value)}, {"ci", {num(e.ci.low), num(e.ci.high)}}, {"method", e.method}, {"n", e.n}};
}

KpiReport compute_kpis(const std::vector<AuditRecord>& records, const KpiOptions& o) {
  const double z = normal_quantile_two_sided(o.level);
  if (o.calibration_bins == 0) throw invalid_argument("calibration_bins must be >= 1", status::out_of_range);
  if (o.trust_min_span_ms < 0) throw invalid_argument("trust_min_span_ms must be >= 0", status::out_of_range);
  KpiReport rep;
  auto& skipped = rep.skipped;
  rep.records = records.size();
  if (!records.empty()) {
    rep.first_time_ms = records.front().time_ms;
    rep.last_time_ms = records.front().time_ms;
  }

  // Pass 1: customers, erasures (an erasure stands unless the customer shows up again later),
  // decisions and rewards.
  std::map<std::string, std::uint64_t> last_seen, last_erased;
  std::vector<Decision> decisions;
  std::unordered_map<std::string, double> best_reward;  // decision_id -> largest reward value
  for (const auto& r : records) {
    ++rep.records_per_kind[r.kind];
    rep.first_time_ms = std::min(rep.first_time_ms, r.time_ms);
    rep.last_time_ms = std::max(rep.last_time_ms, r.time_ms);
    const auto customer = get_string(r.fields, "customer");
    if (customer) (r.kind == "erasure" ? last_erased : last_seen)[*customer] = r.seq;
    if (r.kind == "decision") {
      Decision d;
      d.time_ms = r.time_ms;
      d.customer = customer.value_or("");
      d.id = get_string(r.fields, "decision_id").value_or("");
      d.slot = get_string(r.fields, "slot").value_or("");
      d.variant = get_string(r.fields, "variant").value_or("");
      d.mode = get_string(r.fields, "mode").value_or("unknown");
      d.propensity = get_number(r.fields, "propensity").value_or(kNaN);
      d.purchase_probability = get_number(r.fields, "purchase_probability").value_or(kNaN);
      d.emotion_used = get_bool(r.fields, "emotion_used");
      d.adapted = get_bool(r.fields, "adapted");
      d.review = get_bool(r.fields, "review");
      if (d.customer.empty() || d.id.empty() || d.variant.empty()) {
        ++skipped["decision without customer, decision_id or variant"];
        continue;
      }
      ++rep.decisions_per_mode[d.mode];
      // Guardrails: every listed rule fired in this decision.
      const auto g = r.fields.find("guardrails");
      if (g == r.fields.end() || !g->is_array()) {
        ++skipped["decision without a guardrails list"];
      } else {
        ++rep.guardrails.decisions;
        bool any = false;
        for (const auto& entry : *g) {
          const auto rule = entry.is_object() ? get_string(entry, "rule") : std::nullopt;
          if (!rule) {
            ++skipped["guardrail entry without a rule name"];
            continue;
          }
          any = true;
          ++rep.guardrails.per_rule[*rule];
          const auto m = entry.find("masked");
          rep.guardrails.masked_per_rule[*rule] += (m != entry.end() && m->is_array()) ? m->size() : 0;
        }
        if (any) ++rep.guardrails.with_intervention;
      }
      decisions.push_back(std::move(d));
    } else if (r.kind == "reward") {
      const auto id = get_string(r.fields, "decision_id");
      const auto value = get_number(r.fields, "value");
      if (!id || !value || *value < 0 || *value > 1) {
        ++skipped["reward without decision_id or value in [0,1]"];
        continue;
      }
      auto [it, fresh] = best_reward.emplace(*id, *value);
      if (!fresh) it->second = std::max(it->second, *value);
    }
  }
  std::set<std::string> erased;
  for (const auto& [c, seq] : last_erased) {
    const auto it = last_seen.find(c);
    if (it == last_seen.end() || it->second < seq) erased.insert(c);
  }
  std::set<std::string> customers;
  for (const auto& [c, seq] : last_seen) customers.insert(c);
  for (const auto& c : erased) customers.insert(c);
  rep.customers = customers.size();
  rep.erased_customers = erased.size();
  rep.guardrails.share = proportion(rep.guardrails.with_intervention, rep.guardrails.decisions, o.level);

  // Outcome of a decision: its largest reward; none (pending) unless missing_reward_as_zero.
  const auto outcome = [&](const Decision& d) -> std::optional<double> {
    const auto it = best_reward.find(d.id);
    if (it != best_reward.end()) return it->second;
    if (o.missing_reward_as_zero) return 0.0;
    return std::nullopt;
  };

  // EAR
  rep.ear = compute_ear(records, o, skipped);

  // PES: every decision with a prediction and an outcome, whatever the mode (the prediction does
  // not depend on what was shown).
  {
    std::vector<double> probs;
    std::vector<int> y;
    for (const auto& d : decisions) {
      if (std::isnan(d.purchase_probability)) continue;
      if (d.purchase_probability < 0 || d.purchase_probability > 1) {
        ++skipped["purchase_probability outside [0,1]"];
        continue;
      }
      const auto r = outcome(d);
      if (!r) {
        ++skipped["decision without a reward yet (PES)"];
        continue;
      }
      probs.push_back(d.purchase_probability);
      y.push_back(*r >= 0.5 ? 1 : 0);
    }
    rep.pes = compute_pes(probs, y, o);
  }

  // Review rate of adapted decisions.
  {
    std::uint64_t adapted = 0, flagged = 0;
    for (const auto& d : decisions) {
      if (!d.adapted || !*d.adapted) continue;
      ++adapted;
      if (d.review.value_or(false)) ++flagged;
    }
    rep.review_rate = proportion(flagged, adapted, o.level);
  }

  // ECR and the overall reward rate: live decisions only (in shadow and off modes the variant in
  // the record was not what the customer saw, so its propensity does not describe the exposure).
  {
    std::vector<double> we, re, wn, rn, all;
    for (const auto& d : decisions) {
      if (d.mode != "live") continue;
      const auto r = outcome(d);
      if (!r) {
        ++skipped["live decision without a reward yet (ECR)"];
        continue;
      }
      all.push_back(*r);
      if (!(d.propensity > 0 && d.propensity <= 1) || !d.emotion_used) {
        ++skipped["live decision without propensity in (0,1] or emotion_used (ECR)"];
        continue;
      }
      (*d.emotion_used ? we : wn).push_back(1.0 / d.propensity);
      (*d.emotion_used ? re : rn).push_back(*r);
    }
    rep.reward_rate = normal_mean(all, z, 0.0, 1.0);
    auto& e = rep.ecr;
    e.emotion_decisions = re.size();
    e.other_decisions = rn.size();
    const Snips se = snips(we, re), sn = snips(wn, rn);
    e.emotion_rate = rate_estimate(se, re.size(), z);
    e.other_rate = rate_estimate(sn, rn.size(), z);
    e.emotion_ess = se.ess;
    e.other_ess = sn.ess;
    e.ratio.n = re.size() + rn.size();
    if (std::isfinite(se.value) && std::isfinite(sn.value) && sn.value > 0) {
      e.ratio.value = se.value / sn.value;
      if (se.value > 0 && re.size() >= 2 && rn.size() >= 2) {
        const double v = se.variance / (se.value * se.value) + sn.variance / (sn.value * sn.value);
        const double lr = std::log(e.ratio.value), half = z * std::sqrt(v);
        e.ratio.ci = {std::exp(lr - half), std::exp(lr + half)};
        e.ratio.method = "delta-log";
      }
    }
    e.observed_emotion_rate = normal_mean(re, z, 0.0, 1.0);
    e.observed_other_rate = normal_mean(rn, z, 0.0, 1.0);
    if (std::isfinite(e.observed_emotion_rate.value) && e.observed_other_rate.value > 0)
      e.observed_ratio = e.observed_emotion_rate.value / e.observed_other_rate.value;
  }

  // PDI over live decisions of customers not erased.
  {
    std::map<std::string, std::set<std::string>> slot_variants;  // catalog as observed
    std::map<std::string, std::map<std::string, std::map<std::string, double>>> per_customer;  // c -> slot -> variant -> n
    for (const auto& d : decisions) {
      if (d.mode != "live" || erased.count(d.customer)) continue;
      slot_variants[d.slot].insert(d.variant);
      per_customer[d.customer][d.slot][d.variant] += 1;
    }
    std::vector<double> vdepth, sdepth;
    for (const auto& [c, slots] : per_customer) {
      double n_c = 0, weighted = 0;
      std::vector<double> slot_counts;
      for (const auto& [slot, variants] : slots) {
        std::vector<double> counts;
        double n_cs = 0;
        for (const auto& [v, n] : variants) {
          counts.push_back(n);
          n_cs += n;
        }
        const size_t k = std::min(static_cast<size_t>(n_cs), slot_variants[slot].size());
        weighted += n_cs * normalized_entropy(counts, k);
        n_c += n_cs;
        slot_counts.push_back(n_cs);
      }
      if (n_c < 2) continue;
      vdepth.push_back(weighted / n_c);
      sdepth.push_back(normalized_entropy(slot_counts, std::min(static_cast<size_t>(n_c), slot_variants.size())));
    }
    rep.pdi.customers = vdepth.size();
    rep.pdi.variant_depth = normal_mean(vdepth, z, 0.0, 1.0);
    rep.pdi.slot_depth = normal_mean(sdepth, z, 0.0, 1.0);
  }

  // TV: per customer (not erased) trust points, slope per day.
  {
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> points;  // c -> (days, trust)
    for (const auto& r : records) {
      if (r.kind != "observation" && r.kind != "reward") continue;
      const auto c = get_string(r.fields, "customer");
      if (!c || erased.count(*c)) continue;
      double trust;
      if (r.kind == "observation") {
        const auto st = r.fields.find("states");
        if (st == r.fields.end() || !st->is_object()) continue;  // states are optional
        const auto sat = get_number(*st, "satisfaction"), fru = get_number(*st, "frustration");
        if (!sat || !fru) {
          ++skipped["observation states without satisfaction and frustration (TV)"];
          continue;
        }
        trust = std::clamp(*sat, 0.0, 1.0) - std::clamp(*fru, 0.0, 1.0);
      } else {
        const auto v = get_number(r.fields, "value");
        if (!v || *v < 0 || *v > 1) continue;  // counted above
        trust = 2 * *v - 1;
      }
      auto& p = points[*c];
      p.first.push_back(static_cast<double>(r.time_ms) / kMsPerDay);
      p.second.push_back(trust);
    }
    std::vector<double> slopes;
    for (auto& [c, p] : points) {
      const auto [lo, hi] = std::minmax_element(p.first.begin(), p.first.end());
      if (p.first.size() >= 2 && (*hi - *lo) * kMsPerDay < static_cast<double>(o.trust_min_span_ms)) {
        ++rep.tv.short_span_customers;
        continue;
      }
      const double t0 = *lo;
      for (auto& t : p.first) t -= t0;  // relative days keep the sums well conditioned
      const double s = ols_slope(p.first, p.second);
      if (!std::isfinite(s)) continue;
      slopes.push_back(s);
      rep.tv.points += p.first.size();
    }
    rep.tv.customers = slopes.size();
    rep.tv.mean_slope = normal_mean(slopes, z);
    rep.tv.median_slope.value = median(slopes);
    rep.tv.median_slope.n = slopes.size();
    if (!slopes.empty()) {
      rep.tv.share_rising = static_cast<double>(std::count_if(slopes.begin(), slopes.end(), [](double s) { return s > 0; })) /
                            static_cast<double>(slopes.size());
    }
    if (o.bootstrap_samples > 0 && slopes.size() >= 2) {
      Resampler rs(o.seed ^ 0x7e1ULL);
      std::vector<double> med, tmp(slopes.size());
      for (size_t b = 0; b < o.bootstrap_samples; ++b) {
        const auto idx = rs.bootstrap(slopes.size());
        for (size_t i = 0; i < idx.size(); ++i) tmp[i] = slopes[idx[i]];
        med.push_back(median(tmp));
      }
      rep.tv.median_slope.ci = percentile_interval(med, o.level);
      rep.tv.median_slope.method = "bootstrap-percentile";
    }
  }

  // Consent coverage at the last record of the window: replay grants and revocations in log
  // order; an erasure clears the customer's consents.
  {
    struct State {
      bool granted = false;
      std::optional<double> expires_ms;
    };
    std::map<std::string, std::map<std::string, State>> consent;  // c -> purpose -> state
    std::set<std::string> purposes = {"emotion_inference", "personalization", "profiling"};
    for (const auto& r : records) {
      const auto c = get_string(r.fields, "customer");
      if (!c) continue;
      if (r.kind == "erasure") {
        consent.erase(*c);
      } else if (r.kind == "consent") {
        const auto purpose = get_string(r.fields, "purpose");
        const auto granted = get_bool(r.fields, "granted");
        if (!purpose || !granted) {
          ++skipped["consent without purpose or granted"];
          continue;
        }
        purposes.insert(*purpose);
        State s;
        s.granted = *granted;
        if (const auto e = get_number(r.fields, "expires_ms")) s.expires_ms = *e;
        consent[*c][*purpose] = s;
      }
    }
    auto& cc = rep.consent;
    cc.at_ms = rep.last_time_ms;
    for (const auto& c : customers)
      if (!erased.count(c)) ++cc.customers;
    for (const auto& p : purposes) {
      std::uint64_t active = 0;
      for (const auto& [c, per] : consent) {
        if (erased.count(c)) continue;
        const auto it = per.find(p);
        if (it == per.end() || !it->second.granted) continue;
        if (it->second.expires_ms && *it->second.expires_ms <= static_cast<double>(cc.at_ms)) continue;
        ++active;
      }
      cc.active[p] = active;
      cc.share[p] = cc.customers ? static_cast<double>(active) / static_cast<double>(cc.customers) : kNaN;
    }
  }
  return rep;
}

nlohmann::json to_json(const KpiReport& r) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& l : r.ear.per_label) {
    labels.push_back({{"label", l.label},
                      {"tp", l.tp},
                      {"fp", l.fp},
                      {"fn", l.fn},
                      {"precision", to_json(l.precision)},
                      {"recall", to_json(l.recall)},
                      {"f1", to_json(l.f1)}});
  }
  nlohmann::json share = nlohmann::json::object();
  for (const auto& [p, s] : r.consent.share) share[p] = num(s);
  return {
      {"records", r.records},
      {"records_per_kind", r.records_per_kind},
      {"first_time_ms", r.first_time_ms},
      {"last_time_ms", r.last_time_ms},
      {"customers", r.customers},
      {"erased_customers", r.erased_customers},
      {"ear",
       {{"corrections", r.ear.corrections},
        {"macro_precision", to_json(r.ear.macro_precision)},
        {"macro_recall", to_json(r.ear.macro_recall)},
        {"macro_f1", to_json(r.ear.macro_f1)},
        {"micro_f1", to_json(r.ear.micro_f1)},
        {"per_label", labels}}},
      {"pes",
       {{"decisions", r.pes.decisions},
        {"positives", r.pes.positives},
        {"auc", to_json(r.pes.auc)},
        {"ece", to_json(r.pes.ece)},
        {"brier", num(r.pes.brier)}}},
      {"tv",
       {{"customers", r.tv.customers},
        {"points", r.tv.points},
        {"short_span_customers", r.tv.short_span_customers},
        {"unit", "trust per day"},
        {"mean_slope", to_json(r.tv.mean_slope)},
        {"median_slope", to_json(r.tv.median_slope)},
        {"share_rising", num(r.tv.share_rising)}}},
      {"pdi",
       {{"customers", r.pdi.customers},
        {"variant_depth", to_json(r.pdi.variant_depth)},
        {"slot_depth", to_json(r.pdi.slot_depth)}}},
      {"ecr",
       {{"estimator", "snips"},
        {"emotion_decisions", r.ecr.emotion_decisions},
        {"other_decisions", r.ecr.other_decisions},
        {"emotion_rate", to_json(r.ecr.emotion_rate)},
        {"other_rate", to_json(r.ecr.other_rate)},
        {"ratio", to_json(r.ecr.ratio)},
        {"emotion_ess", num(r.ecr.emotion_ess)},
        {"other_ess", num(r.ecr.other_ess)},
        {"observed_emotion_rate", to_json(r.ecr.observed_emotion_rate)},
        {"observed_other_rate", to_json(r.ecr.observed_other_rate)},
        {"observed_ratio", num(r.ecr.observed_ratio)}}},
      {"guardrails",
       {{"decisions", r.guardrails.decisions},
        {"with_intervention", r.guardrails.with_intervention},
        {"share", to_json(r.guardrails.share)},
        {"per_rule", r.guardrails.per_rule},
        {"masked_per_rule", r.guardrails.masked_per_rule}}},
      {"consent",
       {{"at_ms", r.consent.at_ms}, {"customers", r.consent.customers}, {"active", r.consent.active}, {"share", share}}},
      {"review_rate", to_json(r.review_rate)},
      {"decisions_per_mode", r.decisions_per_mode},
      {"reward_rate", to_json(r.reward_rate)},
      {"skipped", r.skipped},
  };
}

}  // namespace attune::metrics
