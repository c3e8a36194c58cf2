// attune audit verify / head / tail / pseudonymize: check an audit log, anchor it, read its latest
// records, and find a customer's pseudonym.
#include "args.hpp"
#include "command.hpp"

#include "attune/ethics/audit_log.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

namespace attune::cli {
namespace {

const std::string& single_file(const Args& args, const char* usage) {
  if (args.positional().size() != 1) throw invalid_argument(std::string("expected one FILE; usage: ") + usage);
  return args.positional().front();
}

nlohmann::ordered_json to_json(const ethics::AuditVerifyResult& r) {
  return {{"ok", r.ok},
          {"lines", r.lines},
          {"first_bad_line", r.first_bad_line},
          {"reason", r.reason},
          {"head", {{"seq", r.head.seq}, {"hash", r.head.hash}}}};
}

int audit_verify_command(const std::vector<std::string>& argv) {
  static const char* usage = "attune audit verify FILE [--anchor-seq N --anchor-hash HEX]";
  const Args args(argv, {"anchor-seq", "anchor-hash"}, {"help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Verifies the hash chain of an audit log and prints one JSON object:\n"
                "  {\"ok\",\"lines\",\"first_bad_line\",\"reason\",\"head\":{\"seq\",\"hash\"}}\n"
                "first_bad_line is the first altered, inserted, removed or reordered line (1-based).\n"
                "With an anchor (a head recorded elsewhere earlier, see 'attune audit head'), the\n"
                "line with that seq must still hash to it. Exit status: 0 ok, 1 not ok, 2 usage.\n",
                usage);
    return 0;
  }
  const std::string& file = single_file(args, usage);
  std::optional<ethics::AuditHead> anchor;
  if (args.has("anchor-seq") || args.has("anchor-hash")) {
    const long long seq = args.integer_or("anchor-seq", 0);
    if (seq < 1) throw invalid_argument("--anchor-seq must be >= 1 (and --anchor-hash given)");
    anchor = ethics::AuditHead{static_cast<std::uint64_t>(seq), args.require("anchor-hash")};
  }
  const ethics::AuditVerifyResult r = ethics::AuditLog::verify(file, anchor);
  std::cout << to_json(r).dump() << '\n';
  return r.ok ? 0 : 1;
}

int audit_head_command(const std::vector<std::string>& argv) {
  static const char* usage = "attune audit head FILE";
  const Args args(argv, {}, {"help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Verifies the log and prints its head {\"seq\",\"hash\"} (exit 1 if the log is broken).\n"
                "Record the head somewhere the log's writers cannot change it, and later check it\n"
                "with 'attune audit verify FILE --anchor-seq SEQ --anchor-hash HASH'.\n",
                usage);
    return 0;
  }
  const ethics::AuditVerifyResult r = ethics::AuditLog::verify(single_file(args, usage));
  if (!r.ok) {
    std::cout << to_json(r).dump() << '\n';
    return 1;
  }
  std::cout << nlohmann::ordered_json{{"seq", r.head.seq}, {"hash", r.head.hash}}.dump() << '\n';
  return 0;
}

int audit_tail_command(const std::vector<std::string>& argv) {
  static const char* usage = "attune audit tail FILE [-n N]";
  // "-n N" is the habit from tail(1); the strict parser only knows --options, so map it.
  std::vector<std::string> mapped;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "-n") {
      mapped.push_back("--lines");
    } else {
      mapped.push_back(argv[i]);
    }
  }
  const Args args(mapped, {"lines"}, {"help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Prints the last N lines (default 10) of an audit log as they are stored (JSON lines).\n"
                "Does not verify; use 'attune audit verify' for that.\n",
                usage);
    return 0;
  }
  const std::string& file = single_file(args, usage);
  const long long n = args.integer_or("lines", 10);
  if (n < 0) throw invalid_argument("-n must be >= 0");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(status::not_found, "cannot open audit log '" + file + "'");
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (n == 0) continue;
    last.push_back(line);
    if (last.size() > static_cast<size_t>(n)) last.pop_front();
  }
  for (const auto& l : last) std::cout << l << '\n';
  return 0;
}

int audit_pseudonymize_command(const std::vector<std::string>& argv) {
  static const char* usage = "attune audit pseudonymize (LOG | --salt-file FILE) < ids.txt";
  const Args args(argv, {"salt-file"}, {"help"});
  if (args.has("help")) {
    std::printf("usage: %s\n"
                "Reads one customer id per line on stdin and prints its pseudonym as it appears in the\n"
                "log (32 hex characters), using the salt kept in LOG.salt or in --salt-file. Ids are read\n"
                "from stdin, not the command line, so they stay out of shell history and process lists.\n"
                "Use it to find a customer's records for an access or erasure request.\n",
                usage);
    return 0;
  }
  std::string salt_file;
  if (args.has("salt-file")) {
    if (!args.positional().empty()) throw invalid_argument(std::string("give LOG or --salt-file, not both; usage: ") + usage);
    salt_file = args.require("salt-file");
  } else {
    salt_file = ethics::AuditLog::salt_path(single_file(args, usage));
  }
  const std::string salt = ethics::read_salt_file(salt_file);
  std::string id;
  size_t line_no = 0;
  while (std::getline(std::cin, id)) {
    ++line_no;
    if (!id.empty() && id.back() == '\r') id.pop_back();
    try {
      std::cout << ethics::pseudonymize(salt, id) << '\n';
    } catch (const std::invalid_argument& e) {
      throw invalid_argument("line " + std::to_string(line_no) + ": " + e.what(), status_of(e));
    }
  }
  return 0;
}

}  // namespace

ATTUNE_COMMAND("audit verify", "verify an audit log's hash chain; JSON result, exit 1 if tampered", audit_verify_command);
ATTUNE_COMMAND("audit head", "print the head {seq, hash} of a verified audit log (to anchor it elsewhere)",
               audit_head_command);
ATTUNE_COMMAND("audit tail", "print the last lines of an audit log", audit_tail_command);
ATTUNE_COMMAND("audit pseudonymize", "print the pseudonyms of customer ids read from stdin (salt of a log)",
               audit_pseudonymize_command);

}  // namespace attune::cli
