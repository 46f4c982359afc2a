// The AVX-512 "dot" path for x·Wᵀ with few rows of x (m up to a few dozen): no packing of W at
// all. Each output is a dot product of an x row and a W row, both contiguous along k; a tile of
// MB x-rows × NB W-rows (4 × 6) keeps MB·NB vector accumulators of partial sums, W rows are read from
// memory exactly once (they stay in L1 while every x row passes over them), and the partial sums
// are reduced horizontally at the end. For short m this beats the packed path, whose cost of
// packing W is amortised over only m rows.
//
// bf16 W is widened with one instruction per 16 values instead of two: 32 bf16 read as 16
// 32-bit lanes give the odd elements by masking off the low half and the even elements by
// shifting left 16. The x rows are stored with each 32-block reordered to match (16 even, then
// 16 odd elements), which dot products do not mind.
//
// Included by gemm_kit_avx512.cc only, after it defines ST_AVX512.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gemm.h"

namespace st {
namespace gemm {
namespace {
namespace dot {

#ifndef ST_DOT_MB
#define ST_DOT_MB 4
#define ST_DOT_NB 6
#endif
constexpr int MB = ST_DOT_MB, NB = ST_DOT_NB;  // tile: x rows × W rows, 24 zmm accumulators
constexpr int64_t kBlock = 32;  // x rows are padded to a multiple of this

inline int64_t lda(int64_t k) { return (k + kBlock - 1) / kBlock * kBlock; }
inline int64_t rows(int64_t m) { return (m + MB - 1) / MB * MB; }

// Copies A (m×k, either layout) into rows(m) rows of lda(k) floats, zero padded; for bf16 W each
// 32-block is reordered evens-then-odds.
ST_AVX512 inline void prep(const float* a, bool trans, int64_t ld, int64_t m, int64_t k, int dtype, float* dst) {
  const int64_t L = lda(k);
  std::memset(dst, 0, sizeof(float) * size_t(rows(m) * L));
  const bool permute = dtype == BF16;
  if (!trans) {
    // Row-major A: whole 32-blocks through registers, the ragged end element by element.
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int64_t i = 0; i < m; i++) {
      const float* s = a + i * ld;
      float* d = dst + i * L;
      int64_t p = 0;
      for (; p + 32 <= k; p += 32) {
        const __m512 lo = _mm512_loadu_ps(s + p), hi = _mm512_loadu_ps(s + p + 16);
        _mm512_store_ps(d + p, permute ? _mm512_permutex2var_ps(lo, even, hi) : lo);
        _mm512_store_ps(d + p + 16, permute ? _mm512_permutex2var_ps(lo, odd, hi) : hi);
      }
      for (; p < k; p++) {
        const int64_t l = p & 31;
        d[permute ? (p - l) + (l & 1) * 16 + (l >> 1) : p] = s[p];
      }
    }
    return;
  }
  for (int64_t p = 0; p < k; p++) {
    const int64_t l = p & 31, q = permute ? (p - l) + (l & 1) * 16 + (l >> 1) : p;
    const float* s = a + p * ld;
    for (int64_t i = 0; i < m; i++) dst[i * L + q] = s[i];
  }
}

template <int DT>
ST_AVX512 ST_INLINE __m512 wload(const void* w, int64_t i, __mmask16 mask) {
  if (DT == F32) return _mm512_maskz_loadu_ps(mask, static_cast<const float*>(w) + i);
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, static_cast<const uint16_t*>(w) + i));
}

// C[i0 .. i0+MB) × [j .. j+NB) for W rows wrow[0..NB) (pointers, already clamped to valid rows).
template <int DT>
ST_AVX512 ST_INLINE void tile(const float* ap, int64_t L, const void* const* wrow, int64_t k, float out[MB][NB]) {
  __m512 acc[MB][NB];
  for (int i = 0; i < MB; i++)
    for (int j = 0; j < NB; j++) acc[i][j] = _mm512_setzero_ps();
  if (DT == BF16) {
    const __m512i hi_mask = _mm512_set1_epi32(int(0xffff0000u));
    for (int64_t p = 0; p < k; p += 32) {
      const int64_t left = k - p;
      const __mmask32 km = left >= 32 ? __mmask32(0xffffffffu) : __mmask32((1u << left) - 1);
      __m512i raw[NB];
      for (int j = 0; j < NB; j++) raw[j] = _mm512_maskz_loadu_epi16(km, static_cast<const uint16_t*>(wrow[j]) + p);
      __m512 a[MB];
      for (int i = 0; i < MB; i++) a[i] = _mm512_load_ps(ap + i * L + p);
      for (int j = 0; j < NB; j++) {
        const __m512 w = _mm512_castsi512_ps(_mm512_slli_epi32(raw[j], 16));
        for (int i = 0; i < MB; i++) acc[i][j] = _mm512_fmadd_ps(a[i], w, acc[i][j]);
      }
      for (int i = 0; i < MB; i++) a[i] = _mm512_load_ps(ap + i * L + p + 16);
      for (int j = 0; j < NB; j++) {
        const __m512 w = _mm512_castsi512_ps(_mm512_and_si512(raw[j], hi_mask));
        for (int i = 0; i < MB; i++) acc[i][j] = _mm512_fmadd_ps(a[i], w, acc[i][j]);
      }
    }
  } else {
    for (int64_t p = 0; p < k; p += 16) {
      const int64_t left = k - p;
      const __mmask16 km = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
      __m512 a[MB];
      for (int i = 0; i < MB; i++) a[i] = _mm512_load_ps(ap + i * L + p);
      for (int j = 0; j < NB; j++) {
        const __m512 w = wload<DT>(wrow[j], p, km);
        for (int i = 0; i < MB; i++) acc[i][j] = _mm512_fmadd_ps(a[i], w, acc[i][j]);
      }
    }
  }
  for (int i = 0; i < MB; i++)
    for (int j = 0; j < NB; j++) out[i][j] = _mm512_reduce_add_ps(acc[i][j]);
}

// C[0:m, j0:j1] (row stride ldc) = A · W[j0:j1]ᵀ with A prepared by prep(), W [n, k] of dtype.
template <int DT>
ST_AVX512 void run(const float* ap, int64_t m, const void* w, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  const int64_t L = lda(k);
  const size_t esz = DT == F32 ? 4 : 2;
  for (int64_t j = j0; j < j1; j += NB) {
    const int64_t nb = std::min<int64_t>(NB, j1 - j);
    const void* wrow[NB];
    // Past the end, repeat the last row: always valid memory, and its results are dropped.
    for (int q = 0; q < NB; q++) wrow[q] = static_cast<const char*>(w) + size_t(j + std::min<int64_t>(q, nb - 1)) * size_t(k) * esz;
    for (int64_t i = 0; i < m; i += MB) {
      float out[MB][NB];
      tile<DT>(ap + i * L, L, wrow, k, out);
      const int64_t mb = std::min<int64_t>(MB, m - i);
      for (int64_t r = 0; r < mb; r++)
        for (int64_t q = 0; q < nb; q++) c[(i + r) * ldc + j + q] = out[r][q];
    }
  }
}

}  // namespace dot
}  // namespace
}  // namespace gemm
}  // namespace st
