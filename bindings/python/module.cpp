// attune._attune: the compiled layer of the Python package. It mirrors the C++ API; the pure-
// Python package `attune` adds the friendly layer (numpy/pandas conveniences, estimators).
// Each component binds itself in its own bind_*.cpp file.
#include "bindings.hpp"

#include "attune/error.hpp"
#include "attune/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_attune, m) {
  m.doc() = "attune compiled core (use the `attune` package instead of importing this directly)";
  m.attr("__version__") = attune::version_string();

  // attune::invalid_argument derives from std::invalid_argument, which pybind11 already maps to
  // ValueError. Every other attune::error becomes attune.AttuneError with a `status` attribute.
  static py::exception<attune::error> attune_error(m, "AttuneError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const attune::error& e) {
      py::object exc = py::reinterpret_borrow<py::object>(attune_error.ptr())(e.what());
      exc.attr("status") = attune::status_name(e.code());  // before raising: setattr with a pending error fails
      PyErr_SetObject(attune_error.ptr(), exc.ptr());
    }
  });
  m.def("status_name", [](int code) { return attune::status_name(static_cast<attune::status>(code)); },
        "Name of a status code (e.g. -2 -> 'invalid_utf8').");

  attune::python::bind_text(m);
  attune::python::bind_engine(m);
  attune::python::bind_ethics(m);

  attune::python::bind_behavior(m);

  attune::python::bind_emotion(m);
  attune::python::bind_dynamics(m);
  // Components add their bind_* calls here, one line each.
  attune::python::bind_ope(m);
  attune::python::bind_select(m);
}
