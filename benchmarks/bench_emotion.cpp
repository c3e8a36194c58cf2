// Emotion scoring throughput and model load time: JSON lines.
//   {"name":"emotion_model_load",...}        load time of the shipped model (median of 5)
//   {"name":"emotion_score","threads":1,...} single-thread EmotionModel::score: texts/s of wall
//       time and of process CPU time (cpu_ns_per_text), which stays meaningful on a loaded machine
//   {"name":"emotion_score_batch","threads":N,...} score_batch scaling with threads
// Texts: GoEmotions dev (../shared/data/goemotions/dev.tsv, the texts the fastText bench
// script predicts) when present, else generated text of similar length. Medians of 5 passes.
// usage: bench_emotion [MODEL] [TSV] [--single]   (--single: stop after the single-thread line)
#include "attune/emotion/emotion_model.hpp"
#include "attune/model_path.hpp"
#include "bench_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  using attune::emotion::EmotionModel;
  const std::string model_path = argc > 1 ? argv[1] : attune::find_model(attune::emotion::kDefaultModelFile);
  const std::string data = argc > 2 ? argv[2] : std::string(ATTUNE_SOURCE_DIR) + "/../shared/data/goemotions/dev.tsv";
  std::vector<std::string> texts = attune_bench::load_tsv_texts(data);
  std::string source = "goemotions/dev.tsv";
  if (texts.empty()) { texts = attune_bench::synthetic_texts(5000); source = "generated"; }
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();

  std::vector<double> load_ms, load_cpu_ms;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = clk::now();
    const double c0 = attune_bench::process_cpu_seconds();
    const EmotionModel m = EmotionModel::load(model_path);
    load_cpu_ms.push_back(1e3 * (attune_bench::process_cpu_seconds() - c0));
    load_ms.push_back(std::chrono::duration<double, std::milli>(clk::now() - t0).count());
  }
  std::ifstream f(model_path, std::ios::binary | std::ios::ate);
  std::printf("{\"name\":\"emotion_model_load\",\"ms\":%.1f,\"cpu_ms\":%.1f,\"file_bytes\":%lld}\n", attune_bench::median(load_ms),
              attune_bench::median(load_cpu_ms), static_cast<long long>(f.tellg()));

  const EmotionModel model = EmotionModel::load(model_path);
  float sink = 0;
  for (const auto& t : texts) sink += model.score(t).valence;  // warm-up
  std::vector<double> rates, cpu_ns;
  const double load_before = attune_bench::load_average();
  for (int r = 0; r < 5; ++r) {
    const auto t0 = clk::now();
    const double c0 = attune_bench::process_cpu_seconds();
    for (int rep = 0; rep < 4; ++rep)
      for (const auto& t : texts) sink += model.score(t).probabilities[0];
    const double s = std::chrono::duration<double>(clk::now() - t0).count();
    const double n = 4.0 * double(texts.size());
    rates.push_back(n / s);
    cpu_ns.push_back(1e9 * (attune_bench::process_cpu_seconds() - c0) / n);
  }
  const double rate = attune_bench::median(rates), ns = attune_bench::median(cpu_ns);
  std::printf("{\"name\":\"emotion_score\",\"threads\":1,\"items_per_s\":%.0f,\"cpu_ns_per_text\":%.0f,"
              "\"items_per_cpu_s\":%.0f,\"bytes_per_s\":%.0f,\"texts\":%zu,\"avg_bytes\":%.1f,\"source\":\"%s\","
              "\"load_average\":%.2f,\"checksum\":%.3f}\n",
              rate, ns, 1e9 / ns, rate * double(bytes) / double(texts.size()), texts.size(),
              double(bytes) / double(texts.size()), source.c_str(), load_before, double(sink));
  if (argc > 3 && std::string(argv[3]) == "--single") return 0;

  std::vector<std::string> big;
  for (int rep = 0; rep < 8; ++rep) big.insert(big.end(), texts.begin(), texts.end());
  std::vector<std::string_view> views(big.begin(), big.end());
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned threads : {1u, 2u, 4u}) {
    std::vector<double> r;
    std::vector<attune::emotion::EmotionScores> out;
    for (int k = 0; k < 5; ++k) {
      const auto t0 = clk::now();
      model.score_batch(views, out, threads);
      r.push_back(double(views.size()) / std::chrono::duration<double>(clk::now() - t0).count());
    }
    std::printf("{\"name\":\"emotion_score_batch\",\"threads\":%u,\"hardware_threads\":%u,\"items_per_s\":%.0f}\n",
                threads, hw, attune_bench::median(r));
  }
  return 0;
}
