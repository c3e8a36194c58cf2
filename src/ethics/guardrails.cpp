#include "attune/ethics/guardrails.hpp"

#include "attune/detail/json_limits.hpp"
#include "attune/error.hpp"
#include "attune/model_path.hpp"
#include "attune/text/utf8.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace attune::ethics {
namespace {

using nlohmann::json;

constexpr std::string_view kKindNames[] = {"block_tags_when_state", "quiet_period", "frequency_cap",
                                           "no_emotion_for_slot_tags"};
constexpr int64_t kMsPerHour = 3600 * 1000;

// Tags and signal names are compared in a normal form: ASCII lower case, '-' and ' ' read as '_'.
inline char fold(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  if (c == '-' || c == ' ') return '_';
  return c;
}

inline uint64_t folded_hash(std::string_view s) noexcept {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : s) {
    h ^= static_cast<unsigned char>(fold(c));
    h *= 1099511628211ull;
  }
  return h;
}

inline bool folded_equal(std::string_view a, std::string_view normal) noexcept {
  if (a.size() != normal.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != normal[i]) return false;
  return true;
}

std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

[[noreturn]] void fail(const std::string& path, const std::string& what, status code = status::invalid_argument) {
  throw invalid_argument((path.empty() ? std::string("/") : path) + ": " + what, code);
}

bool is_tag_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

std::string json_string(const json& v, const std::string& path, size_t max_bytes) {
  if (!v.is_string()) fail(path, std::string("must be a string, got ") + v.type_name());
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes) fail(path, "longer than " + std::to_string(max_bytes) + " bytes", status::limit_exceeded);
  text::require_utf8(s, path.c_str());
  return s;
}

std::string json_id(const json& v, const std::string& path) {
  std::string s = json_string(v, path, 64);
  if (s.empty() || !std::all_of(s.begin(), s.end(), is_id_char))
    fail(path, "must be 1..64 characters of [A-Za-z0-9_.:-], got '" + s + "'");
  return s;
}

std::string json_tag(const json& v, const std::string& path) {
  std::string s = folded(json_string(v, path, 64));
  if (s.empty() || !std::all_of(s.begin(), s.end(), is_tag_char))
    fail(path, "a tag must be 1..64 characters of [a-z0-9_] (case and '-' are folded), got '" + s + "'");
  return s;
}

std::vector<std::string> json_tags(const json& v, const std::string& path, bool required_non_empty) {
  if (!v.is_array()) fail(path, std::string("must be an array of tags, got ") + v.type_name());
  if (required_non_empty && v.empty()) fail(path, "must list at least one tag");
  if (v.size() > kMaxRuleTags) fail(path, "lists more than " + std::to_string(kMaxRuleTags) + " tags", status::limit_exceeded);
  std::vector<std::string> tags;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string t = json_tag(v[i], path + "/" + std::to_string(i));
    if (std::find(tags.begin(), tags.end(), t) != tags.end())
      fail(path + "/" + std::to_string(i), "tag '" + t + "' is listed twice");
    tags.push_back(std::move(t));
  }
  return tags;
}

double json_number(const json& v, const std::string& path, double lo, double hi, bool lo_open, const char* range) {
  if (!v.is_number()) fail(path, std::string("must be a number in ") + range + ", got " + v.type_name());
  const double x = v.get<double>();
  if (!std::isfinite(x) || x > hi || x < lo || (lo_open && x == lo))
    fail(path, std::string("must be a number in ") + range + ", got " + v.dump(), status::out_of_range);
  return x;
}

// Every object is checked field by field: unknown fields are errors, so a typo ("at_leats")
// never silently disables a protection.
void check_fields(const json& obj, const std::string& path, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) fail(path + "/" + it.key(), "unknown field (allowed here: " + [&] {
                   std::string list;
                   for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                   return list;
                 }() + ")");
  }
}

const json& required(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(path + "/" + key, "required field is missing");
  return *it;
}

