// Minimal, strict argument parsing for the attune subcommands: --flag VALUE, --flag=VALUE and
// boolean --switch. Unknown options are errors, so typos never run a long job with defaults.
#pragma once

#include "attune/error.hpp"

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attune::cli {

class Args {
 public:
  /// `valued`: options that take a value; `switches`: boolean options. Positional arguments are
  /// collected in order.
  Args(const std::vector<std::string>& argv, std::set<std::string> valued, std::set<std::string> switches = {}) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.rfind("--", 0) == 0 && a.size() > 2) {
        std::string key = a.substr(2), value;
        const auto eq = key.find('=');
        bool has_value = false;
        if (eq != std::string::npos) { value = key.substr(eq + 1); key = key.substr(0, eq); has_value = true; }
        if (switches.count(key)) {
          if (has_value) throw invalid_argument("option --" + key + " takes no value");
          switches_.insert(key);
        } else if (valued.count(key)) {
          if (!has_value) {
            if (i + 1 >= argv.size()) throw invalid_argument("option --" + key + " needs a value");
            value = argv[++i];
          }
          values_[key] = value;
        } else {
          throw invalid_argument("unknown option --" + key);
        }
      } else {
        positional_.push_back(a);
      }
    }
  }

  bool has(const std::string& key) const { return values_.count(key) || switches_.count(key); }
  std::optional<std::string> get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  std::string get_or(const std::string& key, const std::string& fallback) const { return get(key).value_or(fallback); }
  std::string require(const std::string& key) const {
    auto v = get(key);
    if (!v) throw invalid_argument("missing required option --" + key);
    return *v;
  }
  double number_or(const std::string& key, double fallback) const {
    auto v = get(key);
    if (!v) return fallback;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0') throw invalid_argument("option --" + key + " expects a number, got '" + *v + "'");
    return d;
  }
  long long integer_or(const std::string& key, long long fallback) const {
    auto v = get(key);
    if (!v) return fallback;
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') throw invalid_argument("option --" + key + " expects an integer, got '" + *v + "'");
    return n;
  }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace attune::cli
