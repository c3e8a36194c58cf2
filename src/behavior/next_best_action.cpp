// NextBestAction: a validated, host-replaceable JSON table from state and risk to actions.
#include "attune/behavior/next_best_action.hpp"

#include "attune/error.hpp"
#include "attune/detail/json_limits.hpp"
#include "attune/detail/read_file.hpp"
#include "attune/model_path.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace attune::behavior {
namespace {

using nlohmann::json;

constexpr const char* kRiskNames[] = {"churn", "detachment", "hesitation"};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw invalid_argument("next-best-action table: " + path + ": " + what);
}

const std::string& get_string(const json& j, const std::string& path) {
  if (!j.is_string()) bad(path, "must be a string");
  return j.get_ref<const std::string&>();
}

double get_number(const json& j, const std::string& path) {
  if (!j.is_number()) bad(path, "must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) bad(path, "must be finite");
  return v;
}

void only_keys(const json& obj, const std::string& path, std::initializer_list<const char*> keys) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* k : keys) known = known || it.key() == k;
    if (!known) bad(path + "." + it.key(), "unknown key");
  }
}

std::string fmt2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

NextBestAction NextBestAction::from_json(std::string_view text) {
  // Size, UTF-8, nesting depth and duplicate keys are checked while parsing (json_limits.hpp).
  json j = detail::parse_json_limited(text, "next-best-action table", kMaxTableBytes);
  if (!j.is_object()) bad("$", "must be an object");
  only_keys(j, "$", {"format", "version", "description", "actions", "rules"});
  if (!j.contains("format") || get_string(j["format"], "$.format") != "attune.next_best_action")
    bad("$.format", "must be \"attune.next_best_action\"");
  if (!j.contains("version") || !j["version"].is_number_integer()) bad("$.version", "must be an integer");
  if (j["version"].get<long long>() != 1)
    throw invalid_argument("next-best-action table: version " + j["version"].dump() + " is not supported (1 is)",
                           status::version_mismatch);
  if (j.contains("description")) get_string(j["description"], "$.description");

  NextBestAction t;
  if (!j.contains("actions") || !j["actions"].is_object() || j["actions"].empty())
    bad("$.actions", "must be a non-empty object of action id -> {label, channel, ...}");
  std::map<std::string, size_t> ids;
  for (auto it = j["actions"].begin(); it != j["actions"].end(); ++it) {
    const std::string path = "$.actions." + it.key();
    if (it.key().empty()) bad(path, "action id must not be empty");
    if (!it->is_object()) bad(path, "must be an object");
    only_keys(*it, path, {"label", "channel", "description", "replaces"});
    ActionInfo a;
    a.id = it.key();
    if (!it->contains("label")) bad(path + ".label", "is required");
    a.label = get_string((*it)["label"], path + ".label");
    if (it->contains("channel")) a.channel = get_string((*it)["channel"], path + ".channel");
    if (it->contains("description")) a.description = get_string((*it)["description"], path + ".description");
    if (it->contains("replaces")) a.replaces = get_string((*it)["replaces"], path + ".replaces");
    ids[a.id] = t.actions_.size();
    t.actions_.push_back(std::move(a));
  }

  if (!j.contains("rules") || !j["rules"].is_array() || j["rules"].empty()) bad("$.rules", "must be a non-empty array");
  std::set<std::string> rule_ids;
  for (size_t r = 0; r < j["rules"].size(); ++r) {
    const json& jr = j["rules"][r];
    const std::string path = "$.rules[" + std::to_string(r) + "]";
    if (!jr.is_object()) bad(path, "must be an object");
    only_keys(jr, path, {"id", "when", "actions", "priority", "reason", "avoid"});
    Rule rule;
    if (!jr.contains("id")) bad(path + ".id", "is required");
    rule.id = get_string(jr["id"], path + ".id");
    if (rule.id.empty()) bad(path + ".id", "must not be empty");
    if (!rule_ids.insert(rule.id).second) bad(path + ".id", "duplicate rule id '" + rule.id + "'");
    if (!jr.contains("when") || !jr["when"].is_object()) bad(path + ".when", "must be an object");
    const json& w = jr["when"];
    only_keys(w, path + ".when", {"state", "min", "risk"});
    if (w.contains("state")) {
      const std::string& s = get_string(w["state"], path + ".when.state");
      const auto st = state_from_name(s);
      if (!st) bad(path + ".when.state", "unknown marketing state '" + s + "'");
      rule.state = static_cast<int>(index(*st));
    }
    if (w.contains("min")) {
      if (rule.state < 0) bad(path + ".when.min", "needs \"state\"");
      const double m = get_number(w["min"], path + ".when.min");
      if (m < 0 || m > 1) bad(path + ".when.min", "must be in [0,1]");
      rule.min = static_cast<float>(m);
    }
    if (w.contains("risk")) {
      const std::string& s = get_string(w["risk"], path + ".when.risk");
      for (int i = 0; i < 3; ++i)
        if (s == kRiskNames[i]) rule.risk = i;
      if (rule.risk < 0) bad(path + ".when.risk", "unknown risk '" + s + "' (churn, detachment, hesitation)");
    }
    if (rule.state < 0 && rule.risk < 0) bad(path + ".when", "needs \"state\" or \"risk\"");
    if (!jr.contains("actions") || !jr["actions"].is_array() || jr["actions"].empty())
      bad(path + ".actions", "must be a non-empty array of action ids");
    for (size_t a = 0; a < jr["actions"].size(); ++a) {
      const std::string apath = path + ".actions[" + std::to_string(a) + "]";
      const std::string& id = get_string(jr["actions"][a], apath);
      const auto it = ids.find(id);
      if (it == ids.end()) bad(apath, "unknown action '" + id + "' (not in $.actions)");
      rule.actions.push_back(it->second);
    }
    if (jr.contains("priority")) {
      const double p = get_number(jr["priority"], path + ".priority");
      if (p <= 0 || p > 1) bad(path + ".priority", "must be in (0,1]");
      rule.priority = static_cast<float>(p);
    }
    if (!jr.contains("reason")) bad(path + ".reason", "is required");
    rule.reason = get_string(jr["reason"], path + ".reason");
    if (jr.contains("avoid")) {
      if (!jr["avoid"].is_array()) bad(path + ".avoid", "must be an array of tags");
      for (size_t a = 0; a < jr["avoid"].size(); ++a)
        rule.avoid.push_back(get_string(jr["avoid"][a], path + ".avoid[" + std::to_string(a) + "]"));
    }
    t.rules_.push_back(std::move(rule));
  }
  return t;
}

