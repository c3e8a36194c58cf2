// attune demo: the main job. The seed scenarios end to end on the shipped models, the default
// catalog and guardrails, with the embedded store and audit log kept in --dir.
//
// The bandit starts from nothing, so the demo first lets it learn from a few thousand simulated
// visits (archetypes below, with documented click probabilities). Every decision it then prints
// comes from the engine exactly as a host would get it.
#include "args.hpp"
#include "command.hpp"

#include "attune/engine.hpp"
#include "attune/ethics/audit_log.hpp"
#include "attune/version.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace attune::cli {
namespace {

constexpr int64_t kStart = 1'780'000'000'000;  // 2026-05-28, a fixed clock for a reproducible demo
constexpr int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

std::string iso(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&s));
  return buf;
}

std::string track(const std::string& user, const std::string& event, int64_t t, const std::string& props = "{}") {
  return R"({"type":"track","userId":")" + user + R"(","event":")" + event + R"(","properties":)" + props +
         R"(,"timestamp":")" + iso(t) + R"("})";
}

void grant(Engine& e, const std::string& c, int64_t t, bool emotion = true) {
  if (emotion) e.consent(c, "emotion_inference", true, t, std::nullopt, "demo_signup_form");
  e.consent(c, "personalization", true, t, std::nullopt, "demo_signup_form");
  e.consent(c, "profiling", true, t, std::nullopt, "demo_signup_form");
}

std::string top_states(const StateVector& s, size_t n = 3) {
  std::vector<std::pair<float, size_t>> v;
  for (size_t i = 0; i < kStateCount; ++i) v.emplace_back(s[i], i);
  std::sort(v.rbegin(), v.rend());
  std::string out;
  for (size_t i = 0; i < n && i < v.size(); ++i) {
    if (v[i].first < 0.05f) break;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.2f", out.empty() ? "" : ", ", std::string(kStateNames[v[i].second]).c_str(),
                  static_cast<double>(v[i].first));
    out += buf;
  }
  return out.empty() ? "calm (no strong state)" : out;
}

void print_decision(const Decision& d) {
  std::printf("    -> %s: \"%s\"  [variant %s, p=%.2f%s]\n", d.slot.c_str(), d.variant_text.c_str(), d.variant_id.c_str(),
              d.propensity, d.review ? ", flagged for human review" : "");
  if (d.emotion_used) std::printf("       driven by: %s\n", top_states(d.states).c_str());
  else if (!d.reason.empty()) std::printf("       not adapted: %s\n", d.reason.c_str());
  else std::printf("       emotion used: no\n");
  for (const auto& g : d.guardrails) {
    std::string masked;
    for (const auto& m : g.masked_variants) masked += (masked.empty() ? "" : ", ") + m;
    // A rule can fire on a slot with nothing to remove (the wellness copy has no urgency
    // variant): it still holds, and the audit log records it either way.
    if (masked.empty()) std::printf("       guardrail %s active (nothing to remove here): %s\n", g.rule.c_str(), g.reason.c_str());
    else std::printf("       guardrail %s removed [%s]: %s\n", g.rule.c_str(), masked.c_str(), g.reason.c_str());
  }
  if (!d.next_best_actions.empty()) {
    std::string a;
    for (const auto& x : d.next_best_actions) a += (a.empty() ? "" : ", ") + x;
    std::printf("       next best actions: %s\n", a.c_str());
  }
  if (!d.disclosure.empty()) std::printf("       disclosure: \"%s\"\n", d.disclosure.c_str());
}

// Simulated visitors that teach the bandit before the scenarios run. Click probabilities per
// archetype and variant (unlisted variants: 0.05). Documented in docs/demo.md.
struct Archetype {
  const char* name;
  std::vector<const char*> texts;
  std::map<std::string, double> clicks;
};

