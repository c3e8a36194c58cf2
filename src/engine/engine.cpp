// The Engine: wiring of the components and the per-customer memory. See attune/engine.hpp for
// the contract and docs/engine.md for the design notes (fusion, consent, persistence, threads).
#include "attune/engine.hpp"

#include "profile_store.hpp"
#include "snapshot_record.hpp"


#include "attune/behavior/event.hpp"
#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/next_best_action.hpp"
#include "attune/behavior/session_tracker.hpp"
#include "attune/behavior/state_transitions.hpp"
#include "attune/detail/json_fields.hpp"
#include "attune/detail/zero_word_packing.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/error.hpp"
#include "attune/ethics/audit_log.hpp"
#include "attune/ethics/consent_registry.hpp"
#include "attune/ethics/guardrails.hpp"
#include "attune/model_path.hpp"
#include "attune/profile/state_directory.hpp"
#include "attune/select/catalog.hpp"
#include "attune/select/feature_builder.hpp"
#include "attune/select/policy.hpp"
#include "attune/select/rng.hpp"
#include "attune/select/selector.hpp"
#include "attune/text/tokenizer.hpp"
#include "attune/text/utf8.hpp"

#include "../select/binary_io.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace attune {

using select::detail::ByteReader;
using select::detail::ByteWriter;

namespace {

constexpr size_t kShardCount = 64;
constexpr size_t kMaxCustomerIdBytes = ethics::kMaxCustomerIdBytes;
constexpr int64_t kMaxTimeMs = ethics::kMaxTimeMs;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kSessionTimeoutMs = 30 * 60 * 1000;
constexpr float kFrustrationPeak = 0.5f;  // fused frustration at which a quiet period can start
constexpr int64_t kPendingTtlMs = 7 * 24 * kHourMs;

// Journal record types (docs/persistence.md, "Engine records").
enum Record : uint8_t {
  kProfilePut = 1,     // customer profile bytes (+ observation counter)
  kProfileErase = 2,   // customer id
  kConsent = 3,        // ConsentRegistry::serialize_customer blob
  kDecision = 4,       // pending decision
  kReward = 5,         // reward applied
  kBatch = 6,          // several of the above, applied in order: one call's changes, all or none
};

constexpr uint32_t kSnapshotMagic = 0x4E455441;  // "ATEN"
// Version 3 stores each profile as a compact record (snapshot_record.hpp: no per-profile magic,
// behaviour detectors only when used), zero-word packed; versions 2 (Profile::serialize bytes,
// zero-word packed) and 1 (plain Profile::serialize bytes) are still read. Version 4 has the same
// records but moves the consent registry after the profiles, so that a helper thread serializes
// it while the profiles are encoded and written (in versions 1-3 it came first and was built
// before any profile could be written: ~0.7 s of a million-customer snapshot); 3 is still read.
constexpr uint8_t kSnapshotVersion = 4;

uint64_t splitmix64(uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string hex16(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = digits[v & 0xF];
  return s;
}

void check_customer(std::string_view customer) {
  if (customer.empty()) throw invalid_argument("customer id must not be empty");
  if (customer.size() > kMaxCustomerIdBytes)
    throw invalid_argument("customer id has " + std::to_string(customer.size()) + " bytes; the limit is " +
                               std::to_string(kMaxCustomerIdBytes),
                           status::limit_exceeded);
  text::require_utf8(customer, "customer id");
  // The C ABI names customers by NUL-terminated strings: an id with a NUL byte (possible through
  // import_profile or an event) could never be exported or forgotten from C (found by
  // tests/fuzz/fuzz_profile).
  if (customer.find('\0') != std::string_view::npos) throw invalid_argument("customer id contains a NUL byte");
}

void check_time(int64_t time_ms) {
  if (time_ms < 0 || time_ms > kMaxTimeMs)
    throw invalid_argument("time " + std::to_string(time_ms) + " ms is outside [0, year 9999]", status::out_of_range);
}


std::string pseudonym_key(std::string_view customer, uint64_t nonce) {
  return std::string(customer) + '\x1f' + hex16(nonce);
}

// Behavioural detectors require time order per customer; an out-of-order event still counts for
// the session, but is not fed to them (documented in docs/engine.md), so it can never corrupt a
// baseline or fail the call.
template <class F>
void in_time_order(F&& update) {
  try {
    update();
  } catch (const std::invalid_argument&) {
    // Earlier than the detector's last observation: skipped.
  }
}

// Pages whose name or path signals price/shipping/returns worries (hesitation evidence).
behavior::PageKind page_kind_of(const behavior::Event& e) {
  std::string s = e.name + " " + e.path;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.find("shipping") != std::string::npos || s.find("delivery") != std::string::npos)
    return behavior::PageKind::shipping;
  if (s.find("return") != std::string::npos || s.find("refund") != std::string::npos) return behavior::PageKind::returns;
  if (s.find("pric") != std::string::npos) return behavior::PageKind::price;
  return behavior::PageKind::other;
}

}  // namespace

// ---- JSON views ------------------------------------------------------------------------------

static nlohmann::json states_json(const StateVector& s) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t i = 0; i < kStateCount; ++i) j[std::string(kStateNames[i])] = std::round(s[i] * 1000.0f) / 1000.0f;
  return j;
}

nlohmann::json TextObservation::to_json() const {
  nlohmann::json j = {{"observation_id", observation_id}, {"emotion_used", emotion_used}};
  if (emotion_used) {
    j["states"] = states_json(states);
    j["valence"] = valence;
    j["arousal"] = arousal;
    j["confidence"] = confidence;
    j["active_labels"] = active_labels;
  }
  return j;
}

nlohmann::json EventObservation::to_json() const {
  nlohmann::json j = {{"customer", customer}, {"event", event}, {"kind", kind}, {"recognized", recognized},
                      {"hesitation", hesitation}, {"detachment_alert", detachment_alert}};
  j["purchase_probability"] = purchase_probability ? nlohmann::json(*purchase_probability) : nlohmann::json();
  return j;
}

nlohmann::json Decision::explanation() const {
  nlohmann::json g = nlohmann::json::array();
  for (const auto& f : guardrails) g.push_back({{"rule", f.rule}, {"reason", f.reason}, {"masked", f.masked_variants}});
  nlohmann::json j = {{"decision_id", decision_id},
                      {"slot", slot},
                      {"variant", variant_id},
                      {"text", variant_text},
                      {"propensity", propensity},
                      {"adapted", adapted},
                      {"emotion_used", emotion_used},
                      {"review", review},
                      {"mode", engine_mode_name(mode)},
                      {"drivers", drivers},
                      {"guardrails", g},
                      {"next_best_actions", next_best_actions},
                      {"disclosure", disclosure}};
  if (emotion_used) j["states"] = states_json(states);
  if (!would_show.empty()) j["would_show"] = would_show;
  if (!reason.empty()) j["reason"] = reason;
  return j;
}

nlohmann::json ProfileView::to_json() const {
  nlohmann::json j = {{"customer", customer},          {"exists", exists},
                      {"states", states_json(states)}, {"valence", valence},
                      {"trust_level", trust_level},    {"trust_velocity_per_day", trust_velocity},
                      {"hesitation", hesitation},      {"detachment_alert", detachment_alert},
                      {"channels", channels},          {"observations", observations},
                      {"events", events},              {"decisions", decisions},
                      {"rewards", rewards},            {"consent", consent}};
  j["purchase_probability"] = purchase_probability ? nlohmann::json(*purchase_probability) : nlohmann::json();
  return j;
}

nlohmann::json RestoreReport::to_json() const {
  return {{"created", created}, {"profiles", profiles}, {"records_replayed", records_replayed},
          {"torn_tail", torn_tail}, {"notes", notes}};
}

// ---- the implementation ----------------------------------------------------------------------

struct Engine::Impl {
  // What the engine keeps of a customer's live session (in memory only; sessions time out after
  // 30 minutes, so they are not persisted).
  struct Live {
    behavior::Session session;
    std::string open_product;  // product being viewed (dwell measured at the next event)
    int64_t open_since_ms = 0;
    int64_t last_event_ms = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    engine_detail::ProfileStore profiles;
    std::unordered_map<std::string, Live> live;
  };
  struct Pending {
    std::string customer;
    uint32_t slot = 0;
    uint32_t variant = 0;
    double propensity = 1;
    int64_t time_ms = 0;
    bool learn = true;      // false: default shown without the policy (nothing to learn)
    bool rewarded = false;
    std::vector<double> context;
  };
  struct CachedObservation {
    std::string customer;
    std::string text;
    int64_t time_ms = 0;
    emotion::LabelMask detected = 0;
  };

