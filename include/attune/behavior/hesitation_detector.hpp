// attune/behavior/hesitation_detector.hpp: is this shopper hesitating in the current session?
//
// Purpose. Hesitation (DESIGN.md marketing state) shows in behaviour before it shows in words:
// long dwell on a product against the customer's own usual, coming back to the same product,
// reading the price / shipping / returns pages, opening the cart without checking out, viewing
// products without adding any. HesitationDetector turns those cues into a score in [0,1] with the
// reasons that drove it, so the host can answer with reassurance ("Explore Options", social
// proof) rather than pressure.
//
// Inputs are plain numbers and strings (the engine feeds them from Segment events): product ids
// are opaque strings (hashed to 32 bits; a collision only merges two products' view counts),
// dwell in seconds, times in seconds on a monotone clock.
//
// Score (docs/behavior-dynamics.md). Each cue i gives an evidence level f_i in [0,1] and a
// contribution p_i = weight_i * f_i; the score is the noisy-OR 1 - prod(1 - p_i), so every reason
// reads as "this alone would make hesitation p_i likely" and reasons add up without exceeding 1.
//   long_dwell              f = clamp((z - 1) / 2, 0, 1), z the largest dwell z-score (against
//                           the Baseline passed in) of a product viewed and not added to the cart
//   repeat_views            f = clamp((views - 1) / 2, 0, 1) for the most-viewed product not added
//   price_shipping_returns  f = min(1, visits / 3) to price, shipping and returns pages
//   cart_without_checkout   f = min(1, cart views since the last checkout / 2)
//   no_add_to_cart          f = min(1, product views / 5) while nothing was added this session
// Default weights (Weights below) are judgement, not fitted: no public data labels hesitation.
// Adding a product to the cart removes that product's dwell and repeat evidence and the
// no_add_to_cart cue; a checkout closes the episode (all evidence cleared).
//
// Session. A gap longer than the session timeout (default 30 min) between two observations
// starts a new session: the evidence is cleared first.
//
// Errors: invalid_argument for an empty product id, a non-finite or negative dwell
// (status::out_of_range), a non-finite time (out_of_range), a time earlier than the last
// observation, an unknown PageKind. Nothing changes on error.
// Size: 56 bytes in memory; serialize() writes 55 bytes. Thread-safety: none (one per customer,
// one writer); const members may run concurrently.
#pragma once

#include "attune/behavior/baseline.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attune::behavior {

/// Page categories that matter for hesitation. Numbers are stable (C ABI ATTUNE_PAGE_*).
enum class PageKind : uint8_t { other = 0, price = 1, shipping = 2, returns = 3 };
/// "other", "price", "shipping", "returns"; from_name returns false for an unknown name.
std::string_view page_kind_name(PageKind k) noexcept;
bool page_kind_from_name(std::string_view name, PageKind& out) noexcept;

/// One reason behind a hesitation score. `reason` is a static string (see the list above).
struct HesitationReason {
  std::string_view reason;
  float weight = 0;    ///< contribution p_i in [0,1]
  float evidence = 0;  ///< f_i in [0,1]
};

struct HesitationScore {
  float score = 0;                        ///< noisy-OR of the reasons, in [0,1]
  std::vector<HesitationReason> reasons;  ///< reasons with weight > 0, largest first
  float max_dwell_z = 0;                  ///< largest dwell z of a product not added (0 if none)
  uint32_t product_views = 0;
  uint32_t add_to_carts = 0;

  /// {"score":..,"reasons":[{"reason":"long_dwell","weight":..,"evidence":..}],...}
  std::string to_json() const;
};

class HesitationDetector {
 public:
  /// Cue weights (the maximum contribution of each cue). Each in [0,1].
  struct Weights {
    float long_dwell = 0.75f;
    float repeat_views = 0.5f;
    float price_shipping_returns = 0.35f;
    float cart_without_checkout = 0.35f;
    float no_add_to_cart = 0.3f;
  };

  HesitationDetector() = default;
  /// Session timeout in seconds (>= 60, <= 65535 minutes); invalid_argument otherwise.
  explicit HesitationDetector(double session_timeout_seconds);

  /// A product view that lasted `dwell_seconds`, judged against `baseline` (the customer's own;
  /// the detector does not update it: call baseline.observe(Signal::dwell, ...) after this, so
  /// the view is judged against the past, not against itself).
  void observe_product_view(std::string_view product_id, double dwell_seconds, double time_seconds,
                            const Baseline& baseline);
  /// Same, judged against the population prior only (no customer history).
  void observe_product_view(std::string_view product_id, double dwell_seconds, double time_seconds);
  void observe_page(PageKind kind, double time_seconds);
  void observe_add_to_cart(std::string_view product_id, double time_seconds);
  void observe_cart_view(double time_seconds);
  void observe_checkout(double time_seconds);
  /// Clear the session evidence (keeps the timeout).
  void reset() noexcept;

  /// Score with the default or given weights (weights validated: invalid_argument).
  HesitationScore score() const;
  HesitationScore score(const Weights& weights) const;

  /// Compact binary form, little-endian: "ATHD" u8 version(=1) u8 flags f64 last_time
  /// u16 timeout_minutes u16 product_views u8 adds u8 cart_views u8 price u8 shipping u8 returns
  /// then 4 product slots of (u32 id_hash u8 views u8 carted i16 max_dwell_z*256).
  std::vector<uint8_t> serialize() const;
  static HesitationDetector deserialize(const uint8_t* data, size_t size);
  bool operator==(const HesitationDetector& o) const noexcept;

  static constexpr size_t kProductSlots = 4;

 private:
  struct Slot {
    uint32_t hash = 0;
    uint8_t views = 0;   // 0 = empty slot
    uint8_t carted = 0;
    int16_t dwell_z_q = 0;  // max dwell z * 256, saturated
  };
  void advance(double time_seconds);  // validated time: session timeout, then last_time_
  static void check_time(bool has_time, double last, double t);
  Slot& slot_for(uint32_t hash);

  double last_time_ = 0;
  std::array<Slot, kProductSlots> slots_{};
  uint16_t timeout_minutes_ = 30;
  uint16_t product_views_ = 0;
  uint8_t adds_ = 0;
  uint8_t cart_views_ = 0;
  uint8_t price_ = 0, shipping_ = 0, returns_ = 0;
  uint8_t has_time_ = 0;
};

static_assert(sizeof(HesitationDetector) <= 64, "HesitationDetector must stay compact: one per customer");

}  // namespace attune::behavior
