// attune/profile/profile.hpp: one customer's memory, compact enough for millions of customers.
//
// A Profile holds what the engine remembers of a customer across channels (web, email, chat, app):
//   - memory: time-decayed marketing states fused from text, behaviour and numeric cues
//     (StateMemory; emotion data, kept only with `emotion_inference` consent);
//   - baseline, hesitation, engagement: the behavioural detectors of attune::behavior
//     (kept only with `profiling` consent);
//   - trust: the trust trajectory and its velocity (TrustTrajectory);
//   - recent decisions (frequency caps, explanations), counters, the last frustration peak (quiet
//     periods) and cached last scores for the profile view;
//   - a random pseudonym nonce: audit-log pseudonyms are HMAC(salt, id + nonce), so erasing the
//     profile (and its nonce) makes the customer's past audit lines unlinkable to them.
// Size: 512 bytes in memory (sizeof), of which ProfileCore 344; the engine's store keeps a
// customer without behavioural events in ~390 bytes and bench_engine's bytes_per_customer gives
// the store total with the consent record (docs/engine.md, Memory).
// Serialization: versioned little-endian bytes (serialize/deserialize), used by snapshots, the
// journal and export/import. Not thread-safe: the ProfileStore guards each profile.
#pragma once

#include "attune/behavior/baseline.hpp"
#include "attune/behavior/engagement_monitor.hpp"
#include "attune/behavior/hesitation_detector.hpp"
#include "attune/profile/state_memory.hpp"
#include "attune/profile/trust.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace attune::profile {

/// Channels a customer is seen on. Bit i of Profile::channels_seen is Channel i.
enum class Channel : uint8_t { web = 0, email, chat, app, other };
inline constexpr size_t kChannelCount = 5;
std::string_view channel_name(Channel c) noexcept;
/// Parses "web", "email", "chat", "app", "other"; throws invalid_argument otherwise.
Channel parse_channel(std::string_view name);

/// A decision remembered in the profile (frequency caps, "recent decisions" of the view).
struct RecentDecision {
  uint64_t id = 0;       ///< 0: empty entry
  int64_t time_ms = 0;
  uint16_t slot = 0;     ///< slot index in the engine's catalog
  uint16_t variant = 0;  ///< variant index in the slot
};

/// Everything of a Profile but the two session-behaviour detectors (hesitation, engagement),
/// which only customers with behavioural events use: the engine's store keeps this part inline
/// and the detectors out of line, only for customers that have them (docs/engine.md, Memory).
struct ProfileCore {
  static constexpr size_t kRecentDecisions = 4;

  StateMemory memory;
  TrustTrajectory trust;
  behavior::Baseline baseline;
  std::array<RecentDecision, kRecentDecisions> recent{};

  uint64_t pseudonym_nonce = 0;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t frustration_peak_ms = 0;  ///< last time fused frustration reached its peak threshold
  float frustration_peak = 0;       ///< that peak's score
  float distress = 0;               ///< peak of sadness/grief/fear/nervousness of recent texts
  int64_t distress_ms = 0;          ///< when it was observed (decays with the state half-life)
  float last_valence = 0;           ///< of the last consented text
  float last_arousal = 0;
  float purchase_probability = -1;  ///< intent of the current session; -1 unknown
  uint32_t observations = 0;        ///< texts observed
  uint32_t events = 0;              ///< behavioural events observed
  uint32_t decisions = 0;
  uint32_t rewards = 0;
  uint32_t positive_rewards = 0;    ///< rewards >= 0.5
  uint8_t channels_seen = 0;        ///< bit set of Channel
  uint8_t last_channel = 0;
};

struct Profile : ProfileCore {
  static constexpr uint8_t kFormatVersion = 1;

  behavior::HesitationDetector hesitation;
  behavior::EngagementMonitor engagement;

  /// Remember a decision (oldest entry replaced).
  void add_decision(uint64_t id, int64_t time_ms, uint16_t slot, uint16_t variant) noexcept;
  /// Times of the remembered decisions in `slot` (for frequency caps); returns how many were written.
  size_t decision_times(uint16_t slot, int64_t* out, size_t capacity) const noexcept;

  /// Remove every emotion datum (consent revoked): fused states, valence/arousal, frustration peak.
  void clear_emotion() noexcept;
  /// Remove the long-lived behavioural profile (profiling consent revoked).
  void clear_profiling() noexcept;

  /// Versioned little-endian bytes. `customer` is stored with it (export/import, snapshots).
  std::string serialize(std::string_view customer) const;
  /// The same bytes appended to `out` (snapshots and the journal reuse one buffer).
  void serialize_to(std::string& out, std::string_view customer) const;
  /// Inverse of serialize(); returns the profile and writes the customer id. Throws
  /// attune::error(format_error | version_mismatch) on corrupt or foreign bytes.
  static Profile deserialize(std::string_view bytes, std::string& customer);
};

}  // namespace attune::profile
