// Reading OPE logs from CSV (see load_logs_csv in attune/select/ope.hpp).
#include "attune/select/ope.hpp"

#include "ope_csv.hpp"

namespace attune::select::ope {

OwnedLogs load_logs_csv(const std::string& path, const CsvColumns& columns) {
  const auto t = detail::CsvTable::read(path);
  auto read = [&](const std::string& name) {
    const std::size_t c = t.column(name);
    std::vector<double> v(t.rows());
    for (std::size_t r = 0; r < t.rows(); ++r) v[r] = t.number(r, c);
    return v;
  };
  OwnedLogs logs;
  logs.reward = read(columns.reward);
  logs.propensity = read(columns.propensity);
  logs.target = read(columns.target);
  if (t.has(columns.q_logged) && t.has(columns.q_target)) {
    logs.q_logged = read(columns.q_logged);
    logs.q_target = read(columns.q_target);
  }
  return logs;
}

}  // namespace attune::select::ope
