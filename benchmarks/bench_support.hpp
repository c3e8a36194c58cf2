// Shared by the benchmark commands: strict `--name value` options, a scratch directory that
// cleans up after itself, CPU clocks, medians, and the text inputs of the emotion and tokenizer
// benchmarks.
//
// Options are strict on purpose: a benchmark run with `--kills 1e3` or a misspelt option must
// fail loudly (exit status 2) rather than measure something else than the command line says.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <stdlib.h>  // mkdtemp, getloadavg
#include <time.h>    // clock_gettime

namespace attune_bench {

/// `--name value` pairs. Every option must be one the command reads (`check_all_used`), and a
/// number must parse completely; otherwise the command prints why and exits with status 2.
class Options {
 public:
  Options(int argc, char** argv) {
    for (int i = 1; i < argc; i += 2) {
      const std::string name = argv[i];
      if (name.rfind("--", 0) != 0 || i + 1 >= argc) fail("expected --option value, got " + name);
      values_[name.substr(2)] = argv[i + 1];
    }
  }

  std::string text(const std::string& name, std::string fallback) {
    used_[name] = true;
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  long long integer(const std::string& name, long long fallback) {
    const std::string v = text(name, {});
    if (v.empty()) return fallback;
    errno = 0;
    char* end = nullptr;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (errno || *end || end == v.c_str()) fail("--" + name + " needs an integer, got " + v);
    return x;
  }
  double number(const std::string& name, double fallback) {
    const std::string v = text(name, {});
    if (v.empty()) return fallback;
    errno = 0;
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (errno || *end || end == v.c_str()) fail("--" + name + " needs a number, got " + v);
    return x;
  }
  /// Call after reading every option: an option nobody read is a typo.
  void check_all_used() const {
    for (const auto& [name, value] : values_)
      if (!used_.count(name)) fail("unknown option --" + name);
  }

 private:
  [[noreturn]] static void fail(const std::string& why) {
    std::fprintf(stderr, "%s\n", why.c_str());
    std::exit(2);
  }
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> used_;
};

/// `given` when not empty (kept afterwards), else a fresh /tmp/<prefix>-XXXXXX removed on exit
/// from scope.
class ScratchDir {
 public:
  ScratchDir(const std::string& given, const std::string& prefix) : path_(given) {
    if (!path_.empty()) return;
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      std::exit(2);
    }
    path_ = tmpl;
    owned_ = true;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (owned_) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

/// CPU seconds of the process / of the calling thread. On a shared machine wall-clock rates
/// measure the load as much as the code, so the benchmarks report CPU rates beside them.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// The 1-minute load average (-1 when unknown), printed beside wall-clock figures.
inline double load_average() {
  double l[1] = {0.0};
  return ::getloadavg(l, 1) == 1 ? l[0] : -1.0;
}

/// The median (upper median for an even count) of a non-empty sample.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The text column of a GoEmotions-style TSV (text, tab, labels...); empty when unreadable.
inline std::vector<std::string> load_tsv_texts(const std::string& path) {
  std::vector<std::string> texts;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) texts.push_back(line.substr(0, tab));
  }
  return texts;
}

/// Deterministic GoEmotions-length texts (5–24 tokens with emoji, shouting, placeholders) for
/// when the data set is not beside the repository.
inline std::vector<std::string> synthetic_texts(size_t n) {
  const char* words[] = {"the", "order", "was", "not", "great", "I", "LOVE", "it", "soooo", "much", "refund", "!!!",
                         "why", "?", "😍", "👍🏽", ":)", "never", "again", ",", "support", "[NAME]", "thanks", "."};
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (size_t i = 0; i < n; ++i) {
    std::string t;
    const int len = 5 + static_cast<int>(rng() % 20);
    for (int w = 0; w < len; ++w) t += std::string(w ? " " : "") + words[rng() % (sizeof words / sizeof *words)];
    texts.push_back(t);
  }
  return texts;
}

}  // namespace attune_bench