  EngineConfig config;
  std::unique_ptr<emotion::EmotionModel> emotion;
  mutable std::shared_mutex emotion_mutex;  // shared: scoring; exclusive: correct()
  std::optional<behavior::IntentModel> intent;
  behavior::SessionConfig session_config;
  std::optional<behavior::NextBestAction> nba;
  behavior::StateTransitions transitions;
  select::Catalog catalog;
  std::optional<select::FeatureBuilder> features;
  std::vector<std::unique_ptr<select::Policy>> policies;
  std::vector<std::vector<std::string>> slot_tags;
  std::optional<ethics::Guardrails> guardrails;
  std::unique_ptr<ethics::ConsentRegistry> consent;
  std::unique_ptr<ethics::AuditLog> audit;
  uint64_t salt = 0;
  // Unique per Impl in the process (never reused), so per-thread caches cannot mix engines.
  const uint64_t instance_id = next_instance_id();
  static uint64_t next_instance_id() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
  }
  int purchase_intent_index = -1, churn_intent_index = -1;

  std::array<Shard, kShardCount> shards;
  mutable std::mutex learn_mutex;  // policies, pending decisions
  std::unordered_map<uint64_t, Pending> pending;
  std::deque<uint64_t> pending_order;
  std::atomic<uint64_t> decision_counter{0};
  std::atomic<uint64_t> observation_counter{0};

  std::mutex cache_mutex;
  std::unordered_map<std::string, CachedObservation> cache;
  std::deque<std::string> cache_order;

  mutable std::shared_mutex state_mutex;  // exclusive: snapshot/restore; shared: everything else
  std::mutex journal_mutex;
  std::optional<profile::StateDirectory> dir;
  RestoreReport report;
  bool replaying = false;
  bool swept_since_open = false;  // snapshot() has checked every profile for lapsed consent

  // -- construction ----------------------------------------------------------------------------

  explicit Impl(EngineConfig c) : config(std::move(c)), transitions() {
    // EngineConfig::from_json checks its range; a host filling the struct itself gets the same
    // answer here (0 would be a division by zero on the first journaled record).
    if (config.checkpoint_every_records == 0)
      throw invalid_argument("checkpoint_every_records must be at least 1", status::out_of_range);
    emotion = std::make_unique<emotion::EmotionModel>(config.emotion_model == "default"
                                                          ? emotion::EmotionModel::load_default()
                                                          : emotion::EmotionModel::load(config.emotion_model));
    intent = config.intent_model == "default" ? behavior::IntentModel::load_default()
                                              : behavior::IntentModel::load(config.intent_model);
    nba = behavior::NextBestAction::load_default();
    load_catalog();
    load_guardrails();
    ethics::ConsentRegistry::Defaults defaults;
    defaults.allow_when_absent[static_cast<size_t>(ethics::Purpose::emotion_inference)] = config.allow_emotion_when_absent;
    defaults.allow_when_absent[static_cast<size_t>(ethics::Purpose::personalization)] =
        config.allow_personalization_when_absent;
    defaults.allow_when_absent[static_cast<size_t>(ethics::Purpose::profiling)] = config.allow_profiling_when_absent;
    consent = std::make_unique<ethics::ConsentRegistry>(defaults);
    salt = splitmix64(config.seed ^ 0xA77E5EEDULL);
    if (!config.state_dir.empty()) std::filesystem::create_directories(config.state_dir);
    open_audit();
    open_state();
  }

  std::string resolve(const std::string& path) const {
    if (path.empty() || path.front() == '/' || config.state_dir.empty()) return path;
    return config.state_dir + "/" + path;
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(status::io_error, "cannot read " + path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  void load_catalog() {
    const auto& c = config.catalog;
    if (c.is_string()) {
      const std::string s = c.get<std::string>();
      catalog = select::Catalog::load(s == "default" ? find_model("catalog.json") : s);
    } else {
      catalog = select::Catalog::from_json(c.dump());
    }
    if (catalog.slot_count() == 0) throw invalid_argument("/catalog: the catalog has no slots");
    features.emplace(catalog.context());
    const auto& intents = catalog.context().intents;
    for (size_t i = 0; i < intents.size(); ++i) {
      if (intents[i] == "purchase") purchase_intent_index = static_cast<int>(i);
      if (intents[i] == "churn_risk") churn_intent_index = static_cast<int>(i);
    }
    select::PolicyOptions po = policy_options(config.policy);
    policies.clear();
    slot_tags.clear();
    for (const auto& slot : catalog.slots()) {
      policies.push_back(select::make_policy(po, features->context_dim(), select::FeatureBuilder::variant_features(slot)));
      slot_tags.push_back(slot.tags);
    }
  }

  static select::PolicyOptions policy_options(const nlohmann::json& j) {
    detail::JsonFields f(j, "/policy", {"kind", "model", "regularization", "exploration", "forgetting"});
    select::PolicyOptions o;
    o.kind = select::policy_kind_from_name(f.string("kind", "linear_thompson"));
    const std::string model = f.choice("model", "per_variant", {"per_variant", "shared"});
    o.model = model == "shared" ? select::ModelKind::shared : select::ModelKind::per_variant;
    o.regularization = f.number("regularization", o.regularization, 1e-6, 1e6);
    o.exploration = f.number("exploration", o.exploration, -1, 1e3);
    o.forgetting = f.number("forgetting", o.forgetting, 0.5, 1.0);
    o.validate();
    return o;
  }

  void load_guardrails() {
    const auto& g = config.guardrails;
    if (g.is_string()) {
      const std::string s = g.get<std::string>();
      guardrails = s == "default" ? ethics::Guardrails::load_default() : ethics::Guardrails::load(s);
    } else {
      guardrails = ethics::Guardrails::from_json(g.dump());
    }
  }

  void open_audit() {
    if (config.audit_path.empty()) return;
    ethics::AuditOptions o;
    o.salt = config.audit_salt;
    o.fsync = config.durability == "every_record" ? ethics::AuditFsync::every_record : ethics::AuditFsync::none;
    o.on_broken = ethics::AuditOnBroken::truncate_torn_tail;
    audit = std::make_unique<ethics::AuditLog>(resolve(config.audit_path), o);
  }

  // -- persistence -----------------------------------------------------------------------------

  void open_state() {
    if (config.state_dir.empty()) return;
    profile::StateDirectoryOptions o;
    o.journal.fsync = config.durability == "every_record" ? profile::FsyncPolicy::every_record
                      : config.durability == "batched"    ? profile::FsyncPolicy::batched
                                                          : profile::FsyncPolicy::none;
    o.journal.repair = true;
    replaying = true;
    dir.emplace(profile::StateDirectory::open(
        config.state_dir, o, [this](profile::SnapshotReader& r) { read_snapshot(r); },
        [this](uint8_t type, std::string_view payload) { apply_record(type, payload); }));
    replaying = false;
    // Replay fills the shards directly; the profile count starts from what it restored (else the
    // first forget after a restart would wrap it around and refuse every new customer).
    count_hint_ = count_profiles();
    // The engine's "now" for snapshots resumes from the latest activity it restored.
    for (const auto& s : shards)
      s.profiles.for_each([this](std::string_view, const profile::Profile& p) { note_time(p.last_seen_ms); });
    const auto& rep = dir->open_report();
    // What was restored may include erasures whose data the current files still hold.
    erased_since_checkpoint = rep.snapshot_loaded || rep.records_replayed > 0;
    records_since_checkpoint = rep.records_replayed;
    report.created = rep.created;
    report.records_replayed = rep.records_replayed;
    report.torn_tail = rep.torn_tail;
    report.notes = rep.notes;
    if (rep.torn_tail) report.notes.push_back("journal ended in a torn record: " + rep.last_journal.reason);
    report.profiles = count_profiles();
    // The profile count was not tracked while loading (replay may create and erase profiles):
    // start counting from what was restored, so forget() after a restart cannot underflow it.
    count_hint_ = report.profiles;
    // Without restored profiles every profile is made by calls of this process, which store
    // emotion data only under consent in force at their time (<= the snapshot's `now`): nothing
    // to sweep until a grant with an expiry exists (snapshot()).
    swept_since_open = report.profiles == 0;
  }

  uint64_t count_profiles() const {
    uint64_t n = 0;
    for (const auto& s : shards) {
      std::lock_guard lock(s.mutex);
      n += s.profiles.size();
    }
    return n;
  }

  bool journaling() const { return dir.has_value() && !replaying; }

  void journal(Record type, std::string_view payload) {
    if (journaling()) append_record(type, payload);
  }

  // Every record goes through here: journaled, then counted towards the automatic checkpoint.
  void append_record(Record type, std::string_view payload) {
    dir->append(type, payload);
    count_record();
  }

  // The customer's whole profile as one record. Built only when there is a journal, into a
  // per-thread buffer, so the hot path allocates nothing for it.
  void journal_profile(std::string_view customer, const profile::Profile& p) {
    if (!journaling()) return;
    thread_local std::string buffer;
    buffer.clear();
    profile_payload(buffer, customer, p);
    append_record(kProfilePut, buffer);
  }

  void profile_payload(std::string& out, std::string_view customer, const profile::Profile& p) const {
    const uint64_t obs = observation_counter.load();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((obs >> (8 * i)) & 0xFFu));
    const size_t len_at = out.size();
    out.append(4, '\0');
    p.serialize_to(out, customer);
    const auto len = static_cast<uint32_t>(out.size() - len_at - 4);
    for (int i = 0; i < 4; ++i) out[len_at + static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xFFu);
  }

  // One call's changes as one kBatch record (u8 type + u32 length + payload each): a record is
  // checksummed as a whole, so after a crash a call is replayed entirely or not at all (a decide
  // never leaves a pending decision without its profile update, a forget never erases the
  // profile but keeps the consent).
  struct Batch {
    std::string payload;
    void add(Record type, std::string_view bytes) {
      payload.push_back(static_cast<char>(type));
      const auto n = static_cast<uint32_t>(bytes.size());
      for (int i = 0; i < 4; ++i) payload.push_back(static_cast<char>((n >> (8 * i)) & 0xFFu));
      payload.append(bytes.data(), bytes.size());
    }
    // Appends a kProfilePut sub-record built in place.
    void add_profile(const Impl& m, std::string_view customer, const profile::Profile& p) {
      payload.push_back(static_cast<char>(kProfilePut));
      const size_t len_at = payload.size();
      payload.append(4, '\0');
      m.profile_payload(payload, customer, p);
      const auto n = static_cast<uint32_t>(payload.size() - len_at - 4);
      for (int i = 0; i < 4; ++i) payload[len_at + static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFFu);
    }
  };
  void journal(const Batch& b) {
    if (journaling() && !b.payload.empty()) append_record(kBatch, b.payload);
  }

  void apply_record(uint8_t type, std::string_view payload) {
    ByteReader r(payload);
    switch (type) {
      case kProfilePut: {
        const uint64_t obs = r.u64();
        observation_counter = std::max(observation_counter.load(), obs);
        std::string customer;
        profile::Profile p = profile::Profile::deserialize(r.bytes(), customer);
        shard(customer).profiles.put(customer, p);
        break;
      }
      case kProfileErase: {
        const std::string customer(r.bytes());
        Shard& s = shard(customer);
        s.profiles.erase(customer);
        s.live.erase(customer);
        erase_pending_of(customer);
        // The tombstone alone erases everything, consent included: a crash between it and the
        // consent record that follows cannot leave half a customer behind.
        consent->forget(customer);
        break;
      }
      case kConsent: {
        const std::string customer = consent->deserialize_customer(payload);
        const auto rec = consent->record(customer).purposes[static_cast<size_t>(ethics::Purpose::emotion_inference)];
        if (rec.present && !rec.granted) scrub_pending_emotion(customer);
        break;
      }
      case kDecision: {
        const uint64_t counter = r.u64();
        decision_counter = std::max(decision_counter.load(), counter);
        const uint64_t id = r.u64();
        Pending p = read_pending(r);
        add_pending(id, std::move(p));
        break;
      }
      case kReward: {
        const uint64_t id = r.u64();
        const double value = r.f64();
        auto it = pending.find(id);
        if (it != pending.end() && !it->second.rewarded) apply_reward(it->second, value);
        break;
      }
      case kBatch: {
        // Validate the framing of every sub-record before applying any.
        std::vector<std::pair<uint8_t, std::string_view>> parts;
        while (r.remaining() > 0) {
          const uint8_t sub = r.u8();
          if (sub == kBatch || sub == 0 || sub > kReward)
            throw error(status::format_error, "engine journal batch holds record type " + std::to_string(sub));
          parts.emplace_back(sub, r.bytes());
        }
        for (const auto& [sub, bytes] : parts) apply_record(sub, bytes);
        break;
      }
      default:
        throw error(status::format_error, "unknown engine journal record type " + std::to_string(type));
    }
  }

  static void write_pending(ByteWriter& w, const Pending& p) {
    w.bytes(p.customer);
    w.u32(p.slot);
    w.u32(p.variant);
    w.f64(p.propensity);
    w.u64(static_cast<uint64_t>(p.time_ms));
    w.u8(static_cast<uint8_t>((p.learn ? 1 : 0) | (p.rewarded ? 2 : 0)));
    w.u32(static_cast<uint32_t>(p.context.size()));
    w.f64s(p.context.data(), p.context.size());
  }

  Pending read_pending(ByteReader& r) const {
    Pending p;
    p.customer = std::string(r.bytes());
    p.slot = r.u32();
    p.variant = r.u32();
    p.propensity = r.f64();
    p.time_ms = static_cast<int64_t>(r.u64());
    const uint8_t flags = r.u8();
    p.learn = flags & 1;
    p.rewarded = flags & 2;
    const uint32_t n = r.u32();
    if (p.slot >= policies.size() || n != features->context_dim() ||
        p.variant >= catalog.slot(p.slot).variants.size() || !(p.propensity > 0 && p.propensity <= 1))
      throw error(status::format_error, "pending decision does not match the catalog");
    p.context.resize(n);
    r.f64s(p.context.data(), n);
    return p;
  }

  void read_snapshot(profile::SnapshotReader& in) {
    // The whole snapshot is parsed from one buffer; profiles are small and stream through it.
    std::string bytes;
    bytes.resize(static_cast<size_t>(in.remaining()));
    in.read_exact(bytes.data(), bytes.size());
    ByteReader r(bytes);
    if (r.u32() != kSnapshotMagic) throw error(status::format_error, "not an engine snapshot");
    const uint8_t version = r.u8();
    if (version < 1 || version > kSnapshotVersion)
      throw error(status::version_mismatch, "engine snapshot version " + std::to_string(version) + " is not supported");
    decision_counter = r.u64();
    observation_counter = r.u64();
    if (version <= 3) consent->deserialize(r.bytes());
    const uint32_t slots = r.u32();
    if (slots != policies.size()) throw error(status::format_error, "snapshot was written with another catalog");
    for (uint32_t s = 0; s < slots; ++s) {
      auto loaded = select::Policy::load(r.bytes());
      if (loaded->context_dim() != features->context_dim() || loaded->variant_count() != policies[s]->variant_count())
        throw error(status::format_error, "snapshot policy does not match the catalog");
      policies[s] = std::move(loaded);
    }
    const uint64_t npending = r.u64();
    for (uint64_t i = 0; i < npending; ++i) {
      const uint64_t id = r.u64();
      add_pending(id, read_pending(r));
    }
    const uint64_t nprofiles = r.u64();
    if (nprofiles > r.remaining() / 8) throw error(status::format_error, "engine snapshot: profile count exceeds its size");
    std::string raw;
    // Pre-size every shard's map so loading never rehashes.
    for (auto& sh : shards) sh.profiles.reserve(sh.profiles.size() + static_cast<size_t>(nprofiles / kShardCount) * 9 / 8 + 16);
    std::string customer;
    profile::Profile p;
    for (uint64_t i = 0; i < nprofiles; ++i) {
      std::string_view record = r.bytes();
      if (version >= 3) {
        engine_detail::decode_snapshot_profile(record, raw, customer, p);
      } else {
        if (version == 2) {
          detail::unpack_zero_words(record, raw);
          record = raw;
        }
        p = profile::Profile::deserialize(record, customer);
      }
      Shard& sh = shard(customer);
      if (!sh.profiles.contains(customer)) sh.profiles.put(customer, p);
    }
    if (version >= 4) consent->deserialize(r.bytes());
    if (r.remaining() != 0) throw error(status::format_error, "engine snapshot has trailing bytes");
  }

  // sweep_now != 0: each profile is first checked for consent lapsed at sweep_now (see
  // Engine::snapshot) by the encoder that reads it; customers whose emotion data went are added to
  // `lapsed`.
  void write_snapshot(profile::SnapshotWriter& w, int64_t sweep_now, std::unordered_set<std::string>& lapsed) {
    ByteWriter head;
    head.u32(kSnapshotMagic);
    head.u8(kSnapshotVersion);
    head.u64(decision_counter.load());
    head.u64(observation_counter.load());
    head.u32(static_cast<uint32_t>(policies.size()));
    for (const auto& p : policies) head.bytes(p->save());
    head.u64(pending.size());
    for (uint64_t id : pending_order) {
      auto it = pending.find(id);
      if (it == pending.end()) continue;
      head.u64(id);
      write_pending(head, it->second);
    }
    w.write(head.str());
    ByteWriter count;
    count.u64(count_profiles());
    w.write(count.str());
    // Profiles: u32 length + packed v3 record each. Two helper threads encode whole shards in
    // parallel (the engine is locked exclusively, so shards are only read) while this thread
    // writes them in shard order (checksum and the kernel's copy), so encoding and writing
    // overlap and both cores work. At most kAhead encoded shards wait in memory (~5 MB each at a
    // million customers).
    constexpr size_t kAhead = 4;
    std::vector<std::string> encoded(kShardCount);
    std::vector<char> ready(kShardCount, 0);
    std::mutex mu;
    std::condition_variable cv;
    size_t next = 0, written = 0;
    bool stop = false, unbounded = false;
    std::exception_ptr failure;
    // The consent registry (written after the profiles) is serialized by the first helper while
    // the other encodes shards; the payload needs it only at its end.
    bool consent_claimed = false, consent_ready = false;
    std::string consent_bytes;
    auto encode_shard = [this, sweep_now](size_t i, std::string& out, std::string& raw,
                                          std::unordered_set<std::string>& lapsed_here) {
      shards[i].profiles.for_each_update([&](std::string_view customer, profile::Profile& p) {
        const bool changed = sweep_now != 0 && end_lapsed_consent(customer, p, sweep_now, &lapsed_here);
        const size_t len_at = out.size();
        out.append(4, '\0');
        engine_detail::encode_snapshot_profile(out, raw, customer, p);
        const auto len = static_cast<uint32_t>(out.size() - len_at - 4);
        for (int b = 0; b < 4; ++b) out[len_at + static_cast<size_t>(b)] = static_cast<char>((len >> (8 * b)) & 0xFFu);
        return changed;
      });
    };
    auto work = [&] {
      std::string raw;
      std::unordered_set<std::string> lapsed_here;
      for (;;) {
        size_t i;
        bool do_consent = false;
        {
          std::unique_lock l(mu);
          if (!consent_claimed) {
            consent_claimed = do_consent = true;
          } else {
            cv.wait(l, [&] { return stop || next >= kShardCount || unbounded || next < written + kAhead; });
            if (stop || next >= kShardCount) {
              try {
                if (!lapsed_here.empty()) lapsed.merge(lapsed_here);
              } catch (...) {
                if (!failure) failure = std::current_exception();
                stop = true;
                cv.notify_all();
              }
              return;
            }
          }
          i = do_consent ? 0 : next++;
        }
        std::string out;
        try {
          if (do_consent) {
            out = consent->serialize();
            std::lock_guard l(mu);
            consent_bytes = std::move(out);
            consent_ready = true;
            cv.notify_all();
            continue;
          }
          encode_shard(i, out, raw, lapsed_here);
        } catch (...) {
          std::lock_guard l(mu);
          if (!failure) failure = std::current_exception();
          stop = true;
          try {
            lapsed.merge(lapsed_here);  // their cached texts must still go (Engine::snapshot)
          } catch (...) {
          }
          cv.notify_all();
          return;
        }
        std::lock_guard l(mu);
        encoded[i] = std::move(out);
        ready[i] = 1;
        cv.notify_all();
      }
    };
    std::vector<std::thread> helpers;
    try {
      for (int t = 0; t < 2; ++t) helpers.emplace_back(work);
    } catch (const std::system_error&) {
      // No thread to be had: encode everything here first (memory for the whole snapshot).
      if (helpers.empty()) {
        unbounded = true;
        work();
      }
    }
    auto join = [&] {
      {
        std::lock_guard l(mu);
        stop = true;
      }
      cv.notify_all();
      for (auto& h : helpers) h.join();
      helpers.clear();
    };
    try {
      for (size_t i = 0; i < kShardCount; ++i) {
        std::string out;
        {
          std::unique_lock l(mu);
          cv.wait(l, [&] { return ready[i] != 0 || failure != nullptr; });
          if (failure) std::rethrow_exception(failure);
          out = std::move(encoded[i]);
          written = i + 1;
        }
        cv.notify_all();
        w.write(out);
      }
      std::string consent_out;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return consent_ready || failure != nullptr; });
        if (failure) std::rethrow_exception(failure);
        consent_out = std::move(consent_bytes);
      }
      w.write_u32(static_cast<uint32_t>(consent_out.size()));  // as ByteWriter::bytes
      w.write(consent_out);
    } catch (...) {
      join();
      throw;
    }
    join();
    if (failure) std::rethrow_exception(failure);  // a helper could not hand over its lapsed set
  }

  // -- helpers -----------------------------------------------------------------------------------

  Shard& shard(std::string_view customer) { return shards[std::hash<std::string_view>{}(customer) % kShardCount]; }
  const Shard& shard(std::string_view customer) const {
    return shards[std::hash<std::string_view>{}(customer) % kShardCount];
  }

  bool allows(std::string_view customer, ethics::Purpose p, int64_t now) const { return consent->allows(customer, p, now); }

  // The profile of `customer`, created on first use (the shard lock must be held).
  engine_detail::ProfileStore::Ref profile_of(Shard& s, std::string_view customer, int64_t now) {
    auto ref = s.profiles.open(customer);
    if (ref) {
      end_lapsed_consent(customer, *ref, now);
      return ref;
    }
    if (count_hint_ >= config.max_profiles)
      throw error(status::limit_exceeded, "the engine holds " + std::to_string(config.max_profiles) +
                                              " profiles (limits.max_profiles); forget customers or raise the limit");
    profile::Profile p;
    // Opening a random_device costs more than the rest of a new profile (it was a quarter of the
    // time to create a million customers): one per thread, kept open.
    thread_local std::random_device rd;
    p.pseudonym_nonce = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ splitmix64(salt + static_cast<uint64_t>(now));
    p.created_ms = now;
    auto created = s.profiles.create(customer, p);
    ++count_hint_;
    return created;
  }
  std::atomic<uint64_t> count_hint_{0};

  std::string pseudonym(std::string_view customer, const profile::Profile* p) const {
    if (!audit) return {};
    // An HMAC per audited call was a fifth of an audited loop; calls on one customer come in
    // runs (observe, decide, reward), so a small per-thread cache of recent pseudonyms saves most
    // of them. It is keyed by engine instance, profile nonce (random per profile) and a hash of
    // the id, and keeps no customer id, so nothing erasable lingers in it after forget().
    struct Entry {
      uint64_t instance = 0, nonce = 0, id_hash = 0;
      std::string pseudonym;
    };
    thread_local std::array<Entry, 8> recent;
    thread_local size_t next = 0;
    const uint64_t nonce = p ? p->pseudonym_nonce : 0;
    const uint64_t id_hash = splitmix64(std::hash<std::string_view>{}(customer) ^ (uint64_t{customer.size()} << 56));
    for (const auto& e : recent)
      if (e.instance == instance_id && e.nonce == nonce && e.id_hash == id_hash) return e.pseudonym;
    Entry& e = recent[next++ % recent.size()];
    e.pseudonym = audit->pseudonymize(pseudonym_key(customer, nonce));
    e.instance = instance_id;
    e.nonce = nonce;
    e.id_hash = id_hash;
    return e.pseudonym;
  }

  // Audit fields are built only when a line will be written (no log, or replaying: nothing).
  bool auditing() const { return audit != nullptr && !replaying; }

  void audit_line(std::string_view kind, int64_t time_ms, const nlohmann::json& fields) {
    if (audit && !replaying) audit->append(kind, time_ms, fields);
  }

  static void touch(profile::Profile& p, Channel channel, int64_t now) {
    p.channels_seen = static_cast<uint8_t>(p.channels_seen | (1u << static_cast<unsigned>(channel)));
    p.last_channel = static_cast<uint8_t>(channel);
    if (now > p.last_seen_ms) p.last_seen_ms = now;
  }

  double half_life_ms() const { return config.state_half_life_hours * static_cast<double>(kHourMs); }

  void add_evidence(profile::Profile& p, const StateVector& e, const StateVector& w, int64_t now) {
    p.memory.add(e, w, now, half_life_ms());
    const StateVector fused = p.memory.read(now, half_life_ms(), config.prior_weight);
    const float fr = fused[index(MarketingState::frustration)];
    if (fr >= kFrustrationPeak && (now >= p.frustration_peak_ms || fr > p.frustration_peak)) {
      p.frustration_peak_ms = now;
      p.frustration_peak = fr;
    }
  }

  void cache_observation(const std::string& id, std::string_view customer, std::string_view text, int64_t now,
                         emotion::LabelMask detected) {
    if (config.observation_cache == 0) return;
    std::lock_guard lock(cache_mutex);
    const int64_t ttl = static_cast<int64_t>(config.observation_ttl_hours * static_cast<double>(kHourMs));
    while (!cache_order.empty() &&
           (cache.size() >= config.observation_cache || cache_expired(cache_order.front(), now, ttl))) {
      cache.erase(cache_order.front());
      cache_order.pop_front();
    }
    cache[id] = CachedObservation{std::string(customer), std::string(text), now, detected};
    cache_order.push_back(id);
  }

  bool cache_expired(const std::string& id, int64_t now, int64_t ttl) const {
    auto it = cache.find(id);
    return it == cache.end() || now - it->second.time_ms > ttl;
  }

  void drop_cached_texts(std::string_view customer) {
    drop_cached_texts_where([customer](const std::string& c) { return c == customer; });
  }
  // Drops the cached texts of every customer for whom of_customer(id) is true.
  template <class Pred>
  void drop_cached_texts_where(Pred&& of_customer) {
    std::lock_guard lock(cache_mutex);
    for (auto it = cache.begin(); it != cache.end();) {
      if (of_customer(it->second.customer)) it = cache.erase(it);
      else ++it;
    }
  }

  // Pending decisions (learn_mutex held, or replaying).
  void add_pending(uint64_t id, Pending p) {
    while (pending.size() >= config.max_pending_decisions && !pending_order.empty()) {
      pending.erase(pending_order.front());
      pending_order.pop_front();
    }
    pending[id] = std::move(p);
    pending_order.push_back(id);
  }

  void expire_pending(int64_t now) {
    while (!pending_order.empty()) {
      auto it = pending.find(pending_order.front());
      if (it != pending.end() && now - it->second.time_ms <= kPendingTtlMs) break;
      if (it != pending.end()) pending.erase(it);
      pending_order.pop_front();
    }
  }

  void erase_pending_of(std::string_view customer) {
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.customer == customer) it = pending.erase(it);
      else ++it;
    }
  }

  // A pending decision's context holds the states the policy saw, which are emotion data. When
  // the customer's emotion consent ends they are zeroed, and the decision is no longer learned
  // from (its context would no longer be the one the choice was made in); a reward is still
  // accepted and counted (learn_mutex held, or replaying).
  void scrub_pending_emotion(std::string_view customer) {
    for (auto& entry : pending)
      if (entry.second.customer == customer) scrub_context(entry.second);
  }
  static void scrub_context(Pending& p) noexcept {
    bool any = false;
    for (size_t i = 0; i < kStateCount && i < p.context.size(); ++i) {
      any = any || p.context[i] != 0;
      p.context[i] = 0;
    }
    if (any) p.learn = false;
  }

  static bool holds_emotion(const profile::Profile& p) noexcept {
    for (size_t i = 0; i < kStateCount; ++i)
      if (p.memory.evidence[i] != 0 || p.memory.weight[i] != 0) return true;
    return p.frustration_peak != 0 || p.frustration_peak_ms != 0 || p.distress != 0 || p.distress_ms != 0 ||
           p.last_valence != 0 || p.last_arousal != 0;
  }

  // Consent that ended without a revocation (an expiry) erases like a revocation, at the
  // customer's next call and at the next snapshot, whichever comes first. Shard lock held.
  // Returns true when something was erased (the caller journals the profile). `lapsed`, when
  // given, collects the customers whose emotion data went, and the caller scrubs their pending
  // decisions and cached texts in one pass each (the snapshot sweep).
  bool end_lapsed_consent(std::string_view customer, profile::Profile& p, int64_t now,
                          std::unordered_set<std::string>* lapsed = nullptr) {
    bool changed = false;
    if (holds_emotion(p) && !allows(customer, ethics::Purpose::emotion_inference, now)) {
      p.clear_emotion();
      if (lapsed) {
        lapsed->emplace(customer);
      } else {
        {
          std::lock_guard learn(learn_mutex);
          scrub_pending_emotion(customer);
        }
        drop_cached_texts(customer);
      }
      changed = true;
    }
    // allows() first: it is the cheap check (no record copy) and true for almost every customer.
    if (!allows(customer, ethics::Purpose::profiling, now) &&
        consent->status(customer, ethics::Purpose::profiling, now) == ethics::ConsentStatus::expired) {
      p.clear_profiling();
      changed = true;
    }
    if (changed) erased_since_checkpoint = true;
    return changed;
  }

  // Set by every call that erases data (forget, a revocation, a lapsed consent enforced), cleared
  // by a snapshot once the files holding the erased data are gone: while it is false, a snapshot
  // leaves unlinking the replaced files to a background thread (Engine::snapshot).
  std::atomic<bool> erased_since_checkpoint{false};

  // Automatic checkpoints (config.checkpoint_every_records): every time the records journaled
  // since the last snapshot reach a multiple of the threshold, the `checkpointer` thread is woken
  // and takes a snapshot (Engine::Engine). Calls go on meanwhile until the snapshot takes the
  // exclusive lock; the call that crossed the threshold is not delayed, and a failed automatic
  // snapshot is reported by stats() and retried at the next multiple.
  std::atomic<uint64_t> records_since_checkpoint{0};
  std::thread checkpointer;
  mutable std::mutex checkpointer_mutex;
  std::condition_variable checkpointer_cv;
  bool checkpoint_wanted = false, checkpointer_stop = false;  // checkpointer_mutex
  uint64_t automatic_checkpoints = 0;                          // checkpointer_mutex
  std::string last_checkpoint_error;                           // checkpointer_mutex

  void count_record() {
    const uint64_t n = records_since_checkpoint.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n % config.checkpoint_every_records != 0 || !checkpointer.joinable()) return;
    {
      std::lock_guard lock(checkpointer_mutex);
      checkpoint_wanted = true;
    }
    checkpointer_cv.notify_one();
  }

  void stop_checkpointer() noexcept {
    if (!checkpointer.joinable()) return;
    {
      std::lock_guard lock(checkpointer_mutex);
      checkpointer_stop = true;
    }
    checkpointer_cv.notify_one();
    checkpointer.join();
  }

  // The latest time any call carried: the engine's "now" for snapshots, which take no time.
  std::atomic<int64_t> latest_ms{0};
  void note_time(int64_t t) noexcept {
    int64_t seen = latest_ms.load(std::memory_order_relaxed);
    while (t > seen && !latest_ms.compare_exchange_weak(seen, t, std::memory_order_relaxed)) {
    }
  }

  void apply_reward(Pending& p, double value) {
    if (p.learn) policies[p.slot]->learn(p.context.data(), p.variant, value, p.propensity);
    p.rewarded = true;
  }

  // Live hesitation: the detector plus the product view still open at `now`.
  // Engagement as of `now`: a customer drifting away sends no events, so the monitor is advanced
  // on a copy to the decision time (days without events count as low-engagement days).
  static behavior::EngagementStatus engagement_at(const profile::Profile& p, int64_t now) {
    behavior::EngagementMonitor copy = p.engagement;
    in_time_order([&] { copy.advance_to(static_cast<double>(now) / 1000.0); });
    return copy.status();
  }

  behavior::HesitationScore live_hesitation(const profile::Profile& p, const Live* live, int64_t now) const {
    if (live && !live->open_product.empty() && now > live->open_since_ms &&
        now - live->last_event_ms < kSessionTimeoutMs) {
      behavior::HesitationDetector copy = p.hesitation;
      try {
        copy.observe_product_view(live->open_product, static_cast<double>(now - live->open_since_ms) / 1000.0,
                                  static_cast<double>(now) / 1000.0, p.baseline);
        return copy.score();
      } catch (const std::invalid_argument&) {
        // Out-of-order time: fall back to what the detector already knows.
      }
    }
    return p.hesitation.score();
  }
};

