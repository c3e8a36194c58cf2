// Reward models for DR / direct-method OPE (see include/attune/select/ope_reward_model.hpp).
#include "attune/select/ope_reward_model.hpp"

#include "attune/error.hpp"

#include <cmath>
#include <string>

namespace attune::select::ope {

TabularRewardModel TabularRewardModel::fit(const std::size_t* cells, const double* rewards, std::size_t n,
                                           std::size_t n_cells, double prior_strength) {
  if (n == 0 || cells == nullptr || rewards == nullptr)
    throw invalid_argument("TabularRewardModel: no rows to fit");
  if (n_cells == 0) throw invalid_argument("TabularRewardModel: n_cells must be > 0");
  if (!(prior_strength >= 0.0) || !std::isfinite(prior_strength))
    throw invalid_argument("TabularRewardModel: prior_strength must be finite and >= 0", status::out_of_range);
  std::vector<double> sum(n_cells, 0.0), count(n_cells, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (cells[i] >= n_cells)
      throw invalid_argument("TabularRewardModel: cell " + std::to_string(cells[i]) + " at row " +
                                 std::to_string(i) + " is out of range",
                             status::out_of_range);
    if (!std::isfinite(rewards[i]))
      throw invalid_argument("TabularRewardModel: reward at row " + std::to_string(i) + " is not finite",
                             status::out_of_range);
    sum[cells[i]] += rewards[i];
    count[cells[i]] += 1.0;
    total += rewards[i];
  }
  TabularRewardModel m;
  m.global_mean_ = total / static_cast<double>(n);
  m.q_.resize(n_cells);
  for (std::size_t c = 0; c < n_cells; ++c) {
    const double den = count[c] + prior_strength;
    m.q_[c] = den > 0 ? (sum[c] + prior_strength * m.global_mean_) / den : m.global_mean_;
  }
  return m;
}

double TabularRewardModel::predict(std::size_t cell) const {
  if (cell >= q_.size()) throw invalid_argument("TabularRewardModel: cell out of range", status::out_of_range);
  return q_[cell];
}

namespace {
double sigmoid(double z) {
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}
void check_options(const LogisticOptions& options) {
  if (!(options.l2 >= 0.0) || !std::isfinite(options.l2) || options.max_iterations < 1 || !(options.tolerance > 0))
    throw invalid_argument("logistic: l2 must be finite >= 0, max_iterations >= 1, tolerance > 0",
                           status::out_of_range);
}

void check_rows(const RowMatrix& X, const std::int64_t* actions, const double* rewards, std::size_t n_arms,
                const char* who) {
  const auto n = static_cast<std::size_t>(X.rows());
  if (n == 0 || actions == nullptr || rewards == nullptr) throw invalid_argument(std::string(who) + ": no rows to fit");
  if (n_arms == 0) throw invalid_argument(std::string(who) + ": n_arms must be > 0");
  if (!X.allFinite()) throw invalid_argument(std::string(who) + ": features must be finite", status::out_of_range);
  for (std::size_t i = 0; i < n; ++i) {
    if (actions[i] < 0 || static_cast<std::uint64_t>(actions[i]) >= n_arms)
      throw invalid_argument(std::string(who) + ": action at row " + std::to_string(i) + " is out of range",
                             status::out_of_range);
    if (!(rewards[i] >= 0.0 && rewards[i] <= 1.0))
      throw invalid_argument(std::string(who) + ": reward at row " + std::to_string(i) + " must be in [0, 1]",
                             status::out_of_range);
  }
}

// L2-penalized logistic regression by Newton's method (IRLS). Column 0 of Z is the intercept,
// which gets only a tiny ridge that keeps the Hessian positive definite. Starting from the
// intercept at the logit of the mean reward puts Newton close to the optimum from step one.
Eigen::VectorXd newton_logistic(const Eigen::MatrixXd& Z, const Eigen::VectorXd& y, const LogisticOptions& options) {
  const Eigen::Index m = Z.rows(), p = Z.cols();
  const double mean = std::min(std::max(y.mean(), 1e-6), 1.0 - 1e-6);
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  beta(0) = std::log(mean / (1.0 - mean));
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(p, options.l2);
  penalty(0) = 1e-8;
  for (int it = 0; it < options.max_iterations; ++it) {
    const Eigen::VectorXd eta = Z * beta;
    Eigen::VectorXd pr(m), wts(m);
    for (Eigen::Index r = 0; r < m; ++r) {
      pr(r) = sigmoid(eta(r));
      wts(r) = std::max(pr(r) * (1.0 - pr(r)), 1e-12);
    }
    const Eigen::VectorXd grad = Z.transpose() * (pr - y) + penalty.cwiseProduct(beta);
    Eigen::MatrixXd H = Z.transpose() * wts.asDiagonal() * Z;
    H.diagonal() += penalty;
    const Eigen::VectorXd step = H.ldlt().solve(grad);
    beta -= step;
    if (step.cwiseAbs().maxCoeff() < options.tolerance) break;
  }
  return beta;
}

std::vector<std::int64_t> argmax_rows(const RowMatrix& q) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(q.rows()));
  for (Eigen::Index i = 0; i < q.rows(); ++i) {
    Eigen::Index best = 0;
    for (Eigen::Index a = 1; a < q.cols(); ++a)
      if (q(i, a) > q(i, best)) best = a;
    out[static_cast<std::size_t>(i)] = best;
  }
  return out;
}

}  // namespace

