// Randomized ethics workload (issue 7 figures): many customers, random consent grants, revocations
// and expiries per purpose, texts, Segment events, numeric signals, decisions, rewards,
// corrections, forgets, snapshots and, in crash mode, SIGKILLs of a child process working on the
// state directory followed by a restore. After every operation it checks, against an independent
// model of what each customer consented to at that moment:
//
//   emotion stored   no emotion datum (fused states, valence/arousal, distress, frustration peak) in
//                    the profile of a customer without `emotion_inference` consent after a call on
//                    them, in any journal record written by that call, in any snapshot (for
//                    customers without consent at the snapshot's time, pending decisions included),
//                    nor in the audit lines of that call (no states, labels or observation id);
//   emotion used     decisions for such a customer say `emotion_used: false`, carry no states (also
//                    not in the explanation) and no state drivers; texts are not scored; the
//                    profile view shows no states; corrections are refused;
//   personalization  without `personalization` consent decide returns the slot's safe default;
//   disclosure       every decision with `emotion_used` carries the disclosure sentence (also in
//                    its explanation);
//   erasure          after forget: no profile, no consent, no pending decision (rewarding an old
//                    decision is not_found), no cached text; after a compacting forget or any later
//                    snapshot no state file holds the customer id; the audit erasure line holds only
//                    the pseudonym; no audit line ever holds a raw customer id;
//   restore          after each SIGKILL the restored engine has every acknowledged consent change
//                    (the one call in flight may or may not have happened), no forgotten customer
//                    (0 resurrected) and no emotion datum of a customer without consent.
//
// Expiry is enforced lazily by the engine (docs/ethics.md): a lapsed consent hides and stops using
// the data at once and erases it at the customer's next call or the next snapshot; the checks
// follow that contract (the view and decisions are checked at every moment, stored bytes after a
// call on the customer and in every snapshot).
//
// Crash mode forks children without exec (the parent holds no engine and no threads when it
// forks). Each child reports every operation to the parent through a pipe as JSON lines: an intent
// before a consent change or a forget, an acknowledgement with the effect and the running counters
// after each call returns. Used by tests/cpp/test_ethics_workload.cpp (small) and
// benchmarks/bench_ethics_workload.cpp (JSON figures).
#pragma once

#include "attune/detail/zero_word_packing.hpp"
#include "attune/engine.hpp"
#include "attune/error.hpp"
#include "attune/ethics/consent_registry.hpp"
#include "attune/model_path.hpp"
#include "attune/profile/journal.hpp"
#include "attune/profile/profile.hpp"
#include "attune/profile/snapshot.hpp"
#include "attune/select/catalog.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <poll.h>
#include <random>
#include <set>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace attune_ethics_wl {

using attune::Channel;
using attune::ethics::Purpose;
using nlohmann::json;

inline constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

struct Config {
  std::string dir;               ///< state directory (created); the audit log lives in it
  int customers = 200;
  long ops = 20000;              ///< operations in total (all children together in crash mode)
  uint64_t seed = 1;
  bool crash = false;            ///< run in forked children that are SIGKILLed at random points
  int kills = 50;                ///< crash mode: stop after this many kills...
  double max_seconds = 60;       ///< ...or after this much time (also bounds the in-process run)
  int max_kill_delay_ms = 250;   ///< kill after a uniform delay in [0, this] once the child is ready
  bool forget_scenario = false;  ///< forgotten customers are never touched again; many forgets
  int full_check_every = 400;    ///< every n operations, every customer's view is checked
};

inline const std::vector<std::string>& violation_kinds() {
  static const std::vector<std::string> k = {
      "emotion_stored_profile", "emotion_stored_journal", "emotion_stored_snapshot", "emotion_logged_audit",
      "emotion_used_text",      "emotion_used_decision",  "emotion_shown_view",      "emotion_used_correction",
      "not_default_without_personalization", "disclosure_missing", "resurrected", "forgotten_id_on_disk",
      "erasure_line_extra_fields", "raw_id_in_audit", "consent_not_restored", "unexpected_error"};
  return k;
}

struct Totals {
  std::map<std::string, uint64_t> ops, counts, violations;
  std::vector<std::string> samples;  ///< first violation messages (for diagnosis)

  Totals() {
    for (const auto& k : violation_kinds()) violations[k] = 0;
  }
  uint64_t violation_total() const {
    uint64_t n = 0;
    for (const auto& [k, v] : violations) n += v;
    return n;
  }
  json to_json() const { return {{"ops", ops}, {"counts", counts}, {"violations", violations}, {"samples", samples}}; }
  static Totals from_json(const json& j) {
    Totals t;
    t.ops = j.at("ops").get<std::map<std::string, uint64_t>>();
    t.counts = j.at("counts").get<std::map<std::string, uint64_t>>();
    t.violations = j.at("violations").get<std::map<std::string, uint64_t>>();
    t.samples = j.at("samples").get<std::vector<std::string>>();
    return t;
  }
};

inline std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}
inline std::string unhex(const std::string& h) {
  std::string s;
  for (size_t i = 0; i + 1 < h.size(); i += 2) s += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return s;
}

inline std::string iso(int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&s));
  char out[64];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

/// Emotion data in a profile: fused states, the frustration peak, distress, valence and arousal.
/// (Trust is left out: it also moves with purchases and rewards under `profiling` alone.)
inline bool holds_emotion(const attune::profile::Profile& p) {
  for (size_t i = 0; i < attune::kStateCount; ++i)
    if (p.memory.evidence[i] != 0 || p.memory.weight[i] != 0) return true;
  return p.frustration_peak != 0 || p.frustration_peak_ms != 0 || p.distress != 0 || p.distress_ms != 0 ||
         p.last_valence != 0 || p.last_arousal != 0;
}

