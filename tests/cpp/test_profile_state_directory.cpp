// StateDirectory: state survives close/reopen and checkpoints; the LOCK excludes a second opener;
// a crash (simulated by the fault hook) at every step of a checkpoint leaves a directory that opens
// to exactly the acknowledged state; a corrupt newest snapshot falls back only when nothing would
// be lost; a checkpoint removes erased data from the directory.
#include "attune/profile/state_directory.hpp"

#include "attune/error.hpp"
#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

using attune::status;
using attune::profile::FsyncPolicy;
using attune::profile::OpenReport;
using attune::profile::SnapshotReader;
using attune::profile::SnapshotWriter;
using attune::profile::StateDirectory;
using attune::profile::StateDirectoryOptions;
using attune_test::list_dir;
using attune_test::read_file_bytes;
using attune_test::TempDir;
using attune_test::write_file_bytes;

namespace {

// The state of these tests: the list of records appended so far, in order.
struct Model {
  std::vector<std::string> items;

  void write(SnapshotWriter& w) const {
    w.write_u64(items.size());
    for (const auto& s : items) w.write_string(s);
  }
  void read(SnapshotReader& r) {
    items.clear();
    const std::uint64_t n = r.read_u64();
    for (std::uint64_t i = 0; i < n; ++i) items.push_back(r.read_string());
  }
};

StateDirectoryOptions fast_options() {
  StateDirectoryOptions o;
  o.journal.fsync = FsyncPolicy::batched;
  o.journal.batch_interval = std::chrono::milliseconds(2);
  o.journal.repair = true;
  return o;
}

StateDirectory open_into(const std::string& dir, Model& m, const StateDirectoryOptions& o = fast_options()) {
  m.items.clear();
  return StateDirectory::open(
      dir, o, [&m](SnapshotReader& r) { m.read(r); },
      [&m](std::uint8_t type, std::string_view p) {
        REQUIRE(type == 1);
        m.items.emplace_back(p);
      });
}

void add(StateDirectory& sd, Model& m, const std::string& item) {
  sd.append(1, item);
  m.items.push_back(item);
}

template <typename F>
status status_of_call(F&& f) {
  try {
    f();
  } catch (const attune::error& e) {
    return e.code();
  }
  return status::ok;
}

}  // namespace

TEST_CASE("a checkpoint can leave unlinking the replaced generation to a background thread",
          "[state_directory][profile]") {
  TempDir tmp;
  const std::string dir = tmp.file("state");
  Model live, got;
  {
    StateDirectory sd = open_into(dir, live);
    for (int i = 0; i < 20; ++i) add(sd, live, "a" + std::to_string(i));
    const auto cp = sd.checkpoint([&](SnapshotWriter& w) { live.write(w); }, attune::profile::OldGeneration::background);
    CHECK(cp.generation == 1);
    CHECK(cp.removal_in_background);
    CHECK_FALSE(cp.old_generation_removed);
    // Appends go on while (or after) the old journal goes; waiting reports the removal.
    for (int i = 0; i < 5; ++i) add(sd, live, "b" + std::to_string(i));
    CHECK(sd.wait_for_removal());
    CHECK(list_dir(dir) == std::vector<std::string>{"LOCK", StateDirectory::journal_name(1), StateDirectory::snapshot_name(1)});
    CHECK(sd.wait_for_removal());  // nothing pending: true again
    // The next checkpoint waits for a pending removal before replacing generation 2's files.
    sd.checkpoint([&](SnapshotWriter& w) { live.write(w); }, attune::profile::OldGeneration::background);
    sd.checkpoint([&](SnapshotWriter& w) { live.write(w); }, attune::profile::OldGeneration::background);
    add(sd, live, "c");
  }  // close() waits too: exactly one generation is left
  CHECK(list_dir(dir) == std::vector<std::string>{"LOCK", StateDirectory::journal_name(3), StateDirectory::snapshot_name(3)});
  StateDirectory sd = open_into(dir, got);
  CHECK(got.items == live.items);
  CHECK(sd.open_report().records_replayed == 1);
}

TEST_CASE("state directory keeps appended records across reopen and checkpoints", "[state_directory][profile]") {
  TempDir tmp;
  const std::string dir = tmp.file("state");
  Model live;
  {
    StateDirectory sd = open_into(dir, live);
    CHECK(sd.open_report().created);
    CHECK(sd.generation() == 0);
    for (int i = 0; i < 50; ++i) add(sd, live, "a" + std::to_string(i));
  }
  Model got;
  {
    StateDirectory sd = open_into(dir, got);
    const OpenReport& rep = sd.open_report();
    CHECK_FALSE(rep.created);
    CHECK_FALSE(rep.snapshot_loaded);
    CHECK(rep.records_replayed == 50);
    CHECK(got.items == live.items);
    const auto cp = sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });
    CHECK(cp.generation == 1);
    CHECK(cp.records_folded == 50);
    CHECK(cp.old_generation_removed);
    CHECK(sd.generation() == 1);
    CHECK(sd.journal_records() == 0);
    for (int i = 0; i < 10; ++i) add(sd, live, "b" + std::to_string(i));
    CHECK(sd.journal_records() == 10);
  }
  CHECK(list_dir(dir) == std::vector<std::string>{"LOCK", StateDirectory::journal_name(1), StateDirectory::snapshot_name(1)});
  {
    StateDirectory sd = open_into(dir, got);
    const OpenReport& rep = sd.open_report();
    CHECK(rep.snapshot_loaded);
    CHECK(rep.snapshot_generation == 1);
    CHECK(rep.records_replayed == 10);
    CHECK(rep.generation == 1);
    CHECK(got.items == live.items);
    sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });
    sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });  // back to back, empty journal
    CHECK(sd.generation() == 3);
  }
  StateDirectory sd = open_into(dir, got);
  CHECK(got.items == live.items);
  CHECK(sd.open_report().records_replayed == 0);
}

