// Hillstrom e-mail targeting: learn a T-learner policy, evaluate it off-policy
// (see attune/select/ope_hillstrom.hpp).
#include "attune/select/ope_hillstrom.hpp"

#include "attune/error.hpp"
#include "ope_csv.hpp"
#include "ope_split.hpp"

#include <cmath>
#include <functional>

namespace attune::select::ope {

namespace {

constexpr std::size_t kFeatures = 13;

void fill_features(RowMatrix& X, Eigen::Index r, double recency, double history, double mens, double womens,
                   const std::string& zip, double newbie, const std::string& channel) {
  const double rec = recency / 12.0, hist = std::log1p(std::max(history, 0.0)) / 7.0;
  const double f[kFeatures] = {rec,
                               hist,
                               mens,
                               womens,
                               mens * womens,
                               newbie,
                               zip == "Urban" ? 1.0 : 0.0,
                               zip == "Rural" ? 1.0 : 0.0,
                               channel == "Web" ? 1.0 : 0.0,
                               channel == "Multichannel" ? 1.0 : 0.0,
                               rec * mens,
                               rec * womens,
                               hist * newbie};
  for (std::size_t k = 0; k < kFeatures; ++k) X(r, static_cast<Eigen::Index>(k)) = f[k];
}

HillstromData subset(const HillstromData& d, const std::vector<std::size_t>& rows) {
  HillstromData out;
  out.features.resize(static_cast<Eigen::Index>(rows.size()), d.features.cols());
  out.arm.reserve(rows.size());
  out.visit.reserve(rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    out.features.row(static_cast<Eigen::Index>(k)) = d.features.row(static_cast<Eigen::Index>(rows[k]));
    out.arm.push_back(d.arm[rows[k]]);
    out.visit.push_back(d.visit[rows[k]]);
  }
  return out;
}

// Per-row terms of IPS and DR for a deterministic policy (arm chosen per row), as used by both
// the estimates and the paired differences.
struct PolicyTerms {
  std::vector<double> target, q_logged, q_target;
};

PolicyTerms policy_terms(const HillstromData& ev, const RowMatrix& q, const std::vector<std::int64_t>& choice) {
  PolicyTerms t;
  const std::size_t n = ev.size();
  t.target.resize(n);
  t.q_logged.resize(n);
  t.q_target.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    t.target[i] = choice[i] == ev.arm[i] ? 1.0 : 0.0;
    t.q_logged[i] = q(r, static_cast<Eigen::Index>(ev.arm[i]));
    t.q_target[i] = q(r, static_cast<Eigen::Index>(choice[i]));
  }
  return t;
}

PolicyDifference paired(const std::string& name, const std::vector<double>& a, const std::vector<double>& b,
                        double confidence) {
  const std::size_t n = a.size();
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += a[i] - b[i];
  mean /= static_cast<double>(n);
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) ss += (a[i] - b[i] - mean) * (a[i] - b[i] - mean);
  PolicyDifference d;
  d.estimator = name;
  d.value = mean;
  d.std_error = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
  const double z = normal_quantile(0.5 + confidence / 2);
  d.lower = mean - z * d.std_error;
  d.upper = mean + z * d.std_error;
  return d;
}

}  // namespace

const std::vector<std::string>& hillstrom_feature_names() {
  static const std::vector<std::string> names = {
      "recency/12",   "log1p(history)/7", "mens",        "womens",           "mens*womens",
      "newbie",       "zip_urban",        "zip_rural",   "channel_web",      "channel_multichannel",
      "recency*mens", "recency*womens",   "history*newbie"};
  return names;
}