// ---- construction ----------------------------------------------------------------------------

Engine::Engine(EngineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
  Impl& m = *impl_;
  if (!m.dir) return;
  m.checkpointer = std::thread([this, &m] {
    std::unique_lock lock(m.checkpointer_mutex);
    for (;;) {
      m.checkpointer_cv.wait(lock, [&m] { return m.checkpoint_wanted || m.checkpointer_stop; });
      if (m.checkpointer_stop) return;
      m.checkpoint_wanted = false;
      lock.unlock();
      std::string failure;
      try {
        snapshot();
      } catch (const std::exception& e) {
        failure = e.what();
      }
      lock.lock();
      if (failure.empty()) ++m.automatic_checkpoints;
      m.last_checkpoint_error = std::move(failure);
    }
  });
}
Engine::~Engine() {
  if (impl_) impl_->stop_checkpointer();
  if (impl_ && impl_->dir) {
    try {
      impl_->dir->close();
    } catch (...) {
      // Destructors never throw; close() failures surface through sync() when the host calls it.
    }
  }
}

std::unique_ptr<Engine> Engine::from_json(std::string_view config_json) {
  return std::make_unique<Engine>(EngineConfig::parse(config_json));
}

const EngineConfig& Engine::config() const noexcept { return impl_->config; }
const RestoreReport& Engine::restore_report() const noexcept { return impl_->report; }
size_t Engine::customer_count() const { return static_cast<size_t>(impl_->count_profiles()); }

