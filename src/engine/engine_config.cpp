#include "attune/engine_config.hpp"

#include "attune/detail/json_fields.hpp"
#include "attune/detail/json_limits.hpp"
#include "attune/error.hpp"

namespace attune {

const char* engine_mode_name(EngineMode m) noexcept {
  switch (m) {
    case EngineMode::live: return "live";
    case EngineMode::shadow: return "shadow";
    case EngineMode::off: return "off";
  }
  return "unknown";
}

namespace {

using detail::JsonFields;

std::array<float, kStateCount> read_state_weights(const nlohmann::json& j, const std::string& path,
                                                  std::array<float, kStateCount> weights) {
  JsonFields f(j, path, {"frustration", "anxiety", "hesitation", "confusion", "curiosity", "excitement", "satisfaction",
                         "detachment"});
  for (size_t s = 0; s < kStateCount; ++s) {
    const std::string name(kStateNames[s]);
    weights[s] = static_cast<float>(f.number(name.c_str(), weights[s], 0.0, 100.0));
  }
  return weights;
}

nlohmann::json source_field(const JsonFields& f, const char* key, nlohmann::json fallback) {
  if (!f.has(key)) return fallback;
  const auto& v = f.at(key);
  if (!v.is_string() && !v.is_object())
    f.fail(key, "expected \"default\", a file path, or an object, got " + std::string(v.type_name()));
  if (v.is_string() && v.get<std::string>().empty()) f.fail(key, "expected \"default\" or a file path, got \"\"");
  return v;
}

}  // namespace

EngineConfig EngineConfig::parse(std::string_view json) {
  // Untrusted input: size, depth, UTF-8 and duplicate keys are checked while parsing (a repeated
  // key would otherwise silently override the first).
  return from_json(detail::parse_json_limited(json, "engine config", kMaxEngineConfigBytes));
}

EngineConfig EngineConfig::from_json(const nlohmann::json& j) {
  EngineConfig c;
  JsonFields f(j, "", {"mode", "seed", "state_dir", "durability", "checkpoint_every_records", "models", "catalog",
                       "guardrails", "policy", "memory", "fusion", "signals", "limits", "consent", "audit"});
  const std::string mode = f.choice("mode", "live", {"live", "shadow", "off"});
  c.mode = mode == "live" ? EngineMode::live : mode == "shadow" ? EngineMode::shadow : EngineMode::off;
  c.seed = static_cast<uint64_t>(f.number("seed", 1, 0, 9007199254740991.0));
  c.state_dir = f.string("state_dir", "");
  c.durability = f.choice("durability", "batched", {"every_record", "batched", "none"});
  c.checkpoint_every_records =
      static_cast<uint64_t>(f.number("checkpoint_every_records", 200000, 1000, 1e12));
  if (f.has("models")) {
    JsonFields m(f.at("models"), "/models", {"emotion", "intent"});
    c.emotion_model = m.string("emotion", "default");
    c.intent_model = m.string("intent", "default");
    if (c.emotion_model.empty()) m.fail("emotion", "expected \"default\" or a file path");
    if (c.intent_model.empty()) m.fail("intent", "expected \"default\" or a file path");
  }
  c.catalog = source_field(f, "catalog", "default");
  c.guardrails = source_field(f, "guardrails", "default");
  if (f.has("policy")) {
    if (!f.at("policy").is_object()) f.fail("policy", "expected an object");
    c.policy = f.at("policy");
  }
  if (f.has("memory")) {
    JsonFields m(f.at("memory"), "/memory", {"state_half_life_hours", "prior_weight"});
    c.state_half_life_hours = m.number("state_half_life_hours", c.state_half_life_hours, 0.01, 87600);
    c.prior_weight = static_cast<float>(m.number("prior_weight", c.prior_weight, 0.0, 100.0));
  }
  if (f.has("fusion")) {
    JsonFields m(f.at("fusion"), "/fusion", {"text", "behavior"});
    if (m.has("text")) c.text_weights = read_state_weights(m.at("text"), "/fusion/text", c.text_weights);
    if (m.has("behavior")) c.behavior_weights = read_state_weights(m.at("behavior"), "/fusion/behavior", c.behavior_weights);
  }
  if (f.has("signals")) {
    const auto& s = f.at("signals");
    if (!s.is_object()) f.fail("signals", "expected an object of signal name -> mapping");
    if (s.size() > 256) f.fail("signals", "at most 256 signals");
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string path = "/signals/" + it.key();
      if (it.key().empty() || it.key().size() > 64) throw invalid_argument(path + ": signal names have 1 to 64 bytes");
      JsonFields m(it.value(), path, {"state", "weight", "low", "high"});
      SignalMapping map;
      const std::string state = m.string("state", "");
      const auto st = state_from_name(state);
      if (!st) m.fail("state", "expected a marketing state name (frustration, anxiety, ...), got \"" + state + "\"");
      map.state = *st;
      map.weight = static_cast<float>(m.number("weight", map.weight, 0.0, 100.0));
      map.low = m.number("low", map.low, -1e9, 1e9);
      map.high = m.number("high", map.high, -1e9, 1e9);
      if (!(map.high > map.low)) m.fail("high", "must be greater than low");
      c.signals[it.key()] = map;
    }
  }
  if (f.has("limits")) {
    JsonFields m(f.at("limits"), "/limits", {"max_profiles", "max_pending_decisions", "observation_cache", "observation_ttl_hours"});
    c.max_profiles = static_cast<uint64_t>(m.number("max_profiles", static_cast<double>(c.max_profiles), 1, 1e9));
    c.max_pending_decisions = static_cast<uint64_t>(
        m.number("max_pending_decisions", static_cast<double>(c.max_pending_decisions), 1, 1 << 22));
    c.observation_cache = static_cast<uint32_t>(m.number("observation_cache", c.observation_cache, 0, 1e7));
    c.observation_ttl_hours = m.number("observation_ttl_hours", c.observation_ttl_hours, 0.01, 8760);
  }
  if (f.has("consent")) {
    JsonFields m(f.at("consent"), "/consent", {"allow_when_absent"});
    if (m.has("allow_when_absent")) {
      const auto& a = m.at("allow_when_absent");
      if (!a.is_array()) m.fail("allow_when_absent", "expected an array of purpose names");
      for (size_t i = 0; i < a.size(); ++i) {
        const std::string p = a[i].is_string() ? a[i].get<std::string>() : "";
        if (p == "emotion_inference") c.allow_emotion_when_absent = true;
        else if (p == "personalization") c.allow_personalization_when_absent = true;
        else if (p == "profiling") c.allow_profiling_when_absent = true;
        else
          throw invalid_argument("/consent/allow_when_absent/" + std::to_string(i) +
                                 ": expected emotion_inference, personalization or profiling, got " + a[i].dump());
      }
    }
  }
  if (f.has("audit")) {
    JsonFields m(f.at("audit"), "/audit", {"path", "salt", "review_share"});
    c.audit_path = m.string("path", "");
    c.audit_salt = m.string("salt", "");
    c.review_share = m.number("review_share", c.review_share, 0.0, 1.0);
  }
  return c;
}

