// Python bindings of attune::text.
#include "bindings.hpp"

#include "attune/text/tokenizer.hpp"
#include "attune/text/utf8.hpp"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace attune::python {

void bind_text(py::module_& m) {
  m.def(
      "tokenize",
      [](std::string_view text, bool replace_invalid) {
        text::Tokenizer::Options options;
        options.utf8 = replace_invalid ? text::Utf8Mode::replace : text::Utf8Mode::strict;
        text::Tokens tokens;
        {
          py::gil_scoped_release release;
          text::Tokenizer(options).tokenize(text, tokens);
        }
        py::list out;
        for (const auto& t : tokens) {
          py::list flags;
          for (const char* f : text::flag_names(t.flags)) flags.append(f);
          out.append(py::make_tuple(std::string(tokens.text(t)), text::kind_name(t.kind), flags, t.offset, t.length));
        }
        return out;
      },
      py::arg("text"), py::arg("replace_invalid") = false,
      "Tokenize UTF-8 text: list of (text, kind, flags, byte offset, byte length) tuples.");
  m.def("tokenize_bytes",
        [](py::bytes data, bool replace_invalid) {
          text::Tokenizer::Options options;
          options.utf8 = replace_invalid ? text::Utf8Mode::replace : text::Utf8Mode::strict;
          const std::string_view view(data);
          const text::Tokens tokens = text::Tokenizer(options).tokenize(view);
          py::list out;
          for (const auto& t : tokens) {
            py::list flags;
            for (const char* f : text::flag_names(t.flags)) flags.append(f);
            out.append(py::make_tuple(std::string(tokens.text(t)), text::kind_name(t.kind), flags, t.offset, t.length));
          }
          return out;
        },
        py::arg("data"), py::arg("replace_invalid") = false,
        "Tokenize raw bytes (validated as UTF-8; ValueError names the bad byte offset).");
  m.def("normalize", [](std::string_view text) { return text::normalize(text); }, py::arg("text"),
        "Normalized text: tokens' normalized forms joined by single spaces.");
  m.attr("MAX_TEXT_BYTES") = text::kMaxTextBytes;
}

}  // namespace attune::python
