// attune/behavior/intent_data.hpp: UCI Online Shoppers tables and ranking metrics for IntentModel.
//
// read_uci_csv() reads the CSV layout of the UCI Online Shoppers Purchasing Intention data
// (header line with the 17 feature columns, in any order, plus optionally `Revenue`; LF or CRLF
// line endings; Month as "Feb"/"June"/...; VisitorType as New_Visitor/Returning_Visitor/Other;
// Weekend and Revenue as TRUE/FALSE). Rows become UciVector (session_features.hpp encoding).
// Errors: attune::error(status::io_error) when the file cannot be read; attune::invalid_argument
// (status::parse_error) naming the line and column for malformed content.
// Pure functions; thread-safe.
#pragma once

#include "attune/behavior/session_features.hpp"

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace attune::behavior {

struct IntentDataset {
  std::vector<UciVector> x;
  std::vector<uint8_t> y;    ///< Revenue 0/1; empty when the CSV had no Revenue column
  std::vector<std::string> lines;  ///< the raw data lines (without line ending), for split files
  std::string header;              ///< the raw header line

  size_t size() const noexcept { return x.size(); }
  bool labelled() const noexcept { return !y.empty(); }
  size_t positives() const noexcept;
  /// Rows at `indices`, in that order.
  IntentDataset subset(const std::vector<size_t>& indices) const;
};

IntentDataset read_uci_csv(const std::string& path);
IntentDataset read_uci_csv(std::istream& in, const std::string& source_name = "<stream>");

/// One CSV data row of the UCI layout (17 feature columns in kUciFeatureNames order, no label),
/// as `attune intent score` reads it. Throws invalid_argument(status::parse_error).
UciVector parse_uci_row(const std::string& line);

/// A stratified split: for each class, shuffle its row indices with std::mt19937_64(seed) and
/// hold out the first round(fraction * n). Returns {train, test} indices, each sorted.
std::pair<std::vector<size_t>, std::vector<size_t>> stratified_split(const std::vector<uint8_t>& y, double fraction,
                                                                      uint64_t seed);

/// Ranking and calibration metrics of probabilities `p` against labels `y`.
struct BinaryMetrics {
  double roc_auc = 0;  ///< area under the ROC curve (ties count one half)
  double pr_auc = 0;   ///< average precision (step-wise area under precision-recall, as sklearn)
  double brier = 0;    ///< mean squared error of the probabilities
  double log_loss = 0; ///< mean negative log-likelihood (probabilities clipped to [1e-15, 1-1e-15])
  size_t n = 0;
  size_t positives = 0;
};
/// Throws invalid_argument when sizes differ, a class is missing, or p is outside [0,1].
BinaryMetrics binary_metrics(const std::vector<double>& p, const std::vector<uint8_t>& y);

}  // namespace attune::behavior
