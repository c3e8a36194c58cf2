// attune/engine.hpp: the composition a host embeds.
//
// One Engine wires the parts (emotion model, session tracker and intent model, behavioural
// detectors, catalog and bandit policies, consent registry, guardrails, audit log, persistence)
// and keeps one Profile per customer. It adds nothing the parts cannot do alone; it decides how
// they meet:
//
//   observe_text(customer, channel, text, t)   text -> emotion scores -> fused states (consent!)
//   observe_event(segment_json)                events -> session features, intent, hesitation,
//                                              engagement, behavioural state evidence
//   observe_signal(customer, channel, name, v, t)  numeric cues from other modalities
//   decide(customer, slot, t, features)        consent -> guardrails -> bandit -> Decision
//   reward(decision_id, value, t)              delayed outcome, applied once
//   correct(customer, observation_id, labels, t)  human-verified emotion labels (empathy loop)
//   consent(...), forget(customer, t), profile(customer, t), snapshot()
//
// Time: every call takes the host's clock in milliseconds since the Unix epoch (UTC), so replays
// and tests are deterministic. Time may go backwards a little between customers; per customer,
// older evidence is folded in without amplifying newer memory.
//
// Consent (docs/ethics.md): without `emotion_inference` attune accepts text but computes, stores
// and uses no emotion for that customer (and the decision says so); without `personalization`
// decide() returns the slot's safe default; without `profiling` no long-lived behavioural profile
// (baselines, engagement, hesitation history, trust) is kept. Revoking a purpose erases what it
// covered at once; a consent that expires stops being used at its expiry instant and its data is
// erased at the customer's next call or the next snapshot (docs/ethics.md).
//
// Modes: live (adapt), shadow (decide and audit what would have been shown, return the default),
// off (kill switch: default, no emotion used, nothing learned).
//
// Persistence (config `state_dir`): an atomic snapshot plus a journal of every acknowledged call;
// a call is acknowledged when it returns (durability per config: docs/persistence.md). Restarting
// an Engine on the same directory restores every acknowledged call. Nothing that needs consent is
// journaled without it, and no raw text is ever written to disk.
//
// Errors: bad input throws attune::invalid_argument (unknown customer, decision or observation id;
// duplicate reward; NaN or out-of-range values; malformed UTF-8, JSON or events; over-long text)
// and changes no state. attune::error for I/O and corrupt state files: a call that fails while
// writing its journal record (io_error, e.g. a full disk) is not acknowledged: its effect may
// stay in memory (and reach the disk with a later record of the same customer) or be lost at a
// restart. The journal itself stays intact (a partial record is truncated away); a host that
// needs certainty repeats the call once the disk is healthy (consent and forget are idempotent).
//
// Thread-safety: every member function may be called concurrently, for different customers and
// for the same customer. Calls on one customer are linearizable (a per-customer lock); learning
// (reward, correct) is serialized; snapshot() briefly blocks all other calls (about 1 s per
// million customers). With a state_dir the engine also runs a thread that takes the automatic
// snapshots (checkpoint_every_records) and, after each snapshot, a short-lived one that unlinks
// the files it replaced; the destructor joins them.
#pragma once

#include "attune/engine_config.hpp"
#include "attune/profile/profile.hpp"
#include "attune/states.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune {

using profile::Channel;

/// What observe_text learned from one text.
struct TextObservation {
  std::string observation_id;             ///< pass to correct(); empty when nothing was scored
  bool emotion_used = false;              ///< false: no emotion consent, nothing computed
  StateVector states{};                   ///< the text's state evidence (zeros when !emotion_used)
  float valence = 0, arousal = 0, confidence = 0;
  std::vector<std::string> active_labels; ///< GoEmotions labels (empty when !emotion_used)
  nlohmann::json to_json() const;
};

/// What observe_event derived from one event.
struct EventObservation {
  std::string customer;
  std::string event;                       ///< event name (or page name)
  std::string kind;                        ///< attune's event kind ("product_viewed", "other", ...)
  bool recognized = false;                 ///< attune uses this kind of event
  std::optional<double> purchase_probability;  ///< intent of the current session
  float hesitation = 0;                    ///< live hesitation score (0 without consent)
  bool detachment_alert = false;           ///< sustained engagement drop (profiling consent)
  nlohmann::json to_json() const;
};

/// A guardrail that changed a decision.
struct GuardrailFiring {
  std::string rule;
  std::string reason;
  std::vector<std::string> masked_variants;
};

