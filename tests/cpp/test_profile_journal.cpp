// Journal: records round-trip in order under every fsync policy; torn tails are reported and only
// truncated on request; corruption in the middle is an error naming the offset; random damage is
// never accepted as data; concurrent appenders lose nothing.
#include "attune/profile/journal.hpp"

#include "attune/error.hpp"
#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <thread>
#include <utility>
#include <vector>

using attune::status;
using attune::profile::FsyncPolicy;
using attune::profile::Journal;
using attune::profile::JournalOptions;
using attune::profile::ReplayReport;
using attune_test::read_file_bytes;
using attune_test::TempDir;
using attune_test::write_file_bytes;

namespace {

using Record = std::pair<std::uint8_t, std::string>;

std::vector<Record> sample_records(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::vector<Record> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t len = rng() % 300;
    if (i % 7 == 3) len = 0;
    if (i % 11 == 5) len = 5000 + rng() % 20000;
    std::string p(len, '\0');
    for (auto& c : p) c = static_cast<char>(rng());
    out.emplace_back(static_cast<std::uint8_t>(rng()), std::move(p));
  }
  return out;
}

std::vector<Record> read_all(const std::string& path, ReplayReport* report = nullptr) {
  std::vector<Record> got;
  const ReplayReport r = Journal::for_each(path, [&](std::uint8_t t, std::string_view p) { got.emplace_back(t, std::string(p)); });
  if (report) *report = r;
  return got;
}

// Writes `records` to a new journal at `path` and returns the end offset of each record.
std::vector<std::uint64_t> write_journal(const std::string& path, const std::vector<Record>& records,
                                         FsyncPolicy policy = FsyncPolicy::none) {
  JournalOptions o;
  o.fsync = policy;
  Journal j = Journal::create(path, 7, o);
  std::vector<std::uint64_t> ends;
  for (const auto& [t, p] : records) {
    j.append(t, p);
    ends.push_back(j.size());
  }
  j.close();
  return ends;
}

template <typename F>
status status_of_call(F&& f) {
  try {
    f();
  } catch (const attune::error& e) {
    return e.code();
  } catch (const attune::invalid_argument& e) {
    return e.code();
  }
  return status::ok;
}

}  // namespace

TEST_CASE("journal round-trips records in order under every fsync policy", "[journal][profile]") {
  const auto records = sample_records(120);
  for (const FsyncPolicy policy : {FsyncPolicy::every_record, FsyncPolicy::batched, FsyncPolicy::none}) {
    TempDir dir;
    const std::string path = dir.file("j.log");
    JournalOptions o;
    o.fsync = policy;
    o.batch_interval = std::chrono::milliseconds(2);
    {
      Journal j = Journal::create(path, 7, o);
      CHECK(j.generation() == 7);
      CHECK(j.policy() == policy);
      for (std::size_t i = 0; i < 60; ++i) j.append(records[i].first, records[i].second);
      // Acknowledged means written to the OS: a separate reader sees every record already.
      CHECK(read_all(path).size() == 60);
    }
    ReplayReport rep;
    std::vector<Record> got;
    {
      Journal j = Journal::open(path, o, [&](std::uint8_t t, std::string_view p) { got.emplace_back(t, std::string(p)); }, &rep);
      CHECK(rep.records == 60);
      CHECK_FALSE(rep.torn_tail);
      CHECK(j.records() == 60);
      for (std::size_t i = 60; i < records.size(); ++i) j.append(records[i].first, records[i].second);
      j.sync();
    }
    CHECK(got == std::vector<Record>(records.begin(), records.begin() + 60));
    CHECK(read_all(path, &rep) == records);
    CHECK(rep.generation == 7);
    CHECK(rep.records == records.size());
    CHECK(rep.tail_offset == rep.file_size);
    CHECK(rep.reason.empty());
    std::uint64_t bytes = 0;
    for (const auto& r : records) bytes += r.second.size();
    CHECK(rep.bytes == bytes);
  }
}

