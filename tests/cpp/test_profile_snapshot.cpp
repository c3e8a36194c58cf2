// Snapshot: streamed write/read round-trips (typed fields, blocks larger than the buffer, views
// across buffer boundaries); the write is atomic (a failing writer or a crash before the rename
// leaves the old file); every kind of damage gives a clear error.
#include "attune/profile/snapshot.hpp"

#include "attune/detail/crc32c.hpp"
#include "attune/error.hpp"
#include "test_profile_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

using attune::status;
using attune::profile::Snapshot;
using attune::profile::SnapshotInfo;
using attune::profile::SnapshotReader;
using attune::profile::SnapshotWriteOptions;
using attune::profile::SnapshotWriter;
using attune_test::read_file_bytes;
using attune_test::TempDir;
using attune_test::write_file_bytes;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Status and message of the error thrown by f (ok / "" when none).
template <typename F>
std::pair<status, std::string> error_of(F&& f) {
  try {
    f();
  } catch (const attune::error& e) {
    return {e.code(), e.what()};
  }
  return {status::ok, ""};
}

void write_sample(const std::string& path, std::uint64_t generation, const std::string& big) {
  Snapshot::write(path, generation, [&](SnapshotWriter& w) {
    w.write_u8(7);
    w.write_u32(0xDEADBEEFu);
    w.write_u64(0x0123456789ABCDEFull);
    w.write_f64(-2.5e-300);
    w.write_string("héllo");
    w.write(big);  // larger than the 1 MiB buffer: goes straight to the file
    for (int i = 0; i < 100000; ++i) w.write_u32(static_cast<std::uint32_t>(i));
  });
}

void read_sample(SnapshotReader& r, const std::string& big) {
  CHECK(r.read_u8() == 7);
  CHECK(r.read_u32() == 0xDEADBEEFu);
  CHECK(r.read_u64() == 0x0123456789ABCDEFull);
  CHECK(r.read_f64() == -2.5e-300);
  CHECK(r.read_string() == "héllo");
  std::string got(big.size(), '\0');
  r.read_exact(got.data(), got.size());
  CHECK(got == big);
  bool ok = true;
  for (int i = 0; i < 100000; ++i) {
    // views of 4 bytes cross the buffer boundary somewhere in this loop
    const std::string_view v = r.read_view(4);
    std::uint32_t x = 0;
    for (int b = 3; b >= 0; --b) x = (x << 8) | static_cast<unsigned char>(v[static_cast<std::size_t>(b)]);
    ok = ok && x == static_cast<std::uint32_t>(i);
  }
  CHECK(ok);
  CHECK(r.at_end());
}

}  // namespace

TEST_CASE("snapshot round-trips a streamed payload", "[snapshot][profile]") {
  TempDir dir;
  const std::string path = dir.file("s.bin");
  const std::string big = random_bytes(3u << 20, 1);
  write_sample(path, 42, big);
  CHECK(attune_test::list_dir(dir.path()) == std::vector<std::string>{"s.bin"});  // no temp left
  const SnapshotInfo inspected = Snapshot::inspect(path);
  CHECK(inspected.generation == 42);
  CHECK(inspected.payload_bytes == 1 + 4 + 8 + 8 + 4 + 6 + big.size() + 400000);
  CHECK(inspected.created_unix_ms > 0);
  CHECK(Snapshot::verify(path).payload_crc32c == inspected.payload_crc32c);
  const SnapshotInfo info = Snapshot::read(path, [&](SnapshotReader& r) {
    CHECK(r.info().generation == 42);
    read_sample(r, big);
  });
  CHECK(info.payload_bytes == inspected.payload_bytes);
  CHECK(read_file_bytes(path).size() == attune::profile::kSnapshotHeaderSize + info.payload_bytes);

  // Empty payload.
  Snapshot::write(path, 43, [](SnapshotWriter&) {});
  CHECK(Snapshot::read(path, [](SnapshotReader& r) { CHECK(r.at_end()); }).generation == 43);
}

