// Tests of attune::emotion: behaviour of the shipped model (negation, emphasis, emoji), file
// format round trips and corruption, input validation, the empathy loop, C ABI agreement.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include "attune.h"
#include "attune/emotion/emotion_json.hpp"
#include "attune/emotion/emotion_model.hpp"
#include "attune/emotion/evaluation.hpp"
#include "attune/error.hpp"
#include "attune/text/tokenizer.hpp"

#include <cstring>
#include <fstream>
#include <thread>

using namespace attune::emotion;
using attune::status;

namespace {

const EmotionModel& shipped() {
  static const EmotionModel model = EmotionModel::load(attune_test::source_path("models/emotion-en.attm"));
  return model;
}

std::vector<LabeledText> domain_set() { return read_goemotions_tsv(attune_test::source_path("tests/data/emotion_domain_support.tsv")); }

// A small hand-written training set so tests train in milliseconds without ../shared/data.
std::vector<LabeledText> tiny_corpus() {
  std::vector<LabeledText> out;
  const char* joy[] = {"I love this so much", "This is wonderful news", "So happy for you", "Great job, amazing work",
                       "What a lovely day", "This made me smile"};
  const char* anger[] = {"This is terrible and I hate it", "Worst service ever", "I am so angry right now",
                         "Stop lying to me", "This is a disgrace", "Absolutely awful experience"};
  const char* neutral[] = {"The meeting is at noon", "I bought it yesterday", "The store opens at nine",
                           "It is a blue car", "He lives in Boston", "The file is attached"};
  for (int rep = 0; rep < 3; ++rep) {
    for (auto t : joy) out.push_back({t, Taxonomy::bit(Label::joy)});
    for (auto t : anger) out.push_back({t, Taxonomy::bit(Label::anger)});
    for (auto t : neutral) out.push_back({t, Taxonomy::bit(Label::neutral)});
  }
  return out;
}

EmotionModel tiny_model(bool quantize = true, uint32_t vocab_min_count = 2) {
  TrainOptions o;
  o.vocab_min_count = vocab_min_count;
  o.features.hash_bits = 12;
  o.epochs = 4;
  o.folds = 2;
  o.quantize = quantize;
  ValenceLexicon lex;
  lex.set("love", 3.2f);
  lex.set("hate", -2.7f);
  lex.set("terrible", -2.5f);
  return EmotionModel::train(tiny_corpus(), lex, o);
}

void require_same(const EmotionScores& a, const EmotionScores& b) {
  for (size_t j = 0; j < kLabelCount; ++j) REQUIRE(a.probabilities[j] == b.probabilities[j]);
  REQUIRE(a.active == b.active);
  REQUIRE(a.valence == b.valence);
  REQUIRE(a.arousal == b.arousal);
  REQUIRE(a.confidence == b.confidence);
  for (size_t k = 0; k < attune::kStateCount; ++k) REQUIRE(a.states[k] == b.states[k]);
}

template <class F>
status status_thrown(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return attune::status_of(e);
  }
  return status::ok;
}

const char* kProbeTexts[] = {"Thank you so much, this is great!", "I am so angry about this.", "not bad", "",
                             "Why is my order late?", "😍😍", "ok", "I'm scared it won't arrive in time"};

}  // namespace

TEST_CASE("taxonomy follows emotions.txt and ekman_mapping.json", "[emotion]") {
  REQUIRE(kLabelNames.size() == 28);
  REQUIRE(Taxonomy::label_name(Label::neutral) == "neutral");
  REQUIRE(Taxonomy::label_from_name("gratitude") == Label::gratitude);
  REQUIRE(!Taxonomy::label_from_name("happiness"));
  REQUIRE(Taxonomy::ekman_of(Label::annoyance) == Ekman::anger);
  REQUIRE(Taxonomy::ekman_of(Label::curiosity) == Ekman::surprise);
  REQUIRE(Taxonomy::ekman_of(Label::caring) == Ekman::joy);
  REQUIRE(Taxonomy::ekman_of(Label::remorse) == Ekman::sadness);
  REQUIRE(parse_labels("0,15") == (Taxonomy::bit(Label::admiration) | Taxonomy::bit(Label::gratitude)));
  REQUIRE(parse_labels("joy, love") == (Taxonomy::bit(Label::joy) | Taxonomy::bit(Label::love)));
  REQUIRE_THROWS_AS(parse_labels("28"), attune::invalid_argument);
  REQUIRE_THROWS_AS(parse_labels("joy,,love"), attune::invalid_argument);
}

