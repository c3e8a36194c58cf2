#include "attune/behavior/intent_model.hpp"
#include "attune/behavior/session_tracker.hpp"
#include "attune/error.hpp"

#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

using namespace attune::behavior;
using Catch::Matchers::WithinAbs;

namespace {

// Sessions whose purchase odds rise with page value and product pages, plus noise features.
IntentDataset synthetic(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  IntentDataset d;
  for (size_t i = 0; i < n; ++i) {
    UciVector x{};
    x[0] = std::floor(u(rng) * 5);
    x[1] = x[0] * 30 * u(rng);
    x[4] = std::floor(u(rng) * 40);
    x[5] = x[4] * 40 * u(rng);
    x[6] = u(rng) * 0.05;
    x[7] = u(rng) * 0.1;
    x[8] = u(rng) < 0.3 ? u(rng) * 50 : 0;
    x[10] = 2 + std::floor(u(rng) * 11);
    x[11] = 1 + std::floor(u(rng) * 3);
    x[12] = 1 + std::floor(u(rng) * 3);
    x[13] = 1 + std::floor(u(rng) * 9);
    x[14] = 1 + std::floor(u(rng) * 10);
    x[15] = u(rng) < 0.8 ? 1 : 0;
    x[16] = u(rng) < 0.25 ? 1 : 0;
    const double logit = -2.5 + 0.08 * x[8] + 0.03 * x[4] - 20 * x[7] + (x[10] == 11 ? 0.7 : 0);
    d.x.push_back(x);
    d.y.push_back(u(rng) < 1 / (1 + std::exp(-logit)) ? 1 : 0);
  }
  return d;
}

IntentTrainOptions small_options() {
  IntentTrainOptions o;
  o.trees = 40;
  o.max_depth = 3;
  o.learning_rate = 0.2;
  return o;
}

attune::status load_status(const std::string& bytes) {
  try {
    IntentModel::load_from_memory(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return attune::status_of(e);
  }
  return attune::status::ok;
}

}  // namespace

TEST_CASE("metrics: AUC, average precision and Brier on known cases", "[behavior][intent]") {
  const std::vector<uint8_t> y = {0, 0, 1, 1};
  auto m = binary_metrics({0.1, 0.4, 0.35, 0.8}, y);
  CHECK_THAT(m.roc_auc, WithinAbs(0.75, 1e-12));
  CHECK_THAT(m.pr_auc, WithinAbs(0.5 * 1.0 + 0.5 * (2.0 / 3.0), 1e-12));  // sklearn: 0.8333
  CHECK_THAT(m.brier, WithinAbs((0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-12));
  CHECK(binary_metrics({0.1, 0.2, 0.8, 0.9}, y).roc_auc == 1.0);
  CHECK(binary_metrics({0.9, 0.8, 0.2, 0.1}, y).roc_auc == 0.0);
  CHECK(binary_metrics({0.5, 0.5, 0.5, 0.5}, y).roc_auc == 0.5);
  CHECK_THROWS_AS(binary_metrics({0.5, 0.5}, {1, 1}), attune::invalid_argument);
  CHECK_THROWS_AS(binary_metrics({0.5, 1.5}, {0, 1}), attune::invalid_argument);
}

TEST_CASE("the intent model learns, explains additively and predicts in [0,1]", "[behavior][intent]") {
  const IntentDataset train = synthetic(3000, 1), test = synthetic(1500, 2);
  const IntentModel m = IntentModel::train(train, small_options());
  const auto metrics = evaluate(m, test);
  CHECK(metrics.roc_auc > 0.8);
  CHECK(m.tree_count() == 40);
  CHECK(m.depth() == 3);
  std::vector<double> batch(test.size());
  m.predict_batch(test.x[0].data(), test.size(), batch.data());
  for (size_t i = 0; i < 200; ++i) {
    const double p = m.predict(test.x[i]);
    CHECK(p >= 0.0);
    CHECK(p <= 1.0);
    CHECK(batch[i] == p);
    const IntentExplanation e = m.explain(test.x[i]);
    double sum = e.bias;
    for (double c : e.contributions) sum += c;
    CHECK_THAT(sum, WithinAbs(e.logit, 1e-9));
    CHECK_THAT(e.probability, WithinAbs(p, 1e-12));
  }
  // Page value drives the synthetic outcome, so it must drive the explanation of a high-value row.
  UciVector hi = test.x[0];
  hi[8] = 45;
  const auto e = m.explain(hi);
  CHECK(e.contributions[8] > 0.5);
  const std::string json = e.to_json(m.features());
  CHECK(json.find("\"PageValues\":") != std::string::npos);
  CHECK(json.find("\"probability\":") != std::string::npos);
}

TEST_CASE("save -> load gives identical bytes and predictions", "[behavior][intent]") {
  const IntentDataset d = synthetic(2000, 3);
  IntentModel m = IntentModel::train(d, small_options());
  m.set_metadata_json(R"({"note":"test"})");
  const std::string bytes = m.to_bytes();
  const IntentModel back = IntentModel::load_from_memory(bytes.data(), bytes.size());
  CHECK(back.to_bytes() == bytes);
  CHECK(back.metadata_json() == m.metadata_json());
  for (size_t i = 0; i < d.size(); i += 7) CHECK(back.predict(d.x[i]) == m.predict(d.x[i]));
  const std::string path = std::string(ATTUNE_BINARY_DIR) + "/intent_roundtrip.attm";
  m.save(path);
  const IntentModel file = IntentModel::load(path);
  CHECK(file.to_bytes() == bytes);
  std::remove(path.c_str());
  // Training is deterministic.
  CHECK(IntentModel::train(d, small_options()).predict(d.x[5]) == m.predict(d.x[5]));
}

TEST_CASE("corrupt, truncated and future model files are refused", "[behavior][intent]") {
  const IntentModel m = IntentModel::train(synthetic(800, 4), small_options());
  const std::string bytes = m.to_bytes();
  CHECK(load_status(bytes) == attune::status::ok);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x10);
  CHECK(load_status(flipped) == attune::status::format_error);
  CHECK(load_status(bytes.substr(0, bytes.size() - 9)) == attune::status::format_error);
  CHECK(load_status(bytes.substr(0, 10)) == attune::status::format_error);
  CHECK(load_status("") == attune::status::format_error);
  std::string magic = bytes;
  magic[0] = 'X';
  CHECK(load_status(magic) == attune::status::format_error);
  std::string future = bytes;
  future[8] = 2;
  CHECK(load_status(future) == attune::status::version_mismatch);
  CHECK_THROWS_AS(IntentModel::load("/nonexistent/intent.attm"), attune::error);
}

TEST_CASE("bad features and bad options are argument errors", "[behavior][intent]") {
  const IntentModel m = IntentModel::train(synthetic(800, 5), small_options());
  UciVector x{};
  x[5] = std::nan("");
  CHECK_THROWS_AS(m.predict(x), attune::invalid_argument);
  x[5] = INFINITY;
  CHECK_THROWS_AS(m.explain(x), attune::invalid_argument);
  IntentTrainOptions bad = small_options();
  bad.max_depth = 0;
  CHECK_THROWS_AS(IntentModel::train(synthetic(100, 6), bad), attune::invalid_argument);
  IntentDataset one_class = synthetic(100, 7);
  for (auto& v : one_class.y) v = 0;
  CHECK_THROWS_AS(IntentModel::train(one_class, small_options()), attune::invalid_argument);
  CHECK_THROWS_AS(IntentModel::train(IntentDataset{}, small_options()), attune::invalid_argument);
}

TEST_CASE("a model trained without PageValues ignores it", "[behavior][intent]") {
  IntentTrainOptions o = small_options();
  o.exclude = {UciFeature::page_values};
  const IntentModel m = IntentModel::train(synthetic(2000, 8), o);
  CHECK_FALSE(m.uses(UciFeature::page_values));
  CHECK(m.features().size() == kUciFeatureCount - 1);
  UciVector x = synthetic(1, 9).x[0];
  x[8] = 0;
  const double p0 = m.predict(x);
  x[8] = 300;
  CHECK(m.predict(x) == p0);
  CHECK(m.explain(x).contributions[8] == 0.0);
}

TEST_CASE("UCI CSV rows parse with CRLF, June and clear errors", "[behavior][intent]") {
  std::istringstream in(
      "Administrative,Administrative_Duration,Informational,Informational_Duration,ProductRelated,ProductRelated_Duration,"
      "BounceRates,ExitRates,PageValues,SpecialDay,Month,OperatingSystems,Browser,Region,TrafficType,VisitorType,Weekend,Revenue\r\n"
      "0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE\r\n"
      "2,10.5,0,0,5,120,0.01,0.02,7.5,0.4,June,2,2,3,4,New_Visitor,TRUE,TRUE\r\n");
  const IntentDataset d = read_uci_csv(in);
  REQUIRE(d.size() == 2);
  CHECK(d.y == std::vector<uint8_t>{0, 1});
  CHECK(d.x[1][10] == 6);
  CHECK(d.x[1][15] == 0);
  CHECK(d.x[0][15] == 1);
  CHECK(d.x[1][16] == 1);
  CHECK(d.x[1][8] == 7.5);
  CHECK(parse_uci_row("2,10.5,0,0,5,120,0.01,0.02,7.5,0.4,June,2,2,3,4,New_Visitor,TRUE") == d.x[1]);
  std::istringstream bad("Administrative,Administrative_Duration,Informational,Informational_Duration,ProductRelated,"
                         "ProductRelated_Duration,BounceRates,ExitRates,PageValues,SpecialDay,Month,OperatingSystems,"
                         "Browser,Region,TrafficType,VisitorType,Weekend,Revenue\n"
                         "0,0,0,0,1,0,0.2,0.2,0,0,Smarch,1,1,1,1,Returning_Visitor,FALSE,FALSE\n");
  try {
    read_uci_csv(bad, "t.csv");
    FAIL("accepted");
  } catch (const attune::invalid_argument& e) {
    CHECK(e.code() == attune::status::parse_error);
    CHECK(std::string(e.what()).find("t.csv:2 (Month)") != std::string::npos);
  }
  std::istringstream missing("Administrative,Revenue\n0,TRUE\n");
  CHECK_THROWS_AS(read_uci_csv(missing), attune::invalid_argument);
  const auto [tr, te] = stratified_split({0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 0.2, 1);
  CHECK(tr.size() == 8);
  CHECK(te.size() == 2);
}

TEST_CASE("the shipped models load and score live sessions", "[behavior][intent]") {
  const IntentModel m = IntentModel::load_default();
  CHECK(m.features().size() == kUciFeatureCount);
  const IntentModel nopv = IntentModel::load_default_without_page_values();
  CHECK_FALSE(nopv.uses(UciFeature::page_values));
  SessionTracker tr;
  const int64_t t0 = 1764324000000;  // 2025-11-28T10:00:00Z
  for (int i = 0; i < 12; ++i) {
    Event e;
    e.type = EventType::page;
    e.user_id = "buyer";
    e.timestamp_ms = t0 + i * 45000;
    e.page_category = PageCategory::product;
    e.page_value = i > 6 ? 40 : 0;
    validate(e);
    tr.observe(e);
    Event b = e;
    b.user_id = "browser";
    b.page_value = 0;
    tr.observe(b);
  }
  const double buyer = m.predict(*tr.features("buyer")), browser = m.predict(*tr.features("browser"));
  CHECK(buyer > browser);
  CHECK(buyer >= 0.0);
  CHECK(buyer <= 1.0);
}

TEST_CASE("shipped model on the documented held-out split", "[behavior][intent][data]") {
  ATTUNE_REQUIRE_SHARED_DATA(dir);
  const IntentDataset all = read_uci_csv(dir + "/online_shoppers_intention/online_shoppers_intention_train.csv");
  REQUIRE(all.size() == 9864);
  CHECK(all.positives() == 1526);
  const auto split = stratified_split(all.y, 0.2, 20261128);
  const IntentDataset test = all.subset(split.second);
  CHECK(test.size() == 1973);
  const auto m = evaluate(IntentModel::load_default(), test);
  CHECK(m.roc_auc >= 0.93);
  CHECK(m.brier < 0.09);
  const auto nopv = evaluate(IntentModel::load_default_without_page_values(), test);
  CHECK(nopv.roc_auc > 0.75);
  CHECK(nopv.roc_auc < m.roc_auc);
}
