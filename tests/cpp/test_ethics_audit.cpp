// The tamper-evident audit log: format, pseudonyms, refusal of raw text, reopening, broken logs,
// concurrency, the C ABI, and the exhaustive tamper test (every single-line edit, insertion,
// deletion and adjacent swap of a 300-line log is detected at the right line).
#include "attune/detail/sha256.hpp"
#include "attune/error.hpp"
#include "attune/ethics/audit_log.hpp"

#include "attune.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using attune::ethics::AuditFsync;
using attune::ethics::AuditHead;
using attune::ethics::AuditLog;
using attune::ethics::AuditOnBroken;
using attune::ethics::AuditOptions;
using attune::ethics::AuditVerifyResult;
using nlohmann::json;

namespace {

const std::string kSalt = "test-salt-0123456789abcdef";  // 26 bytes
const std::string kZeros(64, '0');

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path dir;
  TempDir() {
    static std::atomic<int> counter{0};
    dir = fs::temp_directory_path() /
          ("attune_audit_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::vector<std::string> split_lines(const std::string& content) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < content.size()) {
    const size_t nl = content.find('\n', start);
    REQUIRE(nl != std::string::npos);
    lines.push_back(content.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

AuditVerifyResult verify_text(const std::string& content, const std::optional<AuditHead>& anchor = std::nullopt) {
  std::istringstream in(content);
  return AuditLog::verify(in, anchor);
}

// An independent writer of the documented format: the four leading fields in order, the rest in
// sorted key order, then "hash" = SHA-256 of the line without it. With `keep_hash`, the stated
// hash is kept (a naive edit); otherwise it is recomputed (an attacker who knows the format).
std::string reseal(const json& record, bool keep_hash = false) {
  std::string body = "{\"seq\":" + record.at("seq").dump() + ",\"time\":" + record.at("time").dump() +
                     ",\"kind\":" + record.at("kind").dump() + ",\"prev\":" + record.at("prev").dump();
  for (auto it = record.begin(); it != record.end(); ++it) {
    const std::string& k = it.key();
    if (k == "seq" || k == "time" || k == "kind" || k == "prev" || k == "hash") continue;
    body += "," + json(k).dump() + ":" + it.value().dump();
  }
  body += "}";
  const std::string hash =
      keep_hash ? record.at("hash").get<std::string>() : attune::detail::sha256_hex(body);
  return body.substr(0, body.size() - 1) + ",\"hash\":\"" + hash + "\"}";
}

AuditOptions fast_options(const std::string& salt = kSalt) {
  AuditOptions o;
  o.salt = salt;
  o.fsync = AuditFsync::none;
  return o;
}

// A log of `n` varied records: every kind, nested objects, arrays, floats, pseudonyms.
std::string generate_log(const std::string& path, int n) {
  AuditLog log(path, fast_options());
  const auto& kinds = AuditLog::kinds();
  for (int i = 0; i < n; ++i) {
    const std::string kind = kinds[static_cast<size_t>(i) % kinds.size()];
    json fields = {{"customer", log.pseudonymize("customer-" + std::to_string(i % 17))},
                   {"variant", "v" + std::to_string(i % 5)},
                   {"score", 0.125 * (i % 9)},
                   {"emotion_used", i % 3 == 0},
                   {"states", {{"anxiety", 0.01 * (i % 100)}, {"frustration", 0.5}}},
                   {"guardrails", json::array({"no_urgency", "quiet"})}};
    if (i % 4 == 0) fields["reward"] = i % 2;
    const std::uint64_t seq = log.append(kind, 1700000000000LL + 1000LL * i, fields);
    REQUIRE(seq == static_cast<std::uint64_t>(i + 1));
  }
  return read_file(path);
}

// A different value of the same JSON type, for field edits.
json altered(const json& v) {
  switch (v.type()) {
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() == 64 && attune::detail::is_lower_hex(s, 64)) {
        s[0] = s[0] == 'f' ? '0' : 'f';
        return s;
      }
      if (s.size() == 32 && attune::detail::is_lower_hex(s, 32)) {
        s[5] = s[5] == 'a' ? 'b' : 'a';
        return s;
      }
      const auto& kinds = AuditLog::kinds();
      for (size_t i = 0; i < kinds.size(); ++i) {
        if (kinds[i] == s) return kinds[(i + 1) % kinds.size()];
      }
      return s + "x";
    }
    case json::value_t::number_unsigned: return v.get<std::uint64_t>() + 1;
    case json::value_t::number_integer: return v.get<std::int64_t>() + 1;
    case json::value_t::number_float: return v.get<double>() + 0.5;
    case json::value_t::boolean: return !v.get<bool>();
    case json::value_t::array: {
      json a = v;
      a.push_back("extra");
      return a;
    }
    case json::value_t::object: {
      json o = v;
      o["extra"] = 1;
      return o;
    }
    default: return 1;
  }
}

// Under sanitizers (about 5-10x slower) the exhaustive tamper test runs on a 60-line log: the same
// code paths and every kind of attempt, a 25th of the work. Release builds use 300 lines.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kTamperLines = 60;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr int kTamperLines = 60;
#else
constexpr int kTamperLines = 300;
#endif
#else
constexpr int kTamperLines = 300;
#endif

struct Tally {
  size_t attempts = 0;
  size_t detected_at_right_line = 0;
  void expect(const AuditVerifyResult& r, std::uint64_t line, const std::string& what) {
    ++attempts;
    INFO(what << ": ok=" << r.ok << " first_bad_line=" << r.first_bad_line << " reason=" << r.reason);
    CHECK_FALSE(r.ok);
    CHECK(r.first_bad_line == line);
    if (!r.ok && r.first_bad_line == line) ++detected_at_right_line;
  }
};

}  // namespace

TEST_CASE("audit: line format, chain and self-hash as documented", "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  const std::string content = generate_log(path, 20);
  REQUIRE(!content.empty());
  REQUIRE(content.back() == '\n');
  const auto lines = split_lines(content);
  REQUIRE(lines.size() == 20);
  std::string prev = kZeros;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string lead = "{\"seq\":" + std::to_string(i + 1) + ",\"time\":";
    CHECK(line.rfind(lead, 0) == 0);
    const json record = json::parse(line);
    CHECK(record.at("seq") == i + 1);
    CHECK(record.at("prev") == prev);
    CHECK(line.find(",\"kind\":") < line.find(",\"prev\":"));
    CHECK(line.find(",\"prev\":") < line.find(",\"customer\":"));
    // The independent writer reproduces every byte: the format is exactly the documented one.
    CHECK(reseal(record) == line);
    prev = attune::detail::sha256_hex(line);
  }
  const AuditVerifyResult r = AuditLog::verify(path);
  CHECK(r.ok);
  CHECK(r.lines == 20);
  CHECK(r.first_bad_line == 0);
  CHECK(r.reason.empty());
  CHECK(r.head.seq == 20);
  CHECK(r.head.hash == prev);
  CHECK(r.valid_bytes == content.size());
}

