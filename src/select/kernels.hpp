// Internal: the O(d^2) loops of the linear model, written so that the compiler vectorizes them
// without reassociating any sum (element-wise updates only; dot products stay sequential). The
// results are therefore bit-identical whichever instruction set runs them, which keeps policies
// deterministic across machines, while x86-64 hosts with AVX2/AVX-512 get wider vectors through
// function multi-versioning (target_clones; the loader picks the variant at start-up).
#pragma once

#include <cstddef>

// (Sanitizer runtimes are not initialized when ifunc resolvers run, so sanitizer builds use one version.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
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

/// Offset of column j in a packed lower triangle (column-major, diagonal included) of order d.
constexpr size_t packed_offset(size_t j, size_t d) noexcept { return j * d - j * (j - 1) / 2; }

/// Pack the lower triangle of a column-major d x d double matrix into single precision.
inline void pack_lower_f(const double* a, size_t d, float* out) noexcept {
  for (size_t j = 0; j < d; ++j) {
    const double* col = a + j * d;
    float* o = out + packed_offset(j, d) - j;
    for (size_t i = j; i < d; ++i) o[i] = static_cast<float>(col[i]);
  }
}

/// z^T A z for a symmetric A given as a packed lower triangle in single precision: half the
/// memory traffic of the full matrix, and only element-wise updates (y_i accumulates the strictly
/// lower part, four columns per pass), so the result does not depend on the vector width.
ATTUNE_SELECT_CLONES
inline double quad_form_packed_f(const float* __restrict a, const float* __restrict z, float* __restrict y,
                                 size_t d) noexcept {
  for (size_t i = 0; i < d; ++i) y[i] = 0.0f;
  size_t j = 0;
  for (; j + 4 <= d; j += 4) {
    const float z0 = z[j], z1 = z[j + 1], z2 = z[j + 2], z3 = z[j + 3];
    // column pointers indexed by row: c_k[i] = A(i, j+k)
    const float* __restrict c0 = a + packed_offset(j, d) - j;
    const float* __restrict c1 = a + packed_offset(j + 1, d) - (j + 1);
    const float* __restrict c2 = a + packed_offset(j + 2, d) - (j + 2);
    const float* __restrict c3 = a + packed_offset(j + 3, d) - (j + 3);
    y[j + 1] += c0[j + 1] * z0;
    y[j + 2] = (y[j + 2] + c0[j + 2] * z0) + c1[j + 2] * z1;
    y[j + 3] = ((y[j + 3] + c0[j + 3] * z0) + c1[j + 3] * z1) + c2[j + 3] * z2;
    for (size_t i = j + 4; i < d; ++i) y[i] = (((y[i] + c0[i] * z0) + c1[i] * z1) + c2[i] * z2) + c3[i] * z3;
  }
  for (; j < d; ++j) {
    const float zj = z[j];
    const float* __restrict c = a + packed_offset(j, d) - j;
    for (size_t i = j + 1; i < d; ++i) y[i] += c[i] * zj;
  }
  // z^T A z = sum_i z_i (2 y_i + A_ii z_i), four partial sums in double (fixed order)
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t off = 0, i = 0;  // off = packed_offset(i, d), advanced incrementally
  for (; i + 4 <= d; i += 4) {
    const double a0 = a[off];
    off += d - i;
    const double a1 = a[off];
    off += d - i - 1;
    const double a2 = a[off];
    off += d - i - 2;
    const double a3 = a[off];
    off += d - i - 3;
    const double z0 = z[i], z1 = z[i + 1], z2 = z[i + 2], z3 = z[i + 3];
    s0 += z0 * (2.0 * static_cast<double>(y[i]) + a0 * z0);
    s1 += z1 * (2.0 * static_cast<double>(y[i + 1]) + a1 * z1);
    s2 += z2 * (2.0 * static_cast<double>(y[i + 2]) + a2 * z2);
    s3 += z3 * (2.0 * static_cast<double>(y[i + 3]) + a3 * z3);
  }
  for (; i < d; ++i) {
    const double zi = z[i];
    s0 += zi * (2.0 * static_cast<double>(y[i]) + static_cast<double>(a[off]) * zi);
    off += d - i;
  }
  return (s0 + s1) + (s2 + s3);
}