// ---- reading the engine's files (formats: docs/persistence.md, "Engine records") ------------------

struct Bytes {  // little-endian reader of the engine's records
  std::string_view in;
  size_t pos = 0;
  void need(size_t n) const {
    if (n > in.size() - pos) throw std::runtime_error("truncated engine record");
  }
  uint64_t uint(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(in[pos++])} << (8 * i);
    return v;
  }
  double f64() {
    const uint64_t b = uint(8);
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  std::string_view bytes() {
    const auto n = static_cast<size_t>(uint(4));
    need(n);
    auto s = in.substr(pos, n);
    pos += n;
    return s;
  }
};

// A snapshot version 3 profile record (unpacked; docs/persistence.md, "Engine snapshot"), read
// independently of the engine: the customer id and whether any emotion datum is non-zero.
inline bool v3_record_holds_emotion(std::string_view raw, std::string& customer) {
  Bytes r{raw};
  const auto id_len = static_cast<size_t>(r.uint(2));
  r.need(id_len);
  customer = std::string(raw.substr(r.pos, id_len));
  r.pos += id_len;
  r.uint(1);  // flags
  auto f32 = [&r] {
    const auto bits = static_cast<uint32_t>(r.uint(4));
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  };
  bool emotion = false;
  for (size_t k = 0; k < 2 * attune::kStateCount; ++k) emotion |= f32() != 0;  // evidence, weight
  r.uint(8);                                                // memory time
  for (int k = 0; k < 4; ++k) f32();                        // trust
  r.uint(8);
  r.bytes();                                                // baseline
  r.need(4 * 20);                                           // recent decisions
  r.pos += 4 * 20;
  for (int k = 0; k < 3; ++k) r.uint(8);                    // nonce, created, last seen
  emotion |= r.uint(8) != 0;                                // frustration peak time
  emotion |= f32() != 0;                                    // frustration peak
  emotion |= f32() != 0;                                    // distress
  emotion |= r.uint(8) != 0;                                // distress time
  emotion |= f32() != 0;                                    // valence
  emotion |= f32() != 0;                                    // arousal
  return emotion;
}

struct PendingSeen {
  std::string customer;
  bool has_states = false;
};

inline PendingSeen read_pending(Bytes& r) {
  PendingSeen p;
  p.customer = std::string(r.bytes());
  r.uint(4);  // slot
  r.uint(4);  // variant
  r.f64();    // propensity
  r.uint(8);  // time
  r.uint(1);  // flags
  const auto n = static_cast<size_t>(r.uint(4));
  for (size_t i = 0; i < n; ++i) {
    const double x = r.f64();
    if (i < attune::kStateCount && x != 0) p.has_states = true;
  }
  return p;
}

/// One journal record as the checks need it.
struct RecordSeen {
  uint8_t type = 0;
  std::string customer;
  bool emotion = false;                 ///< profile with emotion data / pending decision with states
  std::string consent_blob;             ///< kConsent payload
};

inline RecordSeen decode_record(uint8_t type, std::string_view payload) {
  RecordSeen out;
  out.type = type;
  Bytes r{payload};
  if (type == 1) {  // profile put: u64 observation counter, profile bytes
    r.uint(8);
    const auto p = attune::profile::Profile::deserialize(r.bytes(), out.customer);
    out.emotion = holds_emotion(p);
  } else if (type == 2) {  // erase
    out.customer = std::string(r.bytes());
  } else if (type == 3) {  // consent blob of one customer
    out.consent_blob = std::string(payload);
  } else if (type == 4) {  // decision: counter, id, pending
    r.uint(8);
    r.uint(8);
    const auto p = read_pending(r);
    out.customer = p.customer;
    out.emotion = p.has_states;
  }
  return out;
}

/// The records of one journal entry: a batch (type 6: u8 type + u32 length + payload per
/// sub-record, one call's changes) is expanded into its sub-records.
inline void decode_records(uint8_t type, std::string_view payload, std::vector<RecordSeen>& out) {
  if (type != 6) {
    out.push_back(decode_record(type, payload));
    return;
  }
  Bytes r{payload};
  while (r.pos < payload.size()) {
    const auto sub = static_cast<uint8_t>(r.uint(1));
    out.push_back(decode_record(sub, r.bytes()));
  }
}

/// Reads journal records appended since the last call (the engine keeps writing the file).
class JournalTail {
 public:
  explicit JournalTail(std::string dir) : dir_(std::move(dir)) {}
  /// Positions at the current end (records already there are not returned).
  void skip_to_end() {
    file_ = current();
    offset_ = file_.empty() ? 0 : std::filesystem::file_size(file_);
  }
  std::vector<RecordSeen> read_new() {
    std::vector<RecordSeen> out;
    const std::string now = current();
    if (now != file_) {  // a checkpoint switched journals: the old one is gone, start the new one
      file_ = now;
      offset_ = 32;
    }
    if (file_.empty()) return out;
    std::ifstream in(file_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t pos = 0;
    while (rest.size() - pos >= 16) {
      Bytes h{std::string_view(rest).substr(pos, 16)};
      h.uint(4);
      const auto len = static_cast<size_t>(h.uint(4));
      const auto type = static_cast<uint8_t>(h.uint(1));
      if (rest.size() - pos - 16 < len) break;  // being written
      decode_records(type, std::string_view(rest).substr(pos + 16, len), out);
      pos += 16 + len;
    }
    offset_ += pos;
    return out;
  }

 private:
  std::string current() const {
    std::string best;
    if (!std::filesystem::exists(dir_)) return best;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("journal-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".log" &&
          (best.empty() || e.path().string() > best))
        best = e.path().string();
    }
    return best;
  }
  std::string dir_, file_;
  uint64_t offset_ = 0;
};