const std::vector<Archetype>& archetypes() {
  static const std::vector<Archetype> a = {
      {"hesitant",
       {"I'm not sure this is the right one for me, maybe I should think about it",
        "hmm, I don't know, is it worth it? maybe later", "not sure yet, still comparing options"},
       {{"explore_options", 0.32}, {"popular_choice", 0.24}, {"free_returns", 0.22}, {"buy_now", 0.06},
        {"gentle_checkin", 0.2}, {"issue_resolved_check", 0.2}}},
      {"anxious",
       {"I'm really worried about this, what if it doesn't arrive in time?",
        "so nervous about the payment, I'm scared it will fail again", "I'm anxious, I can't sleep, everything feels like too much"},
       {{"free_returns", 0.3}, {"explore_options", 0.2}, {"breathe_slow", 0.4}, {"gentle_checkin", 0.35},
        {"we_are_here", 0.3}, {"issue_resolved_check", 0.25}, {"monthly_breakdown", 0.2}}},
      {"excited",
       {"I love it!!! best purchase ever, so excited to try it", "wow this is amazing, can't wait to use it every day!",
        "yes!! feeling great today, let's go"},
       {{"buy_now", 0.3}, {"popular_choice", 0.32}, {"few_left", 0.22}, {"streak_push", 0.4}, {"quick_win", 0.35},
        {"confidence_upgrade", 0.38}, {"strikethrough", 0.2}}},
      {"frustrated",
       {"This is ridiculous, my order is late again and nobody answers",
        "I'm so annoyed, the product broke after two days", "terrible service, I've asked three times already!"},
       {{"we_are_here", 0.35}, {"issue_resolved_check", 0.38}, {"explore_options", 0.12}, {"free_returns", 0.18},
        {"gentle_checkin", 0.25}}},
  };
  return a;
}

// Visitors arrive `spacing` apart from t0; each visit lasts under 10 minutes. Hesitant visitors
// also browse the way hesitation shows in behaviour (quick product views, then a long dwell
// without adding to the cart), so the policy learns from behavioural hesitation as well as from
// hesitant words: half of them say nothing at all.
void warm_up(Engine& e, int64_t t0, int64_t spacing, int rounds) {
  std::mt19937_64 rng(2024);
  const char* slots[] = {"product_cta", "wellness_message", "follow_up", "price_display"};
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < rounds; ++i) {
    const auto& a = archetypes()[rng() % archetypes().size()];
    const std::string c = std::string("sim-") + a.name + "-" + std::to_string(i);
    int64_t t = t0 + i * spacing;
    grant(e, c, t);
    const bool hesitant = std::string(a.name) == "hesitant";
    if (hesitant) {
      for (int k = 0; k < 4; ++k, t += 20'000 + static_cast<int64_t>(rng() % 15'000))
        e.observe_event(track(c, "Product Viewed", t, R"({"product_id":"p)" + std::to_string(k) + R"("})"));
      e.observe_event(track(c, "Product Viewed", t, R"({"product_id":"target"})"));
      t += 3 * kMinute + static_cast<int64_t>(rng() % 6) * kMinute;
    }
    if (!hesitant || rng() % 2) e.observe_text(c, Channel::web, a.texts[rng() % a.texts.size()], t);
    const Decision d = e.decide(c, slots[rng() % 4], t + 10);
    auto it = a.clicks.find(d.variant_id);
    const double p = it == a.clicks.end() ? 0.05 : it->second;
    e.reward(d.decision_id, u(rng) < p ? 1.0 : 0.0, t + 500);
    e.forget(c, t + 600);  // simulated visitors leave nothing behind but what the policy learned
  }
}

