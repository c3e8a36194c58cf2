// attune report: a self-contained HTML report (inline SVG charts, no network) of an audit log.
#include "args.hpp"
#include "command.hpp"

#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/report.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

namespace attune::cli {
namespace {

int report_command(const std::vector<std::string>& argv) {
  static const char* usage =
      "attune report --audit FILE --out report.html [--from T] [--to T] [--allow-broken] [--title TEXT]\n"
      "                     [--missing-reward-zero]";
  const Args args(argv, {"audit", "out", "from", "to", "title"}, {"allow-broken", "missing-reward-zero", "help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Writes one HTML file (inline CSS and SVG, no scripts, nothing fetched) with the KPI table,\n"
                "KPIs per UTC day, the emotion mix, variants served per dominant state, guardrail\n"
                "interventions and reward curves. A broken log fails (exit 1) unless --allow-broken, in\n"
                "which case the report says in red where the log breaks and uses the lines before it.\n"
                "T as for 'attune kpi'.\n",
                usage);
    return 0;
  }
  if (!args.positional().empty()) throw invalid_argument(std::string("unexpected argument; usage: ") + usage);
  metrics::AuditReadOptions read;
  read.allow_broken = args.has("allow-broken");
  if (auto f = args.get("from")) read.from_ms = metrics::parse_time_bound(*f);
  if (auto t = args.get("to")) read.to_ms = metrics::parse_time_bound(*t);
  metrics::ReportOptions opt;
  if (auto t = args.get("title")) opt.title = *t;
  opt.kpi.missing_reward_as_zero = args.has("missing-reward-zero");
  const std::string out_path = args.require("out");

  const metrics::AuditRecords log = metrics::read_audit_log(args.require("audit"), read);
  const std::string html = metrics::render_html_report(log, opt);
  // Write beside the target and rename, so a reader never sees half a report.
  const std::string tmp = out_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw error(status::io_error, "cannot write '" + tmp + "'");
    out << html;
    out.close();
    if (!out) throw error(status::io_error, "writing '" + tmp + "' failed");
  }
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw error(status::io_error, "cannot move the report to '" + out_path + "'");
  }
  std::cout << nlohmann::json{{"out", out_path},
                              {"bytes", html.size()},
                              {"records", log.records.size()},
                              {"complete", log.complete()}}
                   .dump()
            << '\n';
  return 0;
}

}  // namespace

ATTUNE_COMMAND("report", "self-contained HTML report (SVG charts) of an audit log's KPIs", report_command);

}  // namespace attune::cli
