#include "attune/error.hpp"
#include "attune/text/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>

using attune::text::find_invalid_utf8;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}
}  // namespace

TEST_CASE("well-formed UTF-8 is accepted", "[text][utf8]") {
  CHECK_FALSE(find_invalid_utf8(""));
  CHECK_FALSE(find_invalid_utf8("plain ascii text that is longer than eight bytes"));
  CHECK_FALSE(find_invalid_utf8("café naïve Ωμέγα Привет 日本語 😀👍🏽"));
  CHECK_FALSE(find_invalid_utf8(bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
  CHECK_FALSE(find_invalid_utf8(bytes({0xED, 0x9F, 0xBF})));        // U+D7FF, just below surrogates
  CHECK_FALSE(find_invalid_utf8(bytes({0xEE, 0x80, 0x80})));        // U+E000, just above
}

TEST_CASE("every class of malformed UTF-8 is rejected at the right offset", "[text][utf8]") {
  struct Case {
    std::string input;
    size_t offset;
    const char* reason;
  };
  const Case cases[] = {
      {bytes({'a', 0x80}), 1, "unexpected continuation byte"},
      {bytes({0xC0, 0xAF}), 0, "overlong encoding"},
      {bytes({0xC1, 0xBF}), 0, "overlong encoding"},
      {bytes({0xE0, 0x80, 0xAF}), 0, "overlong encoding"},
      {bytes({0xF0, 0x80, 0x80, 0xAF}), 0, "overlong encoding"},
      {bytes({'x', 'y', 0xED, 0xA0, 0x80}), 2, "surrogate code point"},
      {bytes({0xED, 0xBF, 0xBF}), 0, "surrogate code point"},
      {bytes({0xF4, 0x90, 0x80, 0x80}), 0, "code point above U+10FFFF"},
      {bytes({0xF5, 0x80, 0x80, 0x80}), 0, "code point above U+10FFFF"},
      {bytes({0xFF}), 0, "code point above U+10FFFF"},
      {bytes({'a', 'b', 'c', 0xE2, 0x82}), 3, "truncated sequence"},
      {bytes({0xE2, 0x41, 0x41}), 0, "truncated sequence"},
      {bytes({0xF0, 0x9F, 0x98}), 0, "truncated sequence"},
      {bytes({0xC3}), 0, "truncated sequence"},
      {std::string("0123456789abcdef") + bytes({0xC3, 0x28}), 16, "truncated sequence"},
  };
  for (const auto& c : cases) {
    INFO("offset " << c.offset << " reason " << c.reason);
    const auto bad = find_invalid_utf8(c.input);
    REQUIRE(bad);
    CHECK(bad->offset == c.offset);
    CHECK(std::string(bad->reason) == c.reason);
  }
}

TEST_CASE("require_utf8 names the byte offset", "[text][utf8]") {
  try {
    attune::text::require_utf8(bytes({'o', 'k', 0xC0, 0xAF}), "message");
    FAIL("expected an exception");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::invalid_utf8);
    CHECK(std::string(e.what()).find("byte offset 2") != std::string::npos);
    CHECK(std::string(e.what()).find("message") == 0);
  }
}

TEST_CASE("replace mode substitutes one U+FFFD per maximal ill-formed subpart", "[text][utf8]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(attune::text::replace_invalid_utf8(bytes({'a', 0x80, 'b'})) == "a" + fffd + "b");
  CHECK(attune::text::replace_invalid_utf8(bytes({0xE2, 0x82, 'x'})) == fffd + "x");
  CHECK(attune::text::replace_invalid_utf8(bytes({0xF4, 0x90, 0x80})) == fffd + fffd + fffd);
  CHECK(attune::text::replace_invalid_utf8(bytes({0xC0, 0xAF})) == fffd + fffd);
  const std::string good = "héllo 😀";
  CHECK(attune::text::replace_invalid_utf8(good) == good);
  CHECK_FALSE(find_invalid_utf8(attune::text::replace_invalid_utf8(bytes({0xED, 0xA0, 0x80, 0xFF, 'z'}))));
}

TEST_CASE("decode and encode round-trip every plane", "[text][utf8]") {
  for (char32_t c : {char32_t(0x41), char32_t(0xE9), char32_t(0x20AC), char32_t(0xFFFD), char32_t(0x1F600),
                     char32_t(0x10FFFF)}) {
    std::string s;
    attune::text::append_utf8(s, c);
    CHECK_FALSE(find_invalid_utf8(s));
    size_t i = 0;
    CHECK(attune::text::decode_utf8(s, i) == c);
    CHECK(i == s.size());
  }
}