/// Packed lower triangle of z z^T with the off-diagonal entries doubled, in single precision, so
/// that z^T A z = sum(packed(A) .* P) for a symmetric A.
ATTUNE_SELECT_CLONES
inline void outer_packed_f(const double* __restrict z, size_t d, float* __restrict out) noexcept {
  for (size_t j = 0; j < d; ++j) {
    const double zj = z[j];
    float* __restrict o = out + packed_offset(j, d) - j;
    o[j] = static_cast<float>(zj * zj);
    const double twice = 2.0 * zj;
    for (size_t i = j + 1; i < d; ++i) o[i] = static_cast<float>(twice * z[i]);
  }
}

/// Lane count of the single-precision dot products below: element i goes to lane i mod 32, each
/// lane sums in index order and the lanes are reduced pairwise in double in a fixed order, so the
/// result does not depend on the vector width (one AVX-512 accumulator pair, four AVX2 ones).
inline constexpr size_t kDotLanes = 32;

inline double reduce_lanes(const float* acc) noexcept {
  double sum[kDotLanes / 2];
  for (size_t l = 0; l < kDotLanes / 2; ++l) sum[l] = static_cast<double>(acc[l]) + static_cast<double>(acc[l + kDotLanes / 2]);
  for (size_t w = kDotLanes / 4; w >= 1; w /= 2)
    for (size_t l = 0; l < w; ++l) sum[l] += sum[l + w];
  return sum[0];
}

/// sum a[i] * b[i] over n floats (lanes as above).
ATTUNE_SELECT_CLONES
inline double dot_lanes_f(const float* __restrict a, const float* __restrict b, size_t n) noexcept {
  float acc[kDotLanes] = {0.0f};
  size_t i = 0;
  for (; i + kDotLanes <= n; i += kDotLanes)
    for (size_t l = 0; l < kDotLanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (size_t l = 0; i < n; ++i, ++l) acc[l] += a[i] * b[i];
  return reduce_lanes(acc);
}

/// Four dot products against the same b in one pass: out[v] = dot_lanes_f(a_v, b, n), bit for
/// bit (same lanes, same order), but b is loaded once for four rows. The quadratic forms of
/// choose() are bound by load bandwidth, so this is about a quarter faster than four passes.
ATTUNE_SELECT_CLONES
inline void dot_lanes_f4(const float* __restrict a0, const float* __restrict a1, const float* __restrict a2,
                         const float* __restrict a3, const float* __restrict b, size_t n, double* out) noexcept {
  float c0[kDotLanes] = {0.0f}, c1[kDotLanes] = {0.0f}, c2[kDotLanes] = {0.0f}, c3[kDotLanes] = {0.0f};
  size_t i = 0;
  for (; i + kDotLanes <= n; i += kDotLanes)
    for (size_t l = 0; l < kDotLanes; ++l) {
      const float z = b[i + l];
      c0[l] += a0[i + l] * z;
      c1[l] += a1[i + l] * z;
      c2[l] += a2[i + l] * z;
      c3[l] += a3[i + l] * z;
    }
  for (size_t l = 0; i < n; ++i, ++l) {
    const float z = b[i];
    c0[l] += a0[i] * z;
    c1[l] += a1[i] * z;
    c2[l] += a2[i] * z;
    c3[l] += a3[i] * z;
  }
  out[0] = reduce_lanes(c0);
  out[1] = reduce_lanes(c1);
  out[2] = reduce_lanes(c2);
  out[3] = reduce_lanes(c3);
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