json parse_strict(std::string_view text, const char* what) {
  if (text.size() > kMaxRulesJsonBytes)
    throw invalid_argument(std::string(what) + " is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                               std::to_string(kMaxRulesJsonBytes),
                           status::limit_exceeded);
  text::require_utf8(text, what);
  // nlohmann keeps the last of duplicate keys silently; a duplicated threshold could hide an
  // override, so duplicates are a parse error.
  std::vector<std::set<std::string>> keys;
  json::parser_callback_t cb = [&keys, what](int depth, json::parse_event_t event, json& parsed) {
    // Deep nesting is refused while parsing: printing a deep value in an error message (or
    // copying it) recurses once per level and overflowed the stack at ~170,000 levels.
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= detail::kMaxJsonDepth)
      throw invalid_argument(std::string(what) + ": JSON nested deeper than " + std::to_string(detail::kMaxJsonDepth) +
                                 " levels",
                             status::limit_exceeded);
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    else if (event == json::parse_event_t::object_end) keys.pop_back();
    else if (event == json::parse_event_t::key) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(k).second)
        throw invalid_argument("duplicate key '" + k + "' in a JSON object at depth " + std::to_string(depth),
                               status::parse_error);
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw invalid_argument(std::string("/: malformed JSON: ") + e.what(), status::parse_error);
  }
}

std::string join_tags(const std::vector<std::string>& tags, const char* conj) {
  std::string out;
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i) out += (i + 1 == tags.size()) ? std::string(" ") + conj + " " : std::string(", ");
    out += tags[i];
  }
  return out;
}

std::string conditions_text(const std::vector<RuleCondition>& when) {
  std::vector<std::string> parts;
  for (const auto& c : when)
    parts.push_back(fmt::format("{} >= {:g}", c.state ? std::string(state_name(*c.state)) : c.signal, c.at_least));
  return join_tags(parts, "or");
}

std::string default_reason(const Rule& r) {
  switch (r.kind) {
    case RuleKind::block_tags_when_state:
      return fmt::format("Variants tagged {} are not shown while {}.", join_tags(r.block_tags, "or"), conditions_text(r.when));
    case RuleKind::quiet_period:
      return r.allow_tags.empty()
                 ? fmt::format("For {:g} hours after {}, variants tagged {} are not shown.", r.hours,
                               conditions_text(r.when), join_tags(r.block_tags, "or"))
                 : fmt::format("For {:g} hours after {}, only variants tagged {} are shown.", r.hours,
                               conditions_text(r.when), join_tags(r.allow_tags, "or"));
    case RuleKind::frequency_cap:
      return fmt::format("At most {} decisions per customer in this slot every {:g} hours{}.", r.max_decisions, r.hours,
                         r.exempt_tags.empty() ? std::string() : "; variants tagged " + join_tags(r.exempt_tags, "or") + " are exempt");
    case RuleKind::no_emotion_for_slot_tags:
      return fmt::format("Emotional states are never used to choose variants for slots tagged {}.",
                         join_tags(r.slot_tags, "or"));
  }
  return {};
}

std::vector<RuleCondition> parse_when(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, std::string("must be an array of conditions, got ") + v.type_name());
  if (v.empty()) fail(path, "must list at least one condition");
  if (v.size() > kMaxConditions) fail(path, "more than " + std::to_string(kMaxConditions) + " conditions", status::limit_exceeded);
  std::vector<RuleCondition> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    const json& c = v[i];
    if (!c.is_object()) fail(p, "a condition must be an object like {\"state\": \"anxiety\", \"at_least\": 0.5}");
    check_fields(c, p, {"state", "signal", "at_least"});
    RuleCondition cond;
    const bool has_state = c.contains("state"), has_signal = c.contains("signal");
    if (has_state == has_signal) fail(p, "a condition names exactly one of \"state\" or \"signal\"");
    if (has_state) {
      const std::string name = json_string(c["state"], p + "/state", 64);
      cond.state = state_from_name(name);
      if (!cond.state)
        fail(p + "/state", "unknown marketing state '" + name +
                               "' (known: frustration, anxiety, hesitation, confusion, curiosity, excitement, "
                               "satisfaction, detachment)");
    } else {
      cond.signal = json_tag(c["signal"], p + "/signal");
    }
    cond.at_least = static_cast<float>(json_number(required(c, "at_least", p), p + "/at_least", 0.0, 1.0, true, "(0, 1]"));
    out.push_back(std::move(cond));
  }
  return out;
}

