// The self-contained HTML report (see attune/metrics/report.hpp). Charts are inline SVG drawn
// here: no script, no external resource, so the file opens the same offline, in a mail client's
// preview or in an archive years later.
#include "attune/metrics/report.hpp"

#include "attune/states.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace attune::metrics {
namespace {

// ---- formatting --------------------------------------------------------------------------------

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, int digits = 3) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pct(double v, int digits = 1) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%%", digits, 100 * v);
  return buf;
}

// A label cut to at most `max_bytes` bytes on a UTF-8 boundary, with an ellipsis when cut (the
// full text stays in the element's <title> tooltip).
std::string shorten(const std::string& s, size_t max_bytes = 24) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "\u2026";
}

// Coordinates in SVG attributes: one decimal is plenty at these sizes.
std::string c(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string ci_text(const Estimate& e, bool percent) {
  if (!std::isfinite(e.ci.low) || !std::isfinite(e.ci.high)) return "";
  return percent ? "[" + pct(e.ci.low) + ", " + pct(e.ci.high) + "]" : "[" + num(e.ci.low) + ", " + num(e.ci.high) + "]";
}

// Colour-blind-safe palette (Okabe-Ito), in the order series and variants are drawn.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};
const char* colour(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

std::string no_data(const std::string& what) { return "<p class=\"nodata\">No " + esc(what) + " in this log.</p>"; }

// ---- charts ------------------------------------------------------------------------------------

/// Horizontal bars with labels on the left and the formatted value on the right.
std::string hbar_chart(const std::string& title, const std::vector<std::pair<std::string, double>>& rows, double max_value,
                       bool percent, const char* fill = "#0072B2") {
  if (rows.empty()) return no_data(title);
  const double label_w = 175, bar_w = 215, row_h = 24, width = label_w + bar_w + 60;
  const double height = static_cast<double>(rows.size()) * row_h + 10;
  if (!(max_value > 0)) max_value = 1;
  std::ostringstream s;
  s << "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " << c(width) << ' ' << c(height) << "\" width=\"" << c(width)
    << "\" height=\"" << c(height) << "\"><title>" << esc(title) << "</title>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = 5 + static_cast<double>(i) * row_h;
    const double w = std::max(0.0, rows[i].second) / max_value * bar_w;
    s << "<text x=\"" << c(label_w - 8) << "\" y=\"" << c(y + 16) << "\" text-anchor=\"end\" class=\"lbl\">"
      << esc(shorten(rows[i].first)) << "<title>" << esc(rows[i].first) << "</title></text>";
    s << "<rect x=\"" << c(label_w) << "\" y=\"" << c(y + 3) << "\" width=\"" << c(bar_w) << "\" height=\"" << c(row_h - 6)
      << "\" fill=\"#eef1f5\"/>";
    s << "<rect x=\"" << c(label_w) << "\" y=\"" << c(y + 3) << "\" width=\"" << c(std::max(1.0, w)) << "\" height=\""
      << c(row_h - 6) << "\" fill=\"" << fill << "\"><title>" << esc(rows[i].first) << ": "
      << (percent ? pct(rows[i].second) : num(rows[i].second)) << "</title></rect>";
    s << "<text x=\"" << c(label_w + bar_w + 6) << "\" y=\"" << c(y + 16) << "\" class=\"val\">"
      << (percent ? pct(rows[i].second) : num(rows[i].second, rows[i].second == std::floor(rows[i].second) ? 0 : 3))
      << "</text>";
  }
  s << "</svg>";
  return s.str();
}

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y); NaN y breaks the line
};

