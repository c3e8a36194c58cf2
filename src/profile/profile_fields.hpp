// The fixed fields of a profile in their on-disk order, shared by the two formats that carry them:
// the single-profile bytes (Profile::serialize, journal records, export) and the engine
// snapshot's compact records. One list, so adding a field cannot update one format and forget
// the other. The formats differ only around these runs (header, id, where the behaviour
// detectors go), which stays with each format.
//
// Writers need u8/u32/u64/i64/f32 (little-endian); readers are select::detail::ByteReader, which
// throws format_error past the end.
#pragma once

#include "attune/ethics/consent_registry.hpp"  // kMaxTimeMs
#include "attune/profile/profile.hpp"

#include "../select/binary_io.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace attune::profile::fields {

inline float read_f32(select::detail::ByteReader& r) {
  const std::uint32_t bits = r.u32();
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline std::int64_t read_i64(select::detail::ByteReader& r) { return static_cast<std::int64_t>(r.u64()); }

/// State memory and trust: what comes before the baseline.
template <class W>
void write_head(W& w, const ProfileCore& p) {
  for (float x : p.memory.evidence) w.f32(x);
  for (float x : p.memory.weight) w.f32(x);
  w.i64(p.memory.updated_ms);
  w.f32(p.trust.fast);
  w.f32(p.trust.slow);
  w.f32(p.trust.fast_weight);
  w.f32(p.trust.slow_weight);
  w.i64(p.trust.updated_ms);
}
inline void read_head(select::detail::ByteReader& r, ProfileCore& p) {
  for (auto& x : p.memory.evidence) x = read_f32(r);
  for (auto& x : p.memory.weight) x = read_f32(r);
  p.memory.updated_ms = read_i64(r);
  p.trust.fast = read_f32(r);
  p.trust.slow = read_f32(r);
  p.trust.fast_weight = read_f32(r);
  p.trust.slow_weight = read_f32(r);
  p.trust.updated_ms = read_i64(r);
}

/// Recent decisions, identity, moments and counters: what comes after the behaviour blobs.
template <class W>
void write_tail(W& w, const ProfileCore& p) {
  for (const auto& d : p.recent) {
    w.u64(d.id);
    w.i64(d.time_ms);
    w.u32(static_cast<std::uint32_t>(d.slot) | (static_cast<std::uint32_t>(d.variant) << 16));
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
}
inline void read_tail(select::detail::ByteReader& r, ProfileCore& p) {
  for (auto& d : p.recent) {
    d.id = r.u64();
    d.time_ms = read_i64(r);
    const std::uint32_t sv = r.u32();
    d.slot = static_cast<std::uint16_t>(sv & 0xFFFFu);
    d.variant = static_cast<std::uint16_t>(sv >> 16);
  }
  p.pseudonym_nonce = r.u64();
  p.created_ms = read_i64(r);
  p.last_seen_ms = read_i64(r);
  p.frustration_peak_ms = read_i64(r);
  p.frustration_peak = read_f32(r);
  p.distress = read_f32(r);
  p.distress_ms = read_i64(r);
  p.last_valence = read_f32(r);
  p.last_arousal = read_f32(r);
  p.purchase_probability = read_f32(r);
  p.observations = r.u32();
  p.events = r.u32();
  p.decisions = r.u32();
  p.rewards = r.u32();
  p.positive_rewards = r.u32();
  p.channels_seen = r.u8();
  p.last_channel = r.u8();
}

/// The behaviour detectors as a new profile has them. The compact store and the snapshot records
/// keep a customer's detectors only once they leave this state.
inline const behavior::HesitationDetector& initial_hesitation() {
  static const behavior::HesitationDetector h{};
  return h;
}
inline const behavior::EngagementMonitor& initial_engagement() {
  static const behavior::EngagementMonitor e{};
  return e;
}
/// True when the customer's behaviour detectors hold anything (they saw behavioural events).
inline bool has_behaviour(const Profile& p) {
  return !(p.hesitation == initial_hesitation() && p.engagement == initial_engagement());
}

/// True when every value a profile's calls compute with is one they could have produced: state
/// memory and weights non-negative, the other numbers finite, and every time in the range the
/// engine accepts ([0, kMaxTimeMs]), so elapsed times cannot overflow. Decoders of untrusted
/// bytes (export/import, snapshots, journals) refuse a profile that fails it.
inline bool values_valid(const ProfileCore& p) {
  for (std::size_t s = 0; s < kStateCount; ++s)
    if (!(p.memory.evidence[s] >= 0) || !(p.memory.weight[s] >= 0) || !std::isfinite(p.memory.evidence[s]) ||
        !std::isfinite(p.memory.weight[s]))
      return false;
  const auto time_ok = [](std::int64_t t) { return t >= 0 && t <= ethics::kMaxTimeMs; };
  if (!time_ok(p.memory.updated_ms) || !time_ok(p.trust.updated_ms) || !time_ok(p.created_ms) ||
      !time_ok(p.last_seen_ms) || !time_ok(p.frustration_peak_ms) || !time_ok(p.distress_ms))
    return false;
  for (const auto& d : p.recent)
    if (!time_ok(d.time_ms)) return false;
  for (float x : {p.trust.fast, p.trust.slow, p.trust.fast_weight, p.trust.slow_weight, p.frustration_peak, p.distress,
                  p.last_valence, p.last_arousal, p.purchase_probability})
    if (!std::isfinite(x)) return false;
  return p.trust.fast_weight >= 0 && p.trust.slow_weight >= 0;
}

}  // namespace attune::profile::fields