Rule parse_rule(const json& r, const std::string& path) {
  if (!r.is_object()) fail(path, "a rule must be an object");
  Rule rule;
  rule.id = json_id(required(r, "id", path), path + "/id");
  const std::string kind = json_string(required(r, "kind", path), path + "/kind", 64);
  bool known = false;
  for (size_t k = 0; k < 4; ++k)
    if (kKindNames[k] == kind) { rule.kind = static_cast<RuleKind>(k); known = true; }
  if (!known)
    fail(path + "/kind", "unknown rule kind '" + kind +
                             "' (known: block_tags_when_state, quiet_period, frequency_cap, no_emotion_for_slot_tags)");
  switch (rule.kind) {
    case RuleKind::block_tags_when_state:
      check_fields(r, path, {"id", "kind", "reason", "description", "enabled", "slots", "slot_tags", "when",
                             "when_unknown", "block_tags"});
      break;
    case RuleKind::quiet_period:
      check_fields(r, path, {"id", "kind", "reason", "description", "enabled", "slots", "slot_tags", "when",
                             "when_unknown", "hours", "allow_tags", "block_tags"});
      break;
    case RuleKind::frequency_cap:
      check_fields(r, path, {"id", "kind", "reason", "description", "enabled", "slots", "slot_tags", "max_decisions",
                             "window_hours", "exempt_tags"});
      break;
    case RuleKind::no_emotion_for_slot_tags:
      check_fields(r, path, {"id", "kind", "reason", "description", "enabled", "slots", "slot_tags"});
      break;
  }
  if (r.contains("description")) rule.description = json_string(r["description"], path + "/description", 2048);
  if (r.contains("enabled")) {
    if (!r["enabled"].is_boolean()) fail(path + "/enabled", "must be true or false");
    rule.enabled = r["enabled"].get<bool>();
  }
  if (r.contains("slots")) {
    const json& s = r["slots"];
    if (!s.is_array() || s.empty()) fail(path + "/slots", "must be a non-empty array of slot names");
    for (size_t i = 0; i < s.size(); ++i) {
      std::string name = json_id(s[i], path + "/slots/" + std::to_string(i));
      if (std::find(rule.slots.begin(), rule.slots.end(), name) != rule.slots.end())
        fail(path + "/slots/" + std::to_string(i), "slot '" + name + "' is listed twice");
      rule.slots.push_back(std::move(name));
    }
  }
  const bool needs_slot_tags = rule.kind == RuleKind::no_emotion_for_slot_tags;
  if (r.contains("slot_tags")) rule.slot_tags = json_tags(r["slot_tags"], path + "/slot_tags", true);
  else if (needs_slot_tags) fail(path + "/slot_tags", "required field is missing");

  if (rule.kind == RuleKind::block_tags_when_state || rule.kind == RuleKind::quiet_period) {
    rule.when = parse_when(required(r, "when", path), path + "/when");
    if (r.contains("when_unknown")) {
      const std::string w = json_string(r["when_unknown"], path + "/when_unknown", 16);
      if (w != "skip" && w != "apply") fail(path + "/when_unknown", "must be \"skip\" or \"apply\", got '" + w + "'");
      rule.apply_when_unknown = w == "apply";
    }
  }
  switch (rule.kind) {
    case RuleKind::block_tags_when_state:
      rule.block_tags = json_tags(required(r, "block_tags", path), path + "/block_tags", true);
      break;
    case RuleKind::quiet_period: {
      rule.hours = json_number(required(r, "hours", path), path + "/hours", 0.0, kMaxRuleHours, true, "(0, 8784]");
      const bool allow = r.contains("allow_tags"), block = r.contains("block_tags");
      if (allow == block)
        fail(path, "a quiet_period needs exactly one of \"allow_tags\" (only these remain) or \"block_tags\"");
      if (allow) rule.allow_tags = json_tags(r["allow_tags"], path + "/allow_tags", true);
      else rule.block_tags = json_tags(r["block_tags"], path + "/block_tags", true);
      break;
    }
    case RuleKind::frequency_cap: {
      const json& m = required(r, "max_decisions", path);
      if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > kMaxDecisionsCap)
        fail(path + "/max_decisions", "must be an integer in [1, 1000000], got " + m.dump(), status::out_of_range);
      rule.max_decisions = static_cast<uint32_t>(m.get<int64_t>());
      rule.hours = json_number(required(r, "window_hours", path), path + "/window_hours", 0.0, kMaxRuleHours, true,
                               "(0, 8784]");
      if (r.contains("exempt_tags")) rule.exempt_tags = json_tags(r["exempt_tags"], path + "/exempt_tags", true);
      break;
    }
    case RuleKind::no_emotion_for_slot_tags: break;
  }
  rule.reason = r.contains("reason") ? json_string(r["reason"], path + "/reason", 512) : default_reason(rule);
  if (rule.reason.empty()) fail(path + "/reason", "must not be empty (omit it to get a generated sentence)");
  return rule;
}

