// attune/behavior/session_features.hpp: the features of one browsing session.
//
// The first block is exactly the feature set of the UCI Online Shoppers Purchasing Intention data
// (Sakar et al. 2019), so a model trained on that data (IntentModel) applies to live sessions
// built by SessionTracker; docs/behavior-events.md says how each one is computed live. The second
// block adds counters the rest of attune uses (cart adds, errors, support messages...).
//
// Units: counts are page views; durations are seconds; rates are fractions in [0,1]; times are
// milliseconds since the epoch (UTC). Plain value type; thread-safe to copy and read.
#pragma once

#include "attune/behavior/event.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace attune::behavior {

/// The 17 UCI features in the column order of the data set (the Revenue label excluded).
enum class UciFeature : uint8_t {
  administrative = 0,
  administrative_duration,
  informational,
  informational_duration,
  product_related,
  product_related_duration,
  bounce_rates,
  exit_rates,
  page_values,
  special_day,
  month,
  operating_systems,
  browser,
  region,
  traffic_type,
  visitor_type,
  weekend,
};
inline constexpr size_t kUciFeatureCount = 17;

/// UCI column names in order ("Administrative", ..., "Weekend").
inline constexpr std::array<std::string_view, kUciFeatureCount> kUciFeatureNames = {
    "Administrative", "Administrative_Duration", "Informational", "Informational_Duration", "ProductRelated",
    "ProductRelated_Duration", "BounceRates", "ExitRates", "PageValues", "SpecialDay", "Month",
    "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"};

/// Numeric encoding of the 17 features, as the intent model consumes them: counts, durations,
/// rates and SpecialDay as they are; Month 1..12; the technical fields as their integer codes;
/// VisitorType New_Visitor=0, Returning_Visitor=1, Other=2; Weekend 0/1.
using UciVector = std::array<double, kUciFeatureCount>;

struct SessionFeatures {
  // ---- UCI Online Shoppers features ----
  uint32_t administrative = 0;           ///< administrative page views
  double administrative_duration = 0;    ///< seconds on administrative pages
  uint32_t informational = 0;            ///< informational page views
  double informational_duration = 0;     ///< seconds on informational pages
  uint32_t product_related = 0;          ///< product page views
  double product_related_duration = 0;   ///< seconds on product pages
  double bounce_rates = 0;               ///< mean bounce rate of the pages viewed
  double exit_rates = 0;                 ///< mean exit rate of the pages viewed
  double page_values = 0;                ///< mean page value of the pages viewed
  double special_day = 0;                ///< closeness to a special day, 0..1 in steps of 0.2
  int month = 1;                         ///< 1..12, local calendar of the session start
  int operating_systems = 0;             ///< integer code (UCI coding), default from SessionConfig
  int browser = 0;
  int region = 0;
  int traffic_type = 0;
  VisitorType visitor_type = VisitorType::new_visitor;
  bool weekend = false;                  ///< session started on a local Saturday or Sunday

  // ---- attune additions (not used by the UCI model) ----
  int64_t start_ms = 0;                  ///< first event of the session
  int64_t last_ms = 0;                   ///< latest event time seen in the session
  uint32_t events = 0;                   ///< events folded into this session (duplicates excluded)
  uint32_t uncategorized_pages = 0;      ///< page views without a recognized category
  double uncategorized_duration = 0;     ///< seconds on them
  uint32_t products_viewed = 0;          ///< "Product Viewed" events
  uint32_t products_added = 0;
  uint32_t products_removed = 0;
  uint32_t cart_views = 0;
  uint32_t checkouts_started = 0;
  uint32_t orders_completed = 0;
  uint32_t searches = 0;
  uint32_t support_messages = 0;
  uint32_t errors_shown = 0;
  uint32_t unsubscribes = 0;
  uint32_t engagement_pings = 0;
  uint32_t other_events = 0;             ///< events with names attune does not know
  uint32_t late_events = 0;              ///< out-of-order events counted without duration
  uint32_t duplicate_events = 0;         ///< exact repeats ignored
  uint32_t session_index = 0;            ///< 0 for the customer's first session seen, then 1, 2...
  bool active = true;                    ///< false when `now` passed to features() is past the timeout

  /// Total page views (the three categories plus uncategorized).
  uint32_t page_views() const noexcept { return administrative + informational + product_related + uncategorized_pages; }
  /// Seconds since the session started, as of the latest event.
  double duration_s() const noexcept { return static_cast<double>(last_ms - start_ms) / 1000.0; }
};

/// The numeric UCI vector of a session (see UciVector for the encoding).
UciVector uci_vector(const SessionFeatures& f) noexcept;

/// UCI month spelling ("Feb", "June", "Jul"...; the data writes June in full). 1..12.
std::string_view uci_month_name(int month) noexcept;
/// Month number from "Feb", "June", "Jun", "February"... (case-insensitive); 0 if unknown.
int month_from_name(std::string_view name) noexcept;

}  // namespace attune::behavior