TEST_CASE("shipped model: scores are well-formed", "[emotion]") {
  const auto& m = shipped();
  for (const char* t : kProbeTexts) {
    const auto s = m.score(t);
    for (float p : s.probabilities) { REQUIRE(p >= 0.0f); REQUIRE(p <= 1.0f); }
    REQUIRE(s.active != 0);
    REQUIRE(s.valence >= -1.0f);
    REQUIRE(s.valence <= 1.0f);
    REQUIRE(s.arousal >= 0.0f);
    REQUIRE(s.arousal <= 1.0f);
    REQUIRE(s.confidence >= 0.0f);
    REQUIRE(s.confidence <= 1.0f);
    for (float x : s.states) { REQUIRE(x >= 0.0f); REQUIRE(x <= 1.0f); }
    REQUIRE(s.ekman_active != 0);
  }
  const auto thanks = m.score("Thank you so much for your help!");
  REQUIRE(thanks.is_active(Label::gratitude));
  REQUIRE(thanks.state(attune::MarketingState::satisfaction) > 0.5f);
  const auto angry = m.score("This is ridiculous, I am furious with your service.");
  REQUIRE(angry.state(attune::MarketingState::frustration) > 0.5f);
  REQUIRE(angry.valence < 0.0f);
  const auto q = m.score("How do I change my password?");
  REQUIRE(q.state(attune::MarketingState::confusion) + q.state(attune::MarketingState::curiosity) > 0.3f);
  REQUIRE(m.score("maybe, I'm not sure yet").state(attune::MarketingState::hesitation) >
          m.score("Yes, order it now").state(attune::MarketingState::hesitation));
  REQUIRE(m.score("ok").state(attune::MarketingState::detachment) >
          m.score("Wow, I absolutely love the new design!").state(attune::MarketingState::detachment));
}

TEST_CASE("marketing states are calibrated: clear texts reach 0.5, neutral texts stay below 0.2", "[emotion]") {
  // Hand-written texts (not from the training data). 0.5 is the guardrail threshold
  // (models/guardrails.json: no urgency/scarcity when anxiety >= 0.5).
  using attune::MarketingState;
  const auto& m = shipped();
  auto require_at_least = [&](const char* text, MarketingState st, float v) {
    const auto s = m.score(text);
    CAPTURE(text, attune::state_name(st), s.state(st));
    REQUIRE(s.state(st) >= v);
  };
  for (const char* t : {"I'm so anxious today", "I'm really nervous about the surgery tomorrow",
                        "I'm worried the payment won't go through", "I'm scared my order won't arrive in time",
                        "I am terrified of flying next week"})
    require_at_least(t, MarketingState::anxiety, 0.5f);
  for (const char* t : {"This is so frustrating, the app keeps crashing.", "I'm fed up with waiting, this is ridiculous.",
                        "Your support is useless and I'm really annoyed.", "I'm so angry, the refund still hasn't arrived."})
    require_at_least(t, MarketingState::frustration, 0.5f);
  require_at_least("Thank you so much, everything works perfectly.", MarketingState::satisfaction, 0.5f);
  require_at_least("Wow, I can't wait to try it, this is amazing!", MarketingState::excitement, 0.5f);
  require_at_least("I don't understand how this works, I'm confused.", MarketingState::confusion, 0.5f);
  require_at_least("I'm curious, how does the subscription work?", MarketingState::curiosity, 0.5f);
  for (const char* t : {"The meeting is at noon.", "I bought a blue jacket last week.",
                        "Please send the invoice to my office address.", "The package arrived on Tuesday.",
                        "My account number ends in 42."}) {
    const auto s = m.score(t);
    for (size_t k = 0; k < attune::kStateCount; ++k) {
      CAPTURE(t, attune::kStateNames[k], s.states[k]);
      REQUIRE(s.states[k] < 0.2f);
    }
  }
  // States follow their own evidence: a frustrated text is not anxious, an anxious one not frustrated.
  REQUIRE(m.score("This is so frustrating, the app keeps crashing.").state(MarketingState::anxiety) < 0.2f);
  REQUIRE(m.score("I'm so anxious today").state(MarketingState::frustration) < 0.2f);
  // Negated: "not worried at all" is far less anxious than "worried".
  REQUIRE(m.score("I'm not worried at all").state(MarketingState::anxiety) <
          m.score("I'm worried").state(MarketingState::anxiety));
}

