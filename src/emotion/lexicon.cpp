// ValenceLexicon: the merged public lexicons (see lexicon.hpp for the merge rules).
#include "attune/emotion/lexicon.hpp"

#include "attune/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace attune::emotion {
namespace {

uint64_t key_of(std::string_view token) noexcept { return fnv1a64(token) | 1u; }

std::vector<std::string> read_lines(const std::string& path, bool required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (required) throw error(status::io_error, "cannot read lexicon file " + path);
    return {};
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() >= 3 && lines.empty() && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (!line.empty()) lines.push_back(line);  // blank lines (e.g. the trailing one) are skipped
  }
  return lines;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return out;
}

float parse_number(std::string_view s, const std::string& where) {
  std::string tmp(s);
  char* end = nullptr;
  const double d = std::strtod(tmp.c_str(), &end);
  if (tmp.empty() || end == tmp.c_str() || *end != '\0' || !std::isfinite(d))
    throw error(status::parse_error, "bad number '" + tmp + "' in " + where);
  return static_cast<float>(d);
}

}  // namespace

void ValenceLexicon::set(std::string_view token, float valence) {
  valence = std::max(-4.0f, std::min(4.0f, valence));
  const uint64_t key = key_of(token);
  if (!keys_.empty()) {
    const size_t mask = keys_.size() - 1;
    for (size_t i = key & mask; keys_[i] != 0; i = (i + 1) & mask)
      if (keys_[i] == key && entries_[slots_[i]].first == token) { entries_[slots_[i]].second = valence; return; }
  }
  entries_.emplace_back(std::string(token), valence);
  if ((entries_.size() + 1) * 2 > keys_.size()) {
    rehash(std::max<size_t>(64, keys_.size() * 2));
  } else {
    const size_t mask = keys_.size() - 1;
    size_t i = key & mask;
    while (keys_[i] != 0) i = (i + 1) & mask;
    keys_[i] = key;
    slots_[i] = static_cast<uint32_t>(entries_.size() - 1);
  }
}

void ValenceLexicon::rehash(size_t capacity) {
  keys_.assign(capacity, 0);
  slots_.assign(capacity, 0);
  const size_t mask = capacity - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const uint64_t key = key_of(entries_[e].first);
    size_t i = key & mask;
    while (keys_[i] != 0) i = (i + 1) & mask;
    keys_[i] = key;
    slots_[i] = static_cast<uint32_t>(e);
  }
}

std::optional<float> ValenceLexicon::find(std::string_view token) const noexcept {
  if (keys_.empty()) return std::nullopt;
  const uint64_t key = key_of(token);
  const size_t mask = keys_.size() - 1;
  for (size_t i = key & mask; keys_[i] != 0; i = (i + 1) & mask)
    if (keys_[i] == key && entries_[slots_[i]].first == token) return entries_[slots_[i]].second;
  return std::nullopt;
}

ValenceLexicon ValenceLexicon::from_data_dir(const std::string& dir) {
  ValenceLexicon lex;
  const std::string vader = dir + "/vader_lexicon/vader_lexicon.txt";
  for (const auto& line : read_lines(vader, true)) {
    const auto f = split_tabs(line);
    if (f.size() < 2 || f[0].empty()) throw error(status::parse_error, "malformed line in " + vader + ": " + line);
    lex.set(f[0], parse_number(f[1], vader));  // later duplicates overwrite (last wins)
  }
  auto add_missing = [&](std::string_view token, float v) {
    if (!lex.find(token)) lex.set(token, v);
  };
  for (const char* file : {"/afinn/AFINN-en-165.txt", "/afinn/AFINN-emoticon-8.txt"}) {
    const std::string path = dir + file;
    for (const auto& line : read_lines(path, false)) {
      const auto f = split_tabs(line);
      if (f.size() < 2) throw error(status::parse_error, "malformed line in " + path + ": " + line);
      if (f[0].find(' ') != std::string_view::npos) continue;  // multi-word entries are skipped
      add_missing(f[0], 0.8f * parse_number(f[1], path));
    }
  }
  {
    const std::string path = dir + "/emoji_emotion/emoji_emotion.tsv";
    bool header = true;
    for (const auto& line : read_lines(path, false)) {
      if (header) { header = false; continue; }
      const auto f = split_tabs(line);
      if (f.size() < 3) throw error(status::parse_error, "malformed line in " + path + ": " + line);
      add_missing(f[0], 0.8f * parse_number(f[2], path));
    }
  }
  {
    // Emoji descriptions: sum the valences of the description's words (VADER's approach).
    const std::string path = dir + "/vader_lexicon/emoji_utf8_lexicon.txt";
    std::vector<std::pair<std::string, float>> derived;
    for (const auto& line : read_lines(path, false)) {
      const auto f = split_tabs(line);
      if (f.size() < 2 || lex.find(f[0])) continue;
      std::istringstream words{std::string(f[1])};
      std::string w;
      float sum = 0.0f;
      while (words >> w) {
        std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (auto v = lex.find(w)) sum += *v;
      }
      if (sum != 0.0f) derived.emplace_back(std::string(f[0]), sum);
    }
    for (auto& [e, v] : derived) add_missing(e, v);
  }
  return lex;
}

}  // namespace attune::emotion