json rule_to_json(const Rule& r) {
  json j = {{"id", r.id}, {"kind", kKindNames[static_cast<size_t>(r.kind)]}, {"reason", r.reason}};
  if (!r.description.empty()) j["description"] = r.description;
  if (!r.enabled) j["enabled"] = false;
  if (!r.slots.empty()) j["slots"] = r.slots;
  if (!r.slot_tags.empty()) j["slot_tags"] = r.slot_tags;
  if (!r.when.empty()) {
    json when = json::array();
    for (const auto& c : r.when) {
      json cj;
      if (c.state) cj["state"] = std::string(state_name(*c.state));
      else cj["signal"] = c.signal;
      cj["at_least"] = static_cast<double>(c.at_least);
      when.push_back(std::move(cj));
    }
    j["when"] = std::move(when);
    if (r.apply_when_unknown) j["when_unknown"] = "apply";
  }
  if (!r.block_tags.empty()) j["block_tags"] = r.block_tags;
  if (!r.allow_tags.empty()) j["allow_tags"] = r.allow_tags;
  if (!r.exempt_tags.empty()) j["exempt_tags"] = r.exempt_tags;
  if (r.kind == RuleKind::quiet_period) j["hours"] = r.hours;
  if (r.kind == RuleKind::frequency_cap) {
    j["max_decisions"] = r.max_decisions;
    j["window_hours"] = r.hours;
  }
  return j;
}

[[noreturn]] void bad_context(const std::string& what, status code = status::out_of_range) {
  throw invalid_argument("guardrail context: " + what, code);
}

inline bool bad_score(float s) noexcept { return !(s >= 0.0f && s <= 1.0f); }  // also NaN
inline bool bad_time(int64_t t) noexcept { return t < 0 || t > kMaxTimeMs; }

}  // namespace

std::string_view rule_kind_name(RuleKind k) noexcept {
  const auto i = static_cast<size_t>(k);
  return i < 4 ? kKindNames[i] : std::string_view("unknown");
}

Guardrails::Guardrails() { compile(); }

Guardrails Guardrails::from_json(std::string_view text) {
  const json doc = parse_strict(text, "the guardrail rules");
  if (!doc.is_object()) fail("", "the rules document must be a JSON object {\"version\": 1, \"rules\": [...]}");
  check_fields(doc, "", {"format", "version", "description", "rules"});
  if (doc.contains("format") && json_string(doc["format"], "/format", 64) != "attune.guardrails")
    fail("/format", "must be \"attune.guardrails\"");
  const json& version = required(doc, "version", "");
  if (!version.is_number_integer() || version.get<int64_t>() != 1)
    fail("/version", "unsupported rules version " + version.dump() + " (this library reads version 1)");
  if (doc.contains("description")) json_string(doc["description"], "/description", 4096);
  const json& rules = required(doc, "rules", "");
  if (!rules.is_array()) fail("/rules", "must be an array of rules");
  if (rules.size() > kMaxRules) fail("/rules", "more than " + std::to_string(kMaxRules) + " rules", status::limit_exceeded);
  Guardrails g;
  std::set<std::string> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string path = "/rules/" + std::to_string(i);
    Rule rule = parse_rule(rules[i], path);
    if (!ids.insert(rule.id).second) fail(path + "/id", "duplicate rule id '" + rule.id + "'");
    g.rules_.push_back(std::move(rule));
  }
  g.compile();
  return g;
}

Guardrails Guardrails::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot open guardrail rules file '" + path + "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw error(status::io_error, "cannot read guardrail rules file '" + path + "'");
  try {
    return from_json(buf.str());
  } catch (const invalid_argument& e) {
    throw invalid_argument(path + ": " + e.what(), e.code());
  }
}