// ---- observe_text ----------------------------------------------------------------------------

TextObservation Engine::observe_text(std::string_view customer, Channel channel, std::string_view text, int64_t time_ms) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  if (static_cast<size_t>(channel) >= profile::kChannelCount) throw invalid_argument("unknown channel");
  if (text.size() > text::kMaxTextBytes)
    throw invalid_argument("text has " + std::to_string(text.size()) + " bytes; the limit is " +
                               std::to_string(text::kMaxTextBytes),
                           status::limit_exceeded);
  text::require_utf8(text);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw invalid_argument("text is empty");

  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  TextObservation out;
  const bool emotion_ok = m.config.mode != EngineMode::off && m.allows(customer, ethics::Purpose::emotion_inference, time_ms);
  const bool profiling_ok = m.allows(customer, ethics::Purpose::profiling, time_ms);
  emotion::EmotionScores scores;
  if (emotion_ok) {
    std::shared_lock lock(m.emotion_mutex);
    scores = m.emotion->score(text);
  }
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = m.profile_of(s, customer, time_ms);
  profile::Profile& p = *ref;
  profile::Profile before = p;
  try {
    Impl::touch(p, channel, time_ms);
    ++p.observations;
    if (profiling_ok) {
      // Message length in characters (code points) feeds the customer's own baseline.
      size_t chars = 0;
      for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
      in_time_order([&] {
        p.baseline.observe(behavior::Signal::message_length, static_cast<double>(chars), static_cast<double>(time_ms) / 1000.0);
      });
    }
    if (emotion_ok) {
      out.emotion_used = true;
      out.states = scores.states;
      out.valence = scores.valence;
      out.arousal = scores.arousal;
      out.confidence = scores.confidence;
      for (auto l : scores.active_labels()) out.active_labels.emplace_back(emotion::Taxonomy::label_name(l));
      StateVector w = m.config.text_weights;
      const float certainty = 0.5f + 0.5f * scores.confidence;
      for (auto& x : w) x *= certainty;
      m.add_evidence(p, scores.states, w, time_ms);
      p.last_valence = scores.valence;
      p.last_arousal = scores.arousal;
      // Distress (sadness, grief, fear, nervousness) guards against pressure tactics; it decays
      // like the states.
      using emotion::Label;
      const float distress = std::max({scores.probability(Label::sadness), scores.probability(Label::grief),
                                       scores.probability(Label::fear), scores.probability(Label::nervousness)});
      const float kept = p.distress * profile::StateMemory::decay(time_ms - p.distress_ms, m.half_life_ms());
      if (distress >= kept) {
        p.distress = distress;
        p.distress_ms = time_ms;
      }
      if (profiling_ok) p.trust.add(scores.valence, time_ms);
      out.observation_id = "o" + hex16(splitmix64(m.salt ^ ++m.observation_counter));
    }
    m.journal_profile(customer, p);
  } catch (...) {
    p = before;
    throw;
  }
  if (emotion_ok) m.cache_observation(out.observation_id, customer, text, time_ms, scores.active);
  if (m.auditing()) {
    nlohmann::json fields = {{"customer", m.pseudonym(customer, &p)},
                             {"channel", std::string(profile::channel_name(channel))},
                             {"emotion_used", out.emotion_used}};
    if (out.emotion_used) {
      fields["observation_id"] = out.observation_id;
      fields["labels"] = out.active_labels;
      fields["states"] = states_json(out.states);
    }
    m.audit_line("observation", time_ms, fields);
  }
  return out;
}

