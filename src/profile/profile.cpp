#include "attune/profile/profile.hpp"

#include "attune/error.hpp"

#include "../select/binary_io.hpp"
#include "profile_fields.hpp"

#include <cstring>

namespace attune::profile {

using select::detail::ByteReader;

namespace {

constexpr uint32_t kMagic = 0x50545441;  // "ATTP" little-endian

// Appends little-endian values to a caller's buffer (the journal and snapshots reuse one).
struct Appender {
  std::string& out;
  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    out.append(b, 4);
  }
  void u64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    out.append(b, 8);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    u32(bits);
  }
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out.append(s.data(), s.size());
  }
};

void put_blob(Appender& w, const std::vector<uint8_t>& b) {
  w.bytes(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

}  // namespace

std::string_view channel_name(Channel c) noexcept {
  switch (c) {
    case Channel::web: return "web";
    case Channel::email: return "email";
    case Channel::chat: return "chat";
    case Channel::app: return "app";
    case Channel::other: return "other";
  }
  return "other";
}

Channel parse_channel(std::string_view name) {
  for (uint8_t i = 0; i < kChannelCount; ++i)
    if (channel_name(static_cast<Channel>(i)) == name) return static_cast<Channel>(i);
  throw invalid_argument("unknown channel \"" + std::string(name.substr(0, 64)) +
                         "\"; expected web, email, chat, app or other");
}

void Profile::add_decision(uint64_t id, int64_t time_ms, uint16_t slot, uint16_t variant) noexcept {
  size_t oldest = 0;
  for (size_t i = 0; i < kRecentDecisions; ++i) {
    if (recent[i].id == 0) { oldest = i; break; }
    if (recent[i].time_ms < recent[oldest].time_ms) oldest = i;
  }
  recent[oldest] = RecentDecision{id, time_ms, slot, variant};
}

size_t Profile::decision_times(uint16_t slot, int64_t* out, size_t capacity) const noexcept {
  size_t n = 0;
  for (const auto& d : recent)
    if (d.id != 0 && d.slot == slot && n < capacity) out[n++] = d.time_ms;
  return n;
}

void Profile::clear_emotion() noexcept {
  memory.clear();
  frustration_peak_ms = 0;
  frustration_peak = 0;
  distress = 0;
  distress_ms = 0;
  last_valence = 0;
  last_arousal = 0;
  // The trust trajectory mixes valence with outcomes; valence is emotion data, so it goes too.
  trust = TrustTrajectory{};
}

void Profile::clear_profiling() noexcept {
  baseline = behavior::Baseline{};
  hesitation = behavior::HesitationDetector{};
  engagement = behavior::EngagementMonitor{};
  trust = TrustTrajectory{};
}

std::string Profile::serialize(std::string_view customer) const {
  std::string out;
  serialize_to(out, customer);
  return out;
}

void Profile::serialize_to(std::string& out, std::string_view customer) const {
  Appender w{out};
  w.u32(kMagic);
  w.u8(kFormatVersion);
  w.bytes(customer);
  fields::write_head(w, *this);
  put_blob(w, baseline.serialize());
  put_blob(w, hesitation.serialize());
  put_blob(w, engagement.serialize());
  fields::write_tail(w, *this);
}

Profile Profile::deserialize(std::string_view bytes, std::string& customer) {
  ByteReader r(bytes);
  if (r.u32() != kMagic) throw error(status::format_error, "not an attune profile (bad magic)");
  const uint8_t version = r.u8();
  if (version != kFormatVersion)
    throw error(status::version_mismatch, "profile format version " + std::to_string(version) +
                                               " is not supported (this library reads version 1)");
  Profile p;
  const std::string_view id = r.bytes();
  fields::read_head(r, p);
  auto blob = [&r]() {
    const std::string_view b = r.bytes();
    return std::pair<const uint8_t*, size_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  };
  { auto [d, n] = blob(); p.baseline = behavior::Baseline::deserialize(d, n); }
  { auto [d, n] = blob(); p.hesitation = behavior::HesitationDetector::deserialize(d, n); }
  { auto [d, n] = blob(); p.engagement = behavior::EngagementMonitor::deserialize(d, n); }
  fields::read_tail(r, p);
  if (r.remaining() != 0) throw error(status::format_error, "profile has trailing bytes");
  if (!fields::values_valid(p)) throw error(status::format_error, "profile holds an invalid value (negative or non-finite state, or a time outside [0, year 9999])");
  customer.assign(id.data(), id.size());
  return p;
}

}  // namespace attune::profile