Guardrails Guardrails::load_default() { return load(find_model("guardrails.json")); }

void Guardrails::compile() {
  compiled_.clear();
  conditions_.clear();
  names_.clear();
  table_.assign(2 * kMaxRuleTags, TagSlot{});
  tag_count_ = 0;
  history_window_ms_ = 0;
  // First pass: the tag vocabulary, in order of first mention.
  auto add_tag = [&](const std::string& t) {
    if (std::find(names_.begin(), names_.end(), t) != names_.end()) return;
    if (names_.size() >= kMaxRuleTags)
      throw invalid_argument("/rules: more than " + std::to_string(kMaxRuleTags) + " distinct tags across all rules",
                             status::limit_exceeded);
    names_.push_back(t);
  };
  for (const auto& r : rules_)
    for (const auto* list : {&r.slot_tags, &r.block_tags, &r.allow_tags, &r.exempt_tags})
      for (const auto& t : *list) add_tag(t);
  tag_count_ = names_.size();
  tag_lengths_ = 0;
  for (const auto& t : names_) tag_lengths_ |= uint64_t{1} << (t.size() & 63);  // 1..64 bytes; 64 shares bit 0
  const size_t mask = table_.size() - 1;
  for (size_t i = 0; i < tag_count_; ++i) {
    const uint64_t h = folded_hash(names_[i]);
    size_t pos = static_cast<size_t>(h) & mask;
    while (table_[pos].name >= 0) pos = (pos + 1) & mask;
    table_[pos] = TagSlot{h, static_cast<int32_t>(i)};
  }
  auto bits = [&](const std::vector<std::string>& tags) {
    TagBits b = 0;
    for (const auto& t : tags) b |= TagBits{1} << (std::find(names_.begin(), names_.end(), t) - names_.begin());
    return b;
  };
  for (const auto& r : rules_) {
    Compiled c;
    c.kind = r.kind;
    c.enabled = r.enabled;
    c.apply_when_unknown = r.apply_when_unknown;
    c.slot_any = bits(r.slot_tags);
    c.has_slots = !r.slots.empty();
    c.cond_begin = static_cast<uint32_t>(conditions_.size());
    for (const auto& rc : r.when) {
      Condition cond;
      cond.at_least = rc.at_least;
      if (rc.state) {
        cond.state = static_cast<int16_t>(index(*rc.state));
      } else {
        auto it = std::find(names_.begin() + static_cast<std::ptrdiff_t>(tag_count_), names_.end(), rc.signal);
        if (it == names_.end()) it = names_.insert(names_.end(), rc.signal);
        cond.signal = static_cast<uint32_t>(it - names_.begin());
      }
      conditions_.push_back(cond);
    }
    c.cond_end = static_cast<uint32_t>(conditions_.size());
    c.block = bits(r.block_tags);
    c.allow = bits(r.allow_tags);
    c.exempt = bits(r.exempt_tags);
    c.window_ms = static_cast<int64_t>(std::llround(r.hours * static_cast<double>(kMsPerHour)));
    c.max_decisions = r.max_decisions;
    if (r.enabled && (r.kind == RuleKind::quiet_period || r.kind == RuleKind::frequency_cap))
      history_window_ms_ = std::max(history_window_ms_, c.window_ms);
    compiled_.push_back(c);
  }
}

std::string Guardrails::to_json() const {
  json rules = json::array();
  for (const auto& r : rules_) rules.push_back(rule_to_json(r));
  return json{{"format", "attune.guardrails"}, {"version", 1}, {"rules", std::move(rules)}}.dump(2);
}

TagBits Guardrails::tag_bits(std::string_view tag) const noexcept {
  if (tag.empty() || tag.size() > 64 || !((tag_lengths_ >> (tag.size() & 63)) & 1u)) return 0;
  const uint64_t h = folded_hash(tag);
  const size_t mask = table_.size() - 1;
  for (size_t pos = static_cast<size_t>(h) & mask;; pos = (pos + 1) & mask) {
    const TagSlot& s = table_[pos];
    if (s.name < 0) return 0;
    if (s.hash == h && folded_equal(tag, names_[static_cast<size_t>(s.name)])) return TagBits{1} << s.name;
  }
}