ArmwiseLogistic ArmwiseLogistic::fit(const RowMatrix& X, const std::int64_t* actions, const double* rewards,
                                     std::size_t n_arms, const LogisticOptions& options) {
  check_options(options);
  check_rows(X, actions, rewards, n_arms, "ArmwiseLogistic");
  const auto n = static_cast<std::size_t>(X.rows());
  const auto d = static_cast<Eigen::Index>(X.cols());
  std::vector<std::vector<Eigen::Index>> rows(n_arms);
  for (std::size_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(actions[i])].push_back(static_cast<Eigen::Index>(i));
  ArmwiseLogistic model;
  model.coef_ = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n_arms), d + 1);
  for (std::size_t a = 0; a < n_arms; ++a) {
    const auto& idx = rows[a];
    if (idx.empty()) throw invalid_argument("ArmwiseLogistic: arm " + std::to_string(a) + " has no rows");
    const auto m = static_cast<Eigen::Index>(idx.size());
    Eigen::MatrixXd Z(m, d + 1);
    Eigen::VectorXd y(m);
    for (Eigen::Index r = 0; r < m; ++r) {
      Z(r, 0) = 1.0;
      Z.row(r).tail(d) = X.row(idx[static_cast<std::size_t>(r)]);
      y(r) = rewards[idx[static_cast<std::size_t>(r)]];
    }
    const Eigen::VectorXd beta = newton_logistic(Z, y, options);
    model.coef_.row(static_cast<Eigen::Index>(a)) = beta.transpose();
  }
  return model;
}

RowMatrix ArmwiseLogistic::predict(const RowMatrix& X) const {
  if (static_cast<std::size_t>(X.cols()) != n_features())
    throw invalid_argument("ArmwiseLogistic: expected " + std::to_string(n_features()) + " features, got " +
                           std::to_string(X.cols()));
  if (!X.allFinite()) throw invalid_argument("ArmwiseLogistic: features must be finite", status::out_of_range);
  const Eigen::Index d = X.cols();
  RowMatrix eta = (X * coef_.rightCols(d).transpose()).rowwise() + coef_.col(0).transpose();
  return eta.unaryExpr([](double z) { return sigmoid(z); });
}

std::vector<std::int64_t> ArmwiseLogistic::greedy(const RowMatrix& X) const { return argmax_rows(predict(X)); }