TEST_CASE("audit: empty and missing logs", "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  {
    AuditLog log(path, fast_options());
    CHECK(log.head().seq == 0);
    CHECK(log.head().hash == kZeros);
  }
  const AuditVerifyResult r = AuditLog::verify(path);
  CHECK(r.ok);
  CHECK(r.lines == 0);
  try {
    AuditLog::verify(tmp.file("missing.jsonl"));
    FAIL("verify of a missing file must throw");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::not_found);
  }
  CHECK_THROWS_AS(AuditLog::verify(path, AuditHead{3, "xyz"}), attune::invalid_argument);
}

TEST_CASE("audit: every single-line edit, insertion, deletion and adjacent swap of a 300-line log is detected "
          "at the right line (60 lines under sanitizers)",
          "[ethics][audit][tamper]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  const int n = kTamperLines;
  const std::string original = generate_log(path, n);
  const std::vector<std::string> lines = split_lines(original);
  REQUIRE(lines.size() == static_cast<size_t>(n));
  REQUIRE(verify_text(original).ok);
  const AuditHead head = verify_text(original).head;
  std::vector<std::string> hashes;  // hashes[i] = SHA-256 of line i+1
  for (const auto& l : lines) hashes.push_back(attune::detail::sha256_hex(l));

  Tally bytes, fields_naive, fields_resealed, inserts, deletes, swaps, torn;

  SECTION("byte edits") {
    // Every byte (and the newline) of the first, a middle and the last line; 8 spread positions
    // plus the newline of every other line, always including the first and the last byte. The
    // byte is changed in one of two ways (xor 1, or a digit swapped in), alternating.
    for (int p = 1; p <= n; ++p) {
      const std::string& line = lines[static_cast<size_t>(p - 1)];
      std::set<size_t> positions;
      if (p == 1 || p == n / 2 || p == n) {
        for (size_t i = 0; i <= line.size(); ++i) positions.insert(i);
      } else {
        for (size_t k = 0; k <= 7; ++k) positions.insert(k * (line.size() - 1) / 7);
        positions.insert(line.size());  // the newline
      }
      for (const size_t pos : positions) {
        for (const int variant : {static_cast<int>((p + pos) % 2)}) {
          std::vector<std::string> edited = lines;
          std::string content;
          if (pos == line.size()) {
            // Change the newline itself: the line runs into the next one (or, last, is torn).
            edited[static_cast<size_t>(p - 1)] += (variant == 0 ? '\x0b' : ' ');
            content = join_lines(edited);
            if (p < n) {
              content.erase(content.find(edited[static_cast<size_t>(p - 1)]) + edited[static_cast<size_t>(p - 1)].size(), 1);
            } else {
              content.pop_back();
            }
          } else {
            char& c = edited[static_cast<size_t>(p - 1)][pos];
            c = variant == 0 ? static_cast<char>(c ^ 0x01) : (c == '7' ? '8' : '7');
            content = join_lines(edited);
          }
          bytes.expect(verify_text(content), static_cast<std::uint64_t>(p),
                       "byte " + std::to_string(pos) + " of line " + std::to_string(p));
        }
      }
    }
    WARN("byte edits tried: " << bytes.attempts << ", detected at the edited line: " << bytes.detected_at_right_line);
    CHECK(bytes.detected_at_right_line == bytes.attempts);
  }

  SECTION("field value edits, naive and with the line's own hash recomputed") {
    for (int p = 1; p <= n; ++p) {
      const json record = json::parse(lines[static_cast<size_t>(p - 1)]);
      for (auto it = record.begin(); it != record.end(); ++it) {
        json changed = record;
        changed[it.key()] = altered(it.value());
        // Naive: the stated hash is kept.
        {
          std::vector<std::string> edited = lines;
          edited[static_cast<size_t>(p - 1)] = reseal(changed, /*keep_hash=*/true);
          fields_naive.expect(verify_text(join_lines(edited)), static_cast<std::uint64_t>(p),
                              "naive edit of '" + it.key() + "' in line " + std::to_string(p));
        }
        if (it.key() == "hash") continue;
        // Resealed: the attacker recomputes this line's own hash (but not the rest of the chain).
        std::vector<std::string> edited = lines;
        edited[static_cast<size_t>(p - 1)] = reseal(changed);
        const std::string content = join_lines(edited);
        if (p < n) {
          fields_resealed.expect(verify_text(content), static_cast<std::uint64_t>(p),
                                 "resealed edit of '" + it.key() + "' in line " + std::to_string(p));
        } else {
          // On the last line, recomputing its hash is recomputing the whole chain after the edit:
          // only an anchored head catches it (at this line, or the one before for a changed prev).
          const AuditVerifyResult r = verify_text(content, head);
          ++fields_resealed.attempts;
          INFO("resealed edit of '" << it.key() << "' in the last line: " << r.reason);
          CHECK_FALSE(r.ok);
          CHECK((r.first_bad_line == static_cast<std::uint64_t>(n) || r.first_bad_line == static_cast<std::uint64_t>(n - 1)));
          if (!r.ok) ++fields_resealed.detected_at_right_line;
        }
      }
    }
    WARN("field edits tried: naive " << fields_naive.attempts << " (detected at the edited line: "
                                     << fields_naive.detected_at_right_line << "), with the line's hash recomputed "
                                     << fields_resealed.attempts << " (detected: "
                                     << fields_resealed.detected_at_right_line << ")");
    CHECK(fields_naive.detected_at_right_line == fields_naive.attempts);
    CHECK(fields_resealed.detected_at_right_line == fields_resealed.attempts);
  }

  SECTION("insertions of forged and replayed lines at every position") {
    for (int p = 1; p <= n; ++p) {
      // Forged: a plausible record with the right seq and a correct hash of its predecessor.
      json forged = json::parse(lines[static_cast<size_t>(p - 1)]);
      forged["time"] = forged["time"].get<std::int64_t>() - 1;
      forged["variant"] = "v_forged";
      forged["prev"] = p == 1 ? kZeros : hashes[static_cast<size_t>(p - 2)];
      std::vector<std::string> edited = lines;
      edited.insert(edited.begin() + (p - 1), reseal(forged));
      inserts.expect(verify_text(join_lines(edited)), static_cast<std::uint64_t>(p),
                     "forged line inserted at " + std::to_string(p));
      // Replayed: a copy of an older, unrelated line.
      const int source = (p + n / 2) % n + 1;
      if (source != p && source != p - 1) {
        std::vector<std::string> replayed = lines;
        replayed.insert(replayed.begin() + (p - 1), lines[static_cast<size_t>(source - 1)]);
        inserts.expect(verify_text(join_lines(replayed)), static_cast<std::uint64_t>(p),
                       "line " + std::to_string(source) + " replayed at " + std::to_string(p));
      }
    }
    // A duplicate of the preceding line, anywhere including after the last line.
    for (int p = 2; p <= n + 1; ++p) {
      std::vector<std::string> edited = lines;
      edited.insert(edited.begin() + (p - 1), lines[static_cast<size_t>(p - 2)]);
      inserts.expect(verify_text(join_lines(edited)), static_cast<std::uint64_t>(p),
                     "duplicate of line " + std::to_string(p - 1));
    }
    WARN("insertions tried: " << inserts.attempts << ", detected at the inserted line: " << inserts.detected_at_right_line);
    CHECK(inserts.detected_at_right_line == inserts.attempts);
  }

  SECTION("deletions and adjacent swaps") {
    for (int p = 1; p <= n; ++p) {
      std::vector<std::string> edited = lines;
      edited.erase(edited.begin() + (p - 1));
      if (p < n) {
        deletes.expect(verify_text(join_lines(edited)), static_cast<std::uint64_t>(p),
                       "deletion of line " + std::to_string(p));
      } else {
        // Cutting the last line at a line boundary leaves a valid, shorter chain: only the
        // anchored head reveals it (documented).
        CHECK(verify_text(join_lines(edited)).ok);
        deletes.expect(verify_text(join_lines(edited), head), static_cast<std::uint64_t>(n),
                       "deletion of the last line, with the anchor");
      }
    }
    for (int p = 1; p < n; ++p) {
      std::vector<std::string> edited = lines;
      std::swap(edited[static_cast<size_t>(p - 1)], edited[static_cast<size_t>(p)]);
      swaps.expect(verify_text(join_lines(edited)), static_cast<std::uint64_t>(p),
                   "swap of lines " + std::to_string(p) + " and " + std::to_string(p + 1));
    }
    WARN("deletions tried: " << deletes.attempts << " (detected at the right line: " << deletes.detected_at_right_line
                             << "), adjacent swaps tried: " << swaps.attempts << " (detected at the right line: "
                             << swaps.detected_at_right_line << ")");
    CHECK(deletes.detected_at_right_line == deletes.attempts);
    CHECK(swaps.detected_at_right_line == swaps.attempts);
  }

  SECTION("torn last line: every cut inside the last line") {
    const size_t last_start = original.size() - lines.back().size() - 1;
    for (size_t cut = last_start + 1; cut < original.size(); ++cut) {
      const AuditVerifyResult r = verify_text(original.substr(0, cut));
      torn.expect(r, static_cast<std::uint64_t>(n), "cut at byte " + std::to_string(cut));
      CHECK(r.reason == "truncated last line");
      CHECK(r.valid_bytes == last_start);
      CHECK(r.head.seq == static_cast<std::uint64_t>(n - 1));
      CHECK(r.lines == static_cast<std::uint64_t>(n));
    }
    WARN("torn-write cuts tried: " << torn.attempts << ", detected at the last line: " << torn.detected_at_right_line);
    CHECK(torn.detected_at_right_line == torn.attempts);
  }

  SECTION("an attacker who recomputes the whole chain after an edit is caught only by an anchor") {
    const size_t edit = static_cast<size_t>(n / 3);  // 0-based index of the rewritten line
    std::vector<std::string> edited = lines;
    std::string prev = hashes[edit - 1];
    for (size_t i = edit; i < edited.size(); ++i) {
      json record = json::parse(edited[i]);
      if (i == edit) record["variant"] = "v_rewritten";
      record["prev"] = prev;
      edited[i] = reseal(record);
      prev = attune::detail::sha256_hex(edited[i]);
    }
    const std::string content = join_lines(edited);
    CHECK(verify_text(content).ok);
    const AuditVerifyResult anchored = verify_text(content, head);
    CHECK_FALSE(anchored.ok);
    CHECK(anchored.first_bad_line == static_cast<std::uint64_t>(n));
    CHECK(anchored.reason.find("anchor mismatch") == 0);
    // An anchor taken before the edited line does not cover it.
    CHECK(verify_text(content, AuditHead{edit, hashes[edit - 1]}).ok);
    // The original log passes its own anchor; a longer anchor than the log is reported.
    CHECK(verify_text(original, head).ok);
    const AuditVerifyResult beyond = verify_text(original, AuditHead{static_cast<std::uint64_t>(n + 5), head.hash});
    CHECK_FALSE(beyond.ok);
    CHECK(beyond.first_bad_line == static_cast<std::uint64_t>(n + 1));
  }
}

