// attune/behavior/special_day.hpp: the UCI "SpecialDay" feature, live.
//
// The UCI data records how close a visit is to a gift-giving day (Valentine's Day, Mother's Day)
// as 0, 0.2, ..., 1, with its maximum about a week before the day, because orders must be
// placed before delivery (Sakar et al. 2019: for Valentine's Day nonzero from February 2 to 12,
// 1 on February 8). attune reproduces that shape from a table of days:
//   d = days from the visit's local date to the special day (the day itself is d = 0)
//   closeness(d) = 0                                     for d < 2 or d > 12
//                = 1 - (6 - d) / 5                       for 2 <= d <= 6  (0.2 .. 1)
//                = round5(1 - (d - 6) / 7)               for 6 <  d <= 12 (0.8 .. 0.2)
// where round5 rounds to the nearest 0.2; the feature is the largest closeness over the table.
// The default table is Valentine's Day (Feb 14) and Mother's Day (second Sunday of May), the two
// days with nonzero values in the UCI data; hosts in other markets pass their own.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attune::behavior {

/// A yearly special day: a fixed date (`day` > 0) or the `nth` `weekday` (0 = Sunday) of `month`.
struct SpecialDayRule {
  std::string name;
  int month = 1;    ///< 1..12
  int day = 0;      ///< 1..31 for a fixed date, 0 for an nth-weekday rule
  int weekday = 0;  ///< 0..6, used when day == 0
  int nth = 1;      ///< 1..5 (5 = last), used when day == 0
};

/// Valentine's Day and Mother's Day (US/TR: second Sunday of May).
std::vector<SpecialDayRule> default_special_days();

/// The closeness shape above for a visit `days_before` the special day.
double special_day_closeness(int64_t days_before) noexcept;

/// The SpecialDay feature of a local calendar date. Throws invalid_argument for a rule with an
/// impossible date.
double special_day_value(int year, int month, int day, const std::vector<SpecialDayRule>& rules);

}  // namespace attune::behavior