HillstromData load_hillstrom(const std::string& path) {
  const auto t = detail::CsvTable::read(path);
  const std::size_t c_rec = t.column("recency"), c_hist = t.column("history"), c_mens = t.column("mens"),
                    c_wom = t.column("womens"), c_zip = t.column("zip_code"), c_new = t.column("newbie"),
                    c_chan = t.column("channel"), c_seg = t.column("segment"), c_visit = t.column("visit");
  const std::size_t n = t.rows();
  if (n == 0) throw error(status::parse_error, path + ": no rows");
  HillstromData d;
  d.features.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(kFeatures));
  d.arm.resize(n);
  d.visit.resize(n);
  auto fail = [&](std::size_t r, const std::string& what) {
    throw error(status::parse_error, path + " line " + std::to_string(r + 2) + ": " + what);
  };
  for (std::size_t r = 0; r < n; ++r) {
    const std::string& seg = t.cell(r, c_seg);
    std::int64_t arm = -1;
    for (std::size_t a = 0; a < kHillstromArms; ++a)
      if (seg == kHillstromArmNames[a]) arm = static_cast<std::int64_t>(a);
    if (arm < 0) fail(r, "unknown segment '" + seg + "'");
    const std::string& zip = t.cell(r, c_zip);
    if (zip != "Urban" && zip != "Surburban" && zip != "Rural") fail(r, "unknown zip_code '" + zip + "'");
    const std::string& chan = t.cell(r, c_chan);
    if (chan != "Phone" && chan != "Web" && chan != "Multichannel") fail(r, "unknown channel '" + chan + "'");
    const double visit = t.number(r, c_visit), mens = t.number(r, c_mens), womens = t.number(r, c_wom),
                 newbie = t.number(r, c_new), rec = t.number(r, c_rec), hist = t.number(r, c_hist);
    for (double b : {visit, mens, womens, newbie})
      if (b != 0 && b != 1) fail(r, "visit, mens, womens and newbie must be 0 or 1");
    if (!std::isfinite(rec) || !std::isfinite(hist) || hist < 0) fail(r, "recency/history out of range");
    fill_features(d.features, static_cast<Eigen::Index>(r), rec, hist, mens, womens, zip, newbie, chan);
    d.arm[r] = arm;
    d.visit[r] = visit;
  }
  return d;
}

