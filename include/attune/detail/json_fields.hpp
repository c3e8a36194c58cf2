// attune/detail/json_fields.hpp (internal): strict reading of JSON configuration objects with
// errors that name the JSON path of the bad field ("/memory/half_life_hours: expected a positive
// number, got -3"). Unknown fields are errors, so a typo never silently falls back to a default.
#pragma once

#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <initializer_list>
#include <string>

namespace attune::detail {

class JsonFields {
 public:
  /// `object` must outlive this reader. Throws when it is not an object or has a field outside
  /// `known`.
  JsonFields(const nlohmann::json& object, std::string path, std::initializer_list<const char*> known)
      : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail("", "expected an object, got " + std::string(object_.type_name()));
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok = ok || it.key() == k;
      if (!ok) fail(it.key(), "unknown field");
    }
  }

  bool has(const char* key) const { return object_.contains(key) && !object_.at(key).is_null(); }
  const nlohmann::json& at(const char* key) const { return object_.at(key); }
  std::string path(const char* key) const { return path_ + "/" + key; }

  double number(const char* key, double fallback, double lo, double hi) const {
    if (!has(key)) return fallback;
    const auto& v = object_.at(key);
    if (!v.is_number()) fail(key, "expected a number, got " + std::string(v.type_name()));
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi)
      fail(key, "expected a number in [" + fmt(lo) + ", " + fmt(hi) + "], got " + v.dump());
    return d;
  }

  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& v = object_.at(key);
    if (!v.is_boolean()) fail(key, "expected true or false, got " + v.dump());
    return v.get<bool>();
  }

  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = object_.at(key);
    if (!v.is_string()) fail(key, "expected a string, got " + std::string(v.type_name()));
    return v.get<std::string>();
  }

  std::string choice(const char* key, const std::string& fallback, std::initializer_list<const char*> allowed) const {
    const std::string v = string(key, fallback);
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return v;
      list += std::string(list.empty() ? "" : ", ") + a;
    }
    fail(key, "expected one of " + list + ", got \"" + v + "\"");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw invalid_argument((key.empty() ? (path_.empty() ? std::string("/") : path_) : path_ + "/" + key) + ": " + what,
                           status::invalid_argument);
  }

 private:
  static std::string fmt(double d) {
    std::string s = std::to_string(d);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  const nlohmann::json& object_;
  std::string path_;
};

}  // namespace attune::detail