/// Audit lines appended since the last call.
class AuditTail {
 public:
  explicit AuditTail(std::string path) : path_(std::move(path)) {}
  void skip_to_end() { offset_ = std::filesystem::exists(path_) ? std::filesystem::file_size(path_) : 0; }
  std::vector<std::string> read_new() {
    std::vector<std::string> out;
    std::ifstream in(path_, std::ios::binary);
    if (!in) return out;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline yet: being written
      offset_ += line.size() + 1;
      out.push_back(line);
    }
    return out;
  }

 private:
  std::string path_;
  uint64_t offset_ = 0;
};

/// What the newest snapshot holds: profiles and pending decisions with emotion data, by customer,
/// and the consent registry.
struct SnapshotSeen {
  bool present = false;
  std::vector<std::string> emotion_profiles, emotion_pending;
  uint64_t profiles = 0, pending = 0;
  std::string consent;
};

inline std::string newest(const std::string& dir, const std::string& prefix) {
  std::string best;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find(".tmp") == std::string::npos && e.path().string() > best)
      best = e.path().string();
  }
  return best;
}

inline SnapshotSeen read_snapshot(const std::string& dir) {
  SnapshotSeen out;
  const std::string path = newest(dir, "snapshot-");
  if (path.empty()) return out;
  std::string bytes;
  attune::profile::Snapshot::read(path, [&](attune::profile::SnapshotReader& r) {
    bytes.resize(static_cast<size_t>(r.remaining()));
    r.read_exact(bytes.data(), bytes.size());
  });
  out.present = true;
  Bytes r{bytes};
  r.uint(4);  // magic
  const auto version = r.uint(1);  // 2: profiles zero-word packed
  r.uint(8);
  r.uint(8);
  if (version <= 3) out.consent = std::string(r.bytes());  // 4: after the profiles
  const auto slots = r.uint(4);
  for (uint64_t s = 0; s < slots; ++s) r.bytes();
  out.pending = r.uint(8);
  for (uint64_t i = 0; i < out.pending; ++i) {
    r.uint(8);
    const auto p = read_pending(r);
    if (p.has_states) out.emotion_pending.push_back(p.customer);
  }
  out.profiles = r.uint(8);
  for (uint64_t i = 0; i < out.profiles; ++i) {
    std::string customer, raw;
    std::string_view stored = r.bytes();
    if (version >= 2) {
      attune::detail::unpack_zero_words(stored, raw);
      stored = raw;
    }
    if (version >= 3) {
      if (v3_record_holds_emotion(stored, customer)) out.emotion_profiles.push_back(customer);
      continue;
    }
    const auto p = attune::profile::Profile::deserialize(stored, customer);
    if (holds_emotion(p)) out.emotion_profiles.push_back(customer);
  }
  if (version >= 4) out.consent = std::string(r.bytes());
  return out;
}

/// Consent as restored from the state directory alone (snapshot, then the journals' consent
/// records and tombstones), independent of the engine.
inline void replay_consent(const std::string& dir, attune::ethics::ConsentRegistry& out) {
  const SnapshotSeen snap = read_snapshot(dir);
  if (snap.present) out.deserialize(snap.consent);
  else out.deserialize(attune::ethics::ConsentRegistry().serialize());
  std::vector<std::string> journals;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("journal-", 0) == 0 && name.find(".tmp") == std::string::npos) journals.push_back(e.path().string());
  }
  std::sort(journals.begin(), journals.end());
  const std::string snap_path = newest(dir, "snapshot-");
  for (const auto& j : journals) {
    // Journals older than the snapshot are folded into it.
    if (!snap_path.empty() && j.substr(j.size() - 24, 20) < snap_path.substr(snap_path.size() - 24, 20)) continue;
    attune::profile::Journal::for_each(j, [&](uint8_t type, std::string_view payload) {
      std::vector<RecordSeen> records;
      decode_records(type, payload, records);
      for (const auto& rec : records) {
        if (rec.type == 3) out.deserialize_customer(rec.consent_blob);
        if (rec.type == 2) out.forget(rec.customer);
      }
    });
  }
}

/// Customer ids ("wl-c" + 5 digits) that appear anywhere in a file.
inline std::set<std::string> ids_in_file(const std::string& path) {
  std::set<std::string> out;
  std::ifstream in(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t at = s.find("wl-c"); at != std::string::npos; at = s.find("wl-c", at + 1))
    if (at + 9 <= s.size()) out.insert(s.substr(at, 9));
  return out;
}

// ---- the model and the workload ---------------------------------------------------------------

inline const char* const kTexts[] = {
    "I'm really worried and nervous about this payment, I'm scared it will fail again",
    "This is the third time the parcel arrived broken. I am furious, nobody answers!",
    "Thank you so much, the support was great and the product is amazing",
    "I'm so sad, my order was for my mother's funeral and it never came",
    "I don't understand how the sizes work, which one should I pick?",
    "Wow I'm so excited, can't wait to try it!!!",
    "ok",
    "Where is my refund? I have been waiting for two weeks and I am getting anxious",
};
inline const char* const kSlots[] = {"product_cta", "wellness_message", "follow_up", "price_display"};
inline const char* const kPurposes[] = {"emotion_inference", "personalization", "profiling"};

