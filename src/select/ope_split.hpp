// Internal (not installed): reproducible shuffles for the OPE evaluations. std::shuffle is not
// used because its algorithm is unspecified (results would differ between standard libraries);
// this is Fisher-Yates over std::mt19937_64, whose output sequence the standard fixes.
#pragma once

#include <cstdint>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

namespace attune::select::ope::detail {

inline std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng() % i);
    std::swap(idx[i - 1], idx[j]);
  }
  return idx;
}

}  // namespace attune::select::ope::detail
