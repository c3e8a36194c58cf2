// attune demo: the main job. Until the engine lands it shows the text pipeline on the seed's
// kinds of customer messages.
#include "args.hpp"
#include "command.hpp"

#include "attune/text/tokenizer.hpp"

#include <cstdio>
#include <string>

namespace attune::cli {
namespace {

int demo_command(const std::vector<std::string>& argv) {
  const Args args(argv, {"dir"}, {"help"});
  if (args.has("help")) {
    std::puts("usage: attune demo\nRuns the seed scenarios end to end on the shipped models.");
    return 0;
  }
  const char* messages[] = {
      "I've been waiting 3 weeks and STILL no refund!!! This is not ok :(",
      "Not bad at all, the serum is soooo good 😍👍🏽",
      "Is shipping to [NAME]'s address free? I can't find the returns page...",
  };
  const text::Tokenizer tokenizer;
  std::printf("attune demo: how attune reads customer text (tokens, kinds, flags)\n\n");
  for (const char* m : messages) {
    const text::Tokens tokens = tokenizer.tokenize(m);
    std::printf("> %s\n ", m);
    for (const auto& t : tokens) {
      std::string flags;
      for (const char* f : text::flag_names(t.flags)) flags += std::string(flags.empty() ? "" : ",") + f;
      std::printf(" %.*s/%s%s%s", static_cast<int>(t.norm_length), tokens.normalized.data() + t.norm_offset,
                  text::kind_name(t.kind), flags.empty() ? "" : "/", flags.c_str());
    }
    std::printf("\n\n");
  }
  return 0;
}

}  // namespace

ATTUNE_COMMAND("demo", "run the seed-scenario demo on the shipped models", demo_command);

}  // namespace attune::cli