/// What one operation did, applied to the model (in the same process, or by the parent of a
/// crashed child from the child's acknowledgements).
struct Effect {
  long op = 0;
  std::string kind, customer;
  int64_t time = 0;
  bool has_consent = false;
  std::string consent_blob;  ///< the customer's consent after the call
  bool forgot = false;
  std::string new_decision, rewarded, new_observation;
  json to_json() const {
    return {{"op", op},           {"kind", kind},         {"customer", customer},  {"time", time},
            {"hc", has_consent},  {"cb", hex(consent_blob)}, {"forgot", forgot}, {"nd", new_decision},
            {"rw", rewarded},     {"no", new_observation}};
  }
  static Effect from_json(const json& j) {
    Effect e;
    e.op = j.at("op");
    e.kind = j.at("kind");
    e.customer = j.at("customer");
    e.time = j.at("time");
    e.has_consent = j.at("hc");
    e.consent_blob = unhex(j.at("cb"));
    e.forgot = j.at("forgot");
    e.new_decision = j.at("nd");
    e.rewarded = j.at("rw");
    e.new_observation = j.at("no");
    return e;
  }
};

struct Model {
  attune::ethics::ConsentRegistry consent;
  int64_t clock = kT0;
  std::vector<std::pair<std::string, std::string>> decisions;     // unrewarded: id, customer
  std::vector<std::pair<std::string, std::string>> observations;  // id, customer
  std::set<std::string> forgotten;                                // and not seen again since
  std::map<std::string, std::vector<std::string>> forgotten_decisions;

  static bool starts_customer(const std::string& kind) {
    return kind == "text" || kind == "event" || kind == "decide" || kind == "grant" || kind == "revoke";
  }
  void apply(const Effect& e) {
    clock = std::max(clock, e.time);
    if (e.has_consent) consent.deserialize_customer(e.consent_blob);
    if (e.forgot) {
      consent.forget(e.customer);
      forgotten.insert(e.customer);
      auto& fd = forgotten_decisions[e.customer];
      for (auto it = decisions.begin(); it != decisions.end();) {
        if (it->second == e.customer) {
          fd.push_back(it->first);
          it = decisions.erase(it);
        } else {
          ++it;
        }
      }
      observations.erase(std::remove_if(observations.begin(), observations.end(),
                                        [&](const auto& o) { return o.second == e.customer; }),
                         observations.end());
    } else if (forgotten.count(e.customer) && starts_customer(e.kind)) {
      // A call that creates a profile or a consent record starts a new customer with the same id.
      forgotten.erase(e.customer);
      forgotten_decisions.erase(e.customer);
    }
    if (!e.new_decision.empty()) decisions.emplace_back(e.new_decision, e.customer);
    if (!e.rewarded.empty())
      decisions.erase(std::remove_if(decisions.begin(), decisions.end(),
                                     [&](const auto& d) { return d.first == e.rewarded; }),
                      decisions.end());
    if (!e.new_observation.empty()) observations.emplace_back(e.new_observation, e.customer);
    if (decisions.size() > 4000) decisions.erase(decisions.begin(), decisions.begin() + 1000);
    if (observations.size() > 2000) observations.erase(observations.begin(), observations.begin() + 500);
  }
};

inline std::string customer_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "wl-c%05d", i);
  return buf;
}

class Workload {
 public:
  Workload(Config cfg, Model& model, Totals& totals, uint64_t rng_seed)
      : cfg_(std::move(cfg)), model_(model), totals_(totals), rng_(rng_seed), journal_(cfg_.dir),
        audit_(cfg_.dir + "/audit.jsonl") {
    catalog_ = attune::select::Catalog::load(attune::find_model("catalog.json"));
  }

