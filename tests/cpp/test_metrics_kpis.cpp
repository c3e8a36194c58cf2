// attune::metrics KPIs on the hand-made audit log fixture (tests/data/audit_small.jsonl), whose
// values were computed by hand (the arithmetic is in the comments), and the handling of broken
// logs: reported with the first bad line, never skipped silently.
#include "attune/error.hpp"
#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/kpis.hpp"
#include "test_metrics_fixture.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace attune::metrics;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("attune_metrics_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string fixture_path() { return attune_test::source_path("tests/data/audit_small.jsonl"); }

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

TEST_CASE("the committed fixture is what the generator writes", "[metrics][fixture]") {
  TempDir dir;
  const fs::path generated = dir.path / "audit_small.jsonl";
  attune_test::write_small_audit_log(generated.string());
  if (const char* regen = std::getenv("ATTUNE_REGENERATE_FIXTURES"); regen && std::string(regen) == "1") {
    fs::copy_file(generated, fixture_path(), fs::copy_options::overwrite_existing);
    WARN("regenerated " << fixture_path());
  }
  REQUIRE(slurp(generated) == slurp(fixture_path()));
  CHECK(attune::ethics::AuditLog::verify(fixture_path()).ok);
}

TEST_CASE("KPIs of the fixture match the hand-computed values", "[metrics]") {
  const AuditRecords log = read_audit_log(fixture_path());
  REQUIRE(log.complete());
  REQUIRE(log.records.size() == 25);
  const KpiReport k = compute_kpis(log.records);

  CHECK(k.records == 25);
  CHECK(k.records_per_kind.at("decision") == 7);
  CHECK(k.records_per_kind.at("reward") == 6);
  CHECK(k.customers == 4);
  CHECK(k.erased_customers == 1);

  // EAR. corrections: {anger,annoyance} vs {annoyance,disappointment}; {joy} vs {joy};
  // {fear} vs {nervousness}. Per label (tp,fp,fn): anger (0,1,0), annoyance (1,0,0),
  // disappointment (0,0,1), fear (0,1,0), joy (1,0,0), nervousness (0,0,1).
  // F1 per label 0,1,0,0,1,0 -> macro 1/3; precision over labels with tp+fp>0: 0,1,0,1 -> 0.5;
  // recall over labels with tp+fn>0: 1,0,1,0 -> 0.5; micro F1 = 2*2/(2*2+2+2) = 0.5.
  CHECK(k.ear.corrections == 3);
  REQUIRE(k.ear.per_label.size() == 6);
  CHECK(k.ear.per_label[0].label == "anger");
  CHECK(k.ear.per_label[0].fp == 1);
  CHECK(k.ear.per_label[1].label == "annoyance");
  CHECK(k.ear.per_label[1].f1.value == Approx(1.0));
  CHECK(std::isnan(k.ear.per_label[2].precision.value));  // disappointment was never detected
  CHECK(k.ear.macro_f1.value == Approx(1.0 / 3));
  CHECK(k.ear.macro_precision.value == Approx(0.5));
  CHECK(k.ear.macro_recall.value == Approx(0.5));
  CHECK(k.ear.micro_f1.value == Approx(0.5));
  CHECK(k.ear.macro_f1.method == "bootstrap-percentile");
  CHECK(k.ear.macro_f1.ci.low <= k.ear.macro_f1.value);
  CHECK(k.ear.macro_f1.ci.high >= k.ear.macro_f1.value);

  // PES. (p, converted): d1 (.8,1) d2 (.3,0) d3 (.6,1) d4 (.4,0) d5 (.2,0) d7 (.9,1); d6 has no
  // reward. Every positive outranks every negative: AUC 1. Each sits in its own decile bin:
  // ECE = (.2+.3+.4+.4+.2+.1)/6 = 0.26667; Brier = (.04+.09+.16+.16+.04+.01)/6 = 0.08333.
  CHECK(k.pes.decisions == 6);
  CHECK(k.pes.positives == 3);
  CHECK(k.pes.auc.value == Approx(1.0));
  CHECK(k.pes.auc.method == "hanley-mcneil");
  CHECK(k.pes.ece.value == Approx(1.6 / 6));
  CHECK(k.pes.brier == Approx(0.5 / 6));
  CHECK(k.skipped.at("decision without a reward yet (PES)") == 1);

  // TV. A: (1h,-0.4) (2h,+1) (4h,-1) (5h,+0.8): Sxx=10, Sxy=0.4 -> 0.04/h = 0.96/day.
  // B: (7h,+1) (9h,-1) (26h,0) (28h,+1): Sxx=365, Sxy=8.5 -> 8.5/365*24 = 0.558904/day.
  // C has one point; D was erased.
  CHECK(k.tv.customers == 2);
  CHECK(k.tv.points == 8);
  CHECK(k.tv.mean_slope.value == Approx((0.96 + 8.5 / 365 * 24) / 2));
  CHECK(k.tv.median_slope.value == Approx((0.96 + 8.5 / 365 * 24) / 2));
  CHECK(k.tv.share_rising == Approx(1.0));

  // PDI over live decisions. Observed catalog: hero {calm,bold}, email {plain}.
  // A: hero calm+bold -> entropy 1 (k = min(2,2)); one slot -> slot depth 0.
  // B: hero calm x2 -> 0, email x1 -> 0 => variant depth 0; slots (2,1) with k = min(3,2) = 2
  //    -> H(2/3,1/3)/ln 2 = 0.918296. Means: 0.5 and 0.459148.
  CHECK(k.pdi.customers == 2);
  CHECK(k.pdi.variant_depth.value == Approx(0.5));
  CHECK(k.pdi.slot_depth.value == Approx(0.918295834 / 2).epsilon(1e-6));

  // ECR over rewarded live decisions. emotion: d1 (w 2, r 1), d2 (w 4, r 0) -> SNIPS 2/6.
  // other: d3 (2,1), d4 (1,0), d7 (2,1) -> 4/5. Ratio (1/3)/0.8 = 0.416667.
  // Var_E = (4*(2/3)^2 + 16*(1/3)^2)/36 = 0.0987654; Var_N = (4*.04+.64+4*.04)/25 = 0.0384.
  // Var(log R) = 0.0987654*9 + 0.0384/0.64 = 0.948889 -> R * exp(+-1.959964*0.974109).
  CHECK(k.ecr.emotion_decisions == 2);
  CHECK(k.ecr.other_decisions == 3);
  CHECK(k.ecr.emotion_rate.value == Approx(1.0 / 3));
  CHECK(k.ecr.other_rate.value == Approx(0.8));
  CHECK(k.ecr.ratio.value == Approx(0.416667).epsilon(1e-5));
  CHECK(k.ecr.ratio.method == "delta-log");
  const double half = 1.959964 * std::sqrt(0.0987654 * 9 + 0.0384 / 0.64);
  CHECK(k.ecr.ratio.ci.low == Approx(0.416667 * std::exp(-half)).epsilon(1e-4));
  CHECK(k.ecr.ratio.ci.high == Approx(0.416667 * std::exp(half)).epsilon(1e-4));
  CHECK(k.ecr.emotion_ess == Approx(36.0 / 20));
  CHECK(k.ecr.other_ess == Approx(25.0 / 9));
  CHECK(k.ecr.observed_emotion_rate.value == Approx(0.5));
  CHECK(k.ecr.observed_other_rate.value == Approx(2.0 / 3));
  CHECK(k.ecr.observed_ratio == Approx(0.75));
  CHECK(k.reward_rate.value == Approx(0.6));

  // Operational.
  CHECK(k.guardrails.decisions == 7);
  CHECK(k.guardrails.with_intervention == 2);
  CHECK(k.guardrails.share.value == Approx(2.0 / 7));
  CHECK(k.guardrails.per_rule.at("no_urgency_when_anxious") == 2);
  CHECK(k.guardrails.per_rule.at("vulnerable_default") == 1);
  CHECK(k.guardrails.masked_per_rule.at("no_urgency_when_anxious") == 3);
  CHECK(k.review_rate.value == Approx(1.0 / 3));  // d1 of the adapted d1, d2, d5
  CHECK(k.decisions_per_mode.at("live") == 5);
  CHECK(k.decisions_per_mode.at("shadow") == 1);
  CHECK(k.decisions_per_mode.at("off") == 1);
  // Consent at 29h, customers A, B, C (D erased): emotion_inference A only (C revoked),
  // personalization A only (B's expired after 1h), profiling none.
  CHECK(k.consent.customers == 3);
  CHECK(k.consent.active.at("emotion_inference") == 1);
  CHECK(k.consent.active.at("personalization") == 1);
  CHECK(k.consent.active.at("profiling") == 0);
  CHECK(k.consent.share.at("personalization") == Approx(1.0 / 3));

  // JSON: NaN becomes null, intervals are pairs.
  const nlohmann::json j = to_json(k);
  CHECK(j["ear"]["per_label"][2]["precision"]["value"].is_null());
  CHECK(j["ecr"]["ratio"]["ci"].size() == 2);
  CHECK(j["pes"]["auc"]["value"].get<double>() == Approx(1.0));
}

