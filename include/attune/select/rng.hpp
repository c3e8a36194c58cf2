// attune/select/rng.hpp: the small, portable random number generator of the selection layer.
//
// Why our own: std::mt19937 is portable but std::normal_distribution / uniform_real_distribution
// are not (libstdc++, libc++ and MSVC produce different streams), and "deterministic for a given
// seed" is a promise of every policy. Rng is xoshiro256** (Blackman & Vigna, 2018) seeded through
// splitmix64, with uniform doubles from the top 53 bits and standard normals by the Box-Muller
// transform (the second value of each pair is cached). The same seed gives the same stream on
// every platform with IEEE-754 doubles (up to the last-bit accuracy of std::log/std::sin/std::cos,
// which is the same across glibc versions in practice).
//
// Thread-safety: an Rng is a value; one instance must not be used from two threads at once.
#pragma once

#include <cmath>
#include <cstdint>

namespace attune::select {

/// One step of splitmix64: a bijection on 64-bit integers with good mixing. Used to seed Rng
/// and to turn counters into decision ids (distinct counters give distinct ids).
constexpr uint64_t splitmix64(uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) noexcept { reseed(seed); }

  void reseed(uint64_t seed) noexcept {
    // Four distinct inputs to a bijection: the state is never all zero.
    for (uint64_t i = 0; i < 4; ++i) s_[i] = splitmix64(seed + i * 0x9E3779B97F4A7C15ULL);
    has_spare_ = false;
    spare_ = 0.0;
  }

  /// Next 64 random bits (xoshiro256**).
  uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform double in [0, 1).
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n) for n >= 1 (multiply-shift on 32 random bits; bias < n / 2^32,
  /// irrelevant for n <= 256 variants).
  uint32_t below(uint32_t n) noexcept { return static_cast<uint32_t>(((next() >> 32) * uint64_t{n}) >> 32); }

  /// Standard normal N(0, 1) (Box-Muller; the second value of each pair is kept for the next call).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 6.283185307179586476925 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

  /// The full generator state (for save/restore in tests and bindings).
  struct State {
    uint64_t s[4];
    bool has_spare;
    double spare;
  };
  State state() const noexcept { return State{{s_[0], s_[1], s_[2], s_[3]}, has_spare_, spare_}; }
  void set_state(const State& st) noexcept {
    for (int i = 0; i < 4; ++i) s_[i] = st.s[i];
    has_spare_ = st.has_spare;
    spare_ = st.spare;
  }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace attune::select