  static std::string engine_config(const std::string& dir) {
    return R"({"seed": 11, "state_dir": ")" + dir +
           R"(", "durability": "none",
              "audit": {"path": "audit.jsonl", "salt": "workload-salt-0123456789abcdef", "review_share": 0.1},
              "signals": {"typing_erratic": {"state": "anxiety", "weight": 1.2, "low": 0, "high": 1}}})";
  }

  void open() {
    engine_ = attune::Engine::from_json(engine_config(cfg_.dir));
    // A restored engine's clock resumes from the latest activity in the restored profiles.
    engine_clock_ = 0;
    for (int i = 0; i < cfg_.customers; ++i) {
      try {
        std::string id;
        const auto p = attune::profile::Profile::deserialize(engine_->export_profile(customer_id(i)), id);
        engine_clock_ = std::max(engine_clock_, p.last_seen_ms);
      } catch (const attune::invalid_argument&) {
      }
    }
    journal_.skip_to_end();
    audit_.skip_to_end();
  }
  void close() { engine_.reset(); }
  attune::Engine& engine() { return *engine_; }

  /// One random operation and every check that applies to it. Returns its effect (already
  /// applied to the model). `before_call` runs after the model side is prepared and before the
  /// engine is called (crash mode: the intent message).
  template <class BeforeCall>
  Effect step(long op, BeforeCall&& before_call) {
    Effect e;
    e.op = op;
    e.time = model_.clock + static_cast<int64_t>(rng_() % (2 * kMinute));
    const int64_t t = e.time;
    const std::string c = pick_customer();
    e.customer = c;
    const int r = static_cast<int>(rng_() % 1000);
    const int forget_share = cfg_.forget_scenario ? 60 : 15;
    try {
      if (r < 200) {
        consent_op(e, c, t, before_call);
      } else if (r < 380) {
        e.kind = "text";
        before_call(e);
        auto obs = engine_->observe_text(c, static_cast<Channel>(rng_() % 4), kTexts[rng_() % 8], t);
        check_text(c, t, obs);
        e.new_observation = obs.observation_id;
        check_stored(c, t, true);
      } else if (r < 500) {
        e.kind = "event";
        before_call(e);
        auto out = engine_->observe_event(event_json(c, t));
        if (!allows(c, Purpose::emotion_inference, t) && out.hesitation != 0)
          violation("emotion_used_text", c, "event observation reports hesitation without emotion consent");
        check_stored(c, t, true);
      } else if (r < 540) {
        e.kind = "signal";
        before_call(e);
        engine_->observe_signal(c, Channel::app, "typing_erratic", static_cast<double>(rng_() % 100) / 100.0, t);
        check_stored(c, t, false);
      } else if (r < 740) {
        e.kind = "decide";
        before_call(e);
        std::map<std::string, double> features;
        if (rng_() % 2) features["is_mobile"] = 1.0;
        const auto d = engine_->decide(c, kSlots[rng_() % 4], t, features);
        check_decision(c, t, d);
        e.new_decision = d.decision_id;
        check_stored(c, t, true);
      } else if (r < 820 && !model_.decisions.empty()) {
        e.kind = "reward";
        const auto& [id, owner] = model_.decisions[rng_() % model_.decisions.size()];
        e.customer = owner;
        e.rewarded = id;  // sent with the intent: a reward in flight at a SIGKILL may have landed
        before_call(e);
        bool applied = false;
        try {
          engine_->reward(id, static_cast<double>(rng_() % 2), t);
          applied = true;
        } catch (const attune::invalid_argument& err) {
          // Decisions expire after 7 days; anything else is unexpected.
          if (err.code() != attune::status::not_found) throw;
          count("rewards_expired");
        }
        check_stored(owner, t, applied);  // an expired decision id does not touch the profile
      } else if (r < 824 && !model_.observations.empty()) {
        e.kind = "correct";
        const auto& [id, owner] = model_.observations[rng_() % model_.observations.size()];
        e.customer = owner;
        before_call(e);
        const bool ok = allows(owner, Purpose::emotion_inference, t);
        try {
          engine_->correct(owner, id, {"nervousness"}, t);
          if (!ok) violation("emotion_used_correction", owner, "correction accepted without emotion consent");
          count("corrections");
        } catch (const attune::invalid_argument& err) {
          if (err.code() != attune::status::not_found && err.code() != attune::status::consent_required) throw;
          count("corrections_refused");
        }
      } else if (r < 900) {
        e.kind = "view";
        check_view(c, t);
      } else if (r < 900 + forget_share) {
        const bool compact = rng_() % 3 == 0;
        e.kind = compact ? "forget_compact" : "forget";
        e.forgot = true;
        before_call(e);
        engine_->forget(c, t, compact);
        check_forgotten(c, t);
        if (compact) check_snapshot(t, c);
      } else if (r < 905 + forget_share) {
        e.kind = "snapshot";
        before_call(e);
        engine_->snapshot();
        // The snapshot's "now" is the latest time a call carried (snapshot() takes no time).
        check_snapshot(engine_clock_, {});
      } else {
        e.kind = "view";
        check_view(c, t);
      }
    } catch (const std::exception& err) {
      violation("unexpected_error", c, e.kind + ": " + err.what());
    }
    check_journal(e, t);
    check_audit(e, t);
    if (e.kind != "view" && e.kind != "snapshot") engine_clock_ = std::max(engine_clock_, t);
    model_.apply(e);
    ++totals_.ops[e.kind];
    if (cfg_.full_check_every > 0 && op % cfg_.full_check_every == 0) full_check(model_.clock);
    return e;
  }

  /// Checks of a freshly restored engine (after a SIGKILL or a restart).
  void restore_check(int64_t t) {
    count("restores");
    for (int i = 0; i < cfg_.customers; ++i) {
      const std::string c = customer_id(i);
      const auto view = engine_->profile(c, t);
      for (size_t p = 0; p < 3; ++p) {
        const auto want = std::string(attune::ethics::consent_status_name(
            model_.consent.status(c, static_cast<Purpose>(p), t)));
        if (view.consent.at(kPurposes[p]) != want)
          violation("consent_not_restored", c, std::string(kPurposes[p]) + " is " + view.consent.at(kPurposes[p]) +
                                                   ", acknowledged " + want);
      }
      if (model_.forgotten.count(c)) {
        check_gone(c, t, "after restore", model_.forgotten_decisions[c]);
        continue;
      }
      if (!allows(c, Purpose::emotion_inference, t)) {
        for (float x : view.states)
          if (x != 0) violation("emotion_shown_view", c, "restored view shows states without consent");
        check_stored(c, t, false);
      }
    }
  }

  Totals& totals() { return totals_; }
  Model& model() { return model_; }

 private:
  bool allows(const std::string& c, Purpose p, int64_t t) const { return model_.consent.allows(c, p, t); }

  std::string pick_customer() {
    for (int tries = 0; tries < 50; ++tries) {
      const std::string c = customer_id(static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.customers)));
      if (!cfg_.forget_scenario || !model_.forgotten.count(c)) return c;
    }
    return customer_id(static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.customers)));
  }

  void count(const std::string& k, uint64_t n = 1) { totals_.counts[k] += n; }

  void violation(const std::string& kind, const std::string& c, const std::string& msg) {
    ++totals_.violations[kind];
    if (totals_.samples.size() < 20) totals_.samples.push_back(kind + " [" + c + "]: " + msg);
  }

  std::string event_json(const std::string& c, int64_t t) {
    static const char* const names[] = {"Product Viewed", "Product Added", "Checkout Started", "Order Completed",
                                        "Error Shown",    "Products Searched", "Cart Viewed"};
    const auto k = rng_() % 9;
    if (k >= 7)
      return R"({"type":"page","userId":")" + c + R"(","name":"Shipping","properties":{"path":"/help/shipping"},"timestamp":")" +
             iso(t) + R"("})";
    return R"({"type":"track","userId":")" + c + R"(","event":")" + names[k] + R"(","properties":{"product_id":"p)" +
           std::to_string(rng_() % 5) + R"("},"timestamp":")" + iso(t) + R"("})";
  }

  template <class BeforeCall>
  void consent_op(Effect& e, const std::string& c, int64_t t, BeforeCall&& before_call) {
    // Emotion and personalization consent change more often than profiling: the checks are
    // about them.
    const uint64_t k = rng_() % 5;
    const auto purpose = static_cast<Purpose>(k < 2 ? 0 : k < 4 ? 1 : 2);
    const bool grant = rng_() % 10 < 7;
    std::optional<int64_t> expires;
    if (grant && rng_() % 2) {
      // From a minute to three days, spread over the orders of magnitude.
      const int64_t spans[] = {kMinute, kHour, 6 * kHour, kDay, 3 * kDay};
      expires = t + 1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(spans[rng_() % 5]));
    }
    e.kind = grant ? "grant" : "revoke";
    if (expires) count("grants_with_expiry");
    const std::string before = model_.consent.serialize_customer(c);
    if (grant) model_.consent.grant(c, purpose, t, expires, "workload");
    else model_.consent.revoke(c, purpose, t, "workload");
    e.has_consent = true;
    e.consent_blob = model_.consent.serialize_customer(c);
    before_call(e);
    try {
      engine_->consent(c, kPurposes[static_cast<size_t>(purpose)], grant, t, expires, "workload");
    } catch (...) {
      model_.consent.deserialize_customer(before);  // the model follows what the engine accepted
      e.has_consent = false;
      throw;
    }
    check_stored(c, t, grant);
  }

  // No emotion datum stored in the profile of a customer without consent. `touched`: a call on
  // the customer just returned (then a lapsed consent must have been enforced too).
  void check_stored(const std::string& c, int64_t t, bool touched) {
    if (allows(c, Purpose::emotion_inference, t)) return;
    const auto st = model_.consent.status(c, Purpose::emotion_inference, t);
    if (!touched && st == attune::ethics::ConsentStatus::expired) return;  // erased lazily (see top)
    std::string bytes;
    try {
      bytes = engine_->export_profile(c);
    } catch (const attune::invalid_argument&) {
      return;  // no profile at all
    }
    std::string id;
    if (holds_emotion(attune::profile::Profile::deserialize(bytes, id)))
      violation("emotion_stored_profile", c,
                std::string("profile holds emotion data; consent ") + std::string(attune::ethics::consent_status_name(st)) +
                    (touched ? " (after a call on the customer)" : ""));
    count("stored_checks");
  }

  void check_text(const std::string& c, int64_t t, const attune::TextObservation& obs) {
    if (allows(c, Purpose::emotion_inference, t)) {
      count("texts_scored");
      return;
    }
    count("texts_without_consent");
    bool bad = obs.emotion_used || !obs.observation_id.empty() || !obs.active_labels.empty() || obs.valence != 0 ||
               obs.arousal != 0 || obs.confidence != 0;
    for (float x : obs.states) bad = bad || x != 0;
    if (bad) violation("emotion_used_text", c, "text scored without consent: " + obs.to_json().dump());
  }

  void check_view(const std::string& c, int64_t t) {
    const auto v = engine_->profile(c, t);
    if (allows(c, Purpose::emotion_inference, t)) return;
    bool bad = v.valence != 0 || v.hesitation != 0;
    for (float x : v.states) bad = bad || x != 0;
    if (bad) violation("emotion_shown_view", c, "view shows emotion without consent");
  }

  void check_decision(const std::string& c, int64_t t, const attune::Decision& d) {
    count("decisions");
    const json ex = d.explanation();
    const bool emotion_ok = allows(c, Purpose::emotion_inference, t);
    if (!emotion_ok) {
      count("decisions_without_emotion_consent");
      bool bad = d.emotion_used || ex.contains("states") || ex.at("emotion_used") != false;
      for (float x : d.states) bad = bad || x != 0;
      for (const auto& drv : d.drivers)
        for (const auto& name : attune::kStateNames) bad = bad || drv == name;
      if (bad) violation("emotion_used_decision", c, "decision used emotion without consent: " + ex.dump());
    }
    if (!allows(c, Purpose::personalization, t)) {
      count("decisions_without_personalization_consent");
      const auto& s = catalog_.slot(*catalog_.find_slot(d.slot));
      if (d.variant_id != s.variants[s.safe_default].id || d.adapted || d.propensity != 1.0 ||
          d.reason != "no personalization consent")
        violation("not_default_without_personalization", c, "decision adapted without consent: " + ex.dump());
    }
    if (d.emotion_used) {
      count("emotion_adapted_decisions");
      if (!d.disclosure.empty() && ex.at("disclosure") == d.disclosure &&
          d.disclosure.find("adapted because") != std::string::npos)
        count("emotion_adapted_with_disclosure");
      else
        violation("disclosure_missing", c, "emotion-adapted decision without disclosure: " + ex.dump());
    }
    if (d.adapted) count("adapted_decisions");
  }

  void check_gone(const std::string& c, int64_t t, const std::string& when, const std::vector<std::string>& decisions) {
    const auto v = engine_->profile(c, t);
    bool bad = v.exists;
    for (const auto& [purpose, status] : v.consent) bad = bad || status != "none";
    bool exported = true;
    try {
      (void)engine_->export_profile(c);
    } catch (const attune::invalid_argument&) {
      exported = false;
    }
    bad = bad || exported;
    for (const auto& id : decisions) {
      try {
        engine_->reward(id, 1.0, t);
        bad = true;  // the pending decision survived
      } catch (const attune::invalid_argument& err) {
        if (err.code() != attune::status::not_found) bad = true;
      }
    }
    if (bad) violation("resurrected", c, "forgotten customer present " + when + ": " + v.to_json().dump());
    count("forgotten_checks");
  }

  void check_forgotten(const std::string& c, int64_t t) {
    // (The model applies the forget after the step.)
    std::vector<std::string> ids;
    for (const auto& [id, owner] : model_.decisions)
      if (owner == c) ids.push_back(id);
    check_gone(c, t, "after forget", ids);
    for (const auto& [id, owner] : model_.observations) {
      if (owner != c) continue;
      try {
        engine_->correct(c, id, {"joy"}, t);
        violation("resurrected", c, "a cached text of a forgotten customer was still usable");
      } catch (const attune::invalid_argument&) {
      }
    }
    count("forgets");
  }

  void check_snapshot(int64_t t, const std::string& just_forgotten) {
    count("snapshots_checked");
    const SnapshotSeen s = read_snapshot(cfg_.dir);
    count("snapshot_profiles_checked", s.profiles);
    for (const auto& c : s.emotion_profiles)
      if (!allows(c, Purpose::emotion_inference, t))
        violation("emotion_stored_snapshot", c, "snapshot profile holds emotion data without consent");
    for (const auto& c : s.emotion_pending)
      if (!allows(c, Purpose::emotion_inference, t))
        violation("emotion_stored_snapshot", c, "snapshot pending decision holds states without consent");
    // Every customer forgotten before this snapshot is gone from every state file.
    std::set<std::string> gone = model_.forgotten;
    if (!just_forgotten.empty()) gone.insert(just_forgotten);
    for (const auto& e : std::filesystem::directory_iterator(cfg_.dir)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("snapshot-", 0) != 0 && name.rfind("journal-", 0) != 0) continue;
      for (const auto& id : ids_in_file(e.path().string()))
        if (gone.count(id)) violation("forgotten_id_on_disk", id, "id found in " + name + " after compaction");
    }
  }

  void check_journal(const Effect& e, int64_t t) {
    for (const auto& rec : journal_.read_new()) {
      count("journal_records_checked");
      if (rec.emotion && !rec.customer.empty() && !allows(rec.customer, Purpose::emotion_inference, t))
        violation("emotion_stored_journal", rec.customer,
                  "record type " + std::to_string(rec.type) + " written by " + e.kind + " holds emotion data");
    }
  }

  void check_audit(const Effect& e, int64_t t) {
    for (const auto& line : audit_.read_new()) {
      count("audit_lines_checked");
      if (line.find("wl-c") != std::string::npos) violation("raw_id_in_audit", e.customer, line);
      const json j = json::parse(line);
      const std::string kind = j.at("kind");
      if (kind == "erasure") {
        std::set<std::string> keys;
        for (const auto& [k, v] : j.items()) keys.insert(k);
        if (keys != std::set<std::string>{"seq", "time", "kind", "prev", "hash", "customer"})
          violation("erasure_line_extra_fields", e.customer, line);
      }
      if (!allows(e.customer, Purpose::emotion_inference, t) &&
          (j.contains("states") || j.contains("labels") || j.contains("observation_id") ||
           (j.contains("emotion_used") && j.at("emotion_used") != false)))
        violation("emotion_logged_audit", e.customer, line);
    }
  }

  void full_check(int64_t t) {
    count("full_checks");
    for (int i = 0; i < cfg_.customers; ++i) {
      const std::string c = customer_id(i);
      if (model_.forgotten.count(c)) continue;
      check_view(c, t);
      check_stored(c, t, false);
    }
  }

  Config cfg_;
  Model& model_;
  Totals& totals_;
  std::mt19937_64 rng_;
  JournalTail journal_;
  AuditTail audit_;
  attune::select::Catalog catalog_;
  std::unique_ptr<attune::Engine> engine_;
  int64_t engine_clock_ = 0;  // latest time passed to a call that the engine notes (not views)
};

