// attune/metrics/report.hpp: the self-contained HTML report of an audit log.
//
// One HTML file with inline CSS and inline SVG charts drawn here (no scripts, no fonts, no
// network): a KPI table, KPIs per UTC day (small multiples), the emotion mix of observations
// (mean marketing states and counts of detected labels), the variants served per dominant state,
// guardrail interventions per rule and the cumulative reward rate of emotion-using and other
// decisions. Every text from the log is HTML-escaped. Charts with no data show a short note
// instead of an empty frame.
//
// Thread-safety: pure function.
#pragma once

#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/kpis.hpp"

#include <string>

namespace attune::metrics {

struct ReportOptions {
  std::string title = "attune: adaptation and ethics report";
  KpiOptions kpi;  ///< options of the overall KPIs
  /// Bootstrap resamples for the per-day KPIs (smaller: one computation per day).
  std::size_t daily_bootstrap_samples = 200;
};

/// Render the report of `log` (its records, window and verification status).
std::string render_html_report(const AuditRecords& log, const ReportOptions& options = ReportOptions());

}  // namespace attune::metrics