void Guardrails::evaluate_tags(const GuardrailContext& ctx, Borrowed<TagBits> candidate_tags, GuardrailResult& out) const {
  if (candidate_tags.begin() != out.candidate_tags.data()) out.candidate_tags.assign(candidate_tags.begin(), candidate_tags.end());
  evaluate_prepared(ctx, out);
}

void Guardrails::evaluate_prepared(const GuardrailContext& ctx, GuardrailResult& out) const {
  // Validate the whole context first: on error nothing in `out` beyond the scratch tags changes.
  if (bad_time(ctx.now_ms)) bad_context("now_ms must be in [0, " + std::to_string(kMaxTimeMs) + "], got " + std::to_string(ctx.now_ms));
  if (ctx.states)
    for (size_t i = 0; i < kStateCount; ++i)
      if (bad_score((*ctx.states)[i]))
        bad_context(std::string("state '") + std::string(kStateNames[i]) + "' must be in [0,1], got " + fmt::format("{}", (*ctx.states)[i]));
  for (const auto& s : ctx.signals)
    if (bad_score(s.score)) bad_context("signal score must be in [0,1], got " + fmt::format("{}", s.score));
  for (const auto& p : ctx.state_peaks)
    if (bad_score(p.score) || bad_time(p.at_ms) || index(p.state) >= kStateCount)
      bad_context("a state peak has a score outside [0,1], a bad time or an unknown state");
  for (int64_t t : ctx.recent_decisions_ms)
    if (bad_time(t)) bad_context("a recent decision time is outside [0, kMaxTimeMs]");

  const size_t n = out.candidate_tags.size();
  const TagBits* tags = out.candidate_tags.data();
  out.allowed.assign(n, uint8_t{1});
  out.fired.clear();
  out.masked_indices.clear();
  out.use_emotion = true;
  const TagBits slot_bits = tag_set(ctx.slot_tags);

  for (size_t ri = 0; ri < compiled_.size(); ++ri) {
    const Compiled& c = compiled_[ri];
    if (!c.enabled) continue;
    if (c.slot_any && !(slot_bits & c.slot_any)) continue;
    if (c.has_slots) {
      const auto& slots = rules_[ri].slots;
      if (std::find(slots.begin(), slots.end(), ctx.slot) == slots.end()) continue;
    }
    FiredRule f;
    f.rule = static_cast<uint32_t>(ri);
    f.kind = c.kind;
    f.observed_at_ms = ctx.now_ms;
    bool active = false, unknown = false;
    switch (c.kind) {
      case RuleKind::no_emotion_for_slot_tags: {
        active = true;
        f.disables_emotion = true;
        const TagBits hit = slot_bits & c.slot_any;
        for (size_t b = 0; b < tag_count_; ++b)
          if (hit & (TagBits{1} << b)) { f.trigger = names_[b]; break; }
        break;
      }
      case RuleKind::block_tags_when_state:
      case RuleKind::quiet_period: {
        for (uint32_t k = c.cond_begin; k < c.cond_end && !active; ++k) {
          const Condition& cond = conditions_[k];
          // Current value.
          bool known = false;
          float value = 0.0f;
          if (cond.state >= 0) {
            if (ctx.states) { known = true; value = (*ctx.states)[static_cast<size_t>(cond.state)]; }
          } else {
            const std::string& name = names_[cond.signal];
            for (const auto& s : ctx.signals)
              if (folded_equal(s.name, name)) { known = true; value = std::max(value, s.score); }
          }
          if (known && value >= cond.at_least) {
            active = true;
            f.trigger = cond.state >= 0 ? kStateNames[static_cast<size_t>(cond.state)] : std::string_view(names_[cond.signal]);
            f.observed = value;
            break;
          }
          if (!known) unknown = true;
          // Quiet periods also look back over the caller's peaks (the latest qualifying one wins).
          if (c.kind == RuleKind::quiet_period && cond.state >= 0) {
            const StatePeak* best = nullptr;
            for (const auto& p : ctx.state_peaks)
              if (index(p.state) == static_cast<size_t>(cond.state) && p.score >= cond.at_least &&
                  ctx.now_ms - p.at_ms < c.window_ms && (!best || p.at_ms > best->at_ms))
                best = &p;
            if (best) {
              active = true;
              f.trigger = kStateNames[static_cast<size_t>(cond.state)];
              f.observed = best->score;
              f.observed_at_ms = best->at_ms;
            }
          }
        }
        if (!active && unknown && c.apply_when_unknown) {
          active = true;
          f.unknown_input = true;
          f.trigger = "unknown";
        }
        break;
      }
      case RuleKind::frequency_cap: {
        uint32_t count = 0;
        for (int64_t t : ctx.recent_decisions_ms) count += (ctx.now_ms - t < c.window_ms) ? 1u : 0u;
        if (count >= c.max_decisions) {
          active = true;
          f.trigger = "decisions";
          f.observed = count;
        }
        break;
      }
    }
    if (!active) continue;
    f.id = rules_[ri].id;
    f.reason = rules_[ri].reason;
    f.masked_begin = static_cast<uint32_t>(out.masked_indices.size());
    if (f.disables_emotion) out.use_emotion = false;
    for (size_t i = 0; i < n; ++i) {
      const TagBits t = tags[i];
      bool masked;
      switch (c.kind) {
        case RuleKind::block_tags_when_state: masked = (t & c.block) != 0; break;
        case RuleKind::quiet_period: masked = c.allow ? (t & c.allow) == 0 : (t & c.block) != 0; break;
        case RuleKind::frequency_cap: masked = (t & c.exempt) == 0; break;
        default: masked = false; break;
      }
      if (masked) {
        out.allowed[i] = 0;
        out.masked_indices.push_back(static_cast<uint32_t>(i));
      }
    }
    f.masked_end = static_cast<uint32_t>(out.masked_indices.size());
    out.fired.push_back(f);
  }
  size_t allowed = 0;
  for (size_t i = 0; i < n; ++i) allowed += out.allowed[i];
  out.allowed_count = allowed;
  out.fallback_to_default = allowed == 0;
}

