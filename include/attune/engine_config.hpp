// attune/engine_config.hpp: the one JSON document that configures an attune::Engine.
//
// Every field is optional; docs/engine.md lists the defaults with their reasons. Parsing is strict:
// unknown fields, wrong types and out-of-range values throw attune::invalid_argument whose message
// starts with the JSON path of the bad field ("/memory/state_half_life_hours: expected a number in
// [0.01, 87600], got -1"), so a typo never silently falls back to a default.
#pragma once

#include "attune/states.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace attune {

enum class EngineMode : uint8_t {
  live,    ///< decisions are adapted and shown
  shadow,  ///< decide and log what would have been shown, but return the slot's default
  off,     ///< kill switch: always the default, no emotion used, nothing learned
};
const char* engine_mode_name(EngineMode m) noexcept;

/// How a named numeric cue from another modality (voice prosody, facial action units, typing
/// pace) feeds the marketing states: value mapped linearly from [low, high] to [0,1] (clamped),
/// then added as evidence for `state` with `weight`.
struct SignalMapping {
  MarketingState state = MarketingState::anxiety;
  float weight = 0.5f;
  double low = 0.0;
  double high = 1.0;
};

/// Largest configuration document EngineConfig::parse accepts (it may embed a 4 MiB catalog and
/// 1 MiB of guardrail rules); nesting is limited to detail::kMaxJsonDepth (docs/limits.md).
inline constexpr size_t kMaxEngineConfigBytes = size_t{8} << 20;

struct EngineConfig {
  EngineMode mode = EngineMode::live;
  uint64_t seed = 1;                      ///< seeds the bandit's randomness (deterministic runs)

  // Persistence (see docs/persistence.md). Empty: state lives in memory only.
  std::string state_dir;
  std::string durability = "batched";     ///< every_record | batched | none
  uint64_t checkpoint_every_records = 200000;  ///< automatic snapshot (on an engine thread) after this many journal records

  // Models and data: "default" finds the shipped file; anything else is a path.
  std::string emotion_model = "default";
  std::string intent_model = "default";
  nlohmann::json catalog = "default";     ///< "default", a path, or the catalog object itself
  nlohmann::json guardrails = "default";  ///< "default", a path, or the rules object itself
  nlohmann::json policy = nlohmann::json::object();  ///< selector options (docs/selection.md)

  // Emotional memory.
  double state_half_life_hours = 24.0;    ///< how fast fused states fade without new evidence
  float prior_weight = 0.25f;             ///< evidence weight pulling states towards 0
  std::array<float, kStateCount> text_weights{1.0f, 1.0f, 0.3f, 1.0f, 1.0f, 1.0f, 1.0f, 0.3f};
  std::array<float, kStateCount> behavior_weights{0.5f, 0.5f, 1.0f, 0.5f, 0.5f, 0.5f, 0.5f, 1.0f};
  std::map<std::string, SignalMapping> signals;

  // Limits (docs/engine.md): a caller cannot make the engine exhaust memory.
  uint64_t max_profiles = 10'000'000;
  uint64_t max_pending_decisions = 65'536;  ///< awaiting a reward; the oldest is evicted beyond this
  uint32_t observation_cache = 10'000;    ///< recent texts kept in memory for correct(); 0 disables
  double observation_ttl_hours = 24.0;

  // Consent: purposes allowed for a customer with nothing recorded (default: none).
  bool allow_emotion_when_absent = false;
  bool allow_personalization_when_absent = false;
  bool allow_profiling_when_absent = false;

  // Oversight.
  std::string audit_path;                 ///< JSON-lines audit log; relative paths live in state_dir
  std::string audit_salt;                 ///< operator secret for pseudonyms; empty: generated and kept
  double review_share = 0.05;             ///< share of adapted decisions flagged for human review

  /// Parse and validate. Throws attune::invalid_argument naming the JSON path.
  static EngineConfig parse(std::string_view json);
  static EngineConfig from_json(const nlohmann::json& json);
  /// The effective configuration, defaults included (round-trips through from_json).
  nlohmann::json to_json() const;
};

}  // namespace attune
