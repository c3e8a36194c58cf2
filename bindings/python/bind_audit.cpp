// Python bindings of attune::ethics::AuditLog (the compiled layer; attune/audit.py is the
// friendly one). Fields cross the boundary as JSON text so Python's own json module decides the
// encoding (and refuses NaN) before nlohmann::json parses it.
#include "bindings.hpp"

#include "attune/error.hpp"
#include "attune/ethics/audit_log.hpp"

#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace attune::python {
namespace {

py::dict verify_result_dict(const ethics::AuditVerifyResult& r) {
  py::dict d;
  d["ok"] = r.ok;
  d["lines"] = r.lines;
  d["first_bad_line"] = r.first_bad_line;
  d["reason"] = r.reason;
  d["head"] = py::dict(py::arg("seq") = r.head.seq, py::arg("hash") = r.head.hash);
  return d;
}

ethics::AuditFsync parse_fsync(const std::string& s) {
  if (s == "every_record") return ethics::AuditFsync::every_record;
  if (s == "none") return ethics::AuditFsync::none;
  throw invalid_argument("fsync must be 'every_record' or 'none', not '" + s + "'");
}

ethics::AuditOnBroken parse_on_broken(const std::string& s) {
  if (s == "fail") return ethics::AuditOnBroken::fail;
  if (s == "truncate_torn_tail") return ethics::AuditOnBroken::truncate_torn_tail;
  if (s == "start_new") return ethics::AuditOnBroken::start_new;
  throw invalid_argument("on_broken must be 'fail', 'truncate_torn_tail' or 'start_new', not '" + s + "'");
}

}  // namespace

void bind_audit(py::module_& m) {
  py::class_<ethics::AuditLog>(m, "AuditLog", "Tamper-evident audit log (see docs/audit.md).")
      .def(py::init([](const std::string& path, std::optional<py::bytes> salt, const std::string& fsync,
                       const std::string& on_broken) {
             ethics::AuditOptions o;
             if (salt) o.salt = std::string(*salt);
             o.fsync = parse_fsync(fsync);
             o.on_broken = parse_on_broken(on_broken);
             py::gil_scoped_release release;
             return std::make_unique<ethics::AuditLog>(path, std::move(o));
           }),
           py::arg("path"), py::arg("salt") = py::none(), py::arg("fsync") = "every_record",
           py::arg("on_broken") = "fail")
      .def(
          "append",
          [](ethics::AuditLog& log, const std::string& kind, std::int64_t time_ms, const std::string& fields_json) {
            nlohmann::json fields = nlohmann::json::parse(fields_json, nullptr, false);
            if (fields.is_discarded()) throw invalid_argument("fields are not valid JSON", status::parse_error);
            py::gil_scoped_release release;
            return log.append(kind, time_ms, fields);
          },
          py::arg("kind"), py::arg("time_ms"), py::arg("fields_json") = "{}",
          "Append one record (fields as a JSON object text); returns its seq.")
      .def("pseudonymize", &ethics::AuditLog::pseudonymize, py::arg("customer_id"))
      .def("head",
           [](const ethics::AuditLog& log) {
             const ethics::AuditHead h = log.head();
             return py::make_tuple(h.seq, h.hash);
           })
      .def("sync", &ethics::AuditLog::sync, py::call_guard<py::gil_scoped_release>())
      .def("close", &ethics::AuditLog::close)
      .def_property_readonly("is_open", &ethics::AuditLog::is_open)
      .def_property_readonly("path", &ethics::AuditLog::path)
      .def_property_readonly("set_aside_path",
                             [](const ethics::AuditLog& log) { return log.open_report().set_aside_path; });

  m.def(
      "audit_verify",
      [](const std::string& path, std::uint64_t anchor_seq, const std::string& anchor_hash) {
        std::optional<ethics::AuditHead> anchor;
        if (anchor_seq > 0) anchor = ethics::AuditHead{anchor_seq, anchor_hash};
        ethics::AuditVerifyResult r;
        {
          py::gil_scoped_release release;
          r = ethics::AuditLog::verify(path, anchor);
        }
        return verify_result_dict(r);
      },
      py::arg("path"), py::arg("anchor_seq") = 0, py::arg("anchor_hash") = "",
      "Verify an audit log: dict with ok, lines, first_bad_line, reason, head.");
  m.def(
      "audit_pseudonymize",
      [](py::bytes salt, const std::string& customer_id) { return ethics::pseudonymize(std::string(salt), customer_id); },
      py::arg("salt"), py::arg("customer_id"));
  m.def("audit_read_salt_file", [](const std::string& path) { return py::bytes(ethics::read_salt_file(path)); },
        py::arg("path"));
  m.attr("AUDIT_KINDS") = ethics::AuditLog::kinds();
  m.attr("AUDIT_MAX_STRING_BYTES") = ethics::AuditLog::kMaxStringBytes;
}

}  // namespace attune::python
