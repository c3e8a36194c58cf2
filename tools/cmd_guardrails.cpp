// attune guardrails check | eval | bench: validate rule files, evaluate requests, and measure the
// property "no urgency/scarcity for anxious customers" plus evaluation speed.
#include "args.hpp"
#include "command.hpp"

#include "attune/ethics/guardrails.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <time.h>

namespace attune::cli {
namespace {

using ethics::Candidate;
using ethics::GuardrailContext;
using ethics::GuardrailResult;
using ethics::Guardrails;

Guardrails rules_from(const Args& args) {
  const auto path = args.get("rules");
  return path ? Guardrails::load(*path) : Guardrails::load_default();
}

int check_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"rules"}, {"help", "print"});
  if (args.has("help")) {
    std::puts("usage: attune guardrails check --rules FILE [--print]\n"
              "Validates a guardrail rules file (schema: docs/ethics-rules.md). Prints one line per\n"
              "rule, or the first error with its JSON path (exit status 2). --print writes the\n"
              "canonical JSON (generated reasons filled in) instead.");
    return 0;
  }
  std::string path = args.get_or("rules", "");
  if (path.empty() && args.positional().size() == 1) path = args.positional()[0];
  if (path.empty()) throw invalid_argument("missing required option --rules FILE");
  const Guardrails g = Guardrails::load(path);
  if (args.has("print")) {
    std::printf("%s\n", g.to_json().c_str());
    return 0;
  }
  std::printf("ok: %s: %zu rules, history window %.1f hours\n", path.c_str(), g.size(),
              static_cast<double>(g.history_window_ms()) / 3.6e6);
  for (const auto& r : g.rules())
    std::printf("  %-32s %-24s %s%s\n", r.id.c_str(), std::string(ethics::rule_kind_name(r.kind)).c_str(),
                r.enabled ? "" : "(disabled) ", r.reason.c_str());
  return 0;
}
ATTUNE_COMMAND("guardrails check", "validate a guardrail rules file", check_command);

int eval_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"rules"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune guardrails eval [--rules FILE] < requests.jsonl\n"
              "One JSON request per line ({\"slot\", \"slot_tags\", \"now_ms\", \"states\", \"signals\",\n"
              "\"state_peaks\", \"recent_decisions_ms\", \"candidates\": [{\"id\", \"tags\"}]}), one JSON\n"
              "result per line. Default rules: models/guardrails.json.");
    return 0;
  }
  const Guardrails g = rules_from(args);
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      std::cout << g.evaluate_json(line) << '\n';
    } catch (const std::invalid_argument& e) {
      throw invalid_argument("line " + std::to_string(line_no) + ": " + e.what(), status_of(e));
    }
  }
  return 0;
}
ATTUNE_COMMAND("guardrails eval", "evaluate guardrail requests (JSON lines) against rules", eval_command);

// --- bench ---------------------------------------------------------------------------------

bool has_pressure_tag(const Candidate& c) {
  for (const auto& t : c.tags) {
    std::string n = t;
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == "urgency" || n == "scarcity") return true;
  }
  return false;
}

struct Workload {
  std::vector<std::vector<Candidate>> catalogs;
  std::vector<std::vector<std::string>> slot_tags;
};

// Random catalogs of 2..16 variants over a vocabulary that includes urgency/scarcity in the
// spellings a host might use; every catalog has at least one pressure variant.
Workload make_workload(std::mt19937_64& rng, size_t count) {
  const std::vector<std::string> vocab{"urgency", "scarcity", "Urgency", "SCARCITY", "sales", "non_sales",
                                       "calming", "social_proof", "discount", "reassurance", "motivational"};
  const std::vector<std::vector<std::string>> slot_tag_choices{{}, {"sales"}, {"price"}, {"non_sales"}, {"email", "sales"}};
  Workload w;
  for (size_t k = 0; k < count; ++k) {
    std::vector<Candidate> cands(2 + rng() % 15);
    for (size_t i = 0; i < cands.size(); ++i) {
      cands[i].id = "v" + std::to_string(i);
      for (const auto& t : vocab)
        if (rng() % 4 == 0) cands[i].tags.push_back(t);
    }
    cands[rng() % cands.size()].tags.push_back(rng() % 2 ? "urgency" : "scarcity");
    w.catalogs.push_back(std::move(cands));
    w.slot_tags.push_back(slot_tag_choices[rng() % slot_tag_choices.size()]);
  }
  return w;
}

// CPU time of this thread: on a shared machine wall-clock time mostly measures the neighbours.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