TEST_CASE("audit: pseudonyms are never the raw id, stable for one salt, different across salts",
          "[ethics][audit][pseudonym]") {
  TempDir tmp;
  AuditLog a(tmp.file("a.jsonl"), fast_options("salt-A-0123456789abcdef"));
  AuditLog b(tmp.file("b.jsonl"), fast_options("salt-B-0123456789abcdef"));
  AuditLog a2(tmp.file("a2.jsonl"), fast_options("salt-A-0123456789abcdef"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = i % 2 ? "customer-" + std::to_string(i) : std::string(32, static_cast<char>('a' + i % 6));
    const std::string p = a.pseudonymize(id);
    CHECK(p.size() == AuditLog::kPseudonymChars);
    CHECK(attune::detail::is_lower_hex(p, 32));
    CHECK(p != id);
    CHECK(p == a.pseudonymize(id));
    CHECK(p == a2.pseudonymize(id));
    CHECK(p != b.pseudonymize(id));
    CHECK(p == attune::ethics::pseudonymize("salt-A-0123456789abcdef", id));
    seen.insert(id);
  }
  // The definition: the first 32 hex characters of HMAC-SHA-256(salt, id).
  CHECK(a.pseudonymize("alice@example.com") ==
        attune::detail::hmac_sha256_hex("salt-A-0123456789abcdef", "alice@example.com").substr(0, 32));
  CHECK_THROWS_AS(a.pseudonymize(""), attune::invalid_argument);
  CHECK_THROWS_AS(a.pseudonymize("bad\xc0\xaf"), attune::invalid_argument);
  CHECK_THROWS_AS(a.pseudonymize(std::string(AuditLog::kMaxIdBytes + 1, 'x')), attune::invalid_argument);
  CHECK_THROWS_AS(attune::ethics::pseudonymize("short", "id"), attune::invalid_argument);
  CHECK_THROWS_AS(AuditLog(tmp.file("c.jsonl"), fast_options("short")), attune::invalid_argument);
}

TEST_CASE("audit: a generated salt is kept beside the log, 0600, and reused on reopen", "[ethics][audit][pseudonym]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  std::string first;
  {
    AuditLog log(path);  // default options: generated salt, fsync every record
    first = log.pseudonymize("customer-42");
    log.append("consent", 1, {{"customer", first}, {"purpose", "emotion_inference"}, {"granted", true}});
  }
  const std::string salt_file = AuditLog::salt_path(path);
  const std::string stored = read_file(salt_file);
  REQUIRE(stored.size() == 65);
  CHECK(attune::detail::is_lower_hex(stored.substr(0, 64), 64));
  struct stat st;
  REQUIRE(::stat(salt_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(attune::ethics::read_salt_file(salt_file).size() == 32);
  AuditLog again(path);
  CHECK(again.pseudonymize("customer-42") == first);
  CHECK(attune::ethics::pseudonymize(attune::ethics::read_salt_file(salt_file), "customer-42") == first);
  // Another log gets another salt.
  AuditLog other(tmp.file("other.jsonl"));
  CHECK(other.pseudonymize("customer-42") != first);
  // A malformed salt file is an error, not a silent new salt.
  write_file(AuditLog::salt_path(tmp.file("bad.jsonl")), "not hex\n");
  try {
    AuditLog bad(tmp.file("bad.jsonl"));
    FAIL("a malformed salt file must be refused");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::format_error);
  }
}

TEST_CASE("audit: raw text and raw ids are refused and nothing is written", "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  AuditLog log(path, fast_options());
  log.append("observation", 5, {{"channel", "chat"}});
  const std::string before = read_file(path);
  const AuditHead head_before = log.head();
  const std::string pseudonym = log.pseudonymize("c1");

  const std::vector<std::pair<std::string, json>> refused = {
      {"text field", {{"text", "I am so angry at you"}}},
      {"message field", {{"message", "hello"}}},
      {"raw field", {{"raw", "x"}}},
      {"body field", {{"body", "x"}}},
      {"content field", {{"content", "x"}}},
      {"Text in capitals", {{"Text", "x"}}},
      {"nested text", {{"signal", {{"text", "x"}}}}},
      {"text in an array", {{"items", json::array({json{{"text", "x"}}})}}},
      {"long string", {{"note", std::string(AuditLog::kMaxStringBytes + 1, 'a')}}},
      {"long nested string", {{"a", json::array({std::string(300, 'b')})}}},
      {"raw customer id", {{"customer", "alice@example.com"}}},
      {"raw customer_id", {{"customer_id", "12345"}}},
      {"raw userId", {{"userId", "u-1"}}},
      {"upper-case pseudonym", {{"customer", "ABCDEF0123456789ABCDEF0123456789"}}},
      {"numeric customer", {{"customer", 42}}},
      {"reserved seq", {{"seq", 7}}},
      {"reserved hash", {{"hash", "x"}}},
      {"free text as key", {{"I hate this product", 1}}},
      {"empty key", {{"", 1}}},
      {"NaN", {{"score", std::numeric_limits<double>::quiet_NaN()}}},
      {"infinity", {{"score", std::numeric_limits<double>::infinity()}}},
      {"malformed UTF-8", {{"label", std::string("ok\xc0\xaf")}}},
      {"not an object", json::array({1, 2})},
      {"a bare string", json("text")},
  };
  for (const auto& [what, fields] : refused) {
    INFO(what);
    CHECK_THROWS_AS(log.append("observation", 6, fields), std::invalid_argument);
    CHECK_THROWS_AS(AuditLog::validate_fields(fields), std::invalid_argument);
  }
  json deep = 1;
  for (size_t i = 0; i <= AuditLog::kMaxDepth + 1; ++i) deep = json{{"d", deep}};
  CHECK_THROWS_AS(log.append("observation", 6, deep), attune::invalid_argument);
  json big = json::object();
  for (int i = 0; i < 400; ++i) big["k" + std::to_string(i)] = std::string(200, 'z');
  try {
    log.append("observation", 6, big);
    FAIL("an oversized record must be refused");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::limit_exceeded);
  }
  CHECK_THROWS_AS(log.append("thought", 6, {}), attune::invalid_argument);
  CHECK_THROWS_AS(log.append("", 6, {}), attune::invalid_argument);
  try {
    log.append("observation", -1, {});
    FAIL("negative time must be refused");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::out_of_range);
  }
  // Nothing reached the file, the head did not move.
  CHECK(read_file(path) == before);
  CHECK(log.head().seq == head_before.seq);
  CHECK(log.head().hash == head_before.hash);
  // What is allowed: pseudonyms, labels, numbers, short strings, null fields.
  CHECK(log.append("decision", 7, {{"customer", pseudonym}, {"variant", "calm_cta"}, {"text_length", 42},
                                   {"propensity", 0.25}, {"emotion_used", false}}) == 2);
  CHECK(log.append("mode", 8, nullptr) == 3);
  CHECK(log.append("review", 9, {{"note", std::string(AuditLog::kMaxStringBytes, 'a')}}) == 4);
  CHECK(AuditLog::verify(path).ok);
}