// ---- observe_event ---------------------------------------------------------------------------

EventObservation Engine::observe_event(std::string_view segment_json) {
  Impl& m = *impl_;
  behavior::Event e = behavior::parse_event(segment_json);
  const std::string& customer = e.user_id;
  check_customer(customer);
  const int64_t now = e.timestamp_ms;
  check_time(now);

  std::shared_lock state(m.state_mutex);
  m.note_time(now);
  EventObservation out;
  out.customer = customer;
  out.event = e.name;
  out.kind = std::string(behavior::event_kind_name(e.kind));
  out.recognized = e.kind != behavior::EventKind::other;
  const bool emotion_ok = m.config.mode != EngineMode::off && m.allows(customer, ethics::Purpose::emotion_inference, now);
  const bool profiling_ok = m.allows(customer, ethics::Purpose::profiling, now);

  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = m.profile_of(s, customer, now);
  profile::Profile& p = *ref;
  profile::Profile before = p;
  auto live_it = s.live.find(customer);
  std::optional<Impl::Live> live_before;
  if (live_it != s.live.end()) live_before = live_it->second;
  try {
    Impl::Live& live = s.live[customer];
    const double t = static_cast<double>(now) / 1000.0;
    const bool in_order = now >= live.last_event_ms;
    const auto result = live.session.observe(e, m.session_config);
    if (result == behavior::ObserveResult::new_session) {
      live.open_product.clear();
      p.hesitation.reset();
    }
    Impl::touch(p, Channel::web, now);
    ++p.events;
    if (profiling_ok && in_order && result != behavior::ObserveResult::duplicate) {
      if (!live.open_product.empty() && now > live.open_since_ms) {
        // Close the product view that was open: its dwell is known now.
        const double dwell = static_cast<double>(now - live.open_since_ms) / 1000.0;
        in_time_order([&] { p.hesitation.observe_product_view(live.open_product, dwell, t, p.baseline); });
        in_time_order([&] { p.baseline.observe(behavior::Signal::dwell, dwell, t); });
        live.open_product.clear();
      }
      if (live.last_event_ms > 0 && now > live.last_event_ms && now - live.last_event_ms < kSessionTimeoutMs)
        in_time_order([&] {
          p.baseline.observe(behavior::Signal::pace, static_cast<double>(now - live.last_event_ms) / 1000.0, t);
        });
      in_time_order([&] {
        switch (e.kind) {
          case behavior::EventKind::product_viewed:
            live.open_product = e.product_id.empty() ? "?" : e.product_id;
            live.open_since_ms = now;
            break;
          case behavior::EventKind::product_added: p.hesitation.observe_add_to_cart(e.product_id, t); break;
          case behavior::EventKind::cart_viewed: p.hesitation.observe_cart_view(t); break;
          case behavior::EventKind::checkout_started:
          case behavior::EventKind::order_completed: p.hesitation.observe_checkout(t); break;
          case behavior::EventKind::page_viewed: {
            const auto kind = page_kind_of(e);
            if (kind != behavior::PageKind::other) p.hesitation.observe_page(kind, t);
            break;
          }
          default: break;
        }
      });
      in_time_order([&] { p.engagement.observe(t, 1.0); });
      if (e.kind == behavior::EventKind::order_completed) p.trust.add(1.0f, now);
      if (e.kind == behavior::EventKind::email_unsubscribed) p.trust.add(-1.0f, now);
      if (e.kind == behavior::EventKind::error_shown) p.trust.add(-0.5f, now);
    }
    if (in_order) live.last_event_ms = now;

    const auto hes = m.live_hesitation(p, &live, now);
    const auto eng = p.engagement.status();
    out.detachment_alert = profiling_ok && eng.detached;
    if (m.intent) {
      const auto f = live.session.features(m.session_config, now);
      out.purchase_probability = m.intent->predict(f);
      p.purchase_probability = static_cast<float>(*out.purchase_probability);
    }
    if (emotion_ok) {
      // Behavioural evidence for the marketing states (weights per state in config.fusion.behavior).
      StateVector ev{}, w{};
      auto set = [&](MarketingState st, float value, float weight) {
        ev[index(st)] = value;
        w[index(st)] = weight * m.config.behavior_weights[index(st)];
      };
      if (profiling_ok) set(MarketingState::hesitation, hes.score, 1.0f);
      if (out.detachment_alert) set(MarketingState::detachment, std::max(0.5f, eng.score), 1.0f);
      switch (e.kind) {
        case behavior::EventKind::error_shown: set(MarketingState::frustration, 1.0f, 0.6f); break;
        case behavior::EventKind::email_unsubscribed: set(MarketingState::detachment, 1.0f, 1.0f); break;
        case behavior::EventKind::order_completed:
          set(MarketingState::satisfaction, 1.0f, 1.0f);
          set(MarketingState::hesitation, 0.0f, 1.0f);
          break;
        case behavior::EventKind::checkout_started: set(MarketingState::excitement, 0.8f, 0.6f); break;
        case behavior::EventKind::products_searched: set(MarketingState::curiosity, 0.7f, 0.4f); break;
        case behavior::EventKind::page_viewed:
          if (e.page_category == behavior::PageCategory::informational) set(MarketingState::curiosity, 0.7f, 0.4f);
          if (page_kind_of(e) != behavior::PageKind::other) set(MarketingState::anxiety, 0.6f, 0.4f);
          break;
        default: break;
      }
      bool any = false;
      for (float x : w) any = any || x > 0;
      if (any) m.add_evidence(p, ev, w, now);
      out.hesitation = hes.score;
    }
    m.journal_profile(customer, p);
  } catch (...) {
    p = before;
    if (live_before) s.live[customer] = *live_before;
    else s.live.erase(customer);
    throw;
  }
  // Live sessions are bounded: drop the ones idle past the session timeout when a shard grows.
  if (s.live.size() > 4096) {
    for (auto it = s.live.begin(); it != s.live.end();) {
      if (now - it->second.last_event_ms > kSessionTimeoutMs) it = s.live.erase(it);
      else ++it;
    }
  }
  return out;
}

