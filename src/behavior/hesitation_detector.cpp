// HesitationDetector: compact per-session counters, scored on demand as a noisy-OR of cues.
#include "attune/behavior/hesitation_detector.hpp"

#include "attune/behavior/detail/dynamics_bytes.hpp"
#include "attune/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace attune::behavior {
namespace {

constexpr std::array<std::string_view, 4> kPageNames = {"other", "price", "shipping", "returns"};

uint32_t hash_id(std::string_view id) {
  if (id.empty()) throw invalid_argument("HesitationDetector: product id must not be empty");
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : id) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

uint8_t sat_inc(uint8_t v) { return v == 255 ? v : static_cast<uint8_t>(v + 1); }

float clamp01(double v) { return static_cast<float>(std::min(1.0, std::max(0.0, v))); }

void check_weight(float w, const char* name) {
  if (!std::isfinite(w) || w < 0 || w > 1)
    throw invalid_argument(std::string("HesitationDetector: weight ") + name + " must be in [0,1]", status::out_of_range);
}

}  // namespace

std::string_view page_kind_name(PageKind k) noexcept {
  const auto i = static_cast<size_t>(k);
  return i < kPageNames.size() ? kPageNames[i] : std::string_view("unknown");
}

bool page_kind_from_name(std::string_view name, PageKind& out) noexcept {
  for (size_t i = 0; i < kPageNames.size(); ++i)
    if (kPageNames[i] == name) {
      out = static_cast<PageKind>(i);
      return true;
    }
  return false;
}

std::string HesitationScore::to_json() const {
  nlohmann::json j;
  j["score"] = score;
  j["reasons"] = nlohmann::json::array();
  for (const auto& r : reasons)
    j["reasons"].push_back({{"reason", std::string(r.reason)}, {"weight", r.weight}, {"evidence", r.evidence}});
  j["max_dwell_z"] = max_dwell_z;
  j["product_views"] = product_views;
  j["add_to_carts"] = add_to_carts;
  return j.dump();
}

HesitationDetector::HesitationDetector(double session_timeout_seconds) {
  if (!std::isfinite(session_timeout_seconds) || session_timeout_seconds < 60 || session_timeout_seconds > 65535.0 * 60)
    throw invalid_argument("HesitationDetector: session timeout must be between 60 s and 65535 min",
                           status::out_of_range);
  timeout_minutes_ = static_cast<uint16_t>(std::lround(session_timeout_seconds / 60));
}

void HesitationDetector::check_time(bool has_time, double last, double t) {
  if (!std::isfinite(t)) throw invalid_argument("HesitationDetector: time must be finite", status::out_of_range);
  if (has_time && t < last)
    throw invalid_argument("HesitationDetector: time " + std::to_string(t) + " is earlier than the last observation (" +
                           std::to_string(last) + ")");
}

void HesitationDetector::advance(double t) {
  if (has_time_ && t - last_time_ > 60.0 * timeout_minutes_) reset();
  last_time_ = t;
  has_time_ = 1;
}

void HesitationDetector::reset() noexcept {
  slots_ = {};
  product_views_ = 0;
  adds_ = cart_views_ = price_ = shipping_ = returns_ = 0;
}

HesitationDetector::Slot& HesitationDetector::slot_for(uint32_t hash) {
  // Most recently used first; a new product evicts the least recently used slot.
  size_t i = 0;
  while (i < kProductSlots && !(slots_[i].views > 0 && slots_[i].hash == hash)) ++i;
  Slot s;
  if (i < kProductSlots) {
    s = slots_[i];
  } else {
    i = kProductSlots - 1;
    s.hash = hash;
  }
  for (size_t k = i; k > 0; --k) slots_[k] = slots_[k - 1];
  slots_[0] = s;
  return slots_[0];
}

void HesitationDetector::observe_product_view(std::string_view product_id, double dwell_seconds, double time_seconds,
                                              const Baseline& baseline) {
  const uint32_t h = hash_id(product_id);
  if (!std::isfinite(dwell_seconds) || dwell_seconds < 0)
    throw invalid_argument("HesitationDetector: dwell must be finite and >= 0 seconds", status::out_of_range);
  check_time(has_time_, last_time_, time_seconds);
  const double z = baseline.z(Signal::dwell, dwell_seconds);
  advance(time_seconds);
  Slot& s = slot_for(h);
  s.views = sat_inc(s.views);
  const double zq = std::min(32767.0, std::max(-32768.0, std::round(z * 256.0)));
  s.dwell_z_q = std::max(s.dwell_z_q, static_cast<int16_t>(zq));
  if (product_views_ < 65535) ++product_views_;
}

void HesitationDetector::observe_product_view(std::string_view product_id, double dwell_seconds, double time_seconds) {
  static const Baseline population;
  observe_product_view(product_id, dwell_seconds, time_seconds, population);
}

void HesitationDetector::observe_page(PageKind kind, double time_seconds) {
  if (static_cast<size_t>(kind) >= kPageNames.size())
    throw invalid_argument("HesitationDetector: unknown page kind " + std::to_string(static_cast<int>(kind)));
  check_time(has_time_, last_time_, time_seconds);
  advance(time_seconds);
  switch (kind) {
    case PageKind::price: price_ = sat_inc(price_); break;
    case PageKind::shipping: shipping_ = sat_inc(shipping_); break;
    case PageKind::returns: returns_ = sat_inc(returns_); break;
    case PageKind::other: break;
  }
}