/// A line chart over x in [x0, x1] and y in [y0, y1], with optional x tick labels.
std::string line_chart(const std::string& title, const std::vector<Series>& series, double x0, double x1, double y0, double y1,
                       const std::vector<std::pair<double, std::string>>& x_ticks, bool percent, double width = 300,
                       double height = 150, int y_digits = 2) {
  const double left = 44, right = 10, top = 10, bottom = 26;
  const double pw = width - left - right, ph = height - top - bottom;
  if (!(x1 > x0)) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (!(y1 > y0)) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  const auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::ostringstream s;
  s << "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " << c(width) << ' ' << c(height) << "\" width=\"" << c(width)
    << "\" height=\"" << c(height) << "\"><title>" << esc(title) << "</title>";
  s << "<rect x=\"" << c(left) << "\" y=\"" << c(top) << "\" width=\"" << c(pw) << "\" height=\"" << c(ph)
    << "\" fill=\"#fafbfc\" stroke=\"#d8dde3\"/>";
  for (int k = 0; k <= 2; ++k) {  // three y gridlines with labels
    const double yv = y0 + (y1 - y0) * k / 2.0;
    s << "<line x1=\"" << c(left) << "\" x2=\"" << c(left + pw) << "\" y1=\"" << c(py(yv)) << "\" y2=\"" << c(py(yv))
      << "\" stroke=\"#e3e7ec\"/>";
    s << "<text x=\"" << c(left - 4) << "\" y=\"" << c(py(yv) + 4) << "\" text-anchor=\"end\" class=\"tick\">"
      << (percent ? pct(yv, 0) : num(yv, y_digits)) << "</text>";
  }
  for (const auto& [xv, label] : x_ticks)
    s << "<text x=\"" << c(px(xv)) << "\" y=\"" << c(height - 8) << "\" text-anchor=\"middle\" class=\"tick\">" << esc(label)
      << "</text>";
  for (size_t i = 0; i < series.size(); ++i) {
    std::string d;
    bool pen = false;
    for (const auto& [x, y] : series[i].points) {
      if (!std::isfinite(y)) {
        pen = false;
        continue;
      }
      d += (pen ? "L" : "M") + c(px(x)) + "," + c(py(std::clamp(y, y0, y1)));
      pen = true;
    }
    if (!d.empty())
      s << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << colour(i) << "\" stroke-width=\"2\"><title>" << esc(series[i].name)
        << "</title></path>";
    if (series[i].points.size() <= 60) {
      for (const auto& [x, y] : series[i].points) {
        if (!std::isfinite(y)) continue;
        s << "<circle cx=\"" << c(px(x)) << "\" cy=\"" << c(py(std::clamp(y, y0, y1))) << "\" r=\"3\" fill=\"" << colour(i)
          << "\"><title>" << esc(series[i].name) << ": " << (percent ? pct(y) : num(y)) << "</title></circle>";
      }
    }
  }
  s << "</svg>";
  return s.str();
}

std::string legend(const std::vector<std::string>& names) {
  std::ostringstream s;
  s << "<div class=\"legend\">";
  for (size_t i = 0; i < names.size(); ++i)
    s << "<span><i style=\"background:" << colour(i) << "\"></i>" << esc(names[i]) << "</span>";
  s << "</div>";
  return s.str();
}