nlohmann::json EngineConfig::to_json() const {
  nlohmann::json j;
  j["mode"] = engine_mode_name(mode);
  j["seed"] = seed;
  if (!state_dir.empty()) j["state_dir"] = state_dir;
  j["durability"] = durability;
  j["checkpoint_every_records"] = checkpoint_every_records;
  j["models"] = {{"emotion", emotion_model}, {"intent", intent_model}};
  j["catalog"] = catalog;
  j["guardrails"] = guardrails;
  j["policy"] = policy;
  j["memory"] = {{"state_half_life_hours", state_half_life_hours}, {"prior_weight", prior_weight}};
  nlohmann::json text, behavior;
  for (size_t s = 0; s < kStateCount; ++s) {
    text[std::string(kStateNames[s])] = text_weights[s];
    behavior[std::string(kStateNames[s])] = behavior_weights[s];
  }
  j["fusion"] = {{"text", text}, {"behavior", behavior}};
  nlohmann::json sig = nlohmann::json::object();
  for (const auto& [name, m] : signals)
    sig[name] = {{"state", std::string(state_name(m.state))}, {"weight", m.weight}, {"low", m.low}, {"high", m.high}};
  j["signals"] = sig;
  j["limits"] = {{"max_profiles", max_profiles},
                 {"max_pending_decisions", max_pending_decisions},
                 {"observation_cache", observation_cache},
                 {"observation_ttl_hours", observation_ttl_hours}};
  nlohmann::json allow = nlohmann::json::array();
  if (allow_emotion_when_absent) allow.push_back("emotion_inference");
  if (allow_personalization_when_absent) allow.push_back("personalization");
  if (allow_profiling_when_absent) allow.push_back("profiling");
  j["consent"] = {{"allow_when_absent", allow}};
  nlohmann::json audit = {{"review_share", review_share}};
  if (!audit_path.empty()) audit["path"] = audit_path;
  if (!audit_salt.empty()) audit["salt"] = audit_salt;
  j["audit"] = audit;
  return j;
}

}  // namespace attune