// ---- observe_signal --------------------------------------------------------------------------

void Engine::observe_signal(std::string_view customer, Channel channel, std::string_view name, double value,
                            int64_t time_ms) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  if (!std::isfinite(value)) throw invalid_argument("signal value must be finite", status::out_of_range);
  auto it = m.config.signals.find(std::string(name));
  if (it == m.config.signals.end())
    throw invalid_argument("unknown signal \"" + std::string(name.substr(0, 64)) +
                               "\"; configure it under \"signals\" in the engine config",
                           status::not_found);
  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  // Cues from voice or faces are emotion data: without consent they are dropped unread.
  if (m.config.mode == EngineMode::off || !m.allows(customer, ethics::Purpose::emotion_inference, time_ms)) return;
  const SignalMapping& map = it->second;
  const float level = static_cast<float>(std::clamp((value - map.low) / (map.high - map.low), 0.0, 1.0));
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = m.profile_of(s, customer, time_ms);
  profile::Profile& p = *ref;
  profile::Profile before = p;
  try {
    Impl::touch(p, channel, time_ms);
    StateVector ev{}, w{};
    ev[index(map.state)] = level;
    w[index(map.state)] = map.weight;
    m.add_evidence(p, ev, w, time_ms);
    m.journal_profile(customer, p);
  } catch (...) {
    p = before;
    throw;
  }
}

// ---- decide ----------------------------------------------------------------------------------

Decision Engine::decide(std::string_view customer, std::string_view slot_id, int64_t time_ms,
                        const std::map<std::string, double>& host_features) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  const auto slot_index = m.catalog.find_slot(slot_id);
  if (!slot_index) throw invalid_argument("unknown slot \"" + std::string(slot_id.substr(0, 64)) + "\"", status::not_found);
  const select::Slot& slot = m.catalog.slot(*slot_index);
  const auto& schema = m.catalog.context();
  std::vector<double> feature_values(schema.features.size(), 0.0);
  for (const auto& [name, value] : host_features) {
    auto f = std::find(schema.features.begin(), schema.features.end(), name);
    if (f == schema.features.end())
      throw invalid_argument("unknown feature \"" + name.substr(0, 64) + "\" (the catalog's context lists the features)",
                             status::not_found);
    if (!std::isfinite(value)) throw invalid_argument("feature \"" + name + "\" is not finite", status::out_of_range);
    feature_values[static_cast<size_t>(f - schema.features.begin())] = value;
  }

  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  const bool personalize = m.config.mode != EngineMode::off && m.allows(customer, ethics::Purpose::personalization, time_ms);
  const bool emotion_ok = m.config.mode != EngineMode::off && m.allows(customer, ethics::Purpose::emotion_inference, time_ms);

  Decision d;
  d.slot = slot.id;
  d.mode = m.config.mode;
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = m.profile_of(s, customer, time_ms);
  profile::Profile& p = *ref;
  profile::Profile before = p;
  auto live_it = s.live.find(std::string(customer));
  const Impl::Live* live = live_it == s.live.end() ? nullptr : &live_it->second;

  // States the decision may use: fused memory plus live hesitation, only with emotion consent.
  StateVector states{};
  float hesitation = 0;
  const behavior::EngagementStatus engagement = m.engagement_at(p, time_ms);
  if (emotion_ok) {
    states = p.memory.read(time_ms, m.half_life_ms(), m.config.prior_weight);
    hesitation = m.live_hesitation(p, live, time_ms).score;
    auto& h = states[index(MarketingState::hesitation)];
    h = std::max(h, hesitation);
    if (engagement.detached) {
      auto& det = states[index(MarketingState::detachment)];
      det = std::max(det, std::max(0.5f, engagement.score));
    }
  }

  // Guardrails, before the bandit.
  ethics::GuardrailContext ctx;
  ctx.slot = slot.id;
  ctx.slot_tags = ethics::Borrowed<std::string>(m.slot_tags[*slot_index]);
  if (emotion_ok) ctx.states = states;
  ctx.now_ms = time_ms;
  ethics::StatePeak peak;
  if (emotion_ok && p.frustration_peak_ms > 0) {
    peak = ethics::StatePeak{MarketingState::frustration, p.frustration_peak, p.frustration_peak_ms};
    ctx.state_peaks = ethics::Borrowed<ethics::StatePeak>(&peak, 1);
  }
  ethics::NamedScore distress{"distress", 0.0f};
  if (emotion_ok && p.distress > 0) {
    distress.score = p.distress * profile::StateMemory::decay(time_ms - p.distress_ms, m.half_life_ms());
    ctx.signals = ethics::Borrowed<ethics::NamedScore>(&distress, 1);
  }
  std::array<int64_t, profile::Profile::kRecentDecisions> times{};
  const size_t ntimes = p.decision_times(static_cast<uint16_t>(*slot_index), times.data(), times.size());
  ctx.recent_decisions_ms = ethics::Borrowed<int64_t>(times.data(), ntimes);
  const ethics::GuardrailResult g = m.guardrails->evaluate(ctx, slot.variants);
  for (const auto& f : g.fired) {
    GuardrailFiring gf{std::string(f.id), std::string(f.reason), {}};
    for (uint32_t k : g.masked_by(f)) gf.masked_variants.push_back(slot.variants[k].id);
    d.guardrails.push_back(std::move(gf));
  }
  const bool use_emotion = emotion_ok && g.use_emotion;
  if (!use_emotion) states = StateVector{};

  // Context for the policy.
  std::vector<double> intents(schema.intents.size(), 0.0);
  if (m.purchase_intent_index >= 0 && p.purchase_probability >= 0)
    intents[static_cast<size_t>(m.purchase_intent_index)] = p.purchase_probability;
  if (m.churn_intent_index >= 0 && use_emotion) {
    const auto risk = m.transitions.churn_risk(states, states);
    intents[static_cast<size_t>(m.churn_intent_index)] =
        std::clamp(std::max(static_cast<double>(risk.risk), engagement.detached ? 0.8 : 0.0), 0.0, 1.0);
  }
  std::vector<double> context(m.features->context_dim());
  std::array<double, kStateCount> state_values{};
  for (size_t i = 0; i < kStateCount; ++i) state_values[i] = states[i];
  m.features->build(state_values.data(), intents.data(), feature_values.data(), context.data());

  std::vector<uint32_t> allowed;
  for (uint32_t k = 0; k < g.allowed.size(); ++k)
    if (g.allowed[k]) allowed.push_back(k);

  const uint64_t counter = ++m.decision_counter;
  const uint64_t id = splitmix64(m.salt + counter) | 1u;  // never 0
  d.decision_id = hex16(id);
  Impl::Pending pend;
  pend.customer = std::string(customer);
  pend.slot = static_cast<uint32_t>(*slot_index);
  pend.time_ms = time_ms;
  pend.context = context;
  uint32_t chosen = static_cast<uint32_t>(slot.safe_default);
  double propensity = 1.0;
  bool policy_chose = false;
  {
    std::lock_guard learn(m.learn_mutex);
    if (personalize && !allowed.empty()) {
      select::Rng rng(splitmix64(m.config.seed * 0x100000001B3ULL + counter));
      const select::Choice c = m.policies[*slot_index]->choose(context.data(), select::IndexSpan(allowed), rng);
      chosen = c.variant;
      propensity = c.propensity;
      policy_chose = true;
    }
    uint32_t shown = chosen;
    if (m.config.mode == EngineMode::shadow) shown = static_cast<uint32_t>(slot.safe_default);
    pend.variant = shown;
    pend.propensity = shown == chosen ? propensity : 1.0;
    // Learn only from what the policy chose and the customer saw.
    pend.learn = policy_chose && m.config.mode == EngineMode::live;
  }

  if (!personalize) d.reason = m.config.mode == EngineMode::off ? "kill switch (mode off)" : "no personalization consent";
  else if (allowed.empty()) d.reason = "every variant was removed by guardrails; safe default";
  if (m.config.mode == EngineMode::shadow && policy_chose) {
    d.would_show = slot.variants[chosen].id;
    d.reason = "shadow mode: default shown, policy choice logged";
  }
  const uint32_t shown = pend.variant;
  d.variant_id = slot.variants[shown].id;
  d.variant_text = slot.variants[shown].text;
  d.propensity = pend.propensity;
  d.adapted = policy_chose && m.config.mode == EngineMode::live;
  d.states = states;
  bool any_state = false;
  for (float x : states) any_state = any_state || x >= 0.05f;
  d.emotion_used = d.adapted && use_emotion && any_state;

  // Drivers: strongest states the policy saw, then host features.
  std::vector<std::pair<float, std::string>> ranked;
  for (size_t i = 0; i < kStateCount; ++i)
    if (states[i] >= 0.2f) ranked.emplace_back(states[i], std::string(kStateNames[i]));
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& r : ranked) d.drivers.push_back(r.second);
  if (m.purchase_intent_index >= 0 && p.purchase_probability >= 0.5f) d.drivers.push_back("purchase_intent");
  for (const auto& [name, value] : host_features)
    if (value != 0) d.drivers.push_back("feature:" + name);

  if (d.emotion_used) {
    std::string why;
    for (size_t i = 0; i < ranked.size() && i < 2; ++i) why += (i ? " and " : "") + ranked[i].second;
    d.disclosure = "This message was adapted because you seemed to be feeling " + (why.empty() ? std::string("some emotion") : why) +
                   " based on your recent messages and activity; you can turn emotion-based personalization off at any time.";
  } else if (d.adapted) {
    d.disclosure = "This message was personalized from your activity; no emotion data was used.";
  }
  if (emotion_ok && m.nba) {
    behavior::RiskFlags flags;
    flags.detachment = engagement.detached;
    flags.hesitation = hesitation >= 0.5f;
    // The seed's churn pattern: frustration followed by disengagement.
    flags.churn = flags.detachment && states[index(MarketingState::frustration)] >= 0.2f;
    for (const auto& r : m.nba->recommend(use_emotion ? states : StateVector{}, flags, 3)) d.next_best_actions.push_back(r.action);
  }
  d.review = d.adapted && m.config.review_share > 0 &&
             static_cast<double>(splitmix64(id ^ 0x5EED) >> 11) * 0x1.0p-53 < m.config.review_share;

  try {
    ++p.decisions;
    p.add_decision(id, time_ms, static_cast<uint16_t>(*slot_index), static_cast<uint16_t>(shown));
    if (p.last_seen_ms < time_ms) p.last_seen_ms = time_ms;
    // The pending decision and the profile update go to the journal as one record, so a crash
    // replays both or neither; the pending decision exists in memory only once journaled.
    std::lock_guard learn(m.learn_mutex);
    m.expire_pending(time_ms);
    if (m.journaling()) {
      thread_local Impl::Batch batch;
      thread_local ByteWriter rec;
      batch.payload.clear();
      rec.str().clear();
      rec.u64(counter);
      rec.u64(id);
      Impl::write_pending(rec, pend);
      batch.add(kDecision, rec.str());
      batch.add_profile(m, customer, p);
      m.journal(batch);
    }
    m.add_pending(id, std::move(pend));
  } catch (...) {
    p = before;
    throw;
  }
  if (m.auditing()) {
    nlohmann::json fields = {{"customer", m.pseudonym(customer, &p)}, {"decision_id", d.decision_id},
                             {"slot", d.slot},                        {"variant", d.variant_id},
                             {"propensity", d.propensity},            {"adapted", d.adapted},
                             {"emotion_used", d.emotion_used},        {"review", d.review},
                             {"mode", engine_mode_name(d.mode)}};
    nlohmann::json fired = nlohmann::json::array();
    for (const auto& f : d.guardrails) fired.push_back({{"rule", f.rule}, {"masked", f.masked_variants}});
    fields["guardrails"] = fired;
    if (d.emotion_used) fields["states"] = states_json(states);
    if (p.purchase_probability >= 0) fields["purchase_probability"] = p.purchase_probability;
    if (!d.would_show.empty()) fields["would_show"] = d.would_show;
    m.audit_line("decision", time_ms, fields);
  }
  return d;
}

