// Writes the generated seed corpora of the fuzz harnesses (the hand-written seeds of the older
// harnesses are committed as they are). Usage: make_fuzz_seeds <tests/fuzz/corpus> [source dir]
// Every file is small (models are trained in-process with 2^8 hash rows / 3 trees; no file over
// 64 KB). Regenerating changes a few bytes even without a format change (the training time in
// model metadata, random per-customer nonces in profiles); that is harmless. Mutated seeds (truncated, wrong version, corrupted field) sit next to the
// valid ones so that the replay tests also walk the error paths.
#include "fuzz_support.hpp"

#include "attune.h"
#include "attune/behavior/turn_risk.hpp"
#include "attune/engine.hpp"
#include "attune/engine_config.hpp"
#include "attune/profile/journal.hpp"
#include "attune/select/policy.hpp"
#include "attune/select/rng.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

fs::path g_root;
size_t g_files = 0;

void write(const std::string& dir, const std::string& name, const std::string& bytes) {
  if (bytes.size() > 64 * 1024) throw std::runtime_error(dir + "/" + name + " is over 64 KB");
  fs::create_directories(g_root / dir);
  std::ofstream(g_root / dir / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ++g_files;
}

std::string str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void put_u32(std::string& s, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}

void emotion_seeds() {
  const auto q = attune_fuzz::tiny_emotion_model(true).to_bytes();
  const auto f = attune_fuzz::tiny_emotion_model(false).to_bytes();
  write("emotion_model", "valid_int8", std::string(1, '\0') + str(q));
  write("emotion_model", "valid_float32", std::string(1, '\0') + str(f));
  write("emotion_model", "truncated_crc_fixed", "\x01" + str(q).substr(0, q.size() * 3 / 5));
  std::string future = str(q);
  put_u32(future, 8, 99);  // a format version this library does not read
  write("emotion_model", "version_99", std::string(1, '\0') + future);
  std::string bad = str(q);
  put_u32(bad, 8 + 4, 27);  // label count
  write("emotion_model", "label_count_crc_fixed", "\x01" + bad);
}

void intent_seeds() {
  const std::string m = attune_fuzz::tiny_intent_model().to_bytes();
  write("intent_model", "valid", std::string(1, '\0') + m);
  write("intent_model", "truncated_crc_fixed", "\x01" + m.substr(0, m.size() / 2));
  std::string v2 = m;
  put_u32(v2, 8, 2);
  write("intent_model", "version_2", std::string(1, '\0') + v2);
  std::string flipped = m;
  flipped[m.size() / 2] = static_cast<char>(flipped[m.size() / 2] ^ 0x40);
  write("intent_model", "flipped_crc_fixed", "\x01" + flipped);
}

void policy_seeds() {
  using namespace attune::select;
  const char* names[] = {"thompson", "linucb", "egreedy", "uniform"};
  for (int kind = 0; kind < 4; ++kind) {
    for (int shared = 0; shared < 2; ++shared) {
      PolicyOptions o;
      o.kind = static_cast<PolicyKind>(kind);
      o.model = shared ? ModelKind::shared : ModelKind::per_variant;
      VariantFeatures v = plain_variants(3);
      if (shared) {
        v.dim = 2;
        v.values = {1, 0, 0, 1, 0.5, 0.5};
        v.names = {"tone_warm", "discount"};
      }
      auto p = make_policy(o, 4, v);
      Rng rng(5);
      const uint32_t all[] = {0, 1, 2};
      for (int t = 0; t < 12; ++t) {
        const double x[4] = {1.0, 0.1 * t, t % 2 ? 1.0 : 0.0, 0.25};
        const Choice c = p->choose(x, IndexSpan(all, 3), rng);
        p->learn(x, c.variant, c.variant == 1 ? 1.0 : 0.0, c.propensity);
      }
      write("policy", std::string(names[kind]) + (shared ? "_shared" : "_per_variant"), p->save());
      if (kind == 0 && !shared) write("policy", "thompson_truncated", p->save().substr(0, 100));
    }
  }
}

void event_seeds() {
  write("event", "product_viewed",
        R"({"type":"track","event":"Product Viewed","userId":"u1","timestamp":"2026-11-28T17:03:12Z",)"
        R"("properties":{"product_id":"sku-1","price":19.99,"quantity":1},"context":{"os_code":2}})");
  write("event", "page_anonymous",
        R"({"type":"page","anonymousId":"a9","name":"Shipping","category":"informational",)"
        R"("properties":{"path":"/help/shipping","bounce_rate":0.02},"timestamp":"2026-11-28T17:03:12+01:00"})");
  write("event", "session_jsonl",
        "{\"type\":\"identify\",\"userId\":\"u2\",\"timestamp\":\"2026-11-28T10:00:00Z\"}\n"
        "{\"type\":\"page\",\"userId\":\"u2\",\"name\":\"Product\",\"category\":\"product\",\"properties\":{\"path\":\"/p/1\",\"product_id\":1},\"timestamp\":\"2026-11-28T10:00:05Z\"}\n"
        "{\"type\":\"track\",\"event\":\"Product Viewed\",\"userId\":\"u2\",\"properties\":{\"product_id\":1},\"timestamp\":\"2026-11-28T10:00:06Z\"}\n"
        "{\"type\":\"track\",\"event\":\"Product Added\",\"userId\":\"u2\",\"properties\":{\"product_id\":1,\"price\":5,\"quantity\":2},\"timestamp\":\"2026-11-28T10:01:00Z\"}\n"
        "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u2\",\"properties\":{\"revenue\":10},\"timestamp\":\"2026-11-28T10:03:00.250Z\"}\n"
        "{\"type\":\"track\",\"event\":\"Product Viewed\",\"userId\":\"u2\",\"timestamp\":\"2026-11-28T09:59:00Z\"}\n"
        "{\"type\":\"screen\",\"userId\":\"u2\",\"name\":\"Cart\",\"timestamp\":\"2026-11-28T11:00:00Z\"}");
  write("event", "bad_rate", R"({"type":"page","userId":"u","properties":{"exit_rate":2},"timestamp":"2026-11-28T17:03:12Z"})");
  write("event", "deep", std::string(40, '[') + std::string(40, ']'));
  write("event", "duplicate_key", R"({"type":"track","type":"page","userId":"u","timestamp":"2026-11-28T17:03:12Z"})");
}

void engine_config_seeds(const fs::path& source) {
  write("engine_config", "empty", "{}");
  write("engine_config", "defaults", attune::EngineConfig{}.to_json().dump());
  write("engine_config", "full",
        R"({"mode":"shadow","seed":7,"durability":"none","checkpoint_every_records":5000,)"
        R"("models":{"emotion":"default","intent":"default"},"policy":{"kind":"linucb","exploration":0.2},)"
        R"("memory":{"state_half_life_hours":12,"prior_weight":0.5},"fusion":{"text":{"frustration":2},"behavior":{"hesitation":0.5}},)"
        R"("signals":{"voice_pitch":{"state":"anxiety","weight":0.4,"low":80,"high":300}},)"
        R"("limits":{"max_profiles":1000,"observation_cache":10,"observation_ttl_hours":1},)"
        R"("consent":{"allow_when_absent":["personalization"]},"audit":{"path":"audit.jsonl","review_share":0.1}})");
  const std::string catalog = read(source / "models" / "catalog.json");
  const std::string guardrails = read(source / "models" / "guardrails.json");
  write("engine_config", "inline_catalog_guardrails", "{\"catalog\":" + catalog + ",\"guardrails\":" + guardrails + "}");
  write("engine_config", "unknown_field", R"({"memroy":{}})");
  write("engine_config", "bad_range", R"({"memory":{"state_half_life_hours":-1}})");
}

// An in-memory engine with a little of everything, for profile bytes.
void drive(attune::Engine& e, int64_t t) {
  for (const char* c : {"alice", "bob"}) {
    e.observe_text(c, attune::Channel::chat, "this is taking forever, I am annoyed", t);
    e.observe_text(c, attune::Channel::email, "thanks, that helped a lot!", t + 60000);
    e.observe_event(std::string(R"({"type":"track","event":"Product Viewed","userId":")") + c +
                    R"(","timestamp":"2026-11-28T10:00:06Z","properties":{"product_id":"p1","price":20}})");
    e.observe_event(std::string(R"({"type":"page","userId":")") + c +
                    R"(","name":"Shipping","properties":{"path":"/help/shipping"},"timestamp":"2026-11-28T10:01:00Z"})");
    const auto slot = std::string("product_cta");
    try {
      const auto d = e.decide(c, slot, t + 120000);
      e.reward(d.decision_id, 1.0, t + 180000);
      e.decide(c, slot, t + 190000);  // stays pending
    } catch (const std::exception& ex) {
      std::cerr << "decide: " << ex.what() << "\n";
    }
  }
  e.consent("bob", "profiling", false, t + 200000);
}