TEST_CASE("KPIs are deterministic and the window filters records", "[metrics]") {
  const AuditRecords all = read_audit_log(fixture_path());
  CHECK(to_json(compute_kpis(all.records)).dump() == to_json(compute_kpis(all.records)).dump());
  AuditReadOptions day2;
  day2.from_ms = parse_time_bound("2026-01-06");
  const AuditRecords late = read_audit_log(fixture_path(), day2);
  CHECK(late.records.size() == 4);  // records 22-25
  CHECK(late.verified_records == 25);
  const KpiReport k = compute_kpis(late.records);
  CHECK(k.ecr.other_decisions == 1);
  CHECK(std::isnan(k.ecr.ratio.value));  // no emotion decisions that day
  CHECK(std::isnan(k.pes.auc.value));    // one class only
  KpiOptions day_span;
  day_span.trust_min_span_ms = 86400000;  // A spans 4 h and B 21 h: neither qualifies
  const KpiReport strict = compute_kpis(all.records, day_span);
  CHECK(strict.tv.customers == 0);
  CHECK(strict.tv.short_span_customers == 2);
  CHECK(std::isnan(strict.tv.mean_slope.value));
  AuditReadOptions bad;
  bad.from_ms = 10;
  bad.to_ms = 10;
  CHECK_THROWS_AS(read_audit_log(fixture_path(), bad), attune::invalid_argument);
}