TEST_CASE("audit: reopening verifies and continues the chain", "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  AuditHead h;
  {
    AuditLog log(path, fast_options());
    for (int i = 0; i < 5; ++i) log.append("reward", i, {{"reward", i}});
    h = log.head();
    CHECK(h.seq == 5);
    CHECK(!log.open_report().existed);
  }
  {
    AuditLog log(path, fast_options());
    CHECK(log.open_report().existed);
    CHECK(log.open_report().verify.ok);
    CHECK(log.head().seq == h.seq);
    CHECK(log.head().hash == h.hash);
    CHECK(log.append("reward", 10, {{"reward", 1}}) == 6);
    log.close();
    CHECK_FALSE(log.is_open());
    try {
      log.append("reward", 11, {});
      FAIL("append after close must throw");
    } catch (const attune::error& e) {
      CHECK(e.code() == attune::status::state_error);
    }
  }
  const AuditVerifyResult r = AuditLog::verify(path, h);
  CHECK(r.ok);
  CHECK(r.lines == 6);
  const auto lines = split_lines(read_file(path));
  CHECK(json::parse(lines[5])["prev"] == attune::detail::sha256_hex(lines[4]));
}

TEST_CASE("audit: a second writer on the same file is refused", "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  AuditLog log(path, fast_options());
  try {
    AuditLog second(path, fast_options());
    FAIL("a second AuditLog on the same file must be refused");
  } catch (const attune::error& e) {
    CHECK(e.code() == attune::status::state_error);
  }
  log.close();
  AuditLog third(path, fast_options());  // the lock is released by close()
  CHECK(third.is_open());
}