TEST_CASE("negation: 'not bad' is less negative than 'bad'; negated negatives are not negative", "[emotion]") {
  const auto& m = shipped();
  REQUIRE(m.score("not bad").valence > m.score("bad").valence);
  REQUIRE(m.score("bad").valence < 0.0f);
  REQUIRE(m.score("no problems at all").valence >= 0.0f);
  REQUIRE(m.score("not the worst").valence >= 0.0f);
  REQUIRE(m.score("It was not good").valence < m.score("It was good").valence);
  // The rule score alone agrees (VADER-compat mode treats "no" as negative itself, like VADER).
  REQUIRE(m.rule_valence("no problems at all") > 0.0f);
  REQUIRE(m.rule_valence("no problems at all", true) < m.rule_valence("no problems at all"));
}

TEST_CASE("emphasis: 'GREAT!!!' is more intense than 'great'", "[emotion]") {
  const auto& m = shipped();
  const auto plain = m.score("great"), loud = m.score("GREAT!!!");
  REQUIRE(plain.valence > 0.0f);
  REQUIRE(loud.valence > plain.valence);
  REQUIRE(loud.arousal > plain.arousal);
  REQUIRE(m.score("I am sooooo happy").valence > m.score("I am so happy").valence - 1e-6f);
  REQUIRE(m.score("terrible!!!").valence < m.score("terrible").valence);
}

TEST_CASE("emoji carry their emotion", "[emotion]") {
  const auto& m = shipped();
  const auto love = m.score("😍"), rage = m.score("😡"), laugh = m.score("😂"), cry = m.score("😢");
  REQUIRE(love.valence > 0.2f);
  REQUIRE(rage.valence < -0.2f);
  REQUIRE(cry.valence < 0.0f);
  REQUIRE(laugh.probability(Label::amusement) > laugh.probability(Label::anger));
  REQUIRE(laugh.is_active(Ekman::joy));
  REQUIRE(laugh.valence > 0.2f);
  REQUIRE(m.score("that was hilarious 😂").is_active(Label::amusement));
  REQUIRE(rage.ekman[static_cast<size_t>(Ekman::anger)] > love.ekman[static_cast<size_t>(Ekman::anger)]);
  REQUIRE(love.ekman[static_cast<size_t>(Ekman::joy)] > rage.ekman[static_cast<size_t>(Ekman::joy)]);
  REQUIRE(m.score("thanks for nothing 😡").valence < m.score("thanks for everything 😍").valence);
}

TEST_CASE("malformed input gives clear errors", "[emotion]") {
  const auto& m = shipped();
  REQUIRE(status_thrown([&] { m.score("bad \xC3\x28 utf8"); }) == status::invalid_utf8);
  REQUIRE(status_thrown([&] { m.score(std::string(attune::text::kMaxTextBytes + 1, 'a')); }) == status::limit_exceeded);
  REQUIRE(status_thrown([&] { m.explain("\xFF"); }) == status::invalid_utf8);
  REQUIRE_NOTHROW(m.score(""));
  REQUIRE(m.score("").is_active(Label::neutral));
  std::vector<std::string_view> batch = {"fine", "\xE2\x82", "ok"};
  std::vector<EmotionScores> out;
  try {
    m.score_batch(batch, out, 2);
    FAIL("expected an error");
  } catch (const attune::invalid_argument& e) {
    REQUIRE(e.code() == status::invalid_utf8);
    REQUIRE(std::string(e.what()).find("text 1") != std::string::npos);
  }
}

