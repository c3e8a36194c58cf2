// attune/emotion/dataset.hpp: labelled texts and the GoEmotions TSV reader.
#pragma once

#include "attune/emotion/taxonomy.hpp"

#include <string>
#include <vector>

namespace attune::emotion {

/// One text with its set of labels (bit i = Label i).
struct LabeledText {
  std::string text;
  LabelMask labels = 0;
};

/// Read GoEmotions-format TSV: `text<TAB>comma-separated label indices 0..27[<TAB>id]`, no header,
/// LF or CRLF. Throws attune::error(io_error) when the file cannot be read and
/// attune::error(parse_error) naming the line for a malformed row or a label index outside 0..27.
std::vector<LabeledText> read_goemotions_tsv(const std::string& path);

/// Parse "3,15" into a mask; names ("joy,love") are accepted too. Throws invalid_argument.
LabelMask parse_labels(std::string_view list);

}  // namespace attune::emotion