// ---- reward ----------------------------------------------------------------------------------

void Engine::reward(std::string_view decision_id, double value, int64_t time_ms) {
  Impl& m = *impl_;
  check_time(time_ms);
  if (decision_id.size() != 16) throw invalid_argument("decision id must be 16 hex digits", status::not_found);
  const uint64_t id = select::parse_decision_id(decision_id);
  if (!std::isfinite(value) || value < 0 || value > 1)
    throw invalid_argument("reward must be a number in [0, 1]", status::out_of_range);
  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  auto find_open = [&]() -> Impl::Pending& {
    auto it = m.pending.find(id);
    if (it == m.pending.end())
      throw invalid_argument("unknown or expired decision id " + std::string(decision_id), status::not_found);
    if (it->second.rewarded)
      throw invalid_argument("decision " + std::string(decision_id) + " was already rewarded", status::duplicate);
    return it->second;
  };
  std::string customer;
  {
    std::lock_guard learn(m.learn_mutex);
    customer = find_open().customer;
  }
  // Lock order: shard, then learn. The decision is looked up again under both (a concurrent
  // reward or forget may have come first).
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = s.profiles.open(customer);
  profile::Profile* p = ref.get();
  // Consent that lapsed since the customer's last call erases first (it takes learn_mutex itself);
  // the erased profile goes into the reward's journal record below.
  if (p) m.end_lapsed_consent(customer, *p, time_ms);
  {
    std::lock_guard learn(m.learn_mutex);
    Impl::Pending& pending = find_open();
    std::optional<profile::Profile> before;
    if (p) before = *p;
    try {
      if (p) {
        ++p->rewards;
        if (value >= 0.5) ++p->positive_rewards;
        if (m.allows(customer, ethics::Purpose::profiling, time_ms)) p->trust.add(value >= 0.5 ? 1.0f : 0.0f, time_ms);
      }
      // The reward and the profile update as one record: replayed together or not at all.
      if (m.journaling()) {
        thread_local Impl::Batch batch;
        thread_local ByteWriter rec;
        batch.payload.clear();
        rec.str().clear();
        rec.u64(id);
        rec.f64(value);
        rec.u64(static_cast<uint64_t>(time_ms));
        batch.add(kReward, rec.str());
        if (p) batch.add_profile(m, customer, *p);
        m.journal(batch);
      }
    } catch (...) {
      if (p) *p = *before;
      throw;
    }
    m.apply_reward(pending, value);
  }
  if (p && m.auditing())
    m.audit_line("reward", time_ms,
                 {{"customer", m.pseudonym(customer, p)}, {"decision_id", std::string(decision_id)}, {"value", value}});
}

// ---- correct ---------------------------------------------------------------------------------

void Engine::correct(std::string_view customer, std::string_view observation_id, const std::vector<std::string>& labels,
                     int64_t time_ms) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  if (labels.empty()) throw invalid_argument("labels must not be empty (use {\"neutral\"} for no emotion)");
  std::vector<emotion::Label> parsed;
  for (const auto& name : labels) {
    const auto l = emotion::Taxonomy::label_from_name(name);
    if (!l) throw invalid_argument("unknown emotion label \"" + name.substr(0, 64) + "\"", status::not_found);
    parsed.push_back(*l);
  }
  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  if (!m.allows(customer, ethics::Purpose::emotion_inference, time_ms))
    throw invalid_argument("no emotion_inference consent for this customer", status::consent_required);
  Impl::CachedObservation obs;
  {
    std::lock_guard lock(m.cache_mutex);
    auto it = m.cache.find(std::string(observation_id));
    if (it == m.cache.end() || it->second.customer != customer)
      throw invalid_argument("unknown or expired observation id \"" + std::string(observation_id.substr(0, 64)) + "\"",
                             status::not_found);
    obs = it->second;
  }
  {
    std::unique_lock lock(m.emotion_mutex);
    m.emotion->correct(obs.text, parsed);
    if (!m.config.state_dir.empty()) m.emotion->save(m.config.state_dir + "/emotion-adapted.attm");
  }
  std::vector<std::string> detected;
  for (size_t l = 0; l < emotion::kLabelCount; ++l)
    if (obs.detected & emotion::Taxonomy::bit(static_cast<emotion::Label>(l)))
      detected.emplace_back(emotion::Taxonomy::label_name(static_cast<emotion::Label>(l)));
  const profile::Profile* p = nullptr;
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  auto ref = s.profiles.open(customer);
  p = ref.get();
  m.audit_line("correction", time_ms,
               {{"customer", m.pseudonym(customer, p)}, {"observation_id", std::string(observation_id)},
                {"detected", detected}, {"verified", labels}});
}

// ---- consent and erasure -----------------------------------------------------------------------

