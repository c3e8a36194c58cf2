// attune store inspect DIR: read-only report (JSON) of a state directory: every snapshot (header,
// checksum verdict) and journal (records, bytes, torn tail or corruption) with the generation an
// open would recover. Takes no lock and changes nothing, so it is safe on a live directory.
#include "args.hpp"
#include "command.hpp"

#include "attune/error.hpp"
#include "attune/profile/journal.hpp"
#include "attune/profile/snapshot.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace attune::cli {
namespace {

int store_inspect_command(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {"help"});
  if (args.has("help") || args.positional().size() != 1) {
    std::puts("usage: attune store inspect DIR\n"
              "Prints a JSON report of the state directory DIR (snapshots, journals, torn tails,\n"
              "corruption) without locking or modifying it. Exit status 1 when a file is damaged.");
    return args.has("help") ? 0 : 2;
  }
  const std::string dir = args.positional()[0];
  if (!std::filesystem::is_directory(dir)) throw error(status::not_found, "'" + dir + "' is not a directory");
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  nlohmann::json snapshots = nlohmann::json::array(), journals = nlohmann::json::array(), other = nlohmann::json::array();
  bool damaged = false;
  for (const auto& name : names) {
    const std::string path = dir + "/" + name;
    const bool is_snapshot = name.rfind("snapshot-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".bin";
    const bool is_journal = name.rfind("journal-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".log";
    if (is_snapshot) {
      nlohmann::json s = {{"file", name}};
      try {
        const auto info = profile::Snapshot::verify(path);
        s.update({{"generation", info.generation}, {"payload_bytes", info.payload_bytes},
                  {"created_unix_ms", info.created_unix_ms}, {"valid", true}});
      } catch (const error& e) {
        s.update({{"valid", false}, {"error", e.what()}, {"status", status_name(e.code())}});
        damaged = true;
      }
      snapshots.push_back(s);
    } else if (is_journal) {
      nlohmann::json j = {{"file", name}};
      try {
        const auto r = profile::Journal::for_each(path, {});
        j.update({{"generation", r.generation}, {"records", r.records}, {"payload_bytes", r.bytes},
                  {"file_size", r.file_size}, {"torn_tail", r.torn_tail}, {"tail_offset", r.tail_offset},
                  {"valid", true}});
        if (r.torn_tail) j["reason"] = r.reason;
      } catch (const error& e) {
        j.update({{"valid", false}, {"error", e.what()}, {"status", status_name(e.code())}});
        damaged = true;
      }
      journals.push_back(j);
    } else {
      other.push_back(name);
    }
  }
  const nlohmann::json out = {{"directory", dir}, {"snapshots", snapshots}, {"journals", journals}, {"other_files", other}};
  std::cout << out.dump(2) << '\n';
  return damaged ? 1 : 0;
}

}  // namespace

ATTUNE_COMMAND("store inspect", "report the snapshots and journals of a state directory (read-only, JSON)",
               store_inspect_command);

}  // namespace attune::cli
