// Resource limits (docs/limits.md): each limit refuses with its documented status and leaves the
// state as it was, so a caller cannot make attune exhaust memory.
#include "attune/behavior/event.hpp"
#include "attune/detail/json_limits.hpp"
#include "attune/detail/read_file.hpp"
#include "attune/engine.hpp"
#include "attune/engine_config.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace attune;

namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

template <class F>
status status_of_call(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return status_of(e);
  }
  return status::ok;
}

}  // namespace

TEST_CASE("limits.max_profiles refuses new customers with a clear error and no state change", "[limits][engine]") {
  auto e = Engine::from_json(R"({"seed": 3, "limits": {"max_profiles": 3}})");
  for (const char* c : {"a", "b", "c"}) e->consent(c, "personalization", true, kT0);
  REQUIRE(e->customer_count() == 3);
  const auto before = e->stats();

  try {
    e->consent("d", "personalization", true, kT0 + 1);
    FAIL("a fourth profile was accepted");
  } catch (const error& err) {
    CHECK(err.code() == status::limit_exceeded);
    CHECK_THAT(err.what(), Catch::Contains("limits.max_profiles"));
  }
  // Every path that would create a profile or a registry entry is bounded.
  CHECK(status_of_call([&] { e->observe_text("d", profile::Channel::chat, "hello there", kT0 + 2); }) ==
        status::limit_exceeded);
  CHECK(status_of_call([&] { e->consent("d", "profiling", false, kT0 + 3); }) == status::limit_exceeded);
  CHECK(e->customer_count() == 3);
  CHECK(e->stats() == before);
  CHECK(status_of_call([&] { e->export_profile("d"); }) == status::not_found);

  // Known customers keep working, and erasure frees a place.
  CHECK_NOTHROW(e->consent("a", "profiling", false, kT0 + 4));
  e->forget("b", kT0 + 5);
  CHECK_NOTHROW(e->consent("d", "personalization", true, kT0 + 6));
  CHECK(e->customer_count() == 3);
}

TEST_CASE("limits.max_pending_decisions evicts the oldest decision", "[limits][engine]") {
  auto e = Engine::from_json(R"({"seed": 3, "limits": {"max_pending_decisions": 3}})");
  e->consent("a", "personalization", true, kT0);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(e->decide("a", "product_cta", kT0 + 1 + i).decision_id);
  CHECK(e->stats()["pending_decisions"] == 3);
  // The two oldest were evicted: their rewards are unknown ids, and nothing changes.
  const auto before = e->stats();
  CHECK(status_of_call([&] { e->reward(ids[0], 1.0, kT0 + 10); }) == status::not_found);
  CHECK(status_of_call([&] { e->reward(ids[1], 1.0, kT0 + 10); }) == status::not_found);
  CHECK(e->stats() == before);
  for (int i = 2; i < 5; ++i) CHECK_NOTHROW(e->reward(ids[static_cast<size_t>(i)], 1.0, kT0 + 10));
  CHECK(status_of_call([&] { e->reward(ids[4], 1.0, kT0 + 11); }) == status::duplicate);
  CHECK(e->stats()["pending_decisions"] <= 3);

  CHECK(status_of_call([] { EngineConfig::parse(R"({"limits": {"max_pending_decisions": 0}})"); }) ==
        status::invalid_argument);
  CHECK(EngineConfig::parse("{}").to_json()["limits"]["max_pending_decisions"] == 65536);
}

TEST_CASE("engine configuration JSON: size, depth, duplicate keys, UTF-8", "[limits][engine]") {
  CHECK(status_of_call([] { EngineConfig::parse(std::string(kMaxEngineConfigBytes + 1, ' ')); }) ==
        status::limit_exceeded);
  CHECK(status_of_call([] { EngineConfig::parse(R"({"seed": 1, "seed": 2})"); }) == status::parse_error);
  CHECK(status_of_call([] { EngineConfig::parse("{\"audit_salt\": \"\xC3\x28\"}"); }) == status::invalid_utf8);
  // Deep nesting is refused while parsing, before anything copies or walks the value.
  const std::string deep = "{\"policy\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK(status_of_call([&] { EngineConfig::parse(deep); }) == status::limit_exceeded);
}

TEST_CASE("parse_json_limited: the depth limit is exact", "[limits]") {
  const auto nested = [](int levels) { return std::string(size_t(levels), '[') + std::string(size_t(levels), ']'); };
  CHECK_NOTHROW(detail::parse_json_limited(nested(detail::kMaxJsonDepth), "doc", 1 << 20));
  CHECK(status_of_call([&] { detail::parse_json_limited(nested(detail::kMaxJsonDepth + 1), "doc", 1 << 20); }) ==
        status::limit_exceeded);
  CHECK(status_of_call([] { detail::parse_json_limited(R"({"a": {"b": 1, "b": 2}})", "doc", 1 << 20); }) ==
        status::parse_error);
  CHECK(status_of_call([] { detail::parse_json_limited("[1e999]", "doc", 1 << 20); }) == status::parse_error);
  CHECK(status_of_call([] { detail::parse_json_limited("[1,2,3]", "doc", 6); }) == status::limit_exceeded);
}

TEST_CASE("model files: size checked before reading; special files refused", "[limits]") {
  const auto dir = std::filesystem::temp_directory_path() / ("attune-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "model.bin").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(1000, 'x');
  }
  CHECK(detail::read_file_limited(path, 1000, "model").size() == 1000);
  CHECK(status_of_call([&] { detail::read_file_limited(path, 999, "model"); }) == status::limit_exceeded);
  CHECK(status_of_call([&] { detail::read_file_limited(dir.string(), 1000, "model"); }) == status::io_error);
  CHECK(status_of_call([&] { detail::read_file_limited("/dev/zero", 1000, "model"); }) == status::io_error);
  CHECK(status_of_call([&] { detail::read_file_limited((dir / "missing").string(), 1000, "model"); }) ==
        status::io_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("event JSON: duplicate keys and overflowing numbers are parse errors", "[limits][behavior]") {
  const char* dup = R"({"type":"track","userId":"a","userId":"b","event":"x","timestamp":"2026-01-01T00:00:00Z"})";
  CHECK(status_of_call([&] { behavior::parse_event(dup); }) == status::parse_error);
  const char* big = R"({"type":"track","userId":"a","event":"x","properties":{"price":1e999},"timestamp":"2026-01-01T00:00:00Z"})";
  CHECK(status_of_call([&] { behavior::parse_event(big); }) == status::parse_error);
}