// ---- drivers ------------------------------------------------------------------------------------

struct Result {
  Totals totals;
  long ops = 0;
  int kills = 0;
  int kills_before_ready = 0;
  std::map<std::string, int> kills_during;  ///< what the child was doing when killed
  int inflight_resolved_applied = 0, inflight_resolved_not_applied = 0;
  double seconds = 0, cpu_seconds = 0;
  int customers = 0;
};

inline double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline Result run_in_process(const Config& cfg) {
  Result res;
  res.customers = cfg.customers;
  std::filesystem::create_directories(cfg.dir);
  Model model;
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_now();
  {
    Workload w(cfg, model, res.totals, cfg.seed);
    w.open();
    for (long op = 1; op <= cfg.ops; ++op) {
      w.step(op, [](const Effect&) {});
      ++res.ops;
      if (op % 256 == 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > cfg.max_seconds)
        break;
    }
    // A clean restart: everything acknowledged is back, nothing forgotten is.
    w.close();
    w.open();
    w.restore_check(model.clock);
    w.close();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.cpu_seconds = cpu_now() - c0;
  return res;
}

namespace detail {
inline void write_line(int fd, const std::string& s) {
  std::string line = s + "\n";
  const char* p = line.data();
  size_t n = line.size();
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(3);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}
}  // namespace detail

/// Crash mode: children run the workload and are SIGKILLed; the parent restores and checks.
inline Result run_with_crashes(const Config& cfg) {
  Result res;
  res.customers = cfg.customers;
  std::filesystem::create_directories(cfg.dir);
  Model model;
  long next_op = 1;
  std::mt19937_64 rng(cfg.seed ^ 0xC0FFEE);
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  int life = 0;
  while (next_op <= cfg.ops && res.kills < cfg.kills && elapsed() < cfg.max_seconds) {
    ++life;
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      Totals child_totals = res.totals;
      try {
        Workload w(cfg, model, child_totals, cfg.seed * 1000003ULL + static_cast<uint64_t>(life));
        w.open();
        detail::write_line(fds[1], R"({"t":"R"})");
        for (long op = next_op; op <= cfg.ops; ++op) {
          const Effect e = w.step(op, [&](const Effect& intent) {
            detail::write_line(fds[1], json{{"t", "I"}, {"e", intent.to_json()}}.dump());
          });
          detail::write_line(fds[1], json{{"t", "A"}, {"e", e.to_json()}, {"totals", child_totals.to_json()}}.dump());
        }
        w.close();
        detail::write_line(fds[1], R"({"t":"D"})");
      } catch (const std::exception& err) {
        detail::write_line(fds[1], json{{"t", "X"}, {"what", err.what()}}.dump());
      }
      _exit(0);
    }
    ::close(fds[1]);
    // Kill after a random delay once the child is ready, or (1 in 10) while it restores.
    const bool early = rng() % 10 == 0;
    const int delay = static_cast<int>(rng() % static_cast<uint64_t>(early ? 40 : cfg.max_kill_delay_ms + 1));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(early ? delay : 60'000);
    bool ready = false, done = false, killed = false;
    std::string buf;
    std::optional<Effect> intent;
    auto handle = [&](const std::string& line) {
      const json j = json::parse(line);
      const std::string t = j.at("t");
      if (t == "R") {
        ready = true;
        if (!early) deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
      } else if (t == "I") {
        intent = Effect::from_json(j.at("e"));
      } else if (t == "A") {
        const Effect e = Effect::from_json(j.at("e"));
        model.apply(e);
        res.totals = Totals::from_json(j.at("totals"));
        next_op = e.op + 1;
        ++res.ops;
        intent.reset();
      } else if (t == "D") {
        done = true;
      } else if (t == "X") {
        ++res.totals.violations["unexpected_error"];
        res.totals.samples.push_back("child failed: " + j.at("what").get<std::string>());
        done = true;
      }
    };
    bool eof = false;
    while (!eof) {
      const auto now = std::chrono::steady_clock::now();
      if (!killed && !done && now >= deadline) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
      pollfd p{fds[0], POLLIN, 0};
      const int wait_ms = killed ? 1000 : static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()));
      const int rc = ::poll(&p, 1, std::min(wait_ms, 1000));
      if (rc < 0 && errno != EINTR) break;
      if (rc > 0) {
        char chunk[65536];
        const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
        if (n <= 0) {
          eof = true;
        } else {
          buf.append(chunk, static_cast<size_t>(n));
          size_t nl;
          while ((nl = buf.find('\n')) != std::string::npos) {
            handle(buf.substr(0, nl));
            buf.erase(0, nl + 1);
          }
        }
      }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (killed && !done) {
      ++res.kills;
      if (!ready) ++res.kills_before_ready;
    }
    // Restore in the parent and check; the one call in flight may or may not have happened.
    Workload w(cfg, model, res.totals, 0);
    try {
      w.open();
      if (killed && !done) ++res.kills_during[intent ? intent->kind : (ready ? "view_or_checks" : "restore")];
      if (intent && (intent->has_consent || intent->forgot)) {
        attune::ethics::ConsentRegistry restored;
        replay_consent(cfg.dir, restored);
        const std::string c = intent->customer;
        const bool applied = intent->forgot ? !w.engine().profile(c, intent->time).exists &&
                                                  restored.serialize_customer(c) == attune::ethics::ConsentRegistry().serialize_customer(c)
                                            : restored.serialize_customer(c) == intent->consent_blob &&
                                                  restored.serialize_customer(c) != model.consent.serialize_customer(c);
        if (applied) {
          model.apply(*intent);
          ++res.inflight_resolved_applied;
        } else {
          ++res.inflight_resolved_not_applied;
        }
      } else if (intent && model.forgotten.count(intent->customer) && Model::starts_customer(intent->kind)) {
        // A call on a forgotten id (pick_customer falls back to one when nearly all are
        // forgotten) starts a new customer if it was journaled before the kill: the restored
        // engine tells which.
        if (w.engine().profile(intent->customer, intent->time).exists) {
          model.apply(*intent);
          ++res.inflight_resolved_applied;
        } else {
          ++res.inflight_resolved_not_applied;
        }
      } else if (intent && intent->kind == "reward") {
        // A reward in flight may or may not be journaled: its decision is never rewarded again
        // (a second reward would rightly be refused as a duplicate).
        model.apply(*intent);
      }
      w.restore_check(model.clock);
      w.close();
    } catch (const std::exception& err) {
      ++res.totals.violations["unexpected_error"];
      if (res.totals.samples.size() < 20) res.totals.samples.push_back(std::string("restore failed: ") + err.what());
      break;
    }
    if (done) break;
  }
  res.seconds = elapsed();
  res.cpu_seconds = cpu_now() - c0;
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  res.cpu_seconds += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  return res;
}