TEST_CASE("time bounds parse as milliseconds or ISO dates", "[metrics]") {
  CHECK(parse_time_bound("1767603600000") == attune_test::kFixtureT0);
  CHECK(parse_time_bound("2026-01-05T09:00:00Z") == attune_test::kFixtureT0);
  CHECK(parse_time_bound("2026-01-05T09:00") == attune_test::kFixtureT0);
  CHECK(parse_time_bound("1970-01-01") == 0);
  CHECK(utc_day(attune_test::kFixtureT0) == "2026-01-05");
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-01-05T25:00", "-5", "12x"})
    CHECK_THROWS_AS(parse_time_bound(bad), attune::invalid_argument);
}

TEST_CASE("broken audit lines are reported, not skipped", "[metrics]") {
  TempDir dir;
  const std::string good = slurp(fixture_path());
  const std::vector<std::string> lines = split_lines(good);
  REQUIRE(lines.size() == 25);
  const auto join = [](const std::vector<std::string>& ls) {
    std::string s;
    for (const auto& l : ls) s += l + "\n";
    return s;
  };

  SECTION("an altered line (wrong hash)") {
    std::vector<std::string> edited = lines;
    const auto pos = edited[11].find("\"value\":1.0");
    REQUIRE(pos != std::string::npos);  // line 12: reward of d3
    edited[11].replace(pos, 11, "\"value\":0.0");
    const fs::path p = dir.path / "altered.jsonl";
    spit(p, join(edited));
    try {
      (void)read_audit_log(p.string());
      FAIL("a broken log was read");
    } catch (const attune::error& e) {
      CHECK(e.code() == attune::status::format_error);
      CHECK_THAT(e.what(), Catch::Contains("line 12") && Catch::Contains("hash"));
    }
    AuditReadOptions o;
    o.allow_broken = true;
    const AuditRecords prefix = read_audit_log(p.string(), o);
    CHECK_FALSE(prefix.complete());
    CHECK(prefix.verify.first_bad_line == 12);
    CHECK(prefix.records.size() == 11);
    CHECK(summary_json(prefix)["complete"] == false);
    CHECK(summary_json(prefix)["first_bad_line"] == 12);
  }
  SECTION("a truncated last line") {
    const fs::path p = dir.path / "torn.jsonl";
    spit(p, good.substr(0, good.size() - 40));
    CHECK_THROWS_AS(read_audit_log(p.string()), attune::error);
    AuditReadOptions o;
    o.allow_broken = true;
    const AuditRecords prefix = read_audit_log(p.string(), o);
    CHECK(prefix.verify.first_bad_line == 25);
    CHECK(prefix.records.size() == 24);
    CHECK(compute_kpis(prefix.records).erased_customers == 0);  // the erasure was in the torn line
  }
  SECTION("malformed JSON") {
    std::vector<std::string> edited = lines;
    edited[4] = "{\"seq\":5,\"time\":";
    const fs::path p = dir.path / "malformed.jsonl";
    spit(p, join(edited));
    AuditReadOptions o;
    o.allow_broken = true;
    const AuditRecords prefix = read_audit_log(p.string(), o);
    CHECK(prefix.verify.first_bad_line == 5);
    CHECK_THAT(prefix.verify.reason, Catch::Contains("JSON"));
    CHECK(prefix.records.size() == 4);
  }
  SECTION("a removed line") {
    std::vector<std::string> edited = lines;
    edited.erase(edited.begin() + 6);
    const fs::path p = dir.path / "gap.jsonl";
    spit(p, join(edited));
    CHECK_THROWS_AS(read_audit_log(p.string()), attune::error);
  }
  SECTION("a missing file") {
    CHECK_THROWS_AS(read_audit_log((dir.path / "absent.jsonl").string()), attune::error);
  }
}

