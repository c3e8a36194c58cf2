#include "snapshot_record.hpp"

#include "attune/detail/zero_word_packing.hpp"
#include "attune/error.hpp"

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

float get_f32(ByteReader& r) {
  const uint32_t bits = r.u32();
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
int64_t get_i64(ByteReader& r) { return static_cast<int64_t>(r.u64()); }

const behavior::HesitationDetector& initial_hesitation() {
  static const behavior::HesitationDetector h{};
  return h;
}
const behavior::EngagementMonitor& initial_engagement() {
  static const behavior::EngagementMonitor e{};
  return e;
}

}  // namespace

void encode_snapshot_profile(std::string& out, std::string& scratch, std::string_view id, const profile::Profile& p) {
  const bool behaviour = !(p.hesitation == initial_hesitation() && p.engagement == initial_engagement());
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
  for (float x : p.memory.evidence) w.f32(x);
  for (float x : p.memory.weight) w.f32(x);
  w.i64(p.memory.updated_ms);
  w.f32(p.trust.fast);
  w.f32(p.trust.slow);
  w.f32(p.trust.fast_weight);
  w.f32(p.trust.slow_weight);
  w.i64(p.trust.updated_ms);
  w.blob(baseline);
  for (const auto& d : p.recent) {
    w.u64(d.id);
    w.i64(d.time_ms);
    w.u32(static_cast<uint32_t>(d.slot) | (static_cast<uint32_t>(d.variant) << 16));
  }
  w.u64(p.pseudonym_nonce);
  w.i64(p.created_ms);
  w.i64(p.last_seen_ms);
  w.i64(p.frustration_peak_ms);
  w.f32(p.frustration_peak);
  w.f32(p.distress);
  w.i64(p.distress_ms);
  w.f32(p.last_valence);
  w.f32(p.last_arousal);
  w.f32(p.purchase_probability);
  w.u32(p.observations);
  w.u32(p.events);
  w.u32(p.decisions);
  w.u32(p.rewards);
  w.u32(p.positive_rewards);
  w.u8(p.channels_seen);
  w.u8(p.last_channel);
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
  for (auto& x : p.memory.evidence) x = get_f32(r);
  for (auto& x : p.memory.weight) x = get_f32(r);
  p.memory.updated_ms = get_i64(r);
  p.trust.fast = get_f32(r);
  p.trust.slow = get_f32(r);
  p.trust.fast_weight = get_f32(r);
  p.trust.slow_weight = get_f32(r);
  p.trust.updated_ms = get_i64(r);
  auto blob = [&r]() {
    const std::string_view b = r.bytes();
    return std::pair<const uint8_t*, size_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  };
  { auto [d, n] = blob(); p.baseline = behavior::Baseline::deserialize(d, n); }
  for (auto& d : p.recent) {
    d.id = r.u64();
    d.time_ms = get_i64(r);
    const uint32_t sv = r.u32();
    d.slot = static_cast<uint16_t>(sv & 0xFFFFu);
    d.variant = static_cast<uint16_t>(sv >> 16);
  }
  p.pseudonym_nonce = r.u64();
  p.created_ms = get_i64(r);
  p.last_seen_ms = get_i64(r);
  p.frustration_peak_ms = get_i64(r);
  p.frustration_peak = get_f32(r);
  p.distress = get_f32(r);
  p.distress_ms = get_i64(r);
  p.last_valence = get_f32(r);
  p.last_arousal = get_f32(r);
  p.purchase_probability = get_f32(r);
  p.observations = r.u32();
  p.events = r.u32();
  p.decisions = r.u32();
  p.rewards = r.u32();
  p.positive_rewards = r.u32();
  p.channels_seen = r.u8();
  p.last_channel = r.u8();
  if (flags & kHasBehaviour) {
    { auto [d, n] = blob(); p.hesitation = behavior::HesitationDetector::deserialize(d, n); }
    { auto [d, n] = blob(); p.engagement = behavior::EngagementMonitor::deserialize(d, n); }
  }
  if (r.remaining() != 0) throw error(status::format_error, "engine snapshot: profile has trailing bytes");
  for (size_t s = 0; s < kStateCount; ++s)
    if (!(p.memory.evidence[s] >= 0) || !(p.memory.weight[s] >= 0))
      throw error(status::format_error, "engine snapshot: profile holds invalid state memory");
  id.assign(id_bytes.data(), id_bytes.size());
}

}  // namespace attune::engine_detail
