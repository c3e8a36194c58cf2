// Internal: the O(d^2) loops of the linear model, written so that the compiler vectorizes them
// without reassociating any sum (element-wise updates only; dot products stay sequential). The
// results are therefore bit-identical whichever instruction set runs them, which keeps policies
// deterministic across machines, while x86-64 hosts with AVX2/AVX-512 get wider vectors through
// function multi-versioning (target_clones; the loader picks the variant at start-up).
#pragma once

#include <cstddef>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__)
#define ATTUNE_SELECT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ATTUNE_SELECT_CLONES
#endif

namespace attune::select::detail {

/// y = A x for a d x d column-major matrix A. Four columns per pass, so y is loaded and stored
/// a quarter as often (the loop is bound by memory traffic, not arithmetic). Element i of y
/// always accumulates the columns in the same order, whatever the vector width.
ATTUNE_SELECT_CLONES
inline void symv(const double* __restrict a, const double* __restrict x, double* __restrict y, size_t d) noexcept {
  size_t j = 0;
  {
    const double x0 = x[0];
    const double* __restrict c0 = a;
    if (d >= 4) {
      const double x1 = x[1], x2 = x[2], x3 = x[3];
      const double* __restrict c1 = a + d;
      const double* __restrict c2 = a + 2 * d;
      const double* __restrict c3 = a + 3 * d;
      for (size_t i = 0; i < d; ++i) y[i] = ((c0[i] * x0 + c1[i] * x1) + c2[i] * x2) + c3[i] * x3;
      j = 4;
    } else {
      for (size_t i = 0; i < d; ++i) y[i] = c0[i] * x0;
      j = 1;
    }
  }
  for (; j + 4 <= d; j += 4) {
    const double x0 = x[j], x1 = x[j + 1], x2 = x[j + 2], x3 = x[j + 3];
    const double* __restrict c0 = a + j * d;
    const double* __restrict c1 = c0 + d;
    const double* __restrict c2 = c1 + d;
    const double* __restrict c3 = c2 + d;
    for (size_t i = 0; i < d; ++i) y[i] = (((y[i] + c0[i] * x0) + c1[i] * x1) + c2[i] * x2) + c3[i] * x3;
  }
  for (; j < d; ++j) {
    const double xj = x[j];
    const double* __restrict col = a + j * d;
    for (size_t i = 0; i < d; ++i) y[i] += col[i] * xj;
  }
}

/// y = A x in single precision (the variance path of choose(): half the memory traffic of
/// double; the variance only scales exploration, so 1e-7 relative error does not matter).
ATTUNE_SELECT_CLONES
inline void symv_f(const float* __restrict a, const float* __restrict x, float* __restrict y, size_t d) noexcept {
  for (size_t i = 0; i < d; ++i) y[i] = 0.0f;
  size_t j = 0;
  for (; j + 4 <= d; j += 4) {
    const float x0 = x[j], x1 = x[j + 1], x2 = x[j + 2], x3 = x[j + 3];
    const float* __restrict c0 = a + j * d;
    const float* __restrict c1 = c0 + d;
    const float* __restrict c2 = c1 + d;
    const float* __restrict c3 = c2 + d;
    for (size_t i = 0; i < d; ++i) y[i] = (((y[i] + c0[i] * x0) + c1[i] * x1) + c2[i] * x2) + c3[i] * x3;
  }
  for (; j < d; ++j) {
    const float xj = x[j];
    const float* __restrict col = a + j * d;
    for (size_t i = 0; i < d; ++i) y[i] += col[i] * xj;
  }
}

/// A += c u v^T (column-major, d x d).
ATTUNE_SELECT_CLONES
inline void rank1(double* __restrict a, double c, const double* __restrict u, const double* __restrict v, size_t d) noexcept {
  for (size_t j = 0; j < d; ++j) {
    const double s = c * v[j];
    double* __restrict col = a + j * d;
    for (size_t i = 0; i < d; ++i) col[i] += u[i] * s;
  }
}

/// a . b with four partial sums in a fixed order (deterministic; four times shorter dependency
/// chain than one running sum).
inline double dot(const double* a, const double* b, size_t d) noexcept {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < d; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

/// Two dot products with one pass: returns a.x, stores b.x in *second.
inline double dot2(const double* a, const double* b, const double* x, size_t d, double* second) noexcept {
  *second = dot(b, x, d);
  return dot(a, x, d);
}

/// sum y[i] * x[i] with y in single precision, four partial sums.
inline double dot_fd(const float* y, const double* x, size_t d) noexcept {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    s0 += static_cast<double>(y[i]) * x[i];
    s1 += static_cast<double>(y[i + 1]) * x[i + 1];
    s2 += static_cast<double>(y[i + 2]) * x[i + 2];
    s3 += static_cast<double>(y[i + 3]) * x[i + 3];
  }
  for (; i < d; ++i) s0 += static_cast<double>(y[i]) * x[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace attune::select::detail