TEST_CASE("audit: a broken log is refused unless the caller opts to start anew or cut a torn tail",
          "[ethics][audit]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  const std::string content = generate_log(path, 12);
  auto lines = split_lines(content);

  SECTION("tampered: refused, or set aside with start_new") {
    std::swap(lines[3], lines[4]);
    write_file(path, join_lines(lines));
    try {
      AuditLog log(path, fast_options());
      FAIL("a tampered log must be refused");
    } catch (const attune::error& e) {
      CHECK(e.code() == attune::status::format_error);
      CHECK(std::string(e.what()).find("line 4") != std::string::npos);
    }
    CHECK(read_file(path) == join_lines(lines));  // untouched
    // truncate_torn_tail does not repair tampering.
    AuditOptions torn_only = fast_options();
    torn_only.on_broken = AuditOnBroken::truncate_torn_tail;
    CHECK_THROWS_AS(AuditLog(path, torn_only), attune::error);

    AuditOptions o = fast_options();
    o.on_broken = AuditOnBroken::start_new;
    AuditLog log(path, o);
    CHECK(log.open_report().set_aside_path == path + ".broken-1");
    CHECK(log.open_report().verify.first_bad_line == 4);
    CHECK(read_file(path + ".broken-1") == join_lines(lines));  // kept as evidence
    CHECK(log.head().seq == 0);
    CHECK(log.append("log_start", 1, {{"previous_log_broken_at", 4}}) == 1);
    CHECK(AuditLog::verify(path).ok);
  }

  SECTION("torn tail: refused, or cut and kept aside with truncate_torn_tail") {
    const std::string torn = content.substr(0, content.size() - 30);
    write_file(path, torn);
    CHECK_THROWS_AS(AuditLog(path, fast_options()), attune::error);
    AuditOptions o = fast_options();
    o.on_broken = AuditOnBroken::truncate_torn_tail;
    AuditLog log(path, o);
    CHECK(log.head().seq == 11);
    const std::string aside = log.open_report().set_aside_path;
    CHECK(aside == path + ".torn-1");
    CHECK(read_file(aside) == torn.substr(torn.rfind('\n') + 1));
    CHECK(log.append("decision", 99, {{"variant", "v1"}}) == 12);
    const AuditVerifyResult r = AuditLog::verify(path);
    CHECK(r.ok);
    CHECK(r.lines == 12);
  }
}