void HesitationDetector::observe_add_to_cart(std::string_view product_id, double time_seconds) {
  const uint32_t h = hash_id(product_id);
  check_time(has_time_, last_time_, time_seconds);
  advance(time_seconds);
  Slot& s = slot_for(h);
  if (s.views == 0) s.views = 1;  // added without a tracked view (e.g. from a list page)
  s.carted = 1;
  adds_ = sat_inc(adds_);
}

void HesitationDetector::observe_cart_view(double time_seconds) {
  check_time(has_time_, last_time_, time_seconds);
  advance(time_seconds);
  cart_views_ = sat_inc(cart_views_);
}

void HesitationDetector::observe_checkout(double time_seconds) {
  check_time(has_time_, last_time_, time_seconds);
  advance(time_seconds);
  reset();  // the episode ended in a decision; nothing left to hesitate over
}

HesitationScore HesitationDetector::score() const { return score(Weights{}); }

HesitationScore HesitationDetector::score(const Weights& w) const {
  check_weight(w.long_dwell, "long_dwell");
  check_weight(w.repeat_views, "repeat_views");
  check_weight(w.price_shipping_returns, "price_shipping_returns");
  check_weight(w.cart_without_checkout, "cart_without_checkout");
  check_weight(w.no_add_to_cart, "no_add_to_cart");

  HesitationScore out;
  double max_z = 0;
  int max_views = 0;
  bool any_open = false;
  for (const auto& s : slots_) {
    if (s.views == 0 || s.carted) continue;
    any_open = true;
    max_z = std::max(max_z, s.dwell_z_q / 256.0);
    max_views = std::max(max_views, static_cast<int>(s.views));
  }
  out.max_dwell_z = static_cast<float>(any_open ? max_z : 0.0);
  out.product_views = product_views_;
  out.add_to_carts = adds_;

  auto add = [&](std::string_view name, float weight, float evidence) {
    if (evidence <= 0 || weight <= 0) return;
    out.reasons.push_back({name, weight * evidence, evidence});
  };
  add("long_dwell", w.long_dwell, clamp01((max_z - 1.0) / 2.0));
  add("repeat_views", w.repeat_views, clamp01((max_views - 1) / 2.0));
  add("price_shipping_returns", w.price_shipping_returns, clamp01((price_ + shipping_ + returns_) / 3.0));
  add("cart_without_checkout", w.cart_without_checkout, clamp01(cart_views_ / 2.0));
  if (adds_ == 0) add("no_add_to_cart", w.no_add_to_cart, clamp01(product_views_ / 5.0));

  std::sort(out.reasons.begin(), out.reasons.end(),
            [](const HesitationReason& a, const HesitationReason& b) { return a.weight > b.weight; });
  double keep = 1.0;
  for (const auto& r : out.reasons) keep *= 1.0 - r.weight;
  out.score = clamp01(1.0 - keep);
  return out;
}

std::vector<uint8_t> HesitationDetector::serialize() const {
  detail::ByteWriter w;
  w.magic("ATHD");
  w.u8(1);
  w.u8(has_time_);
  w.f64(last_time_);
  w.u16(timeout_minutes_);
  w.u16(product_views_);
  w.u8(adds_);
  w.u8(cart_views_);
  w.u8(price_);
  w.u8(shipping_);
  w.u8(returns_);
  for (const auto& s : slots_) {
    w.u32(s.hash);
    w.u8(s.views);
    w.u8(s.carted);
    w.u16(static_cast<uint16_t>(s.dwell_z_q));
  }
  return w.take();
}

HesitationDetector HesitationDetector::deserialize(const uint8_t* data, size_t size) {
  detail::ByteReader r(data, size, "HesitationDetector");
  r.header("ATHD", 1);
  HesitationDetector d;
  d.has_time_ = r.u8();
  d.last_time_ = r.f64();
  d.timeout_minutes_ = r.u16();
  if (d.has_time_ > 1 || !std::isfinite(d.last_time_) || d.timeout_minutes_ == 0)
    throw error(status::format_error, "HesitationDetector: corrupt header fields");
  d.last_time_ += 0.0;  // -0 reads as +0: equal detectors have equal bytes (see EngagementMonitor)
  d.product_views_ = r.u16();
  d.adds_ = r.u8();
  d.cart_views_ = r.u8();
  d.price_ = r.u8();
  d.shipping_ = r.u8();
  d.returns_ = r.u8();
  for (auto& s : d.slots_) {
    s.hash = r.u32();
    s.views = r.u8();
    s.carted = r.u8();
    s.dwell_z_q = static_cast<int16_t>(r.u16());
    if (s.carted > 1) throw error(status::format_error, "HesitationDetector: corrupt product slot");
  }
  r.finish();
  return d;
}

bool HesitationDetector::operator==(const HesitationDetector& o) const noexcept {
  if (has_time_ != o.has_time_ || last_time_ != o.last_time_ || timeout_minutes_ != o.timeout_minutes_ ||
      product_views_ != o.product_views_ || adds_ != o.adds_ || cart_views_ != o.cart_views_ || price_ != o.price_ ||
      shipping_ != o.shipping_ || returns_ != o.returns_)
    return false;
  for (size_t i = 0; i < kProductSlots; ++i)
    if (slots_[i].hash != o.slots_[i].hash || slots_[i].views != o.slots_[i].views ||
        slots_[i].carted != o.slots_[i].carted || slots_[i].dwell_z_q != o.slots_[i].dwell_z_q)
      return false;
  return true;
}

}  // namespace attune::behavior