SharedLogistic SharedLogistic::fit(const RowMatrix& X, const std::int64_t* actions, const double* rewards,
                                   std::size_t n_arms, const std::vector<std::size_t>& arm_features,
                                   const LogisticOptions& options) {
  check_options(options);
  check_rows(X, actions, rewards, n_arms, "SharedLogistic");
  const auto d = static_cast<std::size_t>(X.cols());
  for (std::size_t k = 0; k < arm_features.size(); ++k) {
    if (arm_features[k] >= d) throw invalid_argument("SharedLogistic: arm feature index out of range", status::out_of_range);
    for (std::size_t j = 0; j < k; ++j)
      if (arm_features[j] == arm_features[k]) throw invalid_argument("SharedLogistic: duplicate arm feature index");
  }
  const Eigen::Index n = X.rows();
  const std::size_t nz = arm_features.size(), per_arm = 1 + nz;
  const auto p = static_cast<Eigen::Index>(1 + d + (n_arms - 1) * per_arm);
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(n, p);
  Eigen::VectorXd y(n);
  std::vector<std::size_t> seen(n_arms, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto a = static_cast<std::size_t>(actions[i]);
    ++seen[a];
    Z(i, 0) = 1.0;
    Z.row(i).segment(1, static_cast<Eigen::Index>(d)) = X.row(i);
    if (a > 0) {
      const auto base = static_cast<Eigen::Index>(1 + d + (a - 1) * per_arm);
      Z(i, base) = 1.0;
      for (std::size_t k = 0; k < nz; ++k) Z(i, base + 1 + static_cast<Eigen::Index>(k)) = X(i, static_cast<Eigen::Index>(arm_features[k]));
    }
    y(i) = rewards[i];
  }
  for (std::size_t a = 0; a < n_arms; ++a)
    if (seen[a] == 0) throw invalid_argument("SharedLogistic: arm " + std::to_string(a) + " has no rows");
  const Eigen::VectorXd beta = newton_logistic(Z, y, options);
  SharedLogistic m;
  m.n_arms_ = n_arms;
  m.arm_features_ = arm_features;
  m.intercept_ = beta(0);
  m.beta_ = beta.segment(1, static_cast<Eigen::Index>(d));
  m.arm_ = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n_arms), static_cast<Eigen::Index>(per_arm));
  for (std::size_t a = 1; a < n_arms; ++a)
    m.arm_.row(static_cast<Eigen::Index>(a)) =
        beta.segment(static_cast<Eigen::Index>(1 + d + (a - 1) * per_arm), static_cast<Eigen::Index>(per_arm)).transpose();
  return m;
}

RowMatrix SharedLogistic::predict(const RowMatrix& X) const {
  if (static_cast<std::size_t>(X.cols()) != n_features())
    throw invalid_argument("SharedLogistic: expected " + std::to_string(n_features()) + " features, got " +
                           std::to_string(X.cols()));
  if (!X.allFinite()) throw invalid_argument("SharedLogistic: features must be finite", status::out_of_range);
  const Eigen::VectorXd base = (X * beta_).array() + intercept_;
  RowMatrix q(X.rows(), static_cast<Eigen::Index>(n_arms_));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    for (std::size_t a = 0; a < n_arms_; ++a) {
      const auto ai = static_cast<Eigen::Index>(a);
      double eta = base(i) + arm_(ai, 0);
      for (std::size_t k = 0; k < arm_features_.size(); ++k)
        eta += arm_(ai, 1 + static_cast<Eigen::Index>(k)) * X(i, static_cast<Eigen::Index>(arm_features_[k]));
      q(i, ai) = sigmoid(eta);
    }
  }
  return q;
}

std::vector<std::int64_t> SharedLogistic::greedy(const RowMatrix& X) const { return argmax_rows(predict(X)); }

}  // namespace attune::select::ope