TEST_CASE("audit: concurrent appends keep one consecutive chain", "[ethics][audit][concurrency]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  // Without fsync, and with fsync per record (group commit: threads share fsyncs).
  const bool durable = GENERATE(false, true);
  AuditOptions options = fast_options();
  if (durable) options.fsync = AuditFsync::every_record;
  AuditLog log(path, options);
  const int threads = 4, per_thread = durable ? 40 : 200;
  std::vector<std::vector<std::uint64_t>> seqs(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        seqs[static_cast<size_t>(t)].push_back(
            log.append("observation", 1000 + i, {{"thread", t}, {"i", i}, {"customer", log.pseudonymize("c" + std::to_string(i))}}));
        (void)log.head();
      }
    });
  }
  for (auto& th : pool) th.join();
  std::set<std::uint64_t> all;
  for (const auto& s : seqs) {
    for (size_t i = 1; i < s.size(); ++i) CHECK(s[i] > s[i - 1]);  // each thread sees its own order
    all.insert(s.begin(), s.end());
  }
  CHECK(all.size() == static_cast<size_t>(threads * per_thread));
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == static_cast<std::uint64_t>(threads * per_thread));
  const AuditVerifyResult r = AuditLog::verify(path);
  CHECK(r.ok);
  CHECK(r.lines == static_cast<std::uint64_t>(threads * per_thread));
  // The file order is the seq order, and line k carries what the append that returned k wrote.
  const auto lines = split_lines(read_file(path));
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; i += 7) {
      const json record = json::parse(lines[seqs[static_cast<size_t>(t)][static_cast<size_t>(i)] - 1]);
      CHECK(record["thread"] == t);
      CHECK(record["i"] == i);
    }
  }
}