int demo_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"dir", "warmup"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune demo [--dir DIR] [--warmup N]\n"
              "Runs the seed scenarios end to end on the shipped models. The store (snapshot +\n"
              "journal) and the audit log (audit.jsonl) are kept in DIR (default ./attune-demo/),\n"
              "which is emptied of a previous demo's state first. N simulated visits teach the\n"
              "bandit before the scenarios (default 4000).");
    return 0;
  }
  const std::string dir = args.get_or("dir", "attune-demo");
  const long long warmup = args.integer_or("warmup", 4000);
  if (warmup < 0 || warmup > 1000000) throw invalid_argument("--warmup must be in [0, 1000000]");
  std::filesystem::create_directories(dir);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0 || name.rfind("journal-", 0) == 0 || name.rfind("audit.jsonl", 0) == 0 ||
        name == "LOCK" || name == "emotion-adapted.attm")
      std::filesystem::remove(entry.path());
  }
  const std::string config = R"({"seed": 11, "state_dir": ")" + dir + R"(", "durability": "batched",
    "audit": {"path": "audit.jsonl", "salt": "attune-demo-salt-not-for-production", "review_share": 0.1},
    "signals": {"voice_arousal": {"state": "anxiety", "weight": 0.6, "low": 0.3, "high": 0.9},
                "typing_erratic": {"state": "anxiety", "weight": 1.5, "low": 0.0, "high": 1.0}}})";
  auto engine = Engine::from_json(config);
  Engine& e = *engine;
  const std::string abs_dir = std::filesystem::absolute(dir).lexically_normal().string();
  std::printf("attune %s demo: adaptive empathy on the seed scenarios\n", version_string());
  std::printf("store and audit log: %s/ (snapshot + journal, audit.jsonl)\n\n", abs_dir.c_str());

  std::printf("Teaching the bandit from %lld simulated visits (hesitant, anxious, excited, frustrated)...\n", warmup);
  // The simulated visits fill the 30 days before the scenarios.
  warm_up(e, kStart - 30 * kDay, std::max<int64_t>(1000, 29 * kDay / std::max<long long>(warmup, 1)), static_cast<int>(warmup));
  std::printf("done.\n\n");

  int64_t t = kStart;
  // 1. E-commerce: lingering without adding to cart.
  std::printf("1. E-commerce: Maya lingers on a product page without adding it to the cart\n");
  grant(e, "maya", t);
  for (int i = 0; i < 6; ++i) {
    e.observe_event(track("maya", "Product Viewed", t, R"({"product_id":"p)" + std::to_string(i) + R"("})"));
    t += 25'000;
  }
  e.observe_event(track("maya", "Product Viewed", t, R"({"product_id":"vitamin-c-serum","price":39})"));
  t += 9 * kMinute;
  auto view = e.profile("maya", t);
  std::printf("    9 minutes on the serum (her usual: ~25 s), no add-to-cart: hesitation %.2f\n",
              static_cast<double>(view.hesitation));
  print_decision(e.decide("maya", "product_cta", t));
  std::printf("\n");

  // 2. Wellness app: anxious day vs high-energy day.
  std::printf("2. Wellness app: Sam on an anxious day, then on a high-energy day\n");
  grant(e, "sam", t);
  e.observe_text("sam", Channel::app, "I'm so anxious today, my chest feels tight and I can't focus", t);
  e.observe_signal("sam", Channel::app, "voice_arousal", 0.85, t + kMinute);
  std::printf("    anxious day (text + voice arousal 0.85):\n");
  print_decision(e.decide("sam", "wellness_message", t + 2 * kMinute));
  const int64_t next_day = t + 3 * kDay;
  e.observe_text("sam", Channel::app, "Feeling amazing today!!! Slept great and ready to crush my goals", next_day);
  std::printf("    three days later, high energy:\n");
  print_decision(e.decide("sam", "wellness_message", next_day + kMinute));
  std::printf("\n");

  // 3. B2B: engagement drops 22% after frustrated support tickets.
  std::printf("3. B2B: Acme's engagement drops 22%% after frustrated support tickets\n");
  grant(e, "acme-ops", kStart - 70 * kDay);
  std::mt19937 rng(5);
  int64_t day0 = kStart - 70 * kDay;
  for (int d = 0; d < 70; ++d) {
    const bool dropped = d >= 56;
    const int pings = static_cast<int>((dropped ? 0.78 : 1.0) * 40) + static_cast<int>(rng() % 5);
    for (int k = 0; k < pings; ++k)
      e.observe_event(track("acme-ops", "Engagement Ping", day0 + d * kDay + 8 * kHour + k * 10 * kMinute));
    if (d == 54 || d == 68)
      e.observe_text("acme-ops", Channel::email,
                     d == 54 ? "We reported this bug two weeks ago and it's still broken. Very frustrating."
                             : "Again no answer from support and the export still fails. This is unacceptable, we are annoyed.",
                     day0 + d * kDay + 22 * kHour);
  }
  const int64_t b2b_now = day0 + 70 * kDay;
  view = e.profile("acme-ops", b2b_now);
  std::printf("    detachment alert: %s; states: %s\n", view.detachment_alert ? "YES" : "no", top_states(view.states).c_str());
  print_decision(e.decide("acme-ops", "follow_up", b2b_now));
  std::printf("\n");

  // 4. Skincare: frustrated support chat vs excited post-purchase.
  std::printf("4. Skincare: Lena is frustrated in a support chat; Omar is excited after his purchase\n");
  t = next_day + kHour;
  grant(e, "lena", t);
  e.observe_text("lena", Channel::chat, "The cream gave me a rash and I've been waiting 5 days for a reply. So frustrated!", t);
  print_decision(e.decide("lena", "follow_up", t + kMinute));
  grant(e, "omar", t);
  e.observe_event(track("omar", "Order Completed", t, R"({"order_id":"A-17","revenue":64})"));
  e.observe_text("omar", Channel::email, "Just got my order and I love it!!! Can't wait to see the results", t + kMinute);
  print_decision(e.decide("omar", "follow_up", t + 2 * kMinute));
  std::printf("\n");

  // 5. Ethics: no emotion consent; a guardrail for an anxious shopper.
  std::printf("5. Ethics: Noah gave no emotion consent; Ivy is anxious at checkout\n");
  grant(e, "noah", t, /*emotion=*/false);
  const auto obs = e.observe_text("noah", Channel::chat, "I'm worried this won't arrive before the holidays", t);
  std::printf("    Noah's message accepted; emotion computed: %s\n", obs.emotion_used ? "yes" : "no (no consent)");
  print_decision(e.decide("noah", "product_cta", t + kMinute));
  grant(e, "ivy", t);
  e.observe_text("ivy", Channel::web, "I'm really worried and nervous about this payment, I'm scared it will fail again", t);
  e.observe_signal("ivy", Channel::web, "typing_erratic", 0.9, t + 30'000);  // deletes and retypes her card number
  std::printf("    Ivy: worried message + erratic typing at checkout: anxiety %.2f\n",
              static_cast<double>(e.profile("ivy", t + kMinute).states[index(MarketingState::anxiety)]));
  print_decision(e.decide("ivy", "product_cta", t + kMinute));
  std::printf("\n");

  // 6. Oversight: erasure, persistence, audit verification.
  e.forget("noah", t + 2 * kMinute);
  e.snapshot();
  e.sync();
  const auto stats = e.stats();
  std::printf("6. Oversight: Noah asked to be forgotten (erased); snapshot written; %llu customers in the store\n",
              static_cast<unsigned long long>(stats["customers"].get<uint64_t>()));
  engine.reset();
  // Reopen the store as a restarted host would: everything acknowledged is back, Noah is not.
  {
    auto reopened = Engine::from_json(config);
    const auto maya = reopened->profile("maya", t + 3 * kMinute);
    std::printf("    reopened from %s/: %llu customers restored; Maya's profile %s; Noah's profile %s\n", abs_dir.c_str(),
                static_cast<unsigned long long>(reopened->stats()["customers"].get<uint64_t>()),
                maya.exists ? "is back" : "IS MISSING", reopened->profile("noah", t + 3 * kMinute).exists ? "EXISTS" : "is gone");
  }
  const auto verify = ethics::AuditLog::verify(dir + "/audit.jsonl");
  std::printf("    audit log %s/audit.jsonl: %llu lines, hash chain %s%s\n", abs_dir.c_str(),
              static_cast<unsigned long long>(verify.lines), verify.ok ? "intact" : "BROKEN: ",
              verify.ok ? "" : verify.reason.c_str());
  return verify.ok ? 0 : 1;
}

}  // namespace

ATTUNE_COMMAND("demo", "run the seed-scenario demo on the shipped models", demo_command);

}  // namespace attune::cli
