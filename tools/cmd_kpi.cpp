// attune kpi: the KPIs of an audit log as one JSON object (docs/kpis.md).
#include "args.hpp"
#include "command.hpp"

#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/kpis.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace attune::cli {
namespace {

int kpi_command(const std::vector<std::string>& argv) {
  static const char* usage =
      "attune kpi --audit FILE [--from T] [--to T] [--allow-broken] [--missing-reward-zero]\n"
      "                  [--level 0.95] [--bootstrap 1000] [--seed N] [--bins 10] [--trust-min-span-hours 1]";
  const Args args(argv, {"audit", "from", "to", "level", "bootstrap", "seed", "bins", "trust-min-span-hours"},
                  {"allow-broken", "missing-reward-zero", "help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Verifies the audit log's hash chain, then prints the KPIs (EAR, PES, TV, PDI, ECR and the\n"
                "operational ones) as one JSON object; definitions in docs/kpis.md.\n"
                "T: milliseconds since the epoch or an ISO date (2026-01-05, 2026-01-05T09:00Z); records\n"
                "with from <= time < to are used.\n"
                "A broken log (truncated, altered, malformed line) fails with exit status 1 naming the\n"
                "first bad line; --allow-broken computes the KPIs on the verified lines before it and\n"
                "says so under \"audit\" in the JSON.\n"
                "--missing-reward-zero: decisions without a reward count as reward 0 (hosts that log\n"
                "only conversions); by default they are left out of PES and ECR.\n",
                usage);
    return 0;
  }
  if (!args.positional().empty()) throw invalid_argument(std::string("unexpected argument; usage: ") + usage);
  metrics::AuditReadOptions read;
  read.allow_broken = args.has("allow-broken");
  if (auto f = args.get("from")) read.from_ms = metrics::parse_time_bound(*f);
  if (auto t = args.get("to")) read.to_ms = metrics::parse_time_bound(*t);
  metrics::KpiOptions opt;
  opt.level = args.number_or("level", opt.level);
  const long long boot = args.integer_or("bootstrap", static_cast<long long>(opt.bootstrap_samples));
  if (boot < 0 || boot > 1000000) throw invalid_argument("--bootstrap must be in [0, 1000000]", status::out_of_range);
  opt.bootstrap_samples = static_cast<size_t>(boot);
  const long long bins = args.integer_or("bins", static_cast<long long>(opt.calibration_bins));
  if (bins < 1 || bins > 1000) throw invalid_argument("--bins must be in [1, 1000]", status::out_of_range);
  opt.calibration_bins = static_cast<size_t>(bins);
  opt.seed = static_cast<std::uint64_t>(args.integer_or("seed", static_cast<long long>(opt.seed)));
  opt.missing_reward_as_zero = args.has("missing-reward-zero");
  const double span_h = args.number_or("trust-min-span-hours", 1.0);
  if (!(span_h >= 0 && span_h <= 24.0 * 3660)) throw invalid_argument("--trust-min-span-hours must be in [0, 87840]", status::out_of_range);
  opt.trust_min_span_ms = static_cast<std::int64_t>(span_h * 3600000.0);

  const metrics::AuditRecords log = metrics::read_audit_log(args.require("audit"), read);
  nlohmann::json out = metrics::to_json(metrics::compute_kpis(log.records, opt));
  out["audit"] = metrics::summary_json(log);
  out["options"] = {{"level", opt.level},
                    {"bootstrap", opt.bootstrap_samples},
                    {"seed", opt.seed},
                    {"calibration_bins", opt.calibration_bins},
                    {"missing_reward_as_zero", opt.missing_reward_as_zero},
                    {"trust_min_span_ms", opt.trust_min_span_ms}};
  std::cout << out.dump(2) << '\n';
  return 0;
}

}  // namespace

ATTUNE_COMMAND("kpi", "KPIs (EAR, PES, TV, PDI, ECR, guardrails, consent, review) of an audit log as JSON", kpi_command);

}  // namespace attune::cli
