#include "attune/error.hpp"
#include "attune/text/tokenizer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace attune::text;

namespace {

struct Expect {
  std::string text;
  TokenKind kind;
  uint16_t flags = 0;
};

void check_tokens(const std::string& input, const std::vector<Expect>& expected) {
  INFO("input: " << input);
  const Tokens tokens = Tokenizer().tokenize(input);
  std::string got;
  for (const auto& t : tokens) got += std::string(tokens.text(t)) + "|" + kind_name(t.kind) + "|" + std::to_string(t.flags) + " ";
  INFO("got: " << got);
  REQUIRE(tokens.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(tokens.text(tokens[i]) == expected[i].text);
    CHECK(tokens[i].kind == expected[i].kind);
    CHECK(tokens[i].flags == expected[i].flags);
    // Offsets always point at the token's original bytes.
    CHECK(tokens[i].offset + tokens[i].length <= input.size());
  }
}

constexpr auto W = TokenKind::word;
constexpr auto P = TokenKind::punctuation;
constexpr auto E = TokenKind::emoji;
constexpr auto EM = TokenKind::emoticon;

}  // namespace

TEST_CASE("words, numbers, URLs, mentions, hashtags, placeholders", "[text][tokenizer]") {
  check_tokens("Hello, World", {{"hello", W}, {",", P}, {"world", W}});
  check_tokens("It costs $3.50 or 1,000 pts", {{"it", W}, {"costs", W}, {"$", P}, {"3.50", TokenKind::number},
                                                {"or", W}, {"1,000", TokenKind::number}, {"pts", W}});
  check_tokens("See https://Example.com/a?b=1. Now", {{"see", W}, {"https://example.com/a?b=1", TokenKind::url},
                                                       {".", P}, {"now", W}});
  check_tokens("www.shop.io rocks", {{"www.shop.io", TokenKind::url}, {"rocks", W}});
  check_tokens("@Support_Team #BlackFriday", {{"@support", TokenKind::mention}, {"_", P}, {"team", W},
                                              {"#blackfriday", TokenKind::hashtag}});
  check_tokens("[NAME] said hi", {{"[name]", TokenKind::placeholder}, {"said", W}, {"hi", W}});
  check_tokens("[not a placeholder]", {{"[", P}, {"not", W, flag_negator}, {"a", W, flag_negated},
                                       {"placeholder", W, flag_negated}, {"]", P}});
  check_tokens("2nd mp3", {{"2nd", W}, {"mp3", W}});
  check_tokens("don’t", {{"don't", W, flag_negator}});
}

TEST_CASE("case folding covers Latin-1, Latin Extended-A, Greek and Cyrillic", "[text][tokenizer]") {
  check_tokens("ÉCOLE Straße ŁÓDŹ ΑΘΗΝΑ МОСКВА", {{"école", W, flag_all_caps}, {"straße", W},
                                                   {"łódź", W, flag_all_caps}, {"αθηνα", W, flag_all_caps},
                                                   {"москва", W, flag_all_caps}});
  CHECK(to_lower(U'İ') == U'i');
  CHECK(to_lower(U'Ÿ') == U'ÿ');
  CHECK(to_lower(U'Ĺ') == U'ĺ');
  CHECK(to_lower(U'ß') == U'ß');
}

TEST_CASE("combining marks stay inside their word", "[text][tokenizer]") {
  // "café" with a combining acute accent (e + U+0301), and Hindi with vowel signs.
  check_tokens("cafe\xCC\x81 ok", {{"cafe\xCC\x81", W}, {"ok", W}});
  check_tokens("नमस्ते दोस्त", {{"नमस्ते", W}, {"दोस्त", W}});
}

TEST_CASE("emoji sequences stay whole", "[text][tokenizer]") {
  // family (ZWJ), thumbs up with skin tone, heart with VS16, flag, keycap, rainbow flag.
  check_tokens("👨‍👩‍👧", {{"👨‍👩‍👧", E}});
  check_tokens("great👍🏽", {{"great", W}, {"👍", E}});
  check_tokens("❤️❤️", {{"❤", E}, {"❤", E}});
  check_tokens("🇫🇷🇩🇪", {{"🇫🇷", E}, {"🇩🇪", E}});
  check_tokens("1️⃣ #️⃣", {{"1⃣", E}, {"#⃣", E}});
  check_tokens("🏳️‍🌈", {{"🏳‍🌈", E}});
  check_tokens("👩🏾‍💻 done", {{"👩‍💻", E}, {"done", W}});
  check_tokens("© 2024", {{"©", P}, {"2024", TokenKind::number}});
}