TEST_CASE("journal reports a torn tail at every cut point and repairs only on request", "[journal][profile]") {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto records = sample_records(6, 3);
  const auto ends = write_journal(path, records);
  const std::string whole = read_file_bytes(path);
  const std::uint64_t last_start = ends[ends.size() - 2];
  REQUIRE(whole.size() == ends.back());
  for (std::uint64_t cut = last_start + 1; cut < whole.size(); cut += (cut < last_start + 40 ? 1 : 97)) {
    write_file_bytes(path, whole.substr(0, cut));
    ReplayReport rep;
    const auto got = read_all(path, &rep);
    REQUIRE(got == std::vector<Record>(records.begin(), records.end() - 1));
    REQUIRE(rep.torn_tail);
    REQUIRE(rep.tail_offset == last_start);
    REQUIRE(rep.file_size == cut);
    REQUIRE_FALSE(rep.reason.empty());
  }
  // Without repair, opening for append refuses and leaves the file alone.
  const std::string torn = whole.substr(0, last_start + 20);
  write_file_bytes(path, torn);
  JournalOptions o;
  o.fsync = FsyncPolicy::none;
  CHECK(status_of_call([&] { Journal::open(path, o); }) == status::format_error);
  CHECK(read_file_bytes(path) == torn);
  // With repair, the tail is cut, reported, and appends continue after the last good record.
  o.repair = true;
  ReplayReport rep;
  {
    Journal j = Journal::open(path, o, {}, &rep);
    CHECK(rep.torn_tail);
    CHECK(rep.repaired);
    CHECK(j.size() == last_start);
    j.append(9, "after repair");
  }
  auto expected = std::vector<Record>(records.begin(), records.end() - 1);
  expected.emplace_back(9, "after repair");
  CHECK(read_all(path, &rep) == expected);
  CHECK_FALSE(rep.torn_tail);
}

TEST_CASE("journal treats a bad last record and trailing zeros as a torn tail", "[journal][profile]") {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto records = sample_records(5, 4);
  const auto ends = write_journal(path, records);
  std::string bytes = read_file_bytes(path);
  SECTION("checksum mismatch in the last record") {
    bytes[bytes.size() - 1] ^= 0x01;
    write_file_bytes(path, bytes);
    ReplayReport rep;
    CHECK(read_all(path, &rep).size() == 4);
    CHECK(rep.torn_tail);
    CHECK(rep.reason.find("checksum") != std::string::npos);
    CHECK(rep.tail_offset == ends[3]);
  }
  SECTION("zero-filled space after the last record") {
    write_file_bytes(path, bytes + std::string(4096, '\0'));
    ReplayReport rep;
    CHECK(read_all(path, &rep) == records);
    CHECK(rep.torn_tail);
    CHECK(rep.tail_offset == bytes.size());
  }
}

TEST_CASE("journal corruption in the middle is an error naming the offset", "[journal][profile]") {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto records = sample_records(10, 5);
  const auto ends = write_journal(path, records);
  std::string bytes = read_file_bytes(path);
  const std::uint64_t bad = ends[2];  // start of record 3
  bytes[bad + 13] ^= 0x40;            // its stored CRC
  write_file_bytes(path, bytes);
  std::size_t delivered = 0;
  try {
    Journal::for_each(path, [&](std::uint8_t, std::string_view) { ++delivered; });
    FAIL("corruption was accepted");
  } catch (const attune::error& e) {
    CHECK(e.code() == status::format_error);
    CHECK(std::string(e.what()).find("offset " + std::to_string(bad)) != std::string::npos);
  }
  CHECK(delivered == 0);  // the file is validated before any record is handed out
  JournalOptions o;
  o.repair = true;  // repair never covers corruption in the middle
  CHECK(status_of_call([&] { Journal::open(path, o); }) == status::format_error);
  CHECK(read_file_bytes(path) == bytes);
}