inline json to_json(const std::string& name, const Config& cfg, const Result& r) {
  const auto& c = r.totals.counts;
  auto get = [&](const char* k) { auto it = c.find(k); return it == c.end() ? uint64_t{0} : it->second; };
  const uint64_t adapted = get("emotion_adapted_decisions");
  json j = {{"name", name},
            {"customers", cfg.customers},
            {"operations", r.ops},
            {"ops_by_kind", r.totals.ops},
            {"crashes", r.kills},
            {"crashes_during_restore", r.kills_before_ready},
            {"crashes_during", r.kills_during},
            {"inflight_applied", r.inflight_resolved_applied},
            {"inflight_not_applied", r.inflight_resolved_not_applied},
            {"violations", r.totals.violations},
            {"violations_total", r.totals.violation_total()},
            {"emotion_adapted_decisions", adapted},
            {"disclosure_coverage", adapted ? static_cast<double>(get("emotion_adapted_with_disclosure")) / static_cast<double>(adapted) : 1.0},
            {"counts", c},
            {"seconds", r.seconds},
            {"cpu_seconds", r.cpu_seconds},
            {"seed", cfg.seed}};
  if (!r.totals.samples.empty()) j["samples"] = r.totals.samples;
  return j;
}

}  // namespace attune_ethics_wl