void profile_and_state_seeds() {
  const int64_t t = 1764324000000;
  {
    auto e = attune::Engine::from_json(attune_fuzz::engine_config_json());
    drive(*e, t);
    const std::string a = e->export_profile("alice"), b = e->export_profile("bob");
    write("profile", "alice", a);
    write("profile", "bob_no_profiling", b);
    write("profile", "alice_truncated", a.substr(0, a.size() / 2));
    std::string v = a;
    v[4] = static_cast<char>(v[4] + 1);  // version byte after the magic
    write("profile", "alice_version", v);
  }
  const fs::path dir = attune_fuzz::scratch_path("seeds-state");
  fs::remove_all(dir);
  {
    auto e = attune::Engine::from_json(attune_fuzz::engine_config_json("\"durability\":\"none\",\"state_dir\":\"" +
                                                                       dir.string() + "\""));
    drive(*e, t);
    e->snapshot();
  }
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0) {
      const std::string payload = read(f.path()).substr(64);  // after the 64-byte header
      write("engine_state", "snapshot", std::string(1, '\0') + payload);
      write("engine_state", "snapshot_truncated", std::string(1, '\0') + payload.substr(0, payload.size() / 3));
    }
  }
  fs::remove_all(dir);
  {
    auto e = attune::Engine::from_json(attune_fuzz::engine_config_json("\"durability\":\"none\",\"state_dir\":\"" +
                                                                       dir.string() + "\""));
    drive(*e, t);
    e->forget("alice", t + 300000);
  }
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    if (name.rfind("journal-", 0) != 0) continue;
    std::string records = "\x01";
    attune::profile::Journal::for_each(f.path().string(), [&](uint8_t type, std::string_view payload) {
      records += static_cast<char>(type);
      records += static_cast<char>(payload.size() & 0xFF);
      records += static_cast<char>((payload.size() >> 8) & 0xFF);
      records.append(payload);
    });
    write("engine_state", "journal_records", records);
  }
  fs::remove_all(dir);
}

