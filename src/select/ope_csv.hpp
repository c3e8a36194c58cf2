// Internal (not installed): a small strict CSV reader for the OPE data loaders (Open Bandit
// Dataset, Hillstrom). RFC 4180 quoting ("a,b" and doubled quotes), LF or CRLF line ends, a
// header row; fields are addressed by header name. Errors name the file and the line.
#pragma once

#include "attune/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace attune::select::ope::detail {

class CsvTable {
 public:
  static CsvTable read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(status::io_error, "cannot open " + path);
    std::stringstream buf;
    buf << in.rdbuf();
    CsvTable t;
    t.path_ = path;
    t.parse(buf.str());
    if (t.rows_.empty() && t.header_.empty()) throw error(status::parse_error, path + ": empty CSV file");
    return t;
  }

  std::size_t rows() const { return rows_.size(); }
  bool has(const std::string& name) const { return index_.count(name) != 0; }

  /// Column index by header name; parse_error when absent.
  std::size_t column(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) throw error(status::parse_error, path_ + ": no column '" + name + "'");
    return it->second;
  }

  const std::string& cell(std::size_t row, std::size_t col) const { return rows_[row][col]; }

  double number(std::size_t row, std::size_t col) const {
    const std::string& s = rows_[row][col];
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
      throw error(status::parse_error, path_ + " line " + std::to_string(row + 2) + ": '" + s +
                                           "' is not a number (column " + header_[col] + ")");
    return v;
  }

 private:
  void parse(const std::string& text) {
    std::vector<std::string> record;
    std::string field;
    bool quoted = false, field_started = false;
    std::size_t line = 1;
    auto end_record = [&] {
      record.push_back(field);
      field.clear();
      field_started = false;
      if (header_.empty()) {
        header_ = record;
        for (std::size_t i = 0; i < header_.size(); ++i) index_[header_[i]] = i;
      } else {
        if (record.size() != header_.size())
          throw error(status::parse_error, path_ + " line " + std::to_string(line) + ": " +
                                               std::to_string(record.size()) + " fields, header has " +
                                               std::to_string(header_.size()));
        rows_.push_back(record);
      }
      record.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') { field.push_back('"'); ++i; }
          else quoted = false;
        } else {
          if (c == '\n') ++line;
          field.push_back(c);
        }
      } else if (c == '"' && !field_started) {
        quoted = true;
        field_started = true;
      } else if (c == ',') {
        record.push_back(field);
        field.clear();
        field_started = false;
      } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        // CRLF: the LF ends the record.
      } else if (c == '\n') {
        end_record();
        ++line;
      } else {
        field.push_back(c);
        field_started = true;
      }
    }
    if (quoted) throw error(status::parse_error, path_ + ": unterminated quoted field");
    if (field_started || !record.empty()) end_record();
  }

  std::string path_;
  std::vector<std::string> header_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace attune::select::ope::detail