TEST_CASE("records missing KPI fields are counted, not silently dropped", "[metrics]") {
  std::vector<AuditRecord> records;
  AuditRecord d;
  d.seq = 1;
  d.time_ms = 1000;
  d.kind = "decision";
  d.fields = {{"customer", attune_test::kCustA}, {"decision_id", "x"}, {"variant", "v"}, {"mode", "live"}};
  records.push_back(d);
  AuditRecord r;
  r.seq = 2;
  r.time_ms = 2000;
  r.kind = "reward";
  r.fields = {{"customer", attune_test::kCustA}, {"decision_id", "x"}, {"value", 2.0}};
  records.push_back(r);
  AuditRecord c;
  c.seq = 3;
  c.time_ms = 3000;
  c.kind = "correction";
  c.fields = {{"customer", attune_test::kCustA}, {"detected", "joy"}};
  records.push_back(c);
  const KpiReport k = compute_kpis(records);
  CHECK(k.skipped.at("decision without a guardrails list") == 1);
  CHECK(k.skipped.at("reward without decision_id or value in [0,1]") == 1);
  CHECK(k.skipped.at("correction without detected/verified label lists") == 1);
  CHECK(k.ear.corrections == 0);
  CHECK(std::isnan(k.ear.macro_f1.value));
  KpiOptions bad;
  bad.level = 1.5;
  CHECK_THROWS_AS(compute_kpis(records, bad), attune::invalid_argument);
}

TEST_CASE("attune kpi fails on a broken log unless --allow-broken, and says so", "[metrics][cli]") {
  const fs::path cli = fs::path(ATTUNE_BINARY_DIR) / "bin" / "attune";
  if (!fs::exists(cli)) {
    WARN("skipped: the attune CLI is not built (" << cli.string() << ")");
    SUCCEED("skipped");
    return;
  }
  TempDir dir;
  const auto run = [&](const std::string& args, std::string& out) {
    const fs::path o = dir.path / "out.json";
    const int rc = std::system((cli.string() + " " + args + " > " + o.string() + " 2>&1").c_str());
    out = slurp(o);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  std::string out;
  REQUIRE(run("kpi --audit " + fixture_path() + " --bootstrap 50", out) == 0);
  const nlohmann::json j = nlohmann::json::parse(out);
  CHECK(j["audit"]["complete"] == true);
  CHECK(j["ecr"]["ratio"]["value"].get<double>() == Approx(0.416667).epsilon(1e-5));
  CHECK(j["guardrails"]["with_intervention"] == 2);

  std::string text = slurp(fixture_path());
  text = text.substr(0, text.size() - 30);  // tear the last line
  spit(dir.path / "torn.jsonl", text);
  CHECK(run("kpi --audit " + (dir.path / "torn.jsonl").string(), out) == 1);
  CHECK_THAT(out, Catch::Contains("line 25"));
  REQUIRE(run("kpi --allow-broken --audit " + (dir.path / "torn.jsonl").string(), out) == 0);
  const nlohmann::json b = nlohmann::json::parse(out);
  CHECK(b["audit"]["complete"] == false);
  CHECK(b["audit"]["first_bad_line"] == 25);
  CHECK(b["records"] == 24);

  REQUIRE(run("report --audit " + fixture_path() + " --out " + (dir.path / "r.html").string(), out) == 0);
  CHECK(slurp(dir.path / "r.html").find("<svg") != std::string::npos);
  CHECK(run("kpi --audit " + fixture_path() + " --from 2026-01-06 --to 2026-01-05", out) != 0);
}