void Engine::consent(std::string_view customer, std::string_view purpose_name, bool granted, int64_t time_ms,
                     std::optional<int64_t> expires_ms, std::string_view source) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  const ethics::Purpose purpose = ethics::parse_purpose(purpose_name);
  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  // The profile (and its pseudonym nonce) exists from the first grant on, so every audit line of
  // this customer carries the same pseudonym. A grant the registry refuses leaves no profile.
  auto ref = s.profiles.open(customer);
  const bool existed = static_cast<bool>(ref);
  // A lapsed (expired) consent is enforced before the change, and journaled with it below.
  const bool lapsed = existed && m.end_lapsed_consent(customer, *ref, time_ms);
  if (granted) {
    if (!existed) ref = m.profile_of(s, customer, time_ms);
    try {
      m.consent->grant(customer, purpose, time_ms, expires_ms, source);
    } catch (...) {
      if (!existed) {
        ref.discard();
        s.profiles.erase(customer);
        --m.count_hint_;
      }
      throw;
    }
  } else {
    // A revocation is kept even for a customer without a profile (an explicit "no" overrides the
    // defaults), so new ids count against limits.max_profiles here too: otherwise revocations for
    // ever new ids would grow the registry without bound.
    if (!existed && m.consent->size() >= m.config.max_profiles) {
      const ethics::ConsentRecord known = m.consent->record(customer);
      if (std::none_of(known.purposes.begin(), known.purposes.end(), [](const auto& c) { return c.present; }))
        throw error(status::limit_exceeded, "the consent registry holds " + std::to_string(m.config.max_profiles) +
                                                " customers (limits.max_profiles); forget customers or raise the limit");
    }
    m.consent->revoke(customer, purpose, time_ms, source);
  }
  if (!granted) m.erased_since_checkpoint = true;
  if (!granted && ref) {
    // Revocation takes effect at once and removes what the purpose covered.
    if (purpose == ethics::Purpose::emotion_inference) ref->clear_emotion();
    if (purpose == ethics::Purpose::profiling) ref->clear_profiling();
  }
  // The consent change and the profile it created or cleared: one record, replayed entirely or
  // not at all (a revocation can never come back without its erasure).
  if (m.journaling()) {
    Impl::Batch batch;
    batch.add(kConsent, m.consent->serialize_customer(customer));
    if (ref && ((granted && (!existed || lapsed)) || !granted)) batch.add_profile(m, customer, *ref);
    m.journal(batch);
  }
  if (!granted && purpose == ethics::Purpose::emotion_inference) {
    m.drop_cached_texts(customer);
    std::lock_guard learn(m.learn_mutex);
    m.scrub_pending_emotion(customer);
  }
  nlohmann::json fields = {{"customer", m.pseudonym(customer, ref.get())},
                           {"purpose", std::string(purpose_name)},
                           {"granted", granted},
                           {"source", std::string(source.substr(0, 128))}};
  if (expires_ms) fields["expires_ms"] = *expires_ms;
  m.audit_line("consent", time_ms, fields);
}

void Engine::forget(std::string_view customer, int64_t time_ms, bool compact_now) {
  Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  {
    std::shared_lock state(m.state_mutex);
    m.note_time(time_ms);
    Impl::Shard& s = m.shard(customer);
    std::lock_guard lock(s.mutex);
    auto ref = s.profiles.open(customer);
    // The erasure line is the last one that can be linked to this customer: the pseudonym nonce
    // goes with the profile.
    m.audit_line("erasure", time_ms, {{"customer", m.pseudonym(customer, ref.get())}});
    // The erasure of the profile and of the consent records: one record, replayed entirely or not
    // at all. The consent blob of an erased customer is that of an unknown one.
    if (m.journaling()) {
      const std::string saved = m.consent->serialize_customer(customer);
      m.consent->forget(customer);
      Impl::Batch batch;
      ByteWriter rec;
      rec.bytes(customer);
      batch.add(kProfileErase, rec.str());
      batch.add(kConsent, m.consent->serialize_customer(customer));
      try {
        m.journal(batch);
      } catch (...) {
        m.consent->deserialize_customer(saved);
        throw;
      }
    }
    if (ref) {
      ref.discard();
      s.profiles.erase(customer);
      --m.count_hint_;
    }
    s.live.erase(std::string(customer));
    m.consent->forget(customer);
    {
      std::lock_guard learn(m.learn_mutex);
      m.erase_pending_of(customer);
    }
    m.drop_cached_texts(customer);
    m.erased_since_checkpoint = true;
  }
  if (compact_now) snapshot();
}

// ---- views, export, persistence ----------------------------------------------------------------

ProfileView Engine::profile(std::string_view customer, int64_t time_ms) const {
  const Impl& m = *impl_;
  check_customer(customer);
  check_time(time_ms);
  std::shared_lock state(m.state_mutex);
  ProfileView v;
  v.customer = std::string(customer);
  for (auto purpose : ethics::kPurposes)
    v.consent[std::string(ethics::purpose_name(purpose))] =
        std::string(ethics::consent_status_name(m.consent->status(customer, purpose, time_ms)));
  const Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  const std::optional<profile::Profile> found = s.profiles.get(customer);
  if (!found) return v;
  const profile::Profile& p = *found;
  v.exists = true;
  const bool emotion_ok = m.allows(customer, ethics::Purpose::emotion_inference, time_ms);
  auto live_it = s.live.find(std::string(customer));
  if (emotion_ok) {
    v.states = p.memory.read(time_ms, m.half_life_ms(), m.config.prior_weight);
    v.valence = p.last_valence;
    v.hesitation = m.live_hesitation(p, live_it == s.live.end() ? nullptr : &live_it->second, time_ms).score;
    auto& h = v.states[index(MarketingState::hesitation)];
    h = std::max(h, v.hesitation);
  }
  v.trust_level = p.trust.level();
  v.trust_velocity = p.trust.velocity();
  v.detachment_alert = m.engagement_at(p, time_ms).detached;
  if (p.purchase_probability >= 0) v.purchase_probability = p.purchase_probability;
  for (size_t c = 0; c < profile::kChannelCount; ++c)
    if (p.channels_seen & (1u << c)) v.channels.emplace_back(profile::channel_name(static_cast<Channel>(c)));
  v.observations = p.observations;
  v.events = p.events;
  v.decisions = p.decisions;
  v.rewards = p.rewards;
  return v;
}

std::string Engine::export_profile(std::string_view customer) const {
  const Impl& m = *impl_;
  check_customer(customer);
  std::shared_lock state(m.state_mutex);
  const Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  const std::optional<profile::Profile> found = s.profiles.get(customer);
  if (!found) throw invalid_argument("unknown customer", status::not_found);
  return found->serialize(customer);
}

void Engine::import_profile(std::string_view bytes, int64_t time_ms) {
  Impl& m = *impl_;
  check_time(time_ms);
  std::string customer;
  profile::Profile p = profile::Profile::deserialize(bytes, customer);
  check_customer(customer);
  // Imported emotion data obeys today's consent: without it, it is dropped on the way in.
  if (!m.allows(customer, ethics::Purpose::emotion_inference, time_ms)) p.clear_emotion();
  if (!m.allows(customer, ethics::Purpose::profiling, time_ms)) p.clear_profiling();
  std::shared_lock state(m.state_mutex);
  m.note_time(time_ms);
  Impl::Shard& s = m.shard(customer);
  std::lock_guard lock(s.mutex);
  const bool existed = s.profiles.contains(customer);
  if (!existed && m.count_hint_ >= m.config.max_profiles)
    throw error(status::limit_exceeded, "profile limit (limits.max_profiles) reached");
  m.journal_profile(customer, p);
  s.profiles.put(customer, p);
  if (!existed) ++m.count_hint_;
}

void Engine::snapshot() {
  Impl& m = *impl_;
  if (!m.dir) return;
  std::unique_lock state(m.state_mutex);
  // Consent that lapsed since a customer's last call is enforced here, as of the latest time the
  // engine has seen, so no snapshot holds emotion data of a customer without consent then.
  const int64_t now = m.latest_ms.load();
  // The sweep visits every profile (0.85 s at a million customers). After one full sweep since
  // the engine opened (or from the start when it restored no profile), only a grant with an
  // expiry can lapse without a call that enforces it (revocations erase at once; grants are
  // stamped with their call's time, which `now` is never before), so the sweep is skipped while
  // the registry holds no grant with an expiry.
  // The sweep runs inside write_snapshot: each encoder thread checks a profile just before
  // encoding it (no separate pass copying every profile out and back). The shard mutexes are not
  // taken: the exclusive state lock keeps every call out, and each shard is read by one encoder.
  // The pending decisions' states are scrubbed by consent here, independently of the sweep.
  std::unordered_set<std::string> lapsed;
  const bool sweep = now != 0 && (!m.swept_since_open || m.consent->expiring_grants() > 0);
  auto drop_lapsed_texts = [&] {
    if (!lapsed.empty()) m.drop_cached_texts_where([&](const std::string& c) { return lapsed.count(c) > 0; });
  };
  try {
    std::lock_guard learn(m.learn_mutex);
    for (auto& entry : m.pending)
      if (now != 0 && !m.allows(entry.second.customer, ethics::Purpose::emotion_inference, now)) Impl::scrub_context(entry.second);
    // now == 0: no call and nothing restored, no clock to judge expiry by.
    // The replaced files are unlinked in the background (calls go on meanwhile) unless they hold
    // data erased since they were written: then the snapshot returns only once they are gone.
    // (The sweep inside write_snapshot sets the flag for what it erases.)
    m.dir->checkpoint([&](profile::SnapshotWriter& w) { m.write_snapshot(w, sweep ? now : 0, lapsed); },
                      profile::OldGeneration::background);
    if (m.erased_since_checkpoint.load()) m.dir->wait_for_removal();
    m.erased_since_checkpoint = false;
    m.records_since_checkpoint = 0;
  } catch (...) {
    drop_lapsed_texts();  // the profiles swept before the failure lost their emotion data
    throw;
  }
  if (sweep) m.swept_since_open = true;
  drop_lapsed_texts();
}

void Engine::sync() {
  Impl& m = *impl_;
  if (m.dir) m.dir->sync();
  if (m.audit) m.audit->sync();
}

nlohmann::json Engine::stats() const {
  const Impl& m = *impl_;
  std::shared_lock state(m.state_mutex);
  size_t live = 0;
  for (const auto& s : m.shards) {
    std::lock_guard lock(s.mutex);
    live += s.live.size();
  }
  nlohmann::json checkpoints = nullptr;
  if (m.dir) {
    std::lock_guard lock(m.checkpointer_mutex);
    checkpoints = {{"automatic", m.automatic_checkpoints},
                   {"journal_records_since", m.records_since_checkpoint.load()},
                   {"every_records", m.config.checkpoint_every_records},
                   {"last_error", m.last_checkpoint_error.empty() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(m.last_checkpoint_error)}};
  }
  return {{"customers", m.count_profiles()},
          {"checkpoints", checkpoints},
          {"live_sessions", live},
          {"pending_decisions", [&] { std::lock_guard l(m.learn_mutex); return m.pending.size(); }()},
          {"decisions", m.decision_counter.load()},
          {"observations", m.observation_counter.load()},
          {"mode", engine_mode_name(m.config.mode)}};
}

}  // namespace attune