template <class Handle, class Save>
std::string saved(Handle* h, Save save) {
  size_t needed = 0;
  save(h, nullptr, 0, &needed);
  std::vector<uint8_t> buf(needed);
  if (save(h, buf.data(), buf.size(), &needed) != ATTUNE_OK) throw std::runtime_error(attune_last_error());
  return std::string(buf.begin(), buf.end());
}

void c_abi_seeds(const fs::path& source) {
  auto seed = [](const char* name, int which, const std::string& bytes) {
    write("c_abi", name, std::string(1, static_cast<char>(which)) + bytes);
  };
  seed("tokenize", 0, "I do NOT like this... soooo slow!!! :( #fail @support \xF0\x9F\x98\xA1 https://x.io 42");
  seed("tokenize_bad_utf8", 0, "caf\xC3 \xE2\x82");
  seed("utf8", 1, "ok \xED\xA0\x80 surrogate");
  seed("observe_event", 2, R"({"type":"track","event":"Product Viewed","userId":"u1","timestamp":"2026-11-28T17:03:12Z"})");
  seed("observe_text", 3, "where is my refund?? this is the third time I ask");
  seed("correct", 4, R"(["annoyance","disappointment"])");
  seed("catalog", 5, read(source / "models" / "catalog.json"));
  seed("next_best_action", 6, read(source / "models" / "next_best_action.json"));
  {
    attune_baseline* b = nullptr;
    attune_baseline_create(3600, &b);
    for (int i = 0; i < 5; ++i) attune_baseline_observe(b, ATTUNE_SIGNAL_DWELL, 10 + i, 100.0 * i);
    seed("baseline", 7, saved(b, attune_baseline_serialize));
    attune_hesitation_detector* h = nullptr;
    attune_hesitation_detector_create(1800, &h);
    attune_hesitation_detector_observe_product_view(h, "p1", 2, 40, 10, b);
    attune_hesitation_detector_observe_product_view(h, "p1", 2, 60, 100, b);
    attune_hesitation_detector_observe_add_to_cart(h, "p1", 2, 120);
    seed("hesitation", 8, saved(h, attune_hesitation_detector_serialize));
    attune_hesitation_detector_free(h);
    attune_baseline_free(b);
  }
  {
    attune_engagement_monitor* m = nullptr;
    attune_engagement_monitor_create(nullptr, &m);
    for (int d = 0; d < 10; ++d) attune_engagement_monitor_observe_day(m, d, d < 6 ? 5.0 : 1.0);
    seed("engagement", 9, saved(m, attune_engagement_monitor_serialize));
    attune_engagement_monitor_free(m);
  }
  {
    attune_state_transitions* s = nullptr;
    attune_state_transitions_create(0.5, &s);
    attune_state_transitions_observe(s, ATTUNE_STATE_FRUSTRATION, ATTUNE_STATE_DETACHMENT, 1.0);
    attune_state_transitions_observe(s, ATTUNE_STATE_CURIOSITY, ATTUNE_STATE_EXCITEMENT, 2.0);
    seed("transitions", 10, saved(s, attune_state_transitions_serialize));
    attune_state_transitions_free(s);
  }
  seed("turn_risk", 11, str(attune::behavior::TurnRiskModel().serialize()).substr(0, 4096));
  {
    attune_catalog* c = nullptr;
    const std::string path = (source / "models" / "catalog.json").string();
    attune_catalog_load(path.c_str(), &c);
    attune_selector* sel = nullptr;
    attune_selector_create(c, nullptr, &sel);
    seed("selector_state", 12, saved(sel, attune_selector_save));
    attune_selector_free(sel);
    attune_catalog_free(c);
  }
  seed("decision_id", 13, "00000000deadbeef");
  seed("pseudonymize", 14, "0123456789abcdef0123456789abcdefcustomer-42@example.com");
  {
    attune_consent_registry* r = nullptr;
    attune_consent_registry_create(&r);
    attune_consent_registry_grant(r, "alice", 5, "profiling", 1000, -1, "web", 3);
    seed("consent", 15, saved(r, attune_consent_registry_serialize));
    attune_consent_registry_free(r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds <tests/fuzz/corpus> [source dir]\n");
    return 2;
  }
  g_root = argv[1];
  const fs::path source = argc > 2 ? fs::path(argv[2]) : g_root.parent_path().parent_path().parent_path();
  try {
    emotion_seeds();
    intent_seeds();
    policy_seeds();
    event_seeds();
    engine_config_seeds(source);
    profile_and_state_seeds();
    c_abi_seeds(source);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  std::printf("{\"files\":%zu}\n", g_files);
  return 0;
}