std::string Guardrails::evaluate_json(std::string_view request_json) const {
  const json req = parse_strict(request_json, "the guardrail request");
  if (!req.is_object()) fail("", "a guardrail request must be a JSON object");
  check_fields(req, "", {"slot", "slot_tags", "now_ms", "states", "signals", "state_peaks", "recent_decisions_ms",
                         "candidates"});
  GuardrailContext ctx;
  std::string slot;
  if (req.contains("slot")) slot = json_string(req["slot"], "/slot", 256);
  ctx.slot = slot;
  std::vector<std::string> slot_tags;
  if (req.contains("slot_tags")) {
    const json& t = req["slot_tags"];
    if (!t.is_array()) fail("/slot_tags", "must be an array of strings");
    for (size_t i = 0; i < t.size(); ++i) slot_tags.push_back(json_string(t[i], "/slot_tags/" + std::to_string(i), 256));
  }
  ctx.slot_tags = slot_tags;
  const json& now = required(req, "now_ms", "");
  if (!now.is_number_integer()) fail("/now_ms", "must be an integer (ms since the Unix epoch)");
  ctx.now_ms = now.get<int64_t>();
  auto score = [](const json& v, const std::string& path) {
    return static_cast<float>(json_number(v, path, 0.0, 1.0, false, "[0, 1]"));
  };
  if (req.contains("states") && !req["states"].is_null()) {
    const json& s = req["states"];
    StateVector st{};
    if (s.is_array()) {
      if (s.size() != kStateCount) fail("/states", "an array of states must have " + std::to_string(kStateCount) + " numbers");
      for (size_t i = 0; i < kStateCount; ++i) st[i] = score(s[i], "/states/" + std::to_string(i));
    } else if (s.is_object()) {
      for (auto it = s.begin(); it != s.end(); ++it) {
        const auto st_name = state_from_name(it.key());
        if (!st_name) fail("/states/" + it.key(), "unknown marketing state");
        st[index(*st_name)] = score(it.value(), "/states/" + it.key());
      }
    } else {
      fail("/states", "must be an object {state: score}, an array of 8 scores, or null");
    }
    ctx.states = st;
  }
  std::vector<std::string> signal_names;
  std::vector<NamedScore> signals;
  if (req.contains("signals")) {
    const json& s = req["signals"];
    if (!s.is_object()) fail("/signals", "must be an object {name: score}");
    for (auto it = s.begin(); it != s.end(); ++it) {
      signal_names.push_back(it.key());
      signals.push_back({std::string_view(), score(it.value(), "/signals/" + it.key())});
    }
    for (size_t i = 0; i < signals.size(); ++i) signals[i].name = signal_names[i];
  }
  ctx.signals = signals;
  std::vector<StatePeak> peaks;
  if (req.contains("state_peaks")) {
    const json& ps = req["state_peaks"];
    if (!ps.is_array()) fail("/state_peaks", "must be an array of {state, score, at_ms}");
    for (size_t i = 0; i < ps.size(); ++i) {
      const std::string path = "/state_peaks/" + std::to_string(i);
      if (!ps[i].is_object()) fail(path, "must be an object {state, score, at_ms}");
      check_fields(ps[i], path, {"state", "score", "at_ms"});
      const std::string name = json_string(required(ps[i], "state", path), path + "/state", 64);
      const auto st = state_from_name(name);
      if (!st) fail(path + "/state", "unknown marketing state '" + name + "'");
      const json& at = required(ps[i], "at_ms", path);
      if (!at.is_number_integer()) fail(path + "/at_ms", "must be an integer");
      peaks.push_back({*st, score(required(ps[i], "score", path), path + "/score"), at.get<int64_t>()});
    }
  }
  ctx.state_peaks = peaks;
  std::vector<int64_t> decisions;
  if (req.contains("recent_decisions_ms")) {
    const json& d = req["recent_decisions_ms"];
    if (!d.is_array()) fail("/recent_decisions_ms", "must be an array of integers");
    for (size_t i = 0; i < d.size(); ++i) {
      if (!d[i].is_number_integer()) fail("/recent_decisions_ms/" + std::to_string(i), "must be an integer");
      decisions.push_back(d[i].get<int64_t>());
    }
  }
  ctx.recent_decisions_ms = decisions;
  const json& cs = required(req, "candidates", "");
  if (!cs.is_array()) fail("/candidates", "must be an array of {id, tags}");
  std::vector<Candidate> cands;
  std::vector<std::string> ids;
  for (size_t i = 0; i < cs.size(); ++i) {
    const std::string path = "/candidates/" + std::to_string(i);
    if (!cs[i].is_object()) fail(path, "must be an object {id, tags}");
    check_fields(cs[i], path, {"id", "tags"});
    Candidate c;
    c.id = json_string(required(cs[i], "id", path), path + "/id", 256);
    if (cs[i].contains("tags")) {
      const json& t = cs[i]["tags"];
      if (!t.is_array()) fail(path + "/tags", "must be an array of strings");
      for (size_t k = 0; k < t.size(); ++k) c.tags.push_back(json_string(t[k], path + "/tags/" + std::to_string(k), 256));
    }
    ids.push_back(c.id);
    cands.push_back(std::move(c));
  }
  return result_json(evaluate(ctx, cands), ids);
}

