#include "attune/behavior/turn_risk.hpp"
#include "attune/error.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <fstream>

using namespace attune::behavior;

namespace {
std::vector<DialogueTurn> conv(std::initializer_list<std::pair<bool, const char*>> turns) {
  std::vector<DialogueTurn> v;
  for (const auto& [c, t] : turns) v.push_back({c, t});
  return v;
}
}  // namespace

TEST_CASE("rule-based default: failures and repeats raise the risk of a dissatisfied reply", "[turn_risk]") {
  const TurnRiskModel m;
  CHECK(!m.fitted());
  const auto ok = conv({{true, "Find me a table for two tonight."},
                        {false, "Great, I booked a table at Luigi's for 7 pm. Enjoy!"}});
  const auto bad = conv({{true, "Find me a table for two tonight."},
                         {false, "Sorry, I couldn't make the reservation."},
                         {true, "No, that's not what I asked. Try again for two people."},
                         {false, "Sorry, I couldn't make the reservation."}});
  const auto p_ok = m.predict(ok), p_bad = m.predict(bad);
  CHECK(p_bad.probability > 2 * p_ok.probability);
  CHECK(p_ok.probability >= 0.0f);
  CHECK(p_bad.probability <= 1.0f);
  REQUIRE(!p_bad.reasons.empty());
  CHECK(p_bad.to_json().find("sys_repeat") != std::string::npos);
  // Empty history is fine (opening turn).
  CHECK(m.probability({}) < 0.05f);
}

TEST_CASE("fit learns from labelled dialogues and round-trips through bytes", "[turn_risk]") {
  std::vector<LabelledDialogue> data;
  for (int i = 0; i < 60; ++i) {
    LabelledDialogue d;
    const bool fail = i % 3 == 0;
    d.turns = conv({{true, "I need a flight to Boston."},
                    {false, fail ? "Unfortunately the booking did not go through." : "Here is a flight at 9 am."},
                    {true, fail ? "That is annoying." : "Perfect, thanks."}});
    d.labels = {0, -1, static_cast<int8_t>(fail ? 1 : 0)};
    data.push_back(d);
  }
  TurnRiskModel m;
  TurnRiskModel::FitOptions o;
  o.iterations = 100;
  m.fit(data, o);
  CHECK(m.fitted());
  const auto fail_hist = conv({{true, "I need a flight to Boston."}, {false, "Unfortunately the booking did not go through."}});
  const auto ok_hist = conv({{true, "I need a flight to Boston."}, {false, "Here is a flight at 9 am."}});
  CHECK(m.probability(fail_hist) > 0.6f);
  CHECK(m.probability(ok_hist) < 0.2f);

  const auto bytes = m.serialize();
  const auto m2 = TurnRiskModel::deserialize(bytes.data(), bytes.size());
  CHECK(m2.probability(fail_hist) == m.probability(fail_hist));
  CHECK(m2.predict(ok_hist).to_json() == m.predict(ok_hist).to_json());
  auto cut = bytes;
  cut.resize(cut.size() / 2);
  CHECK_THROWS_AS(TurnRiskModel::deserialize(cut.data(), cut.size()), attune::error);
}

TEST_CASE("turn risk input errors", "[turn_risk]") {
  TurnRiskModel m;
  const auto before = m.serialize();
  try {
    m.predict({{true, std::string("caf\xC3", 4)}});
    FAIL("expected invalid_utf8");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::invalid_utf8);
  }
  LabelledDialogue d;
  d.turns = conv({{true, "hi"}, {false, "hello"}});
  d.labels = {0, 1};  // label on a system turn
  CHECK_THROWS_AS(m.fit({d}), attune::invalid_argument);
  d.labels = {0};  // size mismatch
  CHECK_THROWS_AS(m.fit({d}), attune::invalid_argument);
  d.labels = {0, -1};  // no positive example
  CHECK_THROWS_AS(m.fit({d}), attune::invalid_argument);
  CHECK(m.serialize() == before);
}

TEST_CASE("turn risk on the shared dialogues beats chance on held-out dialogues", "[turn_risk][shared]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  // A small sample (first 300 SGD dialogues: 240 train, 60 test) keeps the test quick.
  std::ifstream in(dir + "/user_satisfaction_dialogues/SGD.txt");
  REQUIRE(in.good());
  std::vector<LabelledDialogue> all;
  LabelledDialogue cur;
  std::string line;
  while (std::getline(in, line) && all.size() < 300) {
    if (line.empty()) {
      if (!cur.turns.empty()) all.push_back(cur);
      cur = {};
      continue;
    }
    std::vector<std::string> f;
    size_t s = 0;
    for (;;) {
      const size_t t = line.find('\t', s);
      f.push_back(line.substr(s, t == std::string::npos ? std::string::npos : t - s));
      if (t == std::string::npos) break;
      s = t + 1;
    }
    if (f.size() < 4 || f[1] == "OVERALL") continue;
    double sum = 0;
    int n = 0;
    for (size_t p = 0; p < f[3].size();)
      if (f[3][p] >= '1' && f[3][p] <= '5') {
        sum += f[3][p] - '0';
        ++n;
        ++p;
      } else {
        ++p;
      }
    const bool user = f[0] == "USER";
    cur.turns.push_back({user, f[1]});
    cur.labels.push_back(user && n ? static_cast<int8_t>(sum / n <= 2.5) : int8_t(-1));
  }
  REQUIRE(all.size() == 300);
  std::vector<LabelledDialogue> train(all.begin(), all.begin() + 240), test(all.begin() + 240, all.end());
  TurnRiskModel m;
  TurnRiskModel::FitOptions o;
  o.iterations = 80;
  m.fit(train, o);
  double pos_sum = 0, neg_sum = 0;
  int pos = 0, neg = 0;
  for (const auto& d : test) {
    std::vector<DialogueTurn> h;
    for (size_t i = 0; i < d.turns.size(); ++i) {
      if (d.labels[i] >= 0) {
        const double p = m.probability(h);
        CHECK(p >= 0.0);
        CHECK(p <= 1.0);
        (d.labels[i] ? pos_sum : neg_sum) += p;
        (d.labels[i] ? pos : neg) += 1;
      }
      h.push_back(d.turns[i]);
    }
  }
  REQUIRE(pos > 0);
  CHECK(pos_sum / pos > neg_sum / neg);
}

TEST_CASE("emotion cues: an angry customer line raises the risk more than a grateful one", "[turn_risk]") {
  const TurnRiskModel m;
  const std::vector<DialogueTurn> angry = {
      {true, "I need a table for two tonight."},
      {false, "I booked a table at 9 pm."},
      {true, "This is useless and annoying, I said 7 pm, not 9. Terrible."}};
  const std::vector<DialogueTurn> grateful = {
      {true, "I need a table for two tonight."},
      {false, "I booked a table at 7 pm."},
      {true, "Wonderful, thank you so much, that is perfect."}};
  const auto ra = m.predict(angry), rg = m.predict(grateful);
  CHECK(ra.probability > rg.probability);
  bool named = false;
  for (const auto& r : ra.reasons) named = named || r.feature.rfind("emo_", 0) == 0;
  CHECK(named);
  const auto& names = TurnRiskModel::feature_names();
  CHECK(std::find(names.begin(), names.end(), "emo_cust_negative_trend") != names.end());
}