TEST_CASE("model file: save -> load gives identical scores (quantized and float)", "[emotion]") {
  for (bool quantize : {true, false}) {
    const EmotionModel m = tiny_model(quantize);
    const std::string path = std::string(ATTUNE_BINARY_DIR) + "/test_emotion_roundtrip.attm";
    m.save(path);
    const EmotionModel a = EmotionModel::load(path);
    const auto bytes = m.to_bytes();
    const EmotionModel b = EmotionModel::from_bytes(bytes.data(), bytes.size());
    REQUIRE(a.to_bytes() == bytes);
    for (const char* t : kProbeTexts) {
      require_same(m.score(t), a.score(t));
      require_same(m.score(t), b.score(t));
    }
    std::remove(path.c_str());
  }
  const EmotionModel m = tiny_model();
  REQUIRE(m.score("I love this so much").is_active(Label::joy));
  REQUIRE(m.score("Worst service ever, I hate it").is_active(Label::anger));
}

TEST_CASE("model file: corrupt, truncated, wrong version and missing files are refused", "[emotion]") {
  const EmotionModel m = tiny_model();
  const auto good = m.to_bytes();
  auto load = [](const std::vector<uint8_t>& b) { return status_thrown([&] { EmotionModel::from_bytes(b.data(), b.size()); }); };
  REQUIRE(load(good) == status::ok);
  REQUIRE(load({}) == status::format_error);
  REQUIRE(load(std::vector<uint8_t>(good.begin(), good.begin() + 20)) == status::format_error);
  REQUIRE(load(std::vector<uint8_t>(good.begin(), good.end() - 1)) == status::format_error);
  auto flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  REQUIRE(load(flipped) == status::format_error);
  auto magic = good;
  magic[0] = 'X';
  REQUIRE(load(magic) == status::format_error);
  auto version = good;
  version[8] = 99;  // format version field follows the 8-byte magic
  REQUIRE(load(version) == status::version_mismatch);
  REQUIRE(status_thrown([] { EmotionModel::load("/nonexistent/emotion.attm"); }) == status::io_error);
  REQUIRE(status_thrown([] { EmotionModel::from_bytes(nullptr, 10); }) == status::invalid_argument);
}

TEST_CASE("word cache: scores with and without the vocabulary are bit-identical", "[emotion]") {
  // Same training run, with a vocabulary (char n-grams of known words pre-summed at load) and
  // without (every n-gram row read one by one): the scores must not differ in any bit.
  const EmotionModel cached = tiny_model(true, 1), plain = tiny_model(true, 0);
  const char* texts[] = {"I love this so much", "Worst service ever, I hate it", "The store opens at nine",
                         "unknownword appears here", "LOVE it!!! soooo good", "not terrible at all, but meh",
                         "@someone see https://example.com #love 😍", "a", "", "maybe I'm not sure, ok?"};
  for (const char* t : texts) {
    CAPTURE(t);
    require_same(cached.score(t), plain.score(t));
    // explain() runs the one-row-per-n-gram path of the same model: same probabilities.
    const auto s = cached.score(t);
    for (const auto& e : cached.explain(t)) REQUIRE(e.probability == s.probabilities[static_cast<size_t>(e.label)]);
  }
  // The shipped model too: fast path (score) and slow path (explain) agree exactly.
  for (const char* t : kProbeTexts) {
    const auto s = shipped().score(t);
    for (const auto& e : shipped().explain(t)) REQUIRE(e.probability == s.probabilities[static_cast<size_t>(e.label)]);
  }
  // The vocabulary survives save -> load, and an adapted (float) model drops the cache but
  // keeps scoring the same way as its own reloaded copy.
  const auto bytes = cached.to_bytes();
  const EmotionModel back = EmotionModel::from_bytes(bytes.data(), bytes.size());
  REQUIRE(back.to_bytes() == bytes);
  for (const char* t : texts) require_same(back.score(t), plain.score(t));
  EmotionModel adapted = cached;
  adapted.correct("The meeting is at noon", {Label::neutral});
  const auto abytes = adapted.to_bytes();
  const EmotionModel aback = EmotionModel::from_bytes(abytes.data(), abytes.size());
  for (const char* t : texts) require_same(adapted.score(t), aback.score(t));
}