TEST_CASE("state directory LOCK admits one opener at a time", "[state_directory][profile]") {
  TempDir tmp;
  Model m;
  StateDirectory first = open_into(tmp.path(), m);
  Model other;
  CHECK(status_of_call([&] { open_into(tmp.path(), other); }) == status::state_error);
  first.close();
  CHECK_NOTHROW(open_into(tmp.path(), other));
  CHECK(status_of_call([&] { first.append(1, "x"); }) == status::state_error);

  StateDirectoryOptions no_create = fast_options();
  no_create.create = false;
  CHECK(status_of_call([&] { open_into(tmp.file("missing"), other, no_create); }) == status::not_found);
  StateDirectoryOptions bad = fast_options();
  bad.journal.batch_interval = std::chrono::milliseconds(0);
  CHECK_THROWS_AS(open_into(tmp.file("x"), other, bad), std::invalid_argument);
  CHECK_THROWS_AS(open_into("", other), std::invalid_argument);
}

TEST_CASE("a crash at any step of a checkpoint loses nothing", "[state_directory][profile]") {
  const char* points[] = {"checkpoint:journal_synced",   "checkpoint:snapshot_before_rename",
                          "checkpoint:snapshot_committed", "checkpoint:journal_created",
                          "checkpoint:switched",          "checkpoint:old_journal_removed",
                          "checkpoint:done"};
  for (const char* point : points) {
    CAPTURE(point);
    TempDir tmp;
    Model live;
    {
      StateDirectory sd = open_into(tmp.path(), live);
      for (int i = 0; i < 20; ++i) add(sd, live, "x" + std::to_string(i));
      sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });
      for (int i = 0; i < 20; ++i) add(sd, live, "y" + std::to_string(i));
    }
    StateDirectoryOptions crashing = fast_options();
    crashing.fault_hook = [point](std::string_view p) {
      if (p == point) throw std::runtime_error("crash");
    };
    {
      Model m;
      StateDirectory sd = open_into(tmp.path(), m, crashing);
      REQUIRE(m.items == live.items);
      CHECK_THROWS_WITH(sd.checkpoint([&](SnapshotWriter& w) { live.write(w); }), "crash");
      // The object is dead like a crashed process: it refuses further work.
      CHECK(status_of_call([&] { sd.append(1, "lost"); }) == status::state_error);
    }
    Model got;
    {
      StateDirectory sd = open_into(tmp.path(), got);
      REQUIRE(got.items == live.items);
      for (int i = 0; i < 5; ++i) add(sd, live, "z" + std::to_string(i));
      sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });
      add(sd, live, "last");
    }
    StateDirectory sd = open_into(tmp.path(), got);
    CHECK(got.items == live.items);
    // Only the current generation is left.
    const auto names = list_dir(tmp.path());
    CHECK(names.size() == 3);
  }
}

TEST_CASE("a failing snapshot writer changes nothing", "[state_directory][profile]") {
  TempDir tmp;
  Model live;
  StateDirectory sd = open_into(tmp.path(), live);
  add(sd, live, "one");
  CHECK_THROWS_WITH(sd.checkpoint([](SnapshotWriter& w) {
    w.write_u64(1);
    throw std::runtime_error("serializer failed");
  }),
                    "serializer failed");
  CHECK(sd.generation() == 0);
  add(sd, live, "two");  // still usable
  sd.close();
  Model got;
  StateDirectory again = open_into(tmp.path(), got);
  CHECK(got.items == live.items);
  CHECK(list_dir(tmp.path()).size() == 2);
}

TEST_CASE("state directory torn journal tail: refused without repair, truncated with it", "[state_directory][profile]") {
  TempDir tmp;
  Model live;
  {
    StateDirectory sd = open_into(tmp.path(), live);
    for (int i = 0; i < 10; ++i) add(sd, live, std::string(100, static_cast<char>('a' + i)));
  }
  const std::string journal = tmp.file(StateDirectory::journal_name(0));
  const std::string bytes = read_file_bytes(journal);
  write_file_bytes(journal, bytes.substr(0, bytes.size() - 30));  // the last record is torn
  live.items.pop_back();
  StateDirectoryOptions strict = fast_options();
  strict.journal.repair = false;
  Model got;
  CHECK(status_of_call([&] { open_into(tmp.path(), got, strict); }) == status::format_error);
  StateDirectory sd = open_into(tmp.path(), got);
  CHECK(sd.open_report().torn_tail);
  CHECK(sd.open_report().repaired);
  CHECK_FALSE(sd.open_report().notes.empty());
  CHECK(got.items == live.items);
}

