// Tokenizer throughput: JSON lines {"name","items_per_s","bytes_per_s",...}.
// Texts: GoEmotions train (../shared/data/goemotions/train.tsv) when present, else generated
// text of similar length and mix (words, punctuation, emoji, negations). Single thread, median of
// repeated passes.
#include "attune/text/tokenizer.hpp"
#include "bench_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string source = "generated";
  std::string path = argc > 1 ? argv[1] : std::string(ATTUNE_SOURCE_DIR) + "/../shared/data/goemotions/train.tsv";
  std::vector<std::string> texts = attune_bench::load_tsv_texts(path);
  if (texts.empty()) texts = attune_bench::synthetic_texts(40000);
  else source = "goemotions/train.tsv";
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();

  const attune::text::Tokenizer tokenizer;
  attune::text::Tokens tokens;
  size_t token_count = 0;
  std::vector<double> seconds;
  for (int pass = 0; pass < 9; ++pass) {
    token_count = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& t : texts) {
      tokenizer.tokenize(t, tokens);
      token_count += tokens.size();
    }
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf(
      "{\"name\":\"tokenizer\",\"source\":\"%s\",\"texts\":%zu,\"tokens\":%zu,\"items_per_s\":%.0f,"
      "\"bytes_per_s\":%.0f,\"mb_per_s\":%.1f,\"tokens_per_s\":%.0f,\"threads\":1,\"passes\":9,\"statistic\":\"median\"}\n",
      source.c_str(), texts.size(), token_count, static_cast<double>(texts.size()) / median, static_cast<double>(bytes) / median, static_cast<double>(bytes) / median / 1e6,
      static_cast<double>(token_count) / median);
  return 0;
}
