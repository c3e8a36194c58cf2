// attune tokenize: one text per line on stdin, one JSON array of tokens per line on stdout.
#include "args.hpp"
#include "command.hpp"

#include "attune/text/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace attune::cli {
namespace {

int tokenize_command(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {"help", "replace-invalid"});
  if (args.has("help")) {
    std::puts("usage: attune tokenize [--replace-invalid] < texts.txt\n"
              "Reads one UTF-8 text per line, prints one JSON array of tokens per line:\n"
              "  {\"text\",\"kind\",\"flags\",\"offset\",\"length\"} (offsets in bytes).\n"
              "Malformed UTF-8 stops with an error naming the line and byte offset, unless\n"
              "--replace-invalid substitutes U+FFFD.");
    return 0;
  }
  text::Tokenizer::Options options;
  if (args.has("replace-invalid")) options.utf8 = text::Utf8Mode::replace;
  const text::Tokenizer tokenizer(options);
  text::Tokens tokens;
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      tokenizer.tokenize(line, tokens);
    } catch (const std::invalid_argument& e) {
      throw invalid_argument("line " + std::to_string(line_no) + ": " + e.what(), status_of(e));
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : tokens) {
      nlohmann::json flags = nlohmann::json::array();
      for (const char* f : text::flag_names(t.flags)) flags.push_back(f);
      out.push_back({{"text", std::string(tokens.text(t))}, {"kind", text::kind_name(t.kind)},
                     {"flags", std::move(flags)}, {"offset", t.offset}, {"length", t.length}});
    }
    std::cout << out.dump() << '\n';
  }
  return 0;
}

}  // namespace

ATTUNE_COMMAND("tokenize", "tokenize text from stdin into JSON lines", tokenize_command);

}  // namespace attune::cli