std::string Guardrails::result_json(const GuardrailResult& result, const std::vector<std::string>& ids) {
  if (ids.size() != result.allowed.size())
    throw invalid_argument("result_json: " + std::to_string(ids.size()) + " ids for " +
                           std::to_string(result.allowed.size()) + " candidates");
  json allowed = json::array(), masked = json::array(), fired = json::array();
  for (size_t i = 0; i < ids.size(); ++i) (result.allowed[i] ? allowed : masked).push_back(ids[i]);
  for (const auto& f : result.fired) {
    json m = json::array();
    for (uint32_t k = f.masked_begin; k < f.masked_end; ++k) m.push_back(ids[result.masked_indices[k]]);
    fired.push_back({{"id", std::string(f.id)},
                     {"kind", std::string(rule_kind_name(f.kind))},
                     {"reason", std::string(f.reason)},
                     {"trigger", std::string(f.trigger)},
                     {"observed", f.observed},
                     {"observed_at_ms", f.observed_at_ms},
                     {"unknown_input", f.unknown_input},
                     {"disables_emotion", f.disables_emotion},
                     {"masked", std::move(m)}});
  }
  return json{{"allowed", std::move(allowed)},
              {"masked", std::move(masked)},
              {"use_emotion", result.use_emotion},
              {"fallback_to_default", result.fallback_to_default},
              {"fired", std::move(fired)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);  // ids are the caller's; never throw on bad UTF-8
}

}  // namespace attune::ethics