NextBestAction NextBestAction::load(const std::string& path) {
  return from_json(detail::read_file_limited(path, kMaxTableBytes, "next-best-action table"));
}

NextBestAction NextBestAction::load_default() { return load(find_model("next_best_action.json")); }

std::vector<Recommendation> NextBestAction::recommend(const StateVector& state, const RiskFlags& risks,
                                                      size_t max_actions) const {
  for (float s : state)
    if (!std::isfinite(s) || s < 0 || s > 1)
      throw invalid_argument("NextBestAction: state scores must be in [0,1]", status::out_of_range);
  const bool flags[3] = {risks.churn, risks.detachment, risks.hesitation};
  struct Best {
    float score = -1;
    const Rule* rule = nullptr;
    std::string evidence;
  };
  std::vector<Best> best(actions_.size());
  std::set<std::string> avoid;
  for (const auto& r : rules_) {
    if (r.state >= 0 && state[static_cast<size_t>(r.state)] < r.min) continue;
    if (r.risk >= 0 && !flags[r.risk]) continue;
    const float strength = r.priority * (r.state >= 0 ? state[static_cast<size_t>(r.state)] : 1.0f);
    std::string evidence;
    if (r.state >= 0)
      evidence = std::string(kStateNames[static_cast<size_t>(r.state)]) + " " +
                 fmt2(state[static_cast<size_t>(r.state)]) + " >= " + fmt2(r.min);
    if (r.risk >= 0) evidence += (evidence.empty() ? "" : "; ") + std::string(kRiskNames[r.risk]) + " risk";
    avoid.insert(r.avoid.begin(), r.avoid.end());
    float discount = 1.0f;
    for (size_t a : r.actions) {
      const float s = strength * discount;
      if (s > best[a].score) best[a] = {s, &r, evidence};
      discount *= 0.9f;
    }
  }
  std::vector<Recommendation> out;
  for (size_t a = 0; a < actions_.size(); ++a) {
    if (!best[a].rule) continue;
    Recommendation rec;
    rec.action = actions_[a].id;
    rec.label = actions_[a].label;
    rec.channel = actions_[a].channel;
    rec.score = best[a].score;
    rec.rule = best[a].rule->id;
    rec.reason = best[a].rule->reason + " (" + best[a].evidence + ")";
    rec.avoid.assign(avoid.begin(), avoid.end());
    out.push_back(std::move(rec));
  }
  std::sort(out.begin(), out.end(), [](const Recommendation& x, const Recommendation& y) {
    return x.score != y.score ? x.score > y.score : x.action < y.action;
  });
  if (max_actions > 0 && out.size() > max_actions) out.resize(max_actions);
  return out;
}

std::string NextBestAction::to_json(const std::vector<Recommendation>& recs) {
  json arr = json::array();
  for (const auto& r : recs)
    arr.push_back({{"action", r.action}, {"label", r.label}, {"channel", r.channel}, {"score", r.score},
                   {"rule", r.rule}, {"reason", r.reason}, {"avoid", r.avoid}});
  return json{{"actions", arr}}.dump();
}

}  // namespace attune::behavior