int bench_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"rules", "decisions", "seed", "passes"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune guardrails bench [--rules FILE] [--decisions N] [--seed S] [--passes P]\n"
              "Simulates N decisions (default 1000000) for anxious customers (anxiety >= 0.5, other\n"
              "states random, random history and slot tags) over random catalogs that always contain\n"
              "urgency/scarcity variants, and counts violations: a pressure variant left allowed.\n"
              "Then times evaluate() (median of P passes, ns per evaluation) with precompiled tags\n"
              "(the engine's path) and with string tags. Prints two JSON lines.");
    return 0;
  }
  const Guardrails g = rules_from(args);
  const long long decisions = args.integer_or("decisions", 1000000);
  const long long passes = args.integer_or("passes", 7);
  if (decisions < 1 || passes < 1) throw invalid_argument("--decisions and --passes must be >= 1");
  const auto seed = static_cast<uint64_t>(args.integer_or("seed", 42));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int64_t now0 = 1700000000000;
  const int64_t hour = 3600 * 1000;
  const Workload w = make_workload(rng, 4096);

  // Property: 0 pressure variants allowed for anxious customers.
  long long violations = 0, pressure_offered = 0, candidates = 0, fallbacks = 0, sad = 0, emotion_off = 0;
  std::vector<ethics::NamedScore> signals;
  std::vector<ethics::StatePeak> peaks;
  std::vector<int64_t> history;
  GuardrailResult r;
  for (long long d = 0; d < decisions; ++d) {
    const size_t k = rng() % w.catalogs.size();
    const auto& cands = w.catalogs[k];
    GuardrailContext ctx;
    ctx.slot = "slot";
    ctx.slot_tags = w.slot_tags[k];
    ctx.now_ms = now0 + d * 1000;
    StateVector s;
    for (auto& x : s) x = u(rng);
    s[index(MarketingState::anxiety)] = 0.5f + 0.5f * u(rng);  // anxious: [0.5, 1]
    ctx.states = s;
    signals.clear();
    if (rng() % 2) signals.push_back({"sadness", u(rng)});
    if (rng() % 4 == 0) signals.push_back({"fear", u(rng)});
    sad += (!signals.empty() && signals[0].score >= 0.5f) ? 1 : 0;
    ctx.signals = signals;
    peaks.clear();
    if (rng() % 3 == 0) peaks.push_back({MarketingState::frustration, u(rng), ctx.now_ms - static_cast<int64_t>(rng() % (48 * hour))});
    ctx.state_peaks = peaks;
    history.clear();
    for (int n = static_cast<int>(rng() % 8); n > 0; --n) history.push_back(ctx.now_ms - static_cast<int64_t>(rng() % (48 * hour)));
    ctx.recent_decisions_ms = history;
    g.evaluate(ctx, cands, r);
    candidates += static_cast<long long>(cands.size());
    fallbacks += r.fallback_to_default ? 1 : 0;
    emotion_off += r.use_emotion ? 0 : 1;
    for (size_t i = 0; i < cands.size(); ++i) {
      if (!has_pressure_tag(cands[i])) continue;
      ++pressure_offered;
      if (r.allowed[i]) ++violations;
    }
  }
  nlohmann::json property = {{"name", "guardrails_anxious_property"},
                             {"decisions", decisions},
                             {"candidates", candidates},
                             {"pressure_variants_offered", pressure_offered},
                             {"violations", violations},
                             {"fallbacks_to_default", fallbacks},
                             {"decisions_with_emotion_off", emotion_off},
                             {"decisions_also_sad", sad},
                             {"rules", g.size()},
                             {"seed", seed}};
  std::printf("%s\n", property.dump().c_str());

  // Speed: the same kind of contexts, prepared up front so only evaluate() is timed.
  const size_t pool = 8192;
  std::vector<GuardrailContext> contexts(pool);
  std::vector<StateVector> states(pool);
  std::vector<std::vector<ethics::TagBits>> compiled(pool);
  std::vector<size_t> which(pool);
  std::vector<std::vector<int64_t>> histories(pool);
  for (size_t i = 0; i < pool; ++i) {
    which[i] = rng() % w.catalogs.size();
    for (auto& x : states[i]) x = u(rng);
    states[i][index(MarketingState::anxiety)] = 0.5f + 0.5f * u(rng);
    for (int n = static_cast<int>(rng() % 8); n > 0; --n) histories[i].push_back(now0 - static_cast<int64_t>(rng() % (48 * hour)));
    contexts[i].slot = "slot";
    contexts[i].slot_tags = w.slot_tags[which[i]];
    contexts[i].now_ms = now0;
    contexts[i].states = states[i];
    contexts[i].recent_decisions_ms = histories[i];
    for (const auto& c : w.catalogs[which[i]]) compiled[i].push_back(g.tag_set(c.tags));
  }
  const size_t per_pass = 200000;
  std::vector<double> ns_compiled, ns_strings, cpu_compiled, cpu_strings;
  size_t sink = 0;
  for (long long p = 0; p < passes; ++p) {
    const double c0 = thread_cpu_ns();
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < per_pass; ++i) {
      const size_t j = i % pool;
      g.evaluate_tags(contexts[j], compiled[j], r);
      sink += r.allowed_count;
    }
    auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_ns();
    for (size_t i = 0; i < per_pass; ++i) {
      const size_t j = i % pool;
      g.evaluate(contexts[j], w.catalogs[which[j]], r);
      sink += r.allowed_count;
    }
    auto t2 = std::chrono::steady_clock::now();
    const double c2 = thread_cpu_ns();
    cpu_compiled.push_back((c1 - c0) / per_pass);
    cpu_strings.push_back((c2 - c1) / per_pass);
    ns_compiled.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / per_pass);
    ns_strings.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / per_pass);
  }
  double mean_candidates = 0;
  for (size_t i = 0; i < pool; ++i) mean_candidates += static_cast<double>(w.catalogs[which[i]].size());
  nlohmann::json speed = {{"name", "guardrails_evaluate"},
                          {"cpu_ns_per_eval_compiled_tags_median", median(cpu_compiled)},
                          {"cpu_ns_per_eval_string_tags_median", median(cpu_strings)},
                          {"wall_ns_per_eval_compiled_tags_median", median(ns_compiled)},
                          {"wall_ns_per_eval_string_tags_median", median(ns_strings)},
                          {"evals_per_pass", per_pass},
                          {"passes", passes},
                          {"mean_candidates", mean_candidates / static_cast<double>(pool)},
                          {"rules", g.size()},
                          {"threads", 1},
                          {"checksum", sink}};
  std::printf("%s\n", speed.dump().c_str());
  return violations == 0 ? 0 : 1;
}
ATTUNE_COMMAND("guardrails bench", "1M anxious-customer decisions: guardrail violations (must be 0) and speed", bench_command);

}  // namespace
}  // namespace attune::cli