struct Decision {
  std::string decision_id;    ///< pass to reward()
  std::string slot;
  std::string variant_id;     ///< what to show
  std::string variant_text;
  double propensity = 1.0;    ///< probability of variant_id under the logging policy, (0,1]
  bool adapted = false;       ///< chosen by the policy from the customer's context
  bool emotion_used = false;  ///< emotional states influenced the choice
  bool review = false;        ///< flagged for human review (sampled share of adapted decisions)
  EngineMode mode = EngineMode::live;
  std::string would_show;     ///< shadow mode: the variant the policy chose (variant_id is the default)
  std::string reason;         ///< why the default was used, when it was ("no personalization consent", ...)
  StateVector states{};       ///< the states the policy saw (zeros when !emotion_used)
  std::vector<std::string> drivers;         ///< states/features that drove it, strongest first
  std::vector<GuardrailFiring> guardrails;  ///< rules that fired
  std::vector<std::string> next_best_actions;
  std::string disclosure;     ///< customer-facing sentence; non-empty whenever emotion_used
  /// Machine-readable explanation (everything above as JSON).
  nlohmann::json explanation() const;
};

/// A read-only view of a customer's profile.
struct ProfileView {
  std::string customer;
  bool exists = false;
  StateVector states{};      ///< fused, decayed to the requested time (zeros without consent)
  float valence = 0;
  float trust_level = 0;
  float trust_velocity = 0;  ///< per day
  float hesitation = 0;
  bool detachment_alert = false;
  std::optional<double> purchase_probability;
  std::vector<std::string> channels;
  uint32_t observations = 0, events = 0, decisions = 0, rewards = 0;
  std::map<std::string, std::string> consent;  ///< purpose -> status ("active", "none", ...)
  nlohmann::json to_json() const;
};

/// Recovery report of an Engine opened on a state directory.
struct RestoreReport {
  bool created = false;
  uint64_t profiles = 0;
  uint64_t records_replayed = 0;
  bool torn_tail = false;        ///< the journal ended in a torn record (reported and truncated)
  std::vector<std::string> notes;
  nlohmann::json to_json() const;
};

class Engine {
 public:
  /// Build from a configuration (see engine_config.hpp). Loads the models and, with a state_dir,
  /// restores the state. Throws invalid_argument for bad configuration, attune::error when a model
  /// or the state cannot be read.
  explicit Engine(EngineConfig config);
  /// Same, from the JSON text of the configuration.
  static std::unique_ptr<Engine> from_json(std::string_view config_json);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  TextObservation observe_text(std::string_view customer, Channel channel, std::string_view text, int64_t time_ms);
  /// A Segment-spec track/page/screen/identify event (JSON).
  EventObservation observe_event(std::string_view segment_json);
  /// A named numeric cue (configured under "signals"); unknown names are errors.
  void observe_signal(std::string_view customer, Channel channel, std::string_view name, double value, int64_t time_ms);

  /// Choose the variant to show in `slot`. `features`: host-provided numeric features named in
  /// the catalog's context schema (missing ones are 0; unknown names are errors).
  Decision decide(std::string_view customer, std::string_view slot, int64_t time_ms,
                  const std::map<std::string, double>& features = {});
  /// Apply the outcome of a decision, once. value in [0,1].
  void reward(std::string_view decision_id, double value, int64_t time_ms);
  /// A person verified or fixed the emotions of an observation; the emotion model learns from it.
  /// `labels`: GoEmotions label names (may be empty only as {"neutral"}).
  void correct(std::string_view customer, std::string_view observation_id, const std::vector<std::string>& labels,
               int64_t time_ms);

  /// Record consent for a purpose ("emotion_inference", "personalization", "profiling").
  void consent(std::string_view customer, std::string_view purpose, bool granted, int64_t time_ms,
               std::optional<int64_t> expires_ms = std::nullopt, std::string_view source = {});
  /// Erase the customer: profile, pending decisions, consent, cached texts; journaled as a
  /// tombstone and compacted out of the state directory at the next snapshot (or at once with
  /// `compact_now`). The audit log keeps only the pseudonymous id and the fact of erasure.
  void forget(std::string_view customer, int64_t time_ms, bool compact_now = false);

  ProfileView profile(std::string_view customer, int64_t time_ms) const;
  /// One customer's profile as bytes (for a host's own database) and back. import replaces.
  std::string export_profile(std::string_view customer) const;
  void import_profile(std::string_view bytes, int64_t time_ms);

  /// Write a snapshot and start a new journal (state_dir only; no-op otherwise). Calls wait while
  /// it runs. It returns once the new snapshot and journal are durable; the replaced files are
  /// then unlinked by a background thread, except when they hold data erased since they were
  /// written (forget, a revocation, a lapsed consent): then they are gone before it returns.
  void snapshot();
  /// Flush the journal and the audit log to stable storage now.
  void sync();
  const RestoreReport& restore_report() const noexcept;

  const EngineConfig& config() const noexcept;
  size_t customer_count() const;
  /// Counts (customers, live sessions, pending decisions, decisions, observations), the mode,
  /// and with a state_dir "checkpoints": automatic snapshots taken, journal records since the
  /// last snapshot, the threshold, and the last automatic snapshot's error (null when it worked).
  nlohmann::json stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune
