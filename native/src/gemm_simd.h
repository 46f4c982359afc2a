// SIMD GEMM building blocks shared by the AVX2 and AVX-512 kits, written once against a small
// vector "traits" type V (V::T the register type, V::W its float lanes, and always-inline
// load/store/fma/widen helpers carrying the kit's target attribute). Each kit instantiates these
// inside its own target functions, so there is no run-time cost to the abstraction.
#pragma once
#include <cstdint>

#include "gemm_generic.h"

namespace st {
namespace gemm {
namespace {
namespace simd {

// Register-blocked micro-kernel: an MR × (NV·W) tile of C lives in MR·NV registers; each k-step
// loads NV vectors of packed B and broadcasts MR values of packed A (the compiler folds the
// broadcast into the FMA's memory operand where the ISA allows it).
template <class V, int MR, int NV>
ST_INLINE void ukr(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc, bool acc) {
  using T = typename V::T;
  T r[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
    for (int j = 0; j < NV; j++) r[i][j] = V::zero();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; p++) {
    T b[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; j++) b[j] = V::load(bp + j * V::W);
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      const T a = V::bcast(ap + i);
#pragma GCC unroll 8
      for (int j = 0; j < NV; j++) r[i][j] = V::fma(a, b[j], r[i][j]);
    }
    ap += MR;
    bp += NV * V::W;
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
#pragma GCC unroll 8
    for (int j = 0; j < NV; j++) {
      T v = r[i][j];
      if (acc) v = V::add(v, V::loadu(ci + j * V::W));
      V::storeu(ci + j * V::W, v);
    }
  }
}

// y[j] = Σ_p x[p]·W[j, p], four weight rows at a time so each x vector is loaded once per four
// rows; two accumulators per row hide the FMA latency. Bandwidth-bound: W streams once.
template <class V, int DT>
ST_INLINE void gemv_t_dt(const float* x, const void* w, int64_t k, int64_t j0, int64_t j1, float* y) {
  using T = typename V::T;
  constexpr int W = V::W;
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    T s[4][2];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) s[r][0] = s[r][1] = V::zero();
    int64_t p = 0;
    for (; p + 2 * W <= k; p += 2 * W) {
      const T x0 = V::loadu(x + p), x1 = V::loadu(x + p + W);
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++) {
        const int64_t base = (j + r) * k + p;
        s[r][0] = V::fma(x0, V::template loadw<DT>(w, base), s[r][0]);
        s[r][1] = V::fma(x1, V::template loadw<DT>(w, base + W), s[r][1]);
      }
    }
    for (; p + W <= k; p += W) {
      const T x0 = V::loadu(x + p);
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++) s[r][0] = V::fma(x0, V::template loadw<DT>(w, (j + r) * k + p), s[r][0]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
      float t = V::hsum(V::add(s[r][0], s[r][1]));
      for (int64_t q = p; q < k; q++) t += x[q] * detail::ld<DT, typename V::Half>(w, (j + r) * k + q);
      y[j + r] = t;
    }
  }
  for (; j < j1; j++) {
    T s = V::zero();
    int64_t p = 0;
    for (; p + W <= k; p += W) s = V::fma(V::loadu(x + p), V::template loadw<DT>(w, j * k + p), s);
    float t = V::hsum(s);
    for (; p < k; p++) t += x[p] * detail::ld<DT, typename V::Half>(w, j * k + p);
    y[j] = t;
  }
}

template <class V>
ST_INLINE void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_t_dt<V, F32>(x, w, k, j0, j1, y);
  else if (dtype == BF16) gemv_t_dt<V, BF16>(x, w, k, j0, j1, y);
  else gemv_t_dt<V, F16>(x, w, k, j0, j1, y);
}

// y[j] = Σ_p x[p]·W[p, j] for a column range: 8 vectors of y stay in registers while the k rows
// of that column strip stream past.
template <class V, int DT>
ST_INLINE void gemv_n_dt(const float* x, const void* w, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  using T = typename V::T;
  constexpr int W = V::W, U = 8;
  int64_t j = j0;
  for (; j + U * W <= j1; j += U * W) {
    T s[U];
#pragma GCC unroll 8
    for (int u = 0; u < U; u++) s[u] = V::zero();
    for (int64_t p = 0; p < k; p++) {
      const T xv = V::bcast(x + p);
#pragma GCC unroll 8
      for (int u = 0; u < U; u++) s[u] = V::fma(xv, V::template loadw<DT>(w, p * n + j + u * W), s[u]);
    }
#pragma GCC unroll 8
    for (int u = 0; u < U; u++) V::storeu(y + j + u * W, s[u]);
  }
  for (; j + W <= j1; j += W) {
    T s = V::zero();
    for (int64_t p = 0; p < k; p++) s = V::fma(V::bcast(x + p), V::template loadw<DT>(w, p * n + j), s);
    V::storeu(y + j, s);
  }
  if (j < j1) detail::gemv_n_dt<DT, typename V::Half>(x, w, k, n, j, j1, y);
}

template <class V>
ST_INLINE void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_n_dt<V, F32>(x, w, k, n, j0, j1, y);
  else if (dtype == BF16) gemv_n_dt<V, BF16>(x, w, k, n, j0, j1, y);
  else gemv_n_dt<V, F16>(x, w, k, n, j0, j1, y);
}

}  // namespace simd
}  // namespace
}  // namespace gemm
}  // namespace st
