// Helpers shared by the C++ tests.
#pragma once

#include "attune/error.hpp"

#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

namespace attune_test {

/// ../shared/data beside the source tree (or $ATTUNE_SHARED_DATA); empty when absent, in which
/// case tests that need it skip with a message.
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("ATTUNE_SHARED_DATA"); env && *env) return env;
  std::string dir = std::string(ATTUNE_SOURCE_DIR) + "/../shared/data";
  std::ifstream probe(dir + "/README.md");
  return probe.good() ? dir : std::string();
}

inline std::string source_path(const std::string& relative) { return std::string(ATTUNE_SOURCE_DIR) + "/" + relative; }

/// The status a call ends with: ok, or the one its exception carries (attune::status_of), so a
/// test can say which error a hostile input must give.
template <class F>
attune::status status_from(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return attune::status_of(e);
  }
  return attune::status::ok;
}

}  // namespace attune_test

/// Use at the top of a TEST_CASE that needs ../shared/data.
#define ATTUNE_REQUIRE_SHARED_DATA(dir_var)                                          \
  const std::string dir_var = attune_test::shared_data_dir();                         \
  if (dir_var.empty()) {                                                              \
    WARN("skipped: ../shared/data not found (set ATTUNE_SHARED_DATA to run this test)"); \
    SUCCEED("skipped"); /* a WARN alone fails under --warn NoAssertions */            \
    return;                                                                           \
  }
