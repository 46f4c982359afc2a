// Portable building blocks of the GEMM kits, written as always-inline templates. A kit file
// defines ST_KIT_TARGET (its __attribute__((target(...)))) before including this header, so every
// function here is compiled, and vectorised, for that kit's instruction set. Everything sits in an
// anonymous namespace: each kit's copies have internal linkage and can never be merged across
// files by the linker (which would leak AVX-512 code into the portable path).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gemm.h"

#ifndef ST_KIT_TARGET
#define ST_KIT_TARGET
#endif
#define ST_INLINE inline __attribute__((always_inline)) ST_KIT_TARGET

namespace st {
namespace gemm {
namespace {
namespace detail {

// Element loaders for B, one per dtype; `F16` is a policy so kits with F16C convert in hardware.
struct SoftF16 {
  static ST_INLINE float f16(uint16_t h) { return st::f16_to_f32(h); }
};

ST_INLINE float bf16_to_f32(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

template <int DT, class H>
ST_INLINE float ld(const void* b, int64_t i) {
  if (DT == F32) return static_cast<const float*>(b)[i];
  if (DT == BF16) return bf16_to_f32(static_cast<const uint16_t*>(b)[i]);
  return H::f16(static_cast<const uint16_t*>(b)[i]);
}

template <int MR>
ST_INLINE void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  for (int64_t r = 0; r < rows; r += MR) {
    const int64_t mr = std::min<int64_t>(MR, rows - r);
    float* d = dst + r * kc;
    if (trans) {
      const float* s = a + p0 * lda + i0 + r;
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t i = 0; i < mr; i++) d[p * MR + i] = s[p * lda + i];
        for (int64_t i = mr; i < MR; i++) d[p * MR + i] = 0.f;
      }
    } else {
      const float* s = a + (i0 + r) * lda + p0;
      if (mr == MR) {
        for (int64_t p = 0; p < kc; p++)
          for (int i = 0; i < MR; i++) d[p * MR + i] = s[i * lda + p];
      } else {
        for (int64_t p = 0; p < kc; p++) {
          for (int64_t i = 0; i < mr; i++) d[p * MR + i] = s[i * lda + p];
          for (int64_t i = mr; i < MR; i++) d[p * MR + i] = 0.f;
        }
      }
    }
  }
}

template <int NR, int DT, class H>
ST_INLINE void pack_b_dt(const void* b, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  for (int64_t c = 0; c < cols; c += NR) {
    const int64_t nr = std::min<int64_t>(NR, cols - c);
    float* d = dst + c * kc;
    if (!trans) {
      for (int64_t p = 0; p < kc; p++) {
        const int64_t base = (p0 + p) * ldb + j0 + c;
        for (int64_t j = 0; j < nr; j++) d[p * NR + j] = ld<DT, H>(b, base + j);
        for (int64_t j = nr; j < NR; j++) d[p * NR + j] = 0.f;
      }
    } else {
      for (int64_t j = 0; j < nr; j++) {
        const int64_t base = (j0 + c + j) * ldb + p0;
        for (int64_t p = 0; p < kc; p++) d[p * NR + j] = ld<DT, H>(b, base + p);
      }
      for (int64_t p = 0; p < kc; p++)
        for (int64_t j = nr; j < NR; j++) d[p * NR + j] = 0.f;
    }
  }
}

template <int NR, class H>
ST_INLINE void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  if (dtype == F32) pack_b_dt<NR, F32, H>(b, trans, ldb, p0, kc, j0, cols, dst);
  else if (dtype == BF16) pack_b_dt<NR, BF16, H>(b, trans, ldb, p0, kc, j0, cols, dst);
  else pack_b_dt<NR, F16, H>(b, trans, ldb, p0, kc, j0, cols, dst);
}

// Plain register-blocked micro-kernel; with a constant MR×NR the compiler keeps acc in vector
// registers of whatever width the enclosing target allows.
template <int MR, int NR>
ST_INLINE void ukr(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc, bool acc) {
  float s[MR][NR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float av = ap[p * MR + i];
      for (int j = 0; j < NR; j++) s[i][j] += av * bp[p * NR + j];
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] = acc ? c[i * ldc + j] + s[i][j] : s[i][j];
}

template <int DT, class H>
ST_INLINE void gemv_t_dt(const float* x, const void* w, int64_t k, int64_t j0, int64_t j1, float* y) {
  for (int64_t j = j0; j < j1; j++) {
    // Eight partial sums: lets the compiler vectorise without reassociating a single sum.
    float s[8] = {};
    const int64_t base = j * k;
    int64_t p = 0;
    for (; p + 8 <= k; p += 8)
      for (int u = 0; u < 8; u++) s[u] += x[p + u] * ld<DT, H>(w, base + p + u);
    float t = 0.f;
    for (; p < k; p++) t += x[p] * ld<DT, H>(w, base + p);
    y[j] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + t;
  }
}

template <class H>
ST_INLINE void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_t_dt<F32, H>(x, w, k, j0, j1, y);
  else if (dtype == BF16) gemv_t_dt<BF16, H>(x, w, k, j0, j1, y);
  else gemv_t_dt<F16, H>(x, w, k, j0, j1, y);
}

template <int DT, class H>
ST_INLINE void gemv_n_dt(const float* x, const void* w, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  for (int64_t j = j0; j < j1; j++) y[j] = 0.f;
  for (int64_t p = 0; p < k; p++) {
    const float xv = x[p];
    const int64_t base = p * n;
    for (int64_t j = j0; j < j1; j++) y[j] += xv * ld<DT, H>(w, base + j);
  }
}

template <class H>
ST_INLINE void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_n_dt<F32, H>(x, w, k, n, j0, j1, y);
  else if (dtype == BF16) gemv_n_dt<BF16, H>(x, w, k, n, j0, j1, y);
  else gemv_n_dt<F16, H>(x, w, k, n, j0, j1, y);
}

}  // namespace detail
}  // namespace
}  // namespace gemm
}  // namespace st
