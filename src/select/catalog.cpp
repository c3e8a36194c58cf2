#include "attune/select/catalog.hpp"

#include "attune/detail/json_limits.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace attune::select {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what, status code = status::invalid_argument) {
  throw invalid_argument((path.empty() ? std::string("/") : path) + ": " + what, code);
}

void only_fields(const json& obj, const std::string& path, std::initializer_list<const char*> allowed) {
  if (!obj.is_object()) fail(path, "expected an object");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok |= (it.key() == a);
    if (!ok) fail(path + "/" + it.key(), "unknown field");
  }
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}
bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

std::string get_id(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a string id");
  const std::string s = v.get<std::string>();
  if (s.empty() || s.size() > kMaxIdBytes || !std::all_of(s.begin(), s.end(), id_char))
    fail(path, "id must be 1..64 bytes of [A-Za-z0-9_.:-], got \"" + s.substr(0, 80) + "\"");
  return s;
}

std::string get_name(const std::string& s, const std::string& path, const char* what) {
  if (s.empty() || s.size() > 64 || !std::all_of(s.begin(), s.end(), name_char))
    fail(path, std::string(what) + " must be 1..64 bytes of [a-z0-9_], got \"" + s.substr(0, 80) + "\"");
  return s;
}

std::string get_text(const json& v, const std::string& path, size_t limit) {
  if (!v.is_string()) fail(path, "expected a string");
  std::string s = v.get<std::string>();
  if (s.size() > limit) fail(path, "text longer than " + std::to_string(limit) + " bytes", status::limit_exceeded);
  return s;
}

std::vector<std::string> get_names(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, "expected an array of names");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    if (!v[i].is_string()) fail(p, "expected a string");
    const std::string n = get_name(v[i].get<std::string>(), p, "name");
    if (!seen.insert(n).second) fail(p, "duplicate name \"" + n + "\"");
    out.push_back(n);
  }
  return out;
}

Variant parse_variant(const json& j, const std::string& path) {
  only_fields(j, path, {"id", "text", "attributes", "tags", "safe_default"});
  Variant v;
  if (!j.contains("id")) fail(path, "missing required field \"id\"");
  v.id = get_id(j["id"], path + "/id");
  if (j.contains("text")) v.text = get_text(j["text"], path + "/text", kMaxVariantTextBytes);
  if (j.contains("safe_default")) {
    if (!j["safe_default"].is_boolean()) fail(path + "/safe_default", "expected true or false");
    v.safe_default = j["safe_default"].get<bool>();
  }
  if (j.contains("attributes")) {
    const json& a = j["attributes"];
    const std::string ap = path + "/attributes";
    if (!a.is_object()) fail(ap, "expected an object");
    if (a.size() > kMaxAttributes) fail(ap, "more than " + std::to_string(kMaxAttributes) + " attributes", status::limit_exceeded);
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string p = ap + "/" + it.key();
      const std::string key = get_name(it.key(), p, "attribute name");
      if (it->is_string()) {
        const std::string value = it->get<std::string>();
        if (value.empty() || value.size() > 64) fail(p, "categorical value must be 1..64 bytes");
        v.categorical[key] = value;
      } else if (it->is_number()) {
        const double d = it->get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 1e6) fail(p, "numeric attribute must be finite with |x| <= 1e6", status::out_of_range);
        v.numeric[key] = d;
      } else {
        fail(p, "attribute values are strings (categorical) or numbers");
      }
    }
  }
  if (j.contains("tags")) {
    const std::string tp = path + "/tags";
    v.tags = get_names(j["tags"], tp);
    if (v.tags.size() > kMaxTags) fail(tp, "more than " + std::to_string(kMaxTags) + " tags", status::limit_exceeded);
    std::sort(v.tags.begin(), v.tags.end());
  }
  return v;
}

// Duplicate keys: nlohmann keeps the last one silently, so the parse callback tracks the keys of
// every open object and remembers the first duplicate.
json parse_strict(std::string_view text) {
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    // Nesting is bounded while parsing (docs/limits.md): copying or printing a deep value recurses.
    if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) &&
        depth >= attune::detail::kMaxJsonDepth)
      throw invalid_argument("catalog JSON nested deeper than " + std::to_string(attune::detail::kMaxJsonDepth) +
                                 " levels",
                             status::limit_exceeded);
    if (ev == json::parse_event_t::object_start) open.emplace_back();
    else if (ev == json::parse_event_t::object_end) { if (!open.empty()) open.pop_back(); }
    else if (ev == json::parse_event_t::key && !open.empty() && duplicate.empty()) {
      const std::string k = parsed.get<std::string>();
      if (!open.back().insert(k).second) duplicate = k;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    throw invalid_argument(std::string("catalog is not valid JSON: ") + e.what(), status::parse_error);
  }
  if (!duplicate.empty()) throw invalid_argument("catalog JSON has a duplicate key \"" + duplicate + "\"", status::parse_error);
  return j;
}

}  // namespace

bool Variant::has_tag(const std::string& tag) const { return std::binary_search(tags.begin(), tags.end(), tag); }

std::optional<size_t> Slot::find(std::string_view variant_id) const {
  for (size_t i = 0; i < variants.size(); ++i)
    if (variants[i].id == variant_id) return i;
  return std::nullopt;
}

