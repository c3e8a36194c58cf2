// attune/select/ope_reward_model.hpp: reward models for the direct method and doubly robust OPE.
//
// Purpose. DR (ope.hpp) needs a reward model qhat(x, a). Its bias-correction term uses the logged
// propensities, so DR stays unbiased whatever the model, *provided the model was not fit on the
// rows being evaluated*: fit it on a separate fold (as the Hillstrom evaluation does: the model
// is fit on the training part and DR is computed on the held-back part) or cross-fit it (as the
// Open Bandit evaluation does: the logs are split into K folds, and each fold's qhat comes from
// a model fit on the other folds). Two small models:
//
//   TabularRewardModel  mean reward per discrete cell (e.g. item x position), shrunk towards the
//                       global mean: qhat(c) = (sum_c r + m * mean_r) / (count_c + m), m =
//                       prior_strength pseudo-rows. For context-free logs such as OBD.
//   ArmwiseLogistic     one L2-regularized logistic regression per arm on dense features (a
//                       "T-learner" in uplift terms): qhat(x, a) = sigmoid(b_a + x . beta_a).
//                       Rewards in [0, 1] (fractional rewards are fine: the loss is the
//                       Bernoulli cross-entropy). Fit by Newton's method (IRLS), intercept not
//                       penalized. Its greedy argmax is a targeting policy.
//   SharedLogistic      one logistic regression over all rows (an "S-learner" with chosen
//                       interactions): qhat(x, a) = sigmoid(b + b_a + x . beta + z . gamma_a),
//                       where z = the `arm_features` columns of x, and arm 0 is the base
//                       (b_0 = 0, gamma_0 = 0). Main effects are shared by every arm, only the
//                       arm effects listed vary by arm: far fewer parameters than a per-arm model,
//                       so the arm differences (the uplift, usually small) are estimated with
//                       less noise. L2 on everything except the intercept.
//
// Both are immutable after fit(): predictions are const and thread-safe. Errors: invalid
// arguments (empty data, cells/arms out of range, non-finite values, an arm without rows) throw
// attune::invalid_argument; nothing is returned.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attune::select::ope {

/// Row-major dense matrix (the layout of numpy and of C arrays).
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class TabularRewardModel {
 public:
  /// Fit from n rows: cells[i] in [0, n_cells), finite rewards. prior_strength >= 0.
  static TabularRewardModel fit(const std::size_t* cells, const double* rewards, std::size_t n,
                                std::size_t n_cells, double prior_strength = 10.0);

  /// qhat of a cell; throws invalid_argument when out of range.
  double predict(std::size_t cell) const;
  std::size_t n_cells() const noexcept { return q_.size(); }
  double global_mean() const noexcept { return global_mean_; }

 private:
  std::vector<double> q_;
  double global_mean_ = 0;
};

struct LogisticOptions {
  double l2 = 1.0;        ///< L2 penalty on the slopes (sum of squares times l2 / 2), >= 0
  int max_iterations = 50;
  double tolerance = 1e-9;  ///< stop when the Newton step's max |delta| is below this
};

class ArmwiseLogistic {
 public:
  /// Fit one model per arm. X is n x d (row-major), actions[i] in [0, n_arms), rewards in
  /// [0, 1]. Every arm needs at least one row.
  static ArmwiseLogistic fit(const RowMatrix& X, const std::int64_t* actions, const double* rewards,
                             std::size_t n_arms, const LogisticOptions& options = {});

  /// n x n_arms matrix of qhat(x_i, a) in (0, 1). X must have n_features() columns.
  RowMatrix predict(const RowMatrix& X) const;

  /// argmax_a qhat(x_i, a) per row (ties go to the lower arm index).
  std::vector<std::int64_t> greedy(const RowMatrix& X) const;

  std::size_t n_arms() const noexcept { return static_cast<std::size_t>(coef_.rows()); }
  std::size_t n_features() const noexcept { return coef_.cols() > 0 ? static_cast<std::size_t>(coef_.cols() - 1) : 0; }
  /// n_arms x (1 + d): intercept first, then the slopes.
  const Eigen::MatrixXd& coefficients() const noexcept { return coef_; }

 private:
  Eigen::MatrixXd coef_;
};

class SharedLogistic {
 public:
  /// Fit on all rows. X is n x d, actions[i] in [0, n_arms), rewards in [0, 1];
  /// arm_features are column indices of X (each < d, no duplicates) whose effect varies by arm.
  static SharedLogistic fit(const RowMatrix& X, const std::int64_t* actions, const double* rewards,
                            std::size_t n_arms, const std::vector<std::size_t>& arm_features,
                            const LogisticOptions& options = {});

  /// n x n_arms matrix of qhat(x_i, a) in (0, 1).
  RowMatrix predict(const RowMatrix& X) const;
  /// argmax_a qhat(x_i, a) per row (ties go to the lower arm index).
  std::vector<std::int64_t> greedy(const RowMatrix& X) const;

  std::size_t n_arms() const noexcept { return n_arms_; }
  std::size_t n_features() const noexcept { return static_cast<std::size_t>(beta_.size()); }
  const std::vector<std::size_t>& arm_features() const noexcept { return arm_features_; }
  double intercept() const noexcept { return intercept_; }
  /// Shared slopes (d).
  const Eigen::VectorXd& shared_coefficients() const noexcept { return beta_; }
  /// n_arms x (1 + |arm_features|): arm intercept b_a, then gamma_a; row 0 is zero.
  const Eigen::MatrixXd& arm_coefficients() const noexcept { return arm_; }

 private:
  std::size_t n_arms_ = 0;
  std::vector<std::size_t> arm_features_;
  double intercept_ = 0;
  Eigen::VectorXd beta_;
  Eigen::MatrixXd arm_;
};

}  // namespace attune::select::ope
