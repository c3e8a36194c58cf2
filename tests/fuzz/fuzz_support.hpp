// Helpers shared by the fuzz harnesses and by make_fuzz_seeds (which writes their seed corpora):
// small models trained in-process (so no harness needs a data set or a multi-MB model file), a
// CRC-32 fix-up so mutated model files get past the checksum into the decoders, scratch paths in
// memory-backed storage, and the status check every harness applies to what escapes a call.
#pragma once

#include "attune/behavior/intent_model.hpp"
#include "attune/detail/crc32.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/error.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace attune_fuzz {

/// An invariant of the harness failed: abort so libFuzzer records the input.
[[noreturn]] inline void fail() { std::abort(); }
/// The failing line goes to stderr (GCC and Clang fill in the caller's line), so a crash log
/// names the invariant that broke.
inline void require(bool ok, int line = __builtin_LINE(), const char* file = __builtin_FILE()) {
  if (ok) return;
  std::fprintf(stderr, "harness invariant failed at %s:%d\n", file, line);
  fail();
}

/// Only these statuses may come out of a reader fed hostile bytes; anything else is reported
/// with its message (so a crash log says what went wrong) and aborts.
inline void require_input_status(attune::status c, const char* message = "") {
  if (c == attune::status::format_error || c == attune::status::version_mismatch ||
      c == attune::status::invalid_argument || c == attune::status::parse_error ||
      c == attune::status::invalid_utf8 || c == attune::status::limit_exceeded ||
      c == attune::status::out_of_range || c == attune::status::not_found || c == attune::status::duplicate)
    return;
  std::fprintf(stderr, "unexpected status %s: %s\n", attune::status_name(c), message);
  fail();
}

/// Run `f`; true when it returned. attune::error and attune::invalid_argument with an input
/// status are the documented failures; anything else (std::bad_alloc, a json or std::out_of_range
/// exception, another status) escapes or aborts, and libFuzzer records the input.
template <class F>
bool guarded(F&& f) {
  try {
    f();
    return true;
  } catch (const attune::error& e) {
    require_input_status(e.code(), e.what());
  } catch (const attune::invalid_argument& e) {
    require_input_status(e.code(), e.what());
  }
  return false;
}

/// A per-process scratch path in /dev/shm when writable (the file round trip stays cheap).
inline std::string scratch_path(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  std::string base = dir && *dir ? dir : (::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  return base + "/attune-fuzz-" + name + "-" + std::to_string(::getpid());
}

/// Rewrite the trailing CRC-32 of a model file so that the decoder checks everything else.
inline void fix_crc32(std::vector<uint8_t>& bytes) {
  if (bytes.size() < 4) return;
  const uint32_t c = attune::detail::crc32(bytes.data(), bytes.size() - 4);
  for (size_t i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(c >> (8 * i));
}

/// A 28-label emotion model with 2^8 hash rows (about 10 KB as a file), trained on a few
/// sentences: every section of the format is present (lexicon, metadata, thresholds).
inline attune::emotion::EmotionModel tiny_emotion_model(bool quantize = true) {
  using namespace attune::emotion;
  const char* joy[] = {"i love this, thank you", "great service, so happy", "this is wonderful!!!"};
  const char* anger[] = {"i hate waiting, terrible", "this is NOT ok", "worst support ever >:("};
  const char* neutral[] = {"where is my order", "the parcel left today", "what time do you open"};
  std::vector<LabeledText> data;
  for (int rep = 0; rep < 2; ++rep) {
    for (auto t : joy) data.push_back({t, Taxonomy::bit(Label::joy)});
    for (auto t : anger) data.push_back({t, Taxonomy::bit(Label::anger)});
    for (auto t : neutral) data.push_back({t, Taxonomy::bit(Label::neutral)});
  }
  TrainOptions o;
  o.features.hash_bits = 8;
  o.features.char_min = 3;
  o.features.char_max = 4;
  o.epochs = 2;
  o.folds = 2;
  o.quantize = quantize;
  o.data_description = "attune fuzz seed: 18 handwritten sentences";
  ValenceLexicon lex;
  lex.set("love", 3.2f);
  lex.set("hate", -2.7f);
  lex.set("terrible", -2.5f);
  lex.set("\xF0\x9F\x98\x80", 2.0f);  // an emoji token
  return EmotionModel::train(data, lex, o);
}

/// An intent model of 3 depth-2 trees on synthetic sessions (about 1 KB as a file).
inline attune::behavior::IntentModel tiny_intent_model() {
  using namespace attune::behavior;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  IntentDataset d;
  for (int i = 0; i < 240; ++i) {
    UciVector x{};
    x[0] = std::floor(u(rng) * 5);
    x[4] = std::floor(u(rng) * 40);
    x[5] = x[4] * 40 * u(rng);
    x[6] = u(rng) * 0.05;
    x[7] = u(rng) * 0.1;
    x[8] = u(rng) < 0.3 ? u(rng) * 50 : 0;
    x[10] = 1 + std::floor(u(rng) * 12);
    x[11] = 1 + std::floor(u(rng) * 8);
    x[16] = u(rng) < 0.5 ? 1 : 0;
    d.x.push_back(x);
    d.y.push_back(x[8] > 10 || u(rng) < 0.1 ? 1 : 0);
  }
  IntentTrainOptions o;
  o.trees = 3;
  o.max_depth = 2;
  o.min_child_samples = 10;
  return IntentModel::train(d, o);
}

}  // namespace attune_fuzz

namespace attune_fuzz {

/// Writes tiny_emotion_model() once per process to a scratch file and returns its path, so that
/// engines built by the harnesses load a 10 KB model instead of the shipped multi-MB one.
inline const std::string& tiny_emotion_model_path() {
  static const struct File {
    std::string path = scratch_path("emotion") + ".attm";
    File() { tiny_emotion_model().save(path); }
    ~File() { ::unlink(path.c_str()); }
  } file;
  return file.path;
}

/// Engine configuration JSON used by the harnesses: the tiny emotion model, every purpose allowed
/// when nothing is recorded (so imported/restored data is kept and re-exported unchanged), and
/// `extra` fields (e.g. "state_dir") appended.
inline std::string engine_config_json(const std::string& extra = "") {
  std::string j = "{\"models\":{\"emotion\":\"" + tiny_emotion_model_path() +
                  "\"},\"consent\":{\"allow_when_absent\":[\"emotion_inference\",\"personalization\",\"profiling\"]}";
  if (!extra.empty()) j += "," + extra;
  return j + "}";
}

}  // namespace attune_fuzz
