// Internal: one bind_* function per component, called from module.cpp.
#pragma once

#include <pybind11/pybind11.h>

namespace attune::python {

void bind_text(pybind11::module_& m);
void bind_engine(pybind11::module_& m);

void bind_select(pybind11::module_& m);
void bind_ethics(pybind11::module_& m);

void bind_behavior(pybind11::module_& m);

void bind_ope(pybind11::module_& m);  // attune::select::ope (bind_ope.cpp)
void bind_dynamics(pybind11::module_& m);

void bind_emotion(pybind11::module_& m);

}  // namespace attune::python