Catalog Catalog::from_json(std::string_view text) {
  if (text.size() > kMaxCatalogBytes) throw invalid_argument("catalog larger than 4 MiB", status::limit_exceeded);
  const json j = parse_strict(text);
  only_fields(j, "", {"format", "version", "context", "slots"});
  if (j.contains("format") && j["format"] != "attune.catalog") fail("/format", "expected \"attune.catalog\"");
  if (j.contains("version") && !(j["version"].is_number_integer() && j["version"].get<int64_t>() == 1))
    fail("/version", "unsupported catalog version (this library reads version 1)", status::version_mismatch);
  Catalog c;
  if (j.contains("context")) {
    const json& ctx = j["context"];
    only_fields(ctx, "/context", {"intents", "features"});
    if (ctx.contains("intents")) c.context_.intents = get_names(ctx["intents"], "/context/intents");
    if (ctx.contains("features")) c.context_.features = get_names(ctx["features"], "/context/features");
    for (const auto& n : c.context_.intents)
      if (std::find(c.context_.features.begin(), c.context_.features.end(), n) != c.context_.features.end())
        fail("/context", "\"" + n + "\" is both an intent and a feature");
    if (c.context_.intents.size() + c.context_.features.size() > kMaxContextFeatures)
      fail("/context", "more than " + std::to_string(kMaxContextFeatures) + " intents and features", status::limit_exceeded);
  }
  if (!j.contains("slots")) fail("", "missing required field \"slots\"");
  const json& slots = j["slots"];
  if (!slots.is_array() || slots.empty()) fail("/slots", "expected a non-empty array");
  if (slots.size() > kMaxSlots) fail("/slots", "more than " + std::to_string(kMaxSlots) + " slots", status::limit_exceeded);
  std::set<std::string> slot_ids;
  for (size_t s = 0; s < slots.size(); ++s) {
    const std::string sp = "/slots/" + std::to_string(s);
    const json& sj = slots[s];
    only_fields(sj, sp, {"id", "description", "tags", "variants"});
    Slot slot;
    if (!sj.contains("id")) fail(sp, "missing required field \"id\"");
    slot.id = get_id(sj["id"], sp + "/id");
    if (!slot_ids.insert(slot.id).second) fail(sp + "/id", "duplicate slot id \"" + slot.id + "\"");
    if (sj.contains("description")) slot.description = get_text(sj["description"], sp + "/description", kMaxVariantTextBytes);
    if (sj.contains("tags")) {
      // Slot tags describe what the slot is for ("price", "sales"); guardrails scope rules by them.
      slot.tags = get_names(sj["tags"], sp + "/tags");
      if (slot.tags.size() > kMaxTags) fail(sp + "/tags", "more than " + std::to_string(kMaxTags) + " tags", status::limit_exceeded);
      std::sort(slot.tags.begin(), slot.tags.end());
      slot.tags.erase(std::unique(slot.tags.begin(), slot.tags.end()), slot.tags.end());
    }
    if (!sj.contains("variants")) fail(sp, "missing required field \"variants\"");
    const json& vs = sj["variants"];
    if (!vs.is_array() || vs.empty()) fail(sp + "/variants", "expected a non-empty array");
    if (vs.size() > kMaxVariantsPerSlot)
      fail(sp + "/variants", "more than " + std::to_string(kMaxVariantsPerSlot) + " variants", status::limit_exceeded);
    std::set<std::string> ids;
    size_t defaults = 0;
    for (size_t i = 0; i < vs.size(); ++i) {
      const std::string vp = sp + "/variants/" + std::to_string(i);
      Variant v = parse_variant(vs[i], vp);
      if (!ids.insert(v.id).second) fail(vp + "/id", "duplicate variant id \"" + v.id + "\"");
      if (v.safe_default) {
        ++defaults;
        slot.safe_default = i;
      }
      slot.variants.push_back(std::move(v));
    }
    if (defaults != 1)
      fail(sp + "/variants", "exactly one variant must have \"safe_default\": true (found " + std::to_string(defaults) + ")");
    c.slots_.push_back(std::move(slot));
  }
  return c;
}

Catalog Catalog::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw error(status::io_error, "cannot open catalog '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return from_json(ss.str());
}

std::string Catalog::to_json() const {
  json j;
  j["format"] = "attune.catalog";
  j["version"] = 1;
  j["context"] = {{"intents", context_.intents}, {"features", context_.features}};
  j["slots"] = json::array();
  for (const auto& s : slots_) {
    json sj = {{"id", s.id}, {"description", s.description}, {"tags", s.tags}, {"variants", json::array()}};
    for (const auto& v : s.variants) {
      json a = json::object();
      for (const auto& [k, val] : v.categorical) a[k] = val;
      for (const auto& [k, val] : v.numeric) a[k] = val;
      json vj = {{"id", v.id}, {"text", v.text}, {"attributes", a}, {"tags", v.tags}, {"safe_default", v.safe_default}};
      sj["variants"].push_back(vj);
    }
    j["slots"].push_back(sj);
  }
  return j.dump(2);
}

const Slot& Catalog::slot(size_t index) const {
  if (index >= slots_.size()) throw invalid_argument("slot index " + std::to_string(index) + " is out of range", status::not_found);
  return slots_[index];
}

const Slot& Catalog::slot(std::string_view id) const {
  if (auto i = find_slot(id)) return slots_[*i];
  throw invalid_argument("unknown slot \"" + std::string(id) + "\"", status::not_found);
}

std::optional<size_t> Catalog::find_slot(std::string_view id) const {
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].id == id) return i;
  return std::nullopt;
}

}  // namespace attune::select
