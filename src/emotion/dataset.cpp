// GoEmotions TSV reading and label-list parsing.
#include "attune/emotion/dataset.hpp"

#include "attune/error.hpp"

#include <fstream>

namespace attune::emotion {

LabelMask parse_labels(std::string_view list) {
  LabelMask mask = 0;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw invalid_argument("empty label in list '" + std::string(list) + "'");
    if (item.find_first_not_of("0123456789") == std::string_view::npos) {
      if (item.size() > 3) throw invalid_argument("label index out of range: " + std::string(item));
      const unsigned v = static_cast<unsigned>(std::stoul(std::string(item)));
      if (v >= kLabelCount) throw invalid_argument("label index out of range (0..27): " + std::string(item), status::not_found);
      mask |= LabelMask(1) << v;
    } else if (auto l = Taxonomy::label_from_name(item)) {
      mask |= Taxonomy::bit(*l);
    } else {
      throw invalid_argument("unknown emotion label '" + std::string(item) + "'", status::not_found);
    }
    start = comma + 1;
  }
  return mask;
}

std::vector<LabeledText> read_goemotions_tsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(status::io_error, "cannot read " + path);
  std::vector<LabeledText> out;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos)
      throw error(status::parse_error, path + ":" + std::to_string(line_no) + ": expected text<TAB>labels");
    size_t tab2 = line.find('\t', tab + 1);
    if (tab2 == std::string::npos) tab2 = line.size();
    LabeledText row;
    row.text = line.substr(0, tab);
    try {
      row.labels = parse_labels(std::string_view(line).substr(tab + 1, tab2 - tab - 1));
    } catch (const std::exception& e) {
      throw error(status::parse_error, path + ":" + std::to_string(line_no) + ": " + e.what());
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace attune::emotion
