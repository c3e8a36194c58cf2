// Internal: little-endian byte writer/reader for the policy and selector state formats.
// Values are written byte by byte (doubles through their IEEE-754 bit pattern), so files are
// identical on little- and big-endian hosts. The reader throws attune::error(format_error) on
// truncation and never reads past the end.
#pragma once

#include "attune/error.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace attune::select::detail {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    u64(bits);
  }
  void f64s(const double* p, size_t n) {
    for (size_t i = 0; i < n; ++i) f64(p[i]);
  }
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void raw(std::string_view s) { out_.append(s.data(), s.size()); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t u32() {
    need(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }
  double f64() {
    const uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  void f64s(double* p, size_t n) {
    if (n > remaining() / 8) need(n * 8);
    for (size_t i = 0; i < n; ++i) p[i] = f64();
  }
  std::string_view bytes() {
    const uint32_t n = u32();
    need(n);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view raw(size_t n) {
    need(n);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const noexcept { return in_.size() - pos_; }
  void expect_end() const {
    if (pos_ != in_.size()) throw error(status::format_error, "trailing bytes after the end of the state");
  }

 private:
  void need(size_t n) const {
    if (n > in_.size() - pos_) throw error(status::format_error, "state bytes are truncated");
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace attune::select::detail
