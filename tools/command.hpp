// The attune command-line program: each subcommand lives in its own tools/cmd_*.cpp file and
// registers itself with ATTUNE_COMMAND, so adding a command never edits main.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace attune::cli {

/// A subcommand receives its arguments after the subcommand name and returns the exit code.
/// It may throw; main() prints the message and exits with 1 (2 for argument errors).
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;     ///< "tokenize", "emotions", ...
  const char* summary;  ///< one line for `attune --help`
  CommandFn run;
};

bool register_command(const Command& command);
const std::vector<Command>& commands();

}  // namespace attune::cli

#define ATTUNE_CLI_CONCAT2(a, b) a##b
#define ATTUNE_CLI_CONCAT(a, b) ATTUNE_CLI_CONCAT2(a, b)
/// Register a subcommand from its own translation unit: ATTUNE_COMMAND("name", "summary", fn);
#define ATTUNE_COMMAND(name, summary, fn)                                              \
  static const bool ATTUNE_CLI_CONCAT(attune_command_registered_, __LINE__) =          \
      ::attune::cli::register_command(::attune::cli::Command{name, summary, fn})