/// Horizontal 100% stacked bars: one row per group, segments per category (share of the row).
std::string stacked_chart(const std::string& title, const std::vector<std::string>& rows, const std::vector<std::string>& cats,
                          const std::map<std::string, std::map<std::string, double>>& counts) {
  if (rows.empty()) return no_data(title);
  const double label_w = 130, bar_w = 420, row_h = 26, width = label_w + bar_w + 60;
  const double height = static_cast<double>(rows.size()) * row_h + 10;
  std::ostringstream s;
  s << "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " << c(width) << ' ' << c(height) << "\" width=\"" << c(width)
    << "\" height=\"" << c(height) << "\"><title>" << esc(title) << "</title>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = counts.at(rows[i]);
    double total = 0;
    for (const auto& [k, v] : row) total += v;
    const double y = 5 + static_cast<double>(i) * row_h;
    s << "<text x=\"" << c(label_w - 8) << "\" y=\"" << c(y + 17) << "\" text-anchor=\"end\" class=\"lbl\">" << esc(rows[i])
      << "</text>";
    double x = label_w;
    for (size_t k = 0; k < cats.size(); ++k) {
      const auto it = row.find(cats[k]);
      if (it == row.end() || total <= 0) continue;
      const double w = it->second / total * bar_w;
      s << "<rect x=\"" << c(x) << "\" y=\"" << c(y + 3) << "\" width=\"" << c(w) << "\" height=\"" << c(row_h - 6)
        << "\" fill=\"" << colour(k) << "\"><title>" << esc(rows[i]) << " / " << esc(cats[k]) << ": " << num(it->second, 0)
        << " (" << pct(it->second / total) << ")</title></rect>";
      x += w;
    }
    s << "<text x=\"" << c(label_w + bar_w + 6) << "\" y=\"" << c(y + 17) << "\" class=\"val\">n=" << num(total, 0) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// ---- data for the charts -----------------------------------------------------------------------

std::optional<std::string> dominant_state(const nlohmann::json& fields) {
  const auto st = fields.find("states");
  if (st == fields.end() || !st->is_object()) return std::nullopt;
  std::optional<std::string> best;
  double best_v = -1;
  for (const auto& name : kStateNames) {
    const auto it = st->find(std::string(name));
    if (it == st->end() || !it->is_number()) continue;
    const double v = it->get<double>();
    if (v > best_v) {
      best_v = v;
      best = std::string(name);
    }
  }
  return best;
}

struct KpiRow {
  std::string name, value, ci, n, method, meaning;
};

std::vector<KpiRow> kpi_rows(const KpiReport& k) {
  std::vector<KpiRow> rows;
  const auto add = [&](const std::string& name, const Estimate& e, bool percent, const std::string& meaning) {
    rows.push_back({name, percent ? pct(e.value) : num(e.value), ci_text(e, percent), std::to_string(e.n), e.method, meaning});
  };
  add("EAR macro F1", k.ear.macro_f1, false, "agreement of detected emotions with human-verified labels (1 = perfect)");
  add("EAR micro F1", k.ear.micro_f1, false, "the same, pooled over all labels");
  add("PES ROC-AUC", k.pes.auc, false, "ranking of purchase predictions against conversions (0.5 = chance)");
  add("PES calibration error", k.pes.ece, false, "mean gap between predicted and observed conversion (0 = calibrated)");
  add("Trust Velocity (mean)", k.tv.mean_slope, false, "change per day of customers' trust signal (range -1..1)");
  add("Trust Velocity (median)", k.tv.median_slope, false, "typical customer's change per day");
  add("Personalization Depth", k.pdi.variant_depth, false, "variation of variants shown per customer (0 none, 1 maximal)");
  add("Empathy-to-Conversion", k.ecr.ratio, false, "reward rate with emotion use / without (SNIPS; 1 = no difference)");
  add("Reward rate (live)", k.reward_rate, true, "mean reward of rewarded live decisions");
  add("Guardrail interventions", k.guardrails.share, true, "decisions where at least one guardrail rule fired");
  add("Review rate", k.review_rate, true, "adapted decisions flagged for human review");
  for (const auto& [purpose, share] : k.consent.share) {
    rows.push_back({"Consent: " + purpose, pct(share), "", std::to_string(k.consent.customers), "count",
                    "customers with active consent at the end of the window"});
  }
  return rows;
}

const char* kCss = R"CSS(
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2933;background:#f4f6f8;margin:0}
main{max-width:1080px;margin:0 auto;padding:28px 24px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 6px;border-bottom:1px solid #d8dde3;padding-bottom:6px}
.sub{color:#52606d;margin:0 0 16px}.note{color:#52606d;font-size:13px;margin:4px 0 12px}
.badge{display:inline-block;padding:6px 12px;border-radius:6px;font-size:14px;margin:6px 0}
.ok{background:#e3f6ec;color:#116149}.bad{background:#fde8e8;color:#9b1c1c;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin:16px 0}
.card{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card .k{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#616e7c}
.card .v{font-size:26px;font-weight:600;margin:4px 0}.card .c{font-size:12px;color:#7b8794}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;font-size:14px}
th,td{padding:8px 10px;text-align:left;border-bottom:1px solid #edf0f3}th{background:#eef1f5;font-weight:600}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.panel{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin:10px 0;overflow-x:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.grid h3{font-size:14px;margin:0 0 4px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:12px}.grid2 h3{font-size:14px;margin:0 0 4px}
svg.chart{max-width:100%;height:auto}svg .lbl{font-size:12px;fill:#323f4b}svg .val{font-size:12px;fill:#52606d}
svg .tick{font-size:10px;fill:#7b8794}
.legend{font-size:12px;color:#323f4b;margin:6px 0}.legend span{margin-right:14px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.nodata{color:#7b8794;font-style:italic}
footer{color:#7b8794;font-size:12px;margin-top:40px}
)CSS";

}  // namespace

std::string render_html_report(const AuditRecords& log, const ReportOptions& options) {
  const KpiReport k = compute_kpis(log.records, options.kpi);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    << "<title>" << esc(options.title) << "</title><style>" << kCss << "</style></head><body><main>\n";
  h << "<h1>" << esc(options.title) << "</h1>\n";
  h << "<p class=\"sub\">Audit log <code>" << esc(log.path) << "</code> &middot; " << k.records << " records, "
    << k.customers << " customers (pseudonymous)";
  if (k.records > 0) h << " &middot; " << esc(utc_day(k.first_time_ms)) << " to " << esc(utc_day(k.last_time_ms)) << " (UTC)";
  h << "</p>\n";
  if (log.complete()) {
    h << "<div class=\"badge ok\">Hash chain verified: all " << log.verify.lines << " lines intact.</div>\n";
  } else {
    h << "<div class=\"badge bad\">The audit log is broken at line " << log.verify.first_bad_line << ": "
      << esc(log.verify.reason) << ". Everything below uses only the " << log.verified_records
      << " verified records before it.</div>\n";
  }
  if (log.from_ms || log.to_ms) {
    h << "<p class=\"note\">Window: " << (log.from_ms ? esc(utc_day(*log.from_ms)) : std::string("start")) << " to "
      << (log.to_ms ? esc(utc_day(*log.to_ms)) + " (exclusive)" : std::string("end")) << ".</p>\n";
  }

  // Headline cards.
  h << "<div class=\"cards\">";
  const auto card = [&](const std::string& key, const std::string& value, const std::string& sub) {
    h << "<div class=\"card\"><div class=\"k\">" << esc(key) << "</div><div class=\"v\">" << esc(value) << "</div><div class=\"c\">"
      << esc(sub) << "</div></div>";
  };
  card("Emotional accuracy (F1)", num(k.ear.macro_f1.value, 2), std::to_string(k.ear.corrections) + " verified corrections");
  card("Engagement AUC", num(k.pes.auc.value, 2), std::to_string(k.pes.decisions) + " scored decisions");
  card("Trust velocity / day", num(k.tv.mean_slope.value, 2), std::to_string(k.tv.customers) + " customers");
  card("Personalization depth", num(k.pdi.variant_depth.value, 2), std::to_string(k.pdi.customers) + " customers");
  card("Empathy-to-conversion", num(k.ecr.ratio.value, 2), ci_text(k.ecr.ratio, false));
  card("Guardrail interventions", pct(k.guardrails.share.value), std::to_string(k.guardrails.with_intervention) + " of " +
                                                                        std::to_string(k.guardrails.decisions) + " decisions");
  card("Review rate", pct(k.review_rate.value), "of adapted decisions");
  std::string modes;
  std::uint64_t decisions = 0;
  for (const auto& [m, n] : k.decisions_per_mode) {
    modes += (modes.empty() ? "" : ", ") + m + " " + std::to_string(n);
    decisions += n;
  }
  card("Decisions", std::to_string(decisions), modes);
  h << "</div>\n";

  // KPI table.
  h << "<h2>KPIs</h2><p class=\"note\">" << num(options.kpi.level * 100, 0)
    << "% confidence intervals; definitions in docs/kpis.md. n/a: not enough data in this log.</p>\n";
  h << "<table><tr><th>KPI</th><th>value</th><th>interval</th><th>n</th><th>what it says</th></tr>";
  for (const auto& r : kpi_rows(k)) {
    h << "<tr><td>" << esc(r.name) << "</td><td class=\"num\">" << esc(r.value) << "</td><td class=\"num\">" << esc(r.ci)
      << "</td><td class=\"num\">" << esc(r.n) << "</td><td>" << esc(r.meaning) << "</td></tr>";
  }
  h << "</table>\n";
  if (!k.skipped.empty()) {
    h << "<p class=\"note\">Records not usable by a KPI: ";
    bool first = true;
    for (const auto& [reason, n] : k.skipped) {
      h << (first ? "" : "; ") << esc(reason) << " (" << n << ")";
      first = false;
    }
    h << ".</p>\n";
  }

  // KPIs per UTC day.
  std::map<std::int64_t, std::vector<AuditRecord>> days;
  for (const auto& r : log.records) {
    std::int64_t d = r.time_ms / 86400000LL;
    if (r.time_ms < 0 && r.time_ms % 86400000LL) --d;
    days[d].push_back(r);
  }
  h << "<h2>KPIs over time</h2><p class=\"note\">One point per UTC day, computed from that day's records only.</p>\n";
  if (days.empty()) {
    h << no_data("records");
  } else {
    KpiOptions daily = options.kpi;
    daily.bootstrap_samples = options.daily_bootstrap_samples;
    std::vector<std::pair<double, KpiReport>> per_day;
    for (const auto& [d, recs] : days) per_day.emplace_back(static_cast<double>(d), compute_kpis(recs, daily));
    const double x0 = per_day.front().first, x1 = per_day.back().first;
    std::vector<std::pair<double, std::string>> ticks;
    const size_t step = std::max<size_t>(1, per_day.size() / 5);
    for (size_t i = 0; i < per_day.size(); i += step)
      ticks.emplace_back(per_day[i].first, utc_day(static_cast<std::int64_t>(per_day[i].first) * 86400000LL).substr(5));
    struct Small {
      const char* title;
      double (*get)(const KpiReport&);
      double lo, hi;
      bool percent;
    };
    const Small smalls[] = {
        {"Reward rate (live)", [](const KpiReport& r) { return r.reward_rate.value; }, 0, 1, true},
        {"Guardrail interventions", [](const KpiReport& r) { return r.guardrails.share.value; }, 0, 1, true},
        {"Review rate", [](const KpiReport& r) { return r.review_rate.value; }, 0, 1, true},
        {"Emotional accuracy (macro F1)", [](const KpiReport& r) { return r.ear.macro_f1.value; }, 0, 1, false},
        {"Engagement AUC", [](const KpiReport& r) { return r.pes.auc.value; }, 0, 1, false},
        {"Personalization depth", [](const KpiReport& r) { return r.pdi.variant_depth.value; }, 0, 1, false},
        {"Empathy-to-conversion ratio", [](const KpiReport& r) { return r.ecr.ratio.value; }, 0, 2, false},
        {"Decisions",
         [](const KpiReport& r) {
           double n = 0;
           for (const auto& [mode, count] : r.decisions_per_mode) n += static_cast<double>(count);
           return n;
         },
         0, -1, false},
    };
    h << "<div class=\"grid\">";
    for (const auto& sm : smalls) {
      Series s{sm.title, {}};
      double hi = sm.hi;
      for (const auto& [x, rep] : per_day) {
        const double v = sm.get(rep);
        s.points.emplace_back(x, v);
        if (sm.hi < 0 && std::isfinite(v)) hi = std::max(hi, v);
      }
      if (sm.hi < 0) hi = std::max(1.0, hi);
      if (std::string(sm.title) == "Empathy-to-conversion ratio")
        for (const auto& p : s.points)
          if (std::isfinite(p.second)) hi = std::max(hi, std::ceil(p.second));
      const bool counts = sm.hi < 0;
      if (counts) hi = 2 * std::ceil(hi / 2);  // even, so the middle gridline is a whole number
      h << "<div class=\"panel\"><h3>" << esc(sm.title) << "</h3>"
        << line_chart(sm.title, {s}, x0, x1, sm.lo, hi, ticks, sm.percent, 300, 150, counts ? 0 : 2) << "</div>";
    }
    h << "</div>\n";
  }

  // Emotion mix.
  h << "<h2>Emotion mix</h2><p class=\"note\">Mean marketing-state scores of observations (what customers seemed to feel), "
       "and how often each emotion label was detected.</p>\n";
  {
    std::vector<double> sums(kStateCount, 0.0);
    double n_states = 0;
    std::map<std::string, double> labels;
    for (const auto& r : log.records) {
      if (r.kind != "observation") continue;
      const auto st = r.fields.find("states");
      if (st != r.fields.end() && st->is_object()) {
        n_states += 1;
        for (size_t i = 0; i < kStateCount; ++i) {
          const auto it = st->find(std::string(kStateNames[i]));
          if (it != st->end() && it->is_number()) sums[i] += it->get<double>();
        }
      }
      const auto lb = r.fields.find("labels");
      if (lb != r.fields.end() && lb->is_array())
        for (const auto& l : *lb)
          if (l.is_string()) labels[l.get<std::string>()] += 1;
    }
    h << "<div class=\"grid2\"><div class=\"panel\"><h3>Mean state score (" << num(n_states, 0) << " observations)</h3>";
    if (n_states > 0) {
      std::vector<std::pair<std::string, double>> rows;
      for (size_t i = 0; i < kStateCount; ++i) rows.emplace_back(std::string(kStateNames[i]), sums[i] / n_states);
      h << hbar_chart("Mean state score", rows, 1.0, false, "#009E73");
    } else {
      h << no_data("observations with states");
    }
    h << "</div><div class=\"panel\"><h3>Detected emotion labels</h3>";
    std::vector<std::pair<std::string, double>> rows(labels.begin(), labels.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (rows.size() > 12) rows.resize(12);
    double max_count = 0;
    for (const auto& r : rows) max_count = std::max(max_count, r.second);
    h << hbar_chart("Detected emotion labels", rows, max_count, false, "#CC79A7") << "</div></div>\n";
  }

  // Variants per dominant state.
  h << "<h2>Variants served per state</h2><p class=\"note\">Live decisions grouped by the customer's dominant state at "
       "decision time (highest state score in the record); each bar shows the share of each variant served.</p>\n";
  {
    std::map<std::string, std::map<std::string, double>> counts;
    std::map<std::string, double> variant_total;
    for (const auto& r : log.records) {
      if (r.kind != "decision") continue;
      const auto mode = r.fields.find("mode");
      if (mode == r.fields.end() || !mode->is_string() || mode->get<std::string>() != "live") continue;
      const auto v = r.fields.find("variant");
      if (v == r.fields.end() || !v->is_string()) continue;
      const std::string state = dominant_state(r.fields).value_or("(no states)");
      counts[state][v->get<std::string>()] += 1;
      variant_total[v->get<std::string>()] += 1;
    }
    std::vector<std::string> rows, cats;
    for (const auto& name : kStateNames)
      if (counts.count(std::string(name))) rows.emplace_back(name);
    if (counts.count("(no states)")) rows.emplace_back("(no states)");
    std::vector<std::pair<std::string, double>> vt(variant_total.begin(), variant_total.end());
    std::stable_sort(vt.begin(), vt.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    // Eight colours tell variants apart; beyond that the least served ones are pooled as "other".
    constexpr size_t kMaxVariants = 7;
    for (const auto& [name, n] : vt) cats.push_back(name);
    if (cats.size() > kMaxVariants + 1) {
      const std::set<std::string> kept(cats.begin(), cats.begin() + kMaxVariants);
      for (auto& [state, row] : counts) {
        double other = 0;
        for (auto it = row.begin(); it != row.end();) {
          if (kept.count(it->first)) {
            ++it;
          } else {
            other += it->second;
            it = row.erase(it);
          }
        }
        if (other > 0) row["(other)"] += other;
      }
      cats.resize(kMaxVariants);
      cats.push_back("(other)");
    }
    h << "<div class=\"panel\">" << stacked_chart("Variants served per dominant state", rows, cats, counts);
    if (!rows.empty()) h << legend(cats);
    h << "</div>\n";
  }

  // Guardrails.
  h << "<h2>Guardrail interventions</h2><p class=\"note\">Decisions (all modes) in which each rule removed variants, and "
       "how many variants it removed in total.</p>\n<div class=\"grid2\"><div class=\"panel\"><h3>Decisions per rule</h3>";
  {
    std::vector<std::pair<std::string, double>> rows, masked;
    double max_rows = 0, max_masked = 0;
    for (const auto& [rule, n] : k.guardrails.per_rule) {
      rows.emplace_back(rule, static_cast<double>(n));
      max_rows = std::max(max_rows, static_cast<double>(n));
    }
    for (const auto& [rule, n] : k.guardrails.masked_per_rule) {
      masked.emplace_back(rule, static_cast<double>(n));
      max_masked = std::max(max_masked, static_cast<double>(n));
    }
    h << hbar_chart("Guardrail interventions per rule", rows, max_rows, false, "#D55E00")
      << "</div><div class=\"panel\"><h3>Variants masked per rule</h3>"
      << hbar_chart("Variants masked per rule", masked, max_masked, false, "#E69F00") << "</div></div>\n";
  }

  // Reward curves.
  h << "<h2>Reward curve</h2><p class=\"note\">Cumulative mean reward of rewarded live decisions in decision order, for "
       "decisions that used emotion and those that did not (unweighted; the KPI table has the SNIPS estimate).</p>\n";
  {
    std::map<std::string, double> reward;
    for (const auto& r : log.records) {
      if (r.kind != "reward") continue;
      const auto id = r.fields.find("decision_id");
      const auto v = r.fields.find("value");
      if (id == r.fields.end() || !id->is_string() || v == r.fields.end() || !v->is_number()) continue;
      auto [it, fresh] = reward.emplace(id->get<std::string>(), v->get<double>());
      if (!fresh) it->second = std::max(it->second, v->get<double>());
    }
    Series all{"all decisions", {}}, emo{"emotion used", {}}, other{"no emotion", {}};
    double n_all = 0, s_all = 0, n_e = 0, s_e = 0, n_o = 0, s_o = 0;
    for (const auto& r : log.records) {
      if (r.kind != "decision") continue;
      const auto mode = r.fields.find("mode");
      if (mode == r.fields.end() || !mode->is_string() || mode->get<std::string>() != "live") continue;
      const auto id = r.fields.find("decision_id");
      if (id == r.fields.end() || !id->is_string()) continue;
      const auto it = reward.find(id->get<std::string>());
      if (it == reward.end()) continue;
      n_all += 1;
      s_all += it->second;
      all.points.emplace_back(n_all, s_all / n_all);
      const auto eu = r.fields.find("emotion_used");
      const bool used = eu != r.fields.end() && eu->is_boolean() && eu->get<bool>();
      if (used) {
        n_e += 1;
        s_e += it->second;
        emo.points.emplace_back(n_all, s_e / n_e);
      } else {
        n_o += 1;
        s_o += it->second;
        other.points.emplace_back(n_all, s_o / n_o);
      }
    }
    if (all.points.empty()) {
      h << no_data("rewarded live decisions");
    } else {
      std::vector<std::pair<double, std::string>> ticks = {{1, "1"}, {n_all, num(n_all, 0)}};
      h << "<div class=\"panel\">"
        << line_chart("Cumulative reward rate", {all, emo, other}, 1, n_all, 0, 1, ticks, true, 640, 240)
        << legend({"all decisions", "emotion used", "no emotion"}) << "</div>\n";
    }
  }

  h << "<footer>Generated by attune from a tamper-evident audit log. Customer identifiers are pseudonyms; the log holds "
       "no message text. Figures are estimates from logged data; see docs/kpis.md for their assumptions.</footer>\n";
  h << "</main></body></html>\n";
  return h.str();
}

}  // namespace attune::metrics