TEST_CASE("audit: the C ABI agrees with C++", "[ethics][audit][capi]") {
  TempDir tmp;
  const std::string path = tmp.file("audit.jsonl");
  auto lines = split_lines(generate_log(path, 30));
  {
    attune_audit_verify_result r;
    attune_audit_verify_result_init(&r);
    REQUIRE(attune_audit_verify(path.c_str(), &r) == ATTUNE_OK);
    const AuditVerifyResult cpp = AuditLog::verify(path);
    CHECK(r.ok);
    CHECK(r.lines == cpp.lines);
    CHECK(r.head_seq == cpp.head.seq);
    CHECK(std::string(r.head_hash) == cpp.head.hash);
    CHECK(std::string(r.reason).empty());
    attune_audit_verify_result anchored;
    attune_audit_verify_result_init(&anchored);
    REQUIRE(attune_audit_verify_anchored(path.c_str(), cpp.head.seq, cpp.head.hash.c_str(), &anchored) == ATTUNE_OK);
    CHECK(anchored.ok);
    REQUIRE(attune_audit_verify_anchored(path.c_str(), cpp.head.seq, kZeros.c_str(), &anchored) == ATTUNE_OK);
    CHECK_FALSE(anchored.ok);
    CHECK(attune_audit_verify_anchored(path.c_str(), 1, "nothex", &anchored) == ATTUNE_E_INVALID_ARGUMENT);
  }
  lines.erase(lines.begin() + 9);
  write_file(path, join_lines(lines));
  attune_audit_verify_result r;
  attune_audit_verify_result_init(&r);
  REQUIRE(attune_audit_verify(path.c_str(), &r) == ATTUNE_OK);
  const AuditVerifyResult cpp = AuditLog::verify(path);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_line == 10);
  CHECK(r.first_bad_line == cpp.first_bad_line);
  CHECK(r.lines == cpp.lines);
  CHECK(std::string(r.reason) == cpp.reason);
  CHECK(attune_audit_verify(tmp.file("missing").c_str(), &r) == ATTUNE_E_NOT_FOUND);
  CHECK(attune_audit_verify(nullptr, &r) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_audit_verify(path.c_str(), nullptr) == ATTUNE_E_INVALID_ARGUMENT);
  r.struct_size = 4;
  CHECK(attune_audit_verify(path.c_str(), &r) == ATTUNE_E_INVALID_ARGUMENT);

  char out[ATTUNE_AUDIT_PSEUDONYM_CHARS + 1];
  REQUIRE(attune_audit_pseudonymize(kSalt.data(), kSalt.size(), "customer-7", 10, out) == ATTUNE_OK);
  CHECK(std::string(out) == attune::ethics::pseudonymize(kSalt, "customer-7"));
  CHECK(attune_audit_pseudonymize("short", 5, "customer-7", 10, out) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_audit_pseudonymize(kSalt.data(), kSalt.size(), "\xc0\xaf", 2, out) == ATTUNE_E_INVALID_UTF8);
  CHECK(attune_audit_pseudonymize(kSalt.data(), kSalt.size(), "x", 1, nullptr) == ATTUNE_E_INVALID_ARGUMENT);
}
