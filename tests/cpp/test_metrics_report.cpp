// The HTML report: self-contained, escaped, honest about broken logs, and (test tagged [report])
// actually drawn by a browser: headless Chromium renders it, its DOM must hold the charts with
// their shapes, and a screenshot must differ from a blank page.
#include "attune/metrics/audit_records.hpp"
#include "attune/metrics/report.hpp"
#include "test_metrics_fixture.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace attune::metrics;

namespace {

std::string fixture_path() { return attune_test::source_path("tests/data/audit_small.jsonl"); }

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() / ("attune_report_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

/// The chromium binary, installing Debian's package when missing and possible; "" if not.
std::string find_chromium() {
  const auto which = []() -> std::string {
    for (const char* name : {"chromium", "chromium-browser"}) {
      if (sh(std::string("command -v ") + name + " >/dev/null 2>&1") == 0) return name;
    }
    return "";
  };
  std::string bin = which();
  // ATTUNE_NO_APT=1 keeps the test from installing anything (offline CI images): it then skips.
  const char* no_apt = std::getenv("ATTUNE_NO_APT");
  const bool may_install = !(no_apt && std::string(no_apt) == "1");
  if (bin.empty() && may_install && ::geteuid() == 0 && sh("command -v apt-get >/dev/null 2>&1") == 0) {
    sh("DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y --no-install-recommends chromium >/dev/null 2>&1");
    bin = which();
  }
  return bin;
}

}  // namespace

TEST_CASE("the report is one self-contained HTML file with every chart", "[metrics]") {
  const AuditRecords log = read_audit_log(fixture_path());
  const std::string html = render_html_report(log);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  // Nothing fetched from elsewhere: no scripts, no links, no remote URLs.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("Hash chain verified") != std::string::npos);
  // 8 daily small multiples + 2 emotion mix + 1 variants + 2 guardrails + 1 reward curve.
  CHECK(count(html, "<svg") == 14);
  CHECK(count(html, "<path d=\"M") >= 8);
  for (const char* label : {"no_urgency_when_anxious", "vulnerable_default", "annoyance", "calm", "frustration", "EAR macro F1"})
    CHECK(html.find(label) != std::string::npos);
}

TEST_CASE("the report escapes log text and flags a broken log", "[metrics]") {
  AuditRecords log;
  log.path = "x<&>.jsonl";
  log.verify.ok = false;
  log.verify.first_bad_line = 7;
  log.verify.reason = "hash mismatch <b>";
  log.verified_records = 6;
  AuditRecord d;
  d.seq = 1;
  d.time_ms = attune_test::kFixtureT0;
  d.kind = "decision";
  d.fields = {{"customer", attune_test::kCustA}, {"decision_id", "q"}, {"slot", "s"}, {"variant", "<img src=x>"},
              {"mode", "live"},                  {"propensity", 0.5},  {"emotion_used", true},
              {"guardrails", nlohmann::json::array({nlohmann::json{{"rule", "r\"1"}, {"masked", {"a", "b"}}}})}};
  log.records.push_back(d);
  const std::string html = render_html_report(log);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;img src=x&gt;") != std::string::npos);
  CHECK(html.find("x&lt;&amp;&gt;.jsonl") != std::string::npos);
  CHECK(html.find("broken at line 7") != std::string::npos);
  CHECK(html.find("hash mismatch &lt;b&gt;") != std::string::npos);
  CHECK(html.find("No rewarded live decisions") != std::string::npos);
}

TEST_CASE("headless Chromium draws the report's charts", "[report][metrics]") {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    WARN("skipped: chromium is not installed and could not be installed (apt-get install chromium)");
    SUCCEED("skipped");
    return;
  }
  ScratchDir dir;
  const fs::path html = dir.path / "report.html";
  {
    std::ofstream out(html, std::ios::binary);
    out << render_html_report(read_audit_log(fixture_path()));
  }
  {
    std::ofstream out(dir.path / "blank.html", std::ios::binary);
    out << "<!DOCTYPE html><html><body></body></html>";
  }
  const std::string flags = "--headless --no-sandbox --disable-gpu --disable-background-networking "
                            "--disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                            (dir.path / "profile").string() + " --window-size=1200,2400 ";
  const std::string base = "timeout 180 " + chromium + " " + flags;
  REQUIRE(sh(base + "--dump-dom file://" + html.string() + " > " + (dir.path / "dom.html").string() + " 2>/dev/null") == 0);
  const std::string dom = slurp(dir.path / "dom.html");
  REQUIRE(!dom.empty());
  // The browser parsed every chart as SVG with drawn shapes (bars and lines), not as text.
  CHECK(count(dom, "<svg") == 14);
  CHECK(count(dom, "<rect") >= 20);
  CHECK(count(dom, "<path d=\"M") >= 8);
  CHECK(dom.find("parsererror") == std::string::npos);

  REQUIRE(sh(base + "--screenshot=" + (dir.path / "report.png").string() + " file://" + html.string() + " >/dev/null 2>&1") == 0);
  REQUIRE(sh(base + "--screenshot=" + (dir.path / "blank.png").string() + " file://" + (dir.path / "blank.html").string() +
             " >/dev/null 2>&1") == 0);
  const auto report_png = fs::file_size(dir.path / "report.png");
  const auto blank_png = fs::file_size(dir.path / "blank.png");
  INFO("report.png " << report_png << " bytes, blank.png " << blank_png << " bytes");
  // A blank page compresses to almost nothing; a page of charts and text cannot.
  CHECK(report_png > 8 * blank_png);
  CHECK(report_png > 20000);
}