TEST_CASE("journal never accepts a damaged record (random bit flips)", "[journal][profile]") {
  TempDir dir;
  const std::string path = dir.file("j.log");
  const auto records = sample_records(40, 6);
  write_journal(path, records);
  const std::string whole = read_file_bytes(path);
  std::mt19937_64 rng(99);
  int errors = 0, torn = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = whole;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      const std::size_t pos = 32 + rng() % (bytes.size() - 32);
      bytes[pos] = static_cast<char>(bytes[pos] ^ static_cast<char>(1u << (rng() % 8)));
    }
    write_file_bytes(path, bytes);
    try {
      ReplayReport rep;
      const auto got = read_all(path, &rep);
      // Whatever is accepted is an exact prefix of what was written.
      REQUIRE(got.size() <= records.size());
      REQUIRE(std::equal(got.begin(), got.end(), records.begin()));
      REQUIRE((got.size() == records.size() || rep.torn_tail));
      torn += rep.torn_tail ? 1 : 0;
    } catch (const attune::error& e) {
      REQUIRE(e.code() == status::format_error);
      ++errors;
    }
  }
  CHECK(errors + torn == 300);
}

TEST_CASE("journal rejects bad headers, oversized payloads and reuse of a path", "[journal][profile]") {
  TempDir dir;
  const std::string path = dir.file("j.log");
  write_journal(path, sample_records(3));
  const std::string good = read_file_bytes(path);
  CHECK(status_of_call([&] { Journal::create(path, 1); }) == status::io_error);
  CHECK(status_of_call([&] { Journal::for_each(dir.file("missing.log"), {}); }) == status::not_found);

  write_file_bytes(path, good.substr(0, 20));
  CHECK(status_of_call([&] { Journal::for_each(path, {}); }) == status::format_error);
  std::string bad = good;
  bad[0] = 'X';
  write_file_bytes(path, bad);
  CHECK(status_of_call([&] { Journal::for_each(path, {}); }) == status::format_error);
  bad = good;
  bad[17] ^= 1;  // generation byte: header CRC no longer matches
  write_file_bytes(path, bad);
  CHECK(status_of_call([&] { Journal::for_each(path, {}); }) == status::format_error);

  write_file_bytes(path, good);
  JournalOptions o;
  o.fsync = FsyncPolicy::none;
  Journal j = Journal::open(path, o);
  const std::uint64_t size = j.size();
  const std::string big(attune::profile::kMaxJournalPayload + 1, 'x');
  CHECK(status_of_call([&] { j.append(1, big); }) == status::limit_exceeded);
  CHECK(j.size() == size);
  j.close();
  CHECK(status_of_call([&] { j.append(1, "x"); }) == status::state_error);
  CHECK(read_file_bytes(path) == good);

  o.fsync = FsyncPolicy::batched;
  o.batch_interval = std::chrono::milliseconds(0);
  CHECK_THROWS_AS(Journal::open(path, o), std::invalid_argument);
  CHECK(attune::profile::parse_fsync_policy("batched") == FsyncPolicy::batched);
  CHECK(std::string(attune::profile::fsync_policy_name(FsyncPolicy::every_record)) == "every_record");
  CHECK_THROWS_AS(attune::profile::parse_fsync_policy("sometimes"), std::invalid_argument);
}

TEST_CASE("journal keeps every record of concurrent appenders", "[journal][profile][concurrency]") {
  for (const FsyncPolicy policy : {FsyncPolicy::every_record, FsyncPolicy::batched}) {
    TempDir dir;
    const std::string path = dir.file("j.log");
    JournalOptions o;
    o.fsync = policy;
    o.batch_interval = std::chrono::milliseconds(1);
    const int threads = 4, per_thread = policy == FsyncPolicy::every_record ? 60 : 2000;
    {
      Journal j = Journal::create(path, 0, o);
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t)
        pool.emplace_back([&j, t, per_thread] {
          for (int i = 0; i < per_thread; ++i) j.append(static_cast<std::uint8_t>(t), std::to_string(i));
        });
      for (auto& th : pool) th.join();
      CHECK(j.records() == static_cast<std::uint64_t>(threads * per_thread));
    }
    std::vector<int> next(threads, 0);
    bool in_order = true;
    Journal::for_each(path, [&](std::uint8_t t, std::string_view p) {
      in_order = in_order && std::stoi(std::string(p)) == next[t];
      ++next[t];
    });
    CHECK(in_order);
    for (int t = 0; t < threads; ++t) CHECK(next[static_cast<std::size_t>(t)] == per_thread);
  }
}