TEST_CASE("model file: format version 1 files are refused with version_mismatch", "[emotion]") {
  auto bytes = tiny_model().to_bytes();
  REQUIRE(bytes[8] == kModelFormatVersion);
  bytes[8] = 1;  // a version 1 file (no vocabulary section)
  REQUIRE(status_thrown([&] { EmotionModel::from_bytes(bytes.data(), bytes.size()); }) == status::version_mismatch);
}

TEST_CASE("explain names the tokens that drive a label", "[emotion]") {
  const auto& m = shipped();
  const auto ex = m.explain("Thank you so much for the quick reply", 3);
  REQUIRE(!ex.empty());
  bool found = false;
  for (const auto& e : ex) {
    REQUIRE(e.tokens.size() <= 3);
    if (e.label == Label::gratitude) {
      found = true;
      REQUIRE(!e.tokens.empty());
      REQUIRE(e.tokens[0].token == "thank");
      REQUIRE(e.tokens[0].weight > 0.0f);
    }
  }
  REQUIRE(found);
  const std::string json = to_json(ex);
  REQUIRE(json.find("\"gratitude\"") != std::string::npos);
}

TEST_CASE("empathy loop: corrections on a domain raise F1 on held-back texts of that domain", "[emotion]") {
  const auto data = domain_set();
  REQUIRE(data.size() == 34);
  const std::vector<LabeledText> corrections(data.begin(), data.begin() + 22), held(data.begin() + 22, data.end());
  auto f1 = [&](const EmotionModel& m) {
    std::vector<LabelMask> pred, gold;
    for (const auto& d : held) { pred.push_back(m.score(d.text).active); gold.push_back(d.labels); }
    return evaluate_masks(pred, gold).micro_f1;
  };
  EmotionModel m = shipped();
  const double before = f1(m);
  m.partial_fit(corrections);
  const double after = f1(m);
  CAPTURE(before, after);
  REQUIRE(after > before + 0.15);
  REQUIRE(m.info().adapted);
  // The adapted model saves and loads exactly.
  const auto bytes = m.to_bytes();
  const EmotionModel back = EmotionModel::from_bytes(bytes.data(), bytes.size());
  REQUIRE(back.info().adapted == false);  // "adapted" describes the session, not the file
  for (const auto& d : held) require_same(m.score(d.text), back.score(d.text));
  // Bounded step: texts unrelated to the domain keep their main emotion.
  REQUIRE(m.score("Thank you so much, I love it!").is_active(Label::gratitude));
}

TEST_CASE("partial_fit and correct validate before changing anything", "[emotion]") {
  EmotionModel m = tiny_model();
  const auto before = m.to_bytes();
  REQUIRE(status_thrown([&] { m.partial_fit({{"fine", Taxonomy::bit(Label::joy)}, {"bad \xC0\xAF", Taxonomy::bit(Label::joy)}}); }) ==
          status::invalid_utf8);
  REQUIRE(status_thrown([&] { m.partial_fit({{"fine", 0}}); }) == status::invalid_argument);
  REQUIRE(status_thrown([&] { m.partial_fit({{"fine", 1u << 30}}); }) == status::invalid_argument);
  REQUIRE(status_thrown([&] { m.correct("fine", {}); }) == status::invalid_argument);
  PartialFitOptions bad;
  bad.learning_rate = std::nanf("");
  REQUIRE(status_thrown([&] { m.partial_fit({{"fine", 1}}, bad); }) == status::out_of_range);
  REQUIRE(m.to_bytes() == before);
  m.correct("The meeting is at noon", {Label::neutral});
  REQUIRE(m.to_bytes() != before);
}