TEST_CASE("a corrupt newest snapshot falls back only when nothing is lost", "[state_directory][profile]") {
  TempDir tmp;
  Model live;
  {
    StateDirectory sd = open_into(tmp.path(), live);
    add(sd, live, "a");
    sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });  // gen 1
    add(sd, live, "b");
  }
  {
    // Leave gen 1 behind as an interrupted checkpoint would (crash after the switch).
    StateDirectoryOptions o = fast_options();
    o.fault_hook = [](std::string_view p) {
      if (p == "checkpoint:switched") throw std::runtime_error("crash");
    };
    Model m;
    StateDirectory sd = open_into(tmp.path(), m, o);
    CHECK_THROWS(sd.checkpoint([&](SnapshotWriter& w) { live.write(w); }));  // gen 2
  }
  const std::string snap2 = tmp.file(StateDirectory::snapshot_name(2));
  std::string bytes = read_file_bytes(snap2);
  bytes[bytes.size() - 2] ^= 0x20;
  write_file_bytes(snap2, bytes);
  {
    Model got;
    StateDirectory sd = open_into(tmp.path(), got);
    CHECK(got.items == live.items);
    CHECK(sd.open_report().snapshot_generation == 1);
    CHECK(sd.open_report().journals_replayed == 2);
    CHECK(sd.generation() == 2);
    add(sd, live, "c");
  }
  {
    Model got;
    StateDirectory sd = open_into(tmp.path(), got);
    CHECK(got.items == live.items);
  }
  // Without journal 1 the older snapshot cannot give the full state: refuse rather than lose "b".
  std::filesystem::remove(tmp.file(StateDirectory::journal_name(1)));
  Model got;
  CHECK(status_of_call([&] { open_into(tmp.path(), got); }) == status::format_error);
}

TEST_CASE("state directory cleans up stale temporary files and reports it", "[state_directory][profile]") {
  TempDir tmp;
  Model live;
  { StateDirectory sd = open_into(tmp.path(), live); add(sd, live, "a"); }
  write_file_bytes(tmp.file(StateDirectory::snapshot_name(1) + ".tmp"), "half a snapshot");
  Model got;
  StateDirectory sd = open_into(tmp.path(), got);
  CHECK(got.items == live.items);
  CHECK(list_dir(tmp.path()).size() == 2);
  bool noted = false;
  for (const auto& n : sd.open_report().notes) noted = noted || n.find("removed unfinished") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("a checkpoint removes erased data from the directory", "[state_directory][profile]") {
  TempDir tmp;
  Model live;
  const std::string secret = "customer-4711-private-note";
  const auto contains_secret = [&] {
    for (const auto& name : list_dir(tmp.path()))
      if (read_file_bytes(tmp.file(name)).find(secret) != std::string::npos) return true;
    return false;
  };
  StateDirectory sd = open_into(tmp.path(), live);
  add(sd, live, "keep");
  add(sd, live, secret);
  sd.checkpoint([&](SnapshotWriter& w) { live.write(w); });
  CHECK(contains_secret());
  // Erase: drop it from the state, journal a tombstone, then compact.
  live.items.pop_back();
  sd.append(1, "tombstone");
  live.items.push_back("tombstone");
  sd.compact([&](SnapshotWriter& w) { live.write(w); });
  CHECK_FALSE(contains_secret());
}

TEST_CASE("appends from many threads survive concurrent checkpoints", "[state_directory][profile][concurrency]") {
  TempDir tmp;
  const int threads = 4, per_thread = 400;
  std::mutex model_mutex;
  Model live;
  {
    StateDirectory sd = open_into(tmp.path(), live);
    std::atomic<bool> done{false};
    std::thread checkpointer([&] {
      // At least one checkpoint, however quickly the writers finish on a busy machine.
      do {
        sd.checkpoint([&](SnapshotWriter& w) {
          std::lock_guard<std::mutex> lock(model_mutex);
          live.write(w);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      } while (!done.load());
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          const std::string item = std::to_string(t) + ":" + std::to_string(i);
          sd.append(1, item, [&] {
            std::lock_guard<std::mutex> lock(model_mutex);
            live.items.push_back(item);
          });
        }
      });
    for (auto& w : writers) w.join();
    done = true;
    checkpointer.join();
    CHECK(sd.generation() > 0);
  }
  Model got;
  StateDirectory sd = open_into(tmp.path(), got);
  REQUIRE(got.items.size() == static_cast<std::size_t>(threads * per_thread));
  // Each thread's records are all there, in that thread's order.
  std::vector<int> next(threads, 0);
  bool in_order = true;
  for (const auto& item : got.items) {
    const auto colon = item.find(':');
    const int t = std::stoi(item.substr(0, colon)), i = std::stoi(item.substr(colon + 1));
    in_order = in_order && i == next[static_cast<std::size_t>(t)];
    ++next[static_cast<std::size_t>(t)];
  }
  CHECK(in_order);
}
