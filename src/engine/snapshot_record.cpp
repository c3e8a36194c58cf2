#include "snapshot_record.hpp"

#include "attune/detail/zero_word_packing.hpp"
#include "attune/error.hpp"

#include "../profile/profile_fields.hpp"
#include "../select/binary_io.hpp"

#include <cstring>
#include <vector>

namespace attune::engine_detail {

namespace {

using select::detail::ByteReader;

constexpr uint8_t kHasBehaviour = 1;

// Little-endian puts through a pointer into a buffer sized ahead (the caller bounds the record's
// size first): no std::string append per field.
struct Put {
  char* o;
  void u8(uint8_t v) { *o++ = static_cast<char>(v); }
  void u16(uint16_t v) {
    o[0] = static_cast<char>(v & 0xFFu);
    o[1] = static_cast<char>(v >> 8);
    o += 2;
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) o[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    o += 4;
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) o[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    o += 8;
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    u32(bits);
  }
  void raw(const void* p, size_t n) {
    std::memcpy(o, p, n);
    o += n;
  }
  void blob(const std::vector<uint8_t>& b) {
    u32(static_cast<uint32_t>(b.size()));
    raw(b.data(), b.size());
  }
};

}  // namespace

void encode_snapshot_profile(std::string& out, std::string& scratch, std::string_view id, const profile::Profile& p) {
  const bool behaviour = profile::fields::has_behaviour(p);
  const std::vector<uint8_t> baseline = p.baseline.serialize();
  std::vector<uint8_t> hesitation, engagement;
  if (behaviour) {
    hesitation = p.hesitation.serialize();
    engagement = p.engagement.serialize();
  }
  // The fixed fields and length prefixes take under 300 bytes; 512 bounds them with room.
  const size_t bound = 512 + id.size() + baseline.size() + hesitation.size() + engagement.size();
  if (scratch.size() < bound) scratch.resize(bound);
  Put w{scratch.data()};
  w.u16(static_cast<uint16_t>(id.size()));
  w.raw(id.data(), id.size());
  w.u8(behaviour ? kHasBehaviour : 0);
  profile::fields::write_head(w, p);
  w.blob(baseline);
  profile::fields::write_tail(w, p);
  if (behaviour) {
    w.blob(hesitation);
    w.blob(engagement);
  }
  const auto used = static_cast<size_t>(w.o - scratch.data());
  detail::pack_zero_words(std::string_view(scratch.data(), used), out);
}

void decode_snapshot_profile(std::string_view packed, std::string& scratch, std::string& id, profile::Profile& p) {
  detail::unpack_zero_words(packed, scratch);
  ByteReader r(scratch);
  const uint32_t id_len = r.u8() | (uint32_t{r.u8()} << 8);
  const std::string_view id_bytes = r.raw(id_len);
  if (id_bytes.empty() || id_bytes.size() > 256)
    throw error(status::format_error, "engine snapshot: profile with an empty or over-long customer id");
  const uint8_t flags = r.u8();
  if (flags & ~kHasBehaviour) throw error(status::format_error, "engine snapshot: unknown profile flags");
  p = profile::Profile{};
  profile::fields::read_head(r, p);
  auto blob = [&r]() {
    const std::string_view b = r.bytes();
    return std::pair<const uint8_t*, size_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  };
  { auto [d, n] = blob(); p.baseline = behavior::Baseline::deserialize(d, n); }
  profile::fields::read_tail(r, p);
  if (flags & kHasBehaviour) {
    { auto [d, n] = blob(); p.hesitation = behavior::HesitationDetector::deserialize(d, n); }
    { auto [d, n] = blob(); p.engagement = behavior::EngagementMonitor::deserialize(d, n); }
  }
  if (r.remaining() != 0) throw error(status::format_error, "engine snapshot: profile has trailing bytes");
  if (!profile::fields::values_valid(p))
    throw error(status::format_error, "engine snapshot: profile holds an invalid value (state, number or time)");
  id.assign(id_bytes.data(), id_bytes.size());
}

}  // namespace attune::engine_detail