TEST_CASE("concurrent scoring on one model equals sequential scoring", "[emotion]") {
  const auto& m = shipped();
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(std::string(kProbeTexts[i % 8]) + " " + std::to_string(i));
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<EmotionScores> seq, par;
  m.score_batch(views, seq, 1);
  m.score_batch(views, par, 4);
  for (size_t i = 0; i < texts.size(); ++i) require_same(seq[i], par[i]);
  std::vector<std::thread> pool;
  std::vector<int> ok(4, 1);
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = 0; i < texts.size(); ++i) {
        const auto s = m.score(texts[i]);
        if (s.probabilities != seq[i].probabilities) ok[t] = 0;
      }
    });
  for (auto& th : pool) th.join();
  for (int v : ok) REQUIRE(v == 1);
}

TEST_CASE("C ABI gives the same numbers as C++", "[emotion][capi]") {
  const std::string path = attune_test::source_path("models/emotion-en.attm");
  attune_emotion_model* h = nullptr;
  REQUIRE(attune_emotion_model_load(path.c_str(), &h) == ATTUNE_OK);
  for (const char* t : kProbeTexts) {
    attune_emotion_scores c;
    attune_emotion_scores_init(&c);
    REQUIRE(attune_emotion_model_score(h, t, std::strlen(t), &c) == ATTUNE_OK);
    const auto s = shipped().score(t);
    for (size_t j = 0; j < kLabelCount; ++j) REQUIRE(c.probabilities[j] == s.probabilities[j]);
    REQUIRE(c.active == s.active);
    REQUIRE(c.valence == s.valence);
    REQUIRE(c.arousal == s.arousal);
    REQUIRE(c.confidence == s.confidence);
  }
  // Explain: two-call pattern.
  size_t needed = 0;
  const char* text = "thanks a lot";
  REQUIRE(attune_emotion_model_explain(h, text, std::strlen(text), 5, nullptr, 0, &needed) == ATTUNE_E_BUFFER_TOO_SMALL);
  std::string buf(needed, '\0');
  REQUIRE(attune_emotion_model_explain(h, text, std::strlen(text), 5, &buf[0], buf.size(), &needed) == ATTUNE_OK);
  REQUIRE(std::string(buf.c_str()) == to_json(shipped().explain(text, 5)));
  attune_emotion_model_free(h);
}

TEST_CASE("default model is found on the model search path", "[emotion]") {
  const auto m = EmotionModel::shared_default();
  REQUIRE(m);
  REQUIRE(m->score("thank you").is_active(Label::gratitude));
  REQUIRE(EmotionModel::shared_default().get() == m.get());
}

TEST_CASE("lexicon reading: last duplicate wins, AFINN and emoji fill gaps", "[emotion][shared-data]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  const auto lex = ValenceLexicon::from_data_dir(dir);
  REQUIRE(lex.size() > 8000);
  REQUIRE(lex.find("good").value_or(0) > 1.0f);
  REQUIRE(lex.find("horrible").value_or(0) < -2.0f);
  REQUIRE(lex.find("😡").value_or(0) < 0.0f);
  REQUIRE(lex.find("😍").value_or(0) > 0.0f);
  REQUIRE(!lex.find("the"));
}

TEST_CASE("training on a GoEmotions sample is deterministic and learns", "[emotion][shared-data]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  auto train = read_goemotions_tsv(dir + "/goemotions/train.tsv");
  auto dev = read_goemotions_tsv(dir + "/goemotions/dev.tsv");
  train.resize(3000);
  dev.resize(1000);
  TrainOptions o;
  o.features.hash_bits = 16;
  o.features.char_max = 0;
  o.epochs = 3;
  o.folds = 2;
  const auto lex = ValenceLexicon::from_data_dir(dir);
  const EmotionModel a = EmotionModel::train(train, lex, o), b = EmotionModel::train(train, lex, o);
  // Scores must match exactly; the files may differ in length only through the training-time
  // metadata (wall-clock seconds), so their sizes are not compared.
  for (const auto& d : std::vector<LabeledText>(dev.begin(), dev.begin() + 50)) require_same(a.score(d.text), b.score(d.text));
  const auto r = evaluate(a, dev);
  CAPTURE(r.macro_f1, r.micro_f1);
  REQUIRE(r.micro_f1 > 0.35);
  REQUIRE(r.per_label[static_cast<size_t>(Label::gratitude)].f1 > 0.6);
}
