// attune/behavior/detail/dynamics_bytes.hpp: little-endian byte writer/reader for the compact
// binary state of Baseline, HesitationDetector, EngagementMonitor and StateTransitions.
// Not API: the formats themselves are documented in each type's header.
//
// Values are written byte by byte (shifts on the integer bit pattern), so the files are
// little-endian on every host. The reader throws attune::error(status::format_error) on
// truncation, so a corrupt blob never reads out of bounds.
#pragma once

#include "attune/error.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace attune::behavior::detail {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void magic(const char (&m)[5]) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(m[i]));
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, const char* what) : p_(data), n_(size), what_(what) {
    if (data == nullptr && size != 0) throw invalid_argument(std::string(what) + ": NULL data with non-zero size");
  }
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  float f32() {
    const uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  double f64() {
    const uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  /// Checks the 4-byte magic and the format version byte that follows it.
  void header(const char (&m)[5], uint8_t version) {
    if (n_ < 5 || std::memcmp(p_, m, 4) != 0)
      throw error(status::format_error, std::string(what_) + ": not a serialized " + what_ + " (bad magic)");
    pos_ = 4;
    const uint8_t v = u8();
    if (v != version)
      throw error(status::version_mismatch, std::string(what_) + ": format version " + std::to_string(v) +
                                                " is not supported (this library reads " + std::to_string(version) + ")");
  }
  void finish() const {
    if (pos_ != n_) throw error(status::format_error, std::string(what_) + ": trailing bytes after the serialized state");
  }

 private:
  uint64_t get(int n) {
    if (n_ - pos_ < static_cast<size_t>(n))
      throw error(status::format_error, std::string(what_) + ": truncated serialized state");
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[pos_ + static_cast<size_t>(i)]) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  const char* what_;
};

}  // namespace attune::behavior::detail
