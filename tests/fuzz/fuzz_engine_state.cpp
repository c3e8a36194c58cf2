// Fuzz the engine's state readers: the snapshot payload (consent registry, one bandit policy per
// slot, pending decisions, profiles) and the journal records (profile put/erase, consent,
// decision, reward) that an Engine replays when it opens a state directory. The first input byte
// picks what the rest is: even = a snapshot payload, wrapped in a valid snapshot file (header and
// CRC32C written by profile::Snapshot, so the engine's decoder sees the bytes); odd = journal
// records, each `u8 type, u16 little-endian length, payload`, appended with profile::Journal (so
// every record is framed and checksummed and reaches the engine's record decoder).
// Invariants: opening either succeeds or throws attune::error / invalid_argument with an input
// status (never a crash, leak, UB or another exception); a directory that opened can be
// checkpointed, and re-opens to the same customer count and statistics (other than the
// checkpoint counters).
#include "fuzz_support.hpp"

#include "attune/engine.hpp"
#include "attune/profile/journal.hpp"
#include "attune/profile/snapshot.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune_fuzz;
  namespace fs = std::filesystem;
  static const struct Dir {
    std::string path = scratch_path("engine-state");
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir;
  static const std::string config = engine_config_json("\"durability\":\"none\",\"state_dir\":\"" + dir.path + "\"");
  if (size == 0) return 0;
  std::error_code ec;
  fs::remove_all(dir.path, ec);
  fs::create_directories(dir.path);
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    attune::profile::SnapshotWriteOptions o;
    o.sync = false;
    attune::profile::Snapshot::write(dir.path + "/snapshot-00000000000000000001.bin", 1,
                                     [&](attune::profile::SnapshotWriter& w) { w.write(rest); }, o);
  } else {
    attune::profile::JournalOptions o;
    o.fsync = attune::profile::FsyncPolicy::none;
    auto journal = attune::profile::Journal::create(dir.path + "/journal-00000000000000000000.log", 0, o);
    size_t pos = 0;
    while (rest.size() - pos >= 3) {
      const uint8_t type = static_cast<uint8_t>(rest[pos]);
      size_t len = static_cast<uint8_t>(rest[pos + 1]) | size_t(static_cast<uint8_t>(rest[pos + 2])) << 8;
      pos += 3;
      if (len > rest.size() - pos) len = rest.size() - pos;
      journal.append(type, rest.substr(pos, len));
      pos += len;
    }
  }
  nlohmann::json stats;
  size_t customers = 0;
  const bool opened = guarded([&] {
    auto engine = attune::Engine::from_json(config);
    customers = engine->customer_count();
    stats = engine->stats();
    stats.erase("checkpoints");  // the journal's record count differs after the snapshot, by design
    engine->snapshot();
  });
  if (opened) {
    auto engine = attune::Engine::from_json(config);  // what was checkpointed must open again
    require(engine->customer_count() == customers);
    nlohmann::json again = engine->stats();
    again.erase("checkpoints");
    require(again == stats);
  }
  return 0;
}
