#include "attune/error.hpp"
#include "attune/model_path.hpp"
#include "attune/version.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>

TEST_CASE("argument errors are std::invalid_argument and carry their status", "[error]") {
  try {
    throw attune::invalid_argument("bad", attune::status::out_of_range);
  } catch (const std::invalid_argument& e) {
    CHECK(attune::status_of(e) == attune::status::out_of_range);
    CHECK(std::string(e.what()) == "bad");
  }
}

TEST_CASE("runtime errors carry their status", "[error]") {
  try {
    throw attune::error(attune::status::io_error, "disk");
  } catch (const std::exception& e) {
    CHECK(attune::status_of(e) == attune::status::io_error);
  }
  CHECK(attune::status_of(std::bad_alloc()) == attune::status::out_of_memory);
  CHECK(attune::status_of(std::runtime_error("x")) == attune::status::internal);
}

TEST_CASE("every status has a distinct name", "[error]") {
  std::set<std::string> names;
  for (int code = 0; code >= -15; --code) names.insert(attune::status_name(static_cast<attune::status>(code)));
  CHECK(names.size() == 16);
  CHECK(std::string(attune::status_name(static_cast<attune::status>(-999))) == "unknown");
}

TEST_CASE("version is consistent", "[error]") {
  CHECK(std::string(attune::version_string()) == ATTUNE_VERSION_STRING);
  CHECK(attune::version_number() == 100);
}

TEST_CASE("missing model names the directories searched", "[error]") {
  try {
    attune::find_model("no-such-model.attm");
    FAIL("expected not_found");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::not_found);
    CHECK(std::string(e.what()).find("ATTUNE_MODEL_DIR") != std::string::npos);
  }
}