HillstromReport evaluate_hillstrom(const HillstromData& train_in, const HillstromData* eval_in,
                                   const HillstromOptions& options) {
  validate(options.ope);
  if (options.folds == 1) throw invalid_argument("hillstrom: folds must be 0 (single split) or >= 2");
  if (!(options.eval_fraction > 0 && options.eval_fraction < 1))
    throw invalid_argument("hillstrom: eval_fraction must be in (0, 1)", status::out_of_range);
  if (!(options.propensity > 0 && options.propensity <= 1))
    throw invalid_argument("hillstrom: propensity must be in (0, 1]", status::out_of_range);
  if (train_in.size() < 10) throw invalid_argument("hillstrom: too few training rows");

  HillstromReport rep;
  // Arm shares over everything read: the design says 1/3 each.
  {
    std::array<double, kHillstromArms> cnt{};
    std::size_t total = 0;
    for (const HillstromData* d : {&train_in, eval_in}) {
      if (!d) continue;
      for (auto a : d->arm) cnt[static_cast<std::size_t>(a)] += 1;
      total += d->size();
    }
    for (std::size_t a = 0; a < kHillstromArms; ++a) rep.arm_share_all[a] = cnt[a] / static_cast<double>(total);
  }

  // The model lives only for this call: the data set has no license that allows shipping it.
  auto fit_predict = [&](const HillstromData& tr, const HillstromData& te, RowMatrix& q_out,
                         std::vector<std::int64_t>& choice_out) {
    if (options.model == HillstromModel::shared) {
      const auto m = SharedLogistic::fit(tr.features, tr.arm.data(), tr.visit.data(), kHillstromArms,
                                         options.arm_features, options.logistic);
      q_out = m.predict(te.features);
      choice_out = m.greedy(te.features);
    } else if (options.model == HillstromModel::per_arm) {
      const auto m = ArmwiseLogistic::fit(tr.features, tr.arm.data(), tr.visit.data(), kHillstromArms, options.logistic);
      q_out = m.predict(te.features);
      choice_out = m.greedy(te.features);
    } else {
      throw invalid_argument("hillstrom: unknown model kind");
    }
  };

  HillstromData eval_rows;  // the rows evaluated, in evaluation order
  const HillstromData* ev = eval_in;
  RowMatrix q;
  std::vector<std::int64_t> targeting;
  if (eval_in) {
    if (eval_in->size() < 2) throw invalid_argument("hillstrom: too few evaluation rows");
    fit_predict(train_in, *eval_in, q, targeting);
    rep.n_train = train_in.size();
  } else if (options.folds >= 2) {
    // Cross-fitting: every row is evaluated by the policy learned on the other folds.
    if (options.folds > train_in.size() / 2) throw invalid_argument("hillstrom: too many folds for the data");
    const auto order = detail::shuffled_indices(train_in.size(), options.seed);
    std::vector<std::size_t> all_eval;
    q.resize(static_cast<Eigen::Index>(train_in.size()), static_cast<Eigen::Index>(kHillstromArms));
    targeting.reserve(train_in.size());
    for (std::size_t f = 0; f < options.folds; ++f) {
      std::vector<std::size_t> tr_rows, te_rows;
      for (std::size_t k = 0; k < order.size(); ++k) (k % options.folds == f ? te_rows : tr_rows).push_back(order[k]);
      RowMatrix qf;
      std::vector<std::int64_t> cf;
      fit_predict(subset(train_in, tr_rows), subset(train_in, te_rows), qf, cf);
      q.middleRows(static_cast<Eigen::Index>(all_eval.size()), qf.rows()) = qf;
      targeting.insert(targeting.end(), cf.begin(), cf.end());
      all_eval.insert(all_eval.end(), te_rows.begin(), te_rows.end());
      rep.n_train = tr_rows.size();
    }
    eval_rows = subset(train_in, all_eval);
    ev = &eval_rows;
  } else {
    const auto order = detail::shuffled_indices(train_in.size(), options.seed);
    const auto n_eval = static_cast<std::size_t>(std::llround(options.eval_fraction * static_cast<double>(train_in.size())));
    if (n_eval < 2 || n_eval + 10 > train_in.size()) throw invalid_argument("hillstrom: eval_fraction leaves too few rows");
    std::vector<std::size_t> ev_idx(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_eval));
    std::vector<std::size_t> tr_idx(order.begin() + static_cast<std::ptrdiff_t>(n_eval), order.end());
    eval_rows = subset(train_in, ev_idx);
    fit_predict(subset(train_in, tr_idx), eval_rows, q, targeting);
    rep.n_train = tr_idx.size();
    ev = &eval_rows;
  }
  rep.n_eval = ev->size();
  const std::size_t n = ev->size();

  std::array<double, kHillstromArms> visits{};
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<std::size_t>(ev->arm[i]);
    rep.eval_arm_rows[a] += 1;
    visits[a] += ev->visit[i];
  }
  for (std::size_t a = 0; a < kHillstromArms; ++a)
    rep.eval_arm_visit_rate[a] = rep.eval_arm_rows[a] ? visits[a] / static_cast<double>(rep.eval_arm_rows[a]) : 0.0;

  const std::vector<double> prop(n, options.propensity);
  struct Named { std::string name; std::vector<std::int64_t> choice; };
  std::vector<Named> policies;
  policies.push_back({"targeting", targeting});
  policies.push_back({"always_mens", std::vector<std::int64_t>(n, 0)});
  policies.push_back({"always_womens", std::vector<std::int64_t>(n, 1)});
  policies.push_back({"no_email", std::vector<std::int64_t>(n, 2)});

  std::vector<std::vector<double>> ips_terms, dr_terms;
  for (const auto& p : policies) {
    const PolicyTerms t = policy_terms(*ev, q, p.choice);
    Logs logs;
    logs.reward = ev->visit.data();
    logs.propensity = prop.data();
    logs.target = t.target.data();
    logs.size = n;
    logs.q_logged = t.q_logged.data();
    logs.q_target = t.q_target.data();
    HillstromPolicyResult r;
    r.policy = p.name;
    for (auto c : p.choice) r.share[static_cast<std::size_t>(c)] += 1.0;
    for (auto& sh : r.share) sh /= static_cast<double>(n);
    r.ips = ips(logs, options.ope);
    r.snips = snips(logs, options.ope);
    r.dr = dr(logs, options.ope);
    rep.policies.push_back(r);
    std::vector<double> ti(n), td(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double w = std::min(t.target[i] / options.propensity, options.ope.clip);
      ti[i] = w * ev->visit[i];
      td[i] = t.q_target[i] + w * (ev->visit[i] - t.q_logged[i]);
    }
    ips_terms.push_back(std::move(ti));
    dr_terms.push_back(std::move(td));
  }
  rep.targeting_minus_mens.push_back(paired("ips", ips_terms[0], ips_terms[1], options.ope.confidence));
  rep.targeting_minus_mens.push_back(paired("dr", dr_terms[0], dr_terms[1], options.ope.confidence));
  return rep;
}

}  // namespace attune::select::ope
