// attune: the command-line program. Subcommands register themselves (see command.hpp).
#include "command.hpp"

#include "attune/error.hpp"
#include "attune/version.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

namespace attune::cli {

static std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}

bool register_command(const Command& command) {
  registry().push_back(command);
  return true;
}

const std::vector<Command>& commands() {
  auto& r = registry();
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return std::string(a.name) < b.name; });
  return r;
}

static int print_help(FILE* to) {
  std::fprintf(to,
               "attune %s: adaptive-empathy personalization\n\n"
               "usage: attune <command> [options]\n\ncommands:\n",
               version_string());
  for (const auto& c : commands()) std::fprintf(to, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(to, "\n'attune <command> --help' describes a command's options.\n");
  return 0;
}

static int version_command(const std::vector<std::string>& args) {
  if (!args.empty()) throw invalid_argument("'attune version' takes no arguments");
  std::printf("attune %s\n", version_string());
  return 0;
}
ATTUNE_COMMAND("version", "print the library version", version_command);

}  // namespace attune::cli

int main(int argc, char** argv) {
  using namespace attune::cli;
  if (argc < 2) { print_help(stderr); return 2; }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") return print_help(stdout);
  if (name == "--version") return version_command({});
  // A command registered as "group sub" (e.g. "select ope") is matched on two words, before a
  // one-word command of the same group, so components can add subcommands in their own files.
  const std::string two = argc >= 3 ? name + " " + argv[2] : std::string();
  for (int words = 2; words >= 1; --words) {
    for (const auto& c : commands()) {
      if ((words == 2 ? two : name) != c.name) continue;
      std::vector<std::string> args(argv + 1 + words, argv + argc);
      try {
        return c.run(args);
      } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "attune %s: %s\n", c.name, e.what());
        return 2;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "attune %s: %s (%s)\n", c.name, e.what(), attune::status_name(attune::status_of(e)));
        return 1;
      }
    }
  }
  std::fprintf(stderr, "attune: unknown command '%s'\n\n", name.c_str());
  print_help(stderr);
  return 2;
}