TEST_CASE("snapshot write is atomic", "[snapshot][profile]") {
  TempDir dir;
  const std::string path = dir.file("s.bin");
  Snapshot::write(path, 1, [](SnapshotWriter& w) { w.write("old state"); });
  const std::string old = read_file_bytes(path);

  SECTION("the payload writer throws") {
    CHECK_THROWS_WITH(Snapshot::write(path, 2,
                                      [](SnapshotWriter& w) {
                                        w.write(std::string(5u << 20, 'n'));
                                        throw std::runtime_error("serializer failed");
                                      }),
                      "serializer failed");
  }
  SECTION("a crash just before the rename") {
    SnapshotWriteOptions o;
    o.before_rename = [] { throw std::runtime_error("crash"); };
    CHECK_THROWS(Snapshot::write(path, 2, [](SnapshotWriter& w) { w.write("new state"); }, o));
  }
  CHECK(read_file_bytes(path) == old);
  CHECK(attune_test::list_dir(dir.path()) == std::vector<std::string>{"s.bin"});
  CHECK(Snapshot::verify(path).generation == 1);
}

TEST_CASE("snapshot damage gives clear errors", "[snapshot][profile]") {
  TempDir dir;
  const std::string path = dir.file("s.bin");
  const std::string payload = random_bytes(200000, 2);
  Snapshot::write(path, 5, [&](SnapshotWriter& w) { w.write(payload); });
  const std::string good = read_file_bytes(path);
  const auto read_all = [&] {
    Snapshot::read(path, [](SnapshotReader& r) {
      while (!r.at_end()) r.read_view(static_cast<std::size_t>(std::min<std::uint64_t>(r.remaining(), 4096)));
    });
  };

  CHECK(error_of([&] { Snapshot::inspect(dir.file("none.bin")); }).first == status::not_found);

  for (const std::size_t cut : {std::size_t{0}, std::size_t{30}, std::size_t{63}, std::size_t{64}, std::size_t{1000},
                                good.size() - 1}) {
    write_file_bytes(path, good.substr(0, cut));
    const auto [code, msg] = error_of([&] { Snapshot::inspect(path); });
    CHECK(code == status::format_error);
    CHECK(msg.find("truncated") != std::string::npos);
    CHECK(error_of(read_all).first == status::format_error);
  }

  write_file_bytes(path, good + "x");
  CHECK(error_of([&] { Snapshot::inspect(path); }).second.find("unexpected bytes") != std::string::npos);

  std::string bad = good;
  bad[100000] ^= 0x10;
  write_file_bytes(path, bad);
  CHECK(error_of([&] { Snapshot::inspect(path); }).first == status::ok);  // header alone is fine
  CHECK(error_of([&] { Snapshot::verify(path); }).second.find("checksum") != std::string::npos);
  CHECK(error_of(read_all).first == status::format_error);

  bad = good;
  bad[20] ^= 0x01;  // generation field
  write_file_bytes(path, bad);
  CHECK(error_of([&] { Snapshot::inspect(path); }).second.find("header checksum") != std::string::npos);

  bad = good;
  bad[0] = 'Z';
  write_file_bytes(path, bad);
  CHECK(error_of([&] { Snapshot::inspect(path); }).second.find("not an attune snapshot") != std::string::npos);

  bad = good;  // a newer format version, with a consistent header checksum
  bad[8] = 2;
  const std::uint32_t crc = attune::detail::crc32c(bad.data(), 60);
  for (int i = 0; i < 4; ++i) bad[static_cast<std::size_t>(60 + i)] = static_cast<char>(crc >> (8 * i));
  write_file_bytes(path, bad);
  CHECK(error_of([&] { Snapshot::inspect(path); }).first == status::version_mismatch);
}

TEST_CASE("snapshot reader enforces the payload boundary", "[snapshot][profile]") {
  TempDir dir;
  const std::string path = dir.file("s.bin");
  Snapshot::write(path, 1, [](SnapshotWriter& w) { w.write_u32(3); });
  // Reading more than was written is an error, not garbage.
  CHECK(error_of([&] { Snapshot::read(path, [](SnapshotReader& r) { r.read_u64(); }); }).first == status::format_error);
  // Reading less is an error too: reader and writer disagree about the format.
  CHECK(error_of([&] { Snapshot::read(path, [](SnapshotReader& r) { r.read_u8(); }); }).second.find("not read to its end") !=
        std::string::npos);
  // read() copies at most what is left.
  Snapshot::read(path, [](SnapshotReader& r) {
    char buf[16];
    CHECK(r.read(buf, sizeof buf) == 4);
    CHECK(r.read(buf, sizeof buf) == 0);
  });
  // A corrupt length prefix is caught by its limit.
  Snapshot::write(path, 1, [](SnapshotWriter& w) { w.write_u32(1000); w.write("abc"); });
  CHECK(error_of([&] { Snapshot::read(path, [](SnapshotReader& r) { r.read_string(100); }); }).first ==
        status::format_error);
}