TEST_CASE("emoticons", "[text][tokenizer]") {
  check_tokens("thanks :) :-( <3 :'( XD", {{"thanks", W}, {":)", EM}, {":-(", EM}, {"<3", EM}, {":'(", EM}, {"XD", EM}});
  check_tokens("XDR chip", {{"xdr", W, flag_all_caps}, {"chip", W}});
  check_tokens("ratio 3:2", {{"ratio", W}, {"3", TokenKind::number}, {":", P}, {"2", TokenKind::number}});
  check_tokens("great:)", {{"great", W}, {":)", EM}});
}

TEST_CASE("emphasis: caps, elongation, repeated punctuation", "[text][tokenizer]") {
  check_tokens("GREAT!!!", {{"great", W, flag_all_caps}, {"!!!", P, flag_emphasis}});
  check_tokens("soooo goood", {{"so", W, flag_elongated}, {"god", W, flag_elongated}});
  check_tokens("really?! ok.", {{"really", W}, {"?!", P, flag_emphasis}, {"ok", W}, {".", P}});
  check_tokens("I A ok", {{"i", W}, {"a", W}, {"ok", W}});
  check_tokens("wait... what…", {{"wait", W}, {"...", P}, {"what", W}, {"...", P}});
  check_tokens("good", {{"good", W}});
}

TEST_CASE("negation scope runs to clause punctuation or 'but'", "[text][tokenizer]") {
  check_tokens("not bad at all, great", {{"not", W, flag_negator}, {"bad", W, flag_negated}, {"at", W, flag_negated},
                                          {"all", W, flag_negated}, {",", P}, {"great", W}});
  check_tokens("I don't like it but love you", {{"i", W}, {"don't", W, flag_negator}, {"like", W, flag_negated},
                                                 {"it", W, flag_negated}, {"but", W}, {"love", W}, {"you", W}});
  check_tokens("no problems :)", {{"no", W, flag_negator}, {"problems", W, flag_negated}, {":)", EM, flag_negated}});
  check_tokens("never again! fine", {{"never", W, flag_negator}, {"again", W, flag_negated}, {"!", P}, {"fine", W}});
  check_tokens("without 3 issues", {{"without", W, flag_negator}, {"3", TokenKind::number},
                                    {"issues", W, flag_negated}});
  check_tokens("cant wait", {{"cant", W, flag_negator}, {"wait", W, flag_negated}});
}

TEST_CASE("empty, whitespace-only and maximum-size input", "[text][tokenizer]") {
  CHECK(Tokenizer().tokenize("").empty());
  CHECK(Tokenizer().tokenize(" \t\n\xC2\xA0\xE3\x80\x80 ").empty());
  std::string max(kMaxTextBytes, 'a');
  for (size_t i = 5; i < max.size(); i += 6) max[i] = ' ';
  const Tokens t = Tokenizer().tokenize(max);
  CHECK(t.size() == (kMaxTextBytes + 5) / 6);
  std::string over = max + "b";
  try {
    Tokenizer().tokenize(over);
    FAIL("expected limit_exceeded");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::limit_exceeded);
  }
}

TEST_CASE("malformed UTF-8: strict rejects, replace repairs", "[text][tokenizer]") {
  const std::string bad = std::string("fine ") + "\xED\xA0\x80" + " text";
  Tokens out;
  out.items.push_back(Token{});  // stale content must not survive a failed call
  try {
    Tokenizer().tokenize(bad, out);
    FAIL("expected invalid_utf8");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::invalid_utf8);
    CHECK(std::string(e.what()).find("offset 5") != std::string::npos);
  }
  CHECK(out.empty());
  Tokenizer::Options o;
  o.utf8 = Utf8Mode::replace;
  const Tokens t = Tokenizer(o).tokenize(bad);
  // One U+FFFD per ill-formed byte of the surrogate, each a symbol token.
  REQUIRE(t.size() == 5);
  CHECK(t.text(t[0]) == "fine");
  CHECK(t.text(t[1]) == "\xEF\xBF\xBD");
  CHECK(t[2].kind == TokenKind::punctuation);
  CHECK(t.text(t[4]) == "text");
}

TEST_CASE("tokenization is deterministic and reuses buffers", "[text][tokenizer]") {
  const Tokenizer tok;
  Tokens a, b;
  tok.tokenize("Not SOOO bad!!! 😍 @you #yay", a);
  tok.tokenize("Not SOOO bad!!! 😍 @you #yay", b);
  REQUIRE(a.size() == b.size());
  CHECK(a.normalized == b.normalized);
  const auto cap = a.items.capacity();
  tok.tokenize("short", a);
  CHECK(a.items.capacity() == cap);
  CHECK(normalize("  Hello   WORLD!!  ") == "hello world !!");
}
