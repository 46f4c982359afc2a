// The "dot" path for x·Wᵀ with few rows of x (m up to a few dozen): no packing of W at all.
// Each output is a dot product of an x row and a W row, both contiguous along k; a tile of MB
// x-rows × NB W-rows keeps MB·NB vector accumulators of partial sums, W rows are read from
// memory exactly once (they stay in L1 while every x row passes over them), and the partial sums
// are reduced horizontally at the end. For short m this beats the packed path, whose cost of
// packing W is amortised over only m rows.
//
// bf16 W is widened with one instruction per vector instead of two: 2·W bf16 values read as W
// 32-bit lanes give the odd elements by masking off the low halves and the even elements by
// shifting left 16. The x rows are stored with each 2·W-block reordered to match (W even, then W
// odd elements), which dot products do not mind.
//
// Decode (m = 1, or a few rows in batched decode) is bound by how fast W streams from memory.
// The rows of one tile are NB separate streams of only k elements each, too short for the
// hardware prefetcher to ramp up, so each step also prefetches the same position one tile
// ahead (the next NB rows): measured, this takes one core from ~6 to ~10 GB/s and two cores to
// within a few percent of a plain streaming read. For m = 1 and 2, run_any picks a tile of exactly
// that height, so no multiply-adds are spent on padding rows.
//
// Written once against the vector traits V of gemm_simd.h (plus V::Raw, rawload, even, odd for
// bf16); the AVX2 and AVX-512 kits instantiate it with their own tile sizes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "gemm_generic.h"

namespace st {
namespace gemm {
namespace {
namespace dot {

// x rows are padded to a multiple of this many floats (one bf16 even/odd block).
template <class V>
constexpr int64_t block() { return 2 * V::W; }
template <class V>
int64_t lda(int64_t k) { return (k + block<V>() - 1) / block<V>() * block<V>(); }
template <class V, int MB>
int64_t rows(int64_t m) { return (m + MB - 1) / MB * MB; }

// Copies A (m×k, either layout) into rows(m) rows of lda(k) floats, zero padded; for bf16 W each
// block is reordered evens-then-odds.
template <class V, int MB>
ST_INLINE void prep(const float* a, bool trans, int64_t ld, int64_t m, int64_t k, int dtype, float* dst) {
  constexpr int64_t B = block<V>(), H = V::W;
  const int64_t L = lda<V>(k);
  std::memset(dst, 0, sizeof(float) * size_t(rows<V, MB>(m) * L));
  const bool permute = dtype == BF16;
  if (!trans) {
    for (int64_t i = 0; i < m; i++) {
      const float* s = a + i * ld;
      float* d = dst + i * L;
      int64_t p = 0;
      if (permute) {
        for (; p + B <= k; p += B) {
          for (int64_t l = 0; l < H; l++) {
            d[p + l] = s[p + 2 * l];
            d[p + H + l] = s[p + 2 * l + 1];
          }
        }
      }
      for (; p < k; p++) {
        const int64_t l = p % B;
        d[permute ? (p - l) + (l & 1) * H + (l >> 1) : p] = s[p];
      }
    }
    return;
  }
  for (int64_t p = 0; p < k; p++) {
    const int64_t l = p % B, q = permute ? (p - l) + (l & 1) * H + (l >> 1) : p;
    const float* s = a + p * ld;
    for (int64_t i = 0; i < m; i++) dst[i * L + q] = s[i];
  }
}

// Prefetches the cache lines of one step's block of each W row, `ahead` bytes further on.
template <class V, int DT, int NB>
ST_INLINE void prefetch(const void* const* w, int64_t ahead) {
  constexpr int64_t bytes = 2 * V::W * (DT == F32 ? 4 : 2);
#pragma GCC unroll 8
  for (int j = 0; j < NB; j++)
#pragma GCC unroll 4
    for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(static_cast<const char*>(w[j]) + ahead + o, 0, 3);
}

// One block of k for the whole tile: x rows at a (stride L), W rows w[j] (element pointers).
template <class V, int DT, int MB, int NB>
ST_INLINE void step(const float* a, int64_t L, const void* const* w, typename V::T (&acc)[MB][NB]) {
  using T = typename V::T;
  T x[MB];
  if (DT == BF16) {
    typename V::Raw raw[NB];
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) raw[j] = V::rawload(static_cast<const uint16_t*>(w[j]));
#pragma GCC unroll 8
    for (int i = 0; i < MB; i++) x[i] = V::load(a + i * L);
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) {
      const T v = V::even(raw[j]);
#pragma GCC unroll 8
      for (int i = 0; i < MB; i++) acc[i][j] = V::fma(x[i], v, acc[i][j]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MB; i++) x[i] = V::load(a + i * L + V::W);
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) {
      const T v = V::odd(raw[j]);
#pragma GCC unroll 8
      for (int i = 0; i < MB; i++) acc[i][j] = V::fma(x[i], v, acc[i][j]);
    }
  } else {
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
#pragma GCC unroll 8
      for (int i = 0; i < MB; i++) x[i] = V::load(a + i * L + h * V::W);
#pragma GCC unroll 8
      for (int j = 0; j < NB; j++) {
        const T v = V::template loadw<DT>(w[j], h * V::W);
#pragma GCC unroll 8
        for (int i = 0; i < MB; i++) acc[i][j] = V::fma(x[i], v, acc[i][j]);
      }
    }
  }
}

// out = x rows [0, MB) · W rows wrow[0..NB)ᵀ over k; W is prefetched `ahead` bytes on (0: off).
template <class V, int DT, int MB, int NB>
ST_INLINE void tile(const float* ap, int64_t L, const void* const* wrow, int64_t k, int64_t ahead, float out[MB][NB]) {
  using T = typename V::T;
  using E = typename std::conditional<DT == F32, float, uint16_t>::type;
  constexpr int64_t B = block<V>();
  T acc[MB][NB];
#pragma GCC unroll 8
  for (int i = 0; i < MB; i++)
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) acc[i][j] = V::zero();
  const int64_t kmain = k / B * B;
  const void* w[NB];
  for (int64_t p = 0; p < kmain; p += B) {
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) w[j] = static_cast<const E*>(wrow[j]) + p;
    if (ahead) prefetch<V, DT, NB>(w, ahead);
    step<V, DT, MB, NB>(ap + p, L, w, acc);
  }
  if (kmain < k) {
    // The ragged end: copy each W row's tail into a zero-padded block (x is padded already).
    alignas(64) E tail[NB][B];
    std::memset(tail, 0, sizeof tail);
    for (int j = 0; j < NB; j++) {
      std::memcpy(tail[j], static_cast<const E*>(wrow[j]) + kmain, sizeof(E) * size_t(k - kmain));
      w[j] = tail[j];
    }
    step<V, DT, MB, NB>(ap + kmain, L, w, acc);
  }
#pragma GCC unroll 8
  for (int i = 0; i < MB; i++)
#pragma GCC unroll 8
    for (int j = 0; j < NB; j++) out[i][j] = V::hsum(acc[i][j]);
}

// C[0:m, j0:j1] (row stride ldc) = A · W[j0:j1]ᵀ with A prepared by prep(), W [n, k] of dtype DT.
template <class V, int DT, int MB, int NB>
ST_INLINE void run(const float* ap, int64_t m, const void* w, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  const int64_t L = lda<V>(k);
  const size_t esz = DT == F32 ? 4 : 2;
  const int64_t ahead = NB * k * int64_t(esz);  // the same place in the next tile's rows
  for (int64_t j = j0; j < j1; j += NB) {
    const int64_t nb = std::min<int64_t>(NB, j1 - j);
    const void* wrow[NB];
    // Past the end, repeat the last row: always valid memory, and its results are dropped.
    for (int q = 0; q < NB; q++) wrow[q] = static_cast<const char*>(w) + size_t(j + std::min<int64_t>(q, nb - 1)) * size_t(k) * esz;
    for (int64_t i = 0; i < m; i += MB) {
      float out[MB][NB];
      // Only the first pass over these rows streams them from memory; later x rows find them in L1.
      tile<V, DT, MB, NB>(ap + i * L, L, wrow, k, i == 0 ? ahead : 0, out);
      const int64_t mb = std::min<int64_t>(MB, m - i);
      for (int64_t r = 0; r < mb; r++)
        for (int64_t q = 0; q < nb; q++) c[(i + r) * ldc + j + q] = out[r][q];
    }
  }
}

// One x row (decode, m = 1), W rows one after another: each row is read front to back, U blocks
// per iteration into 2·U independent accumulators, so the whole product is a single sequential
// read of W and the hardware prefetcher's stream never breaks. Software prefetches run `ahead`
// bytes on (into the next row past a row's end), one per cache line. Measured on AVX2 (Zen 3, one
// thread), this streams bf16 W at about the speed of a plain read, where NB interleaved row
// streams (run() with MB = 1) reached ~0.7 of it: short interleaved streams keep the prefetcher
// retraining. Sums in a different order than run(), so m = 1 and m > 1 may differ in rounding.
template <class V, int DT>
ST_INLINE void block1(const float* a, const void* w, typename V::T& e, typename V::T& o) {
  if (DT == BF16) {
    const typename V::Raw raw = V::rawload(static_cast<const uint16_t*>(w));
    e = V::fma(V::load(a), V::even(raw), e);
    o = V::fma(V::load(a + V::W), V::odd(raw), o);
  } else {
    e = V::fma(V::load(a), V::template loadw<DT>(w, 0), e);
    o = V::fma(V::load(a + V::W), V::template loadw<DT>(w, V::W), o);
  }
}

template <class V, int DT, int U>
ST_INLINE void run_rows(const float* ap, const void* w, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ahead) {
  using T = typename V::T;
  using E = typename std::conditional<DT == F32, float, uint16_t>::type;
  constexpr int64_t B = block<V>(), step_bytes = U * B * int64_t(sizeof(E));
  const int64_t kmain = k / (U * B) * (U * B), kblk = k / B * B;
  for (int64_t j = j0; j < j1; j++) {
    const E* r = static_cast<const E*>(w) + j * k;
    T acc[2 * U];
#pragma GCC unroll 16
    for (int u = 0; u < 2 * U; u++) acc[u] = V::zero();
    int64_t p = 0;
    for (; p < kmain; p += U * B) {
#pragma GCC unroll 8
      for (int64_t o = 0; o < step_bytes; o += 64) __builtin_prefetch(reinterpret_cast<const char*>(r + p) + ahead + o, 0, 3);
#pragma GCC unroll 8
      for (int u = 0; u < U; u++) block1<V, DT>(ap + p + u * B, r + p + u * B, acc[2 * u], acc[2 * u + 1]);
    }
    for (; p < kblk; p += B) block1<V, DT>(ap + p, r + p, acc[0], acc[1]);
    if (p < k) {
      // The ragged end: the row's tail in a zero-padded block (x is padded already).
      alignas(64) E tail[B];
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, r + p, sizeof(E) * size_t(k - p));
      block1<V, DT>(ap + p, tail, acc[0], acc[1]);
    }
#pragma GCC unroll 16
    for (int n = U; n >= 1; n /= 2)
#pragma GCC unroll 16
      for (int u = 0; u < n; u++) acc[u] = V::add(acc[u], acc[u + n]);
    c[j] = V::hsum(acc[0]);
  }
}

template <class V, int U>
ST_INLINE void run_rows_dt(const float* ap, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ahead) {
  if (dtype == F32) run_rows<V, F32, U>(ap, w, k, j0, j1, c, ahead);
  else if (dtype == BF16) run_rows<V, BF16, U>(ap, w, k, j0, j1, c, ahead);
  else run_rows<V, F16, U>(ap, w, k, j0, j1, c, ahead);
}

template <class V, int MB, int NB>
ST_INLINE void run_dt(const float* ap, int64_t m, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  if (dtype == F32) run<V, F32, MB, NB>(ap, m, w, k, j0, j1, c, ldc);
  else if (dtype == BF16) run<V, BF16, MB, NB>(ap, m, w, k, j0, j1, c, ldc);
  else run<V, F16, MB, NB>(ap, m, w, k, j0, j1, c, ldc);
}

// MB × NB tiles in general; for m = 1 and 2 (decode) a tile of exactly that height with SB W
// rows, since padding rows of x would cost multiply-adds without reading any less of W. prep()
// pads x to a multiple of MB rows (2 or 4), which covers both.
template <class V, int MB, int NB, int SB>
ST_INLINE void run_any(const float* ap, int64_t m, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  static_assert(MB % 2 == 0, "the m = 2 tile reads two prepared rows");
  if (m == 1) run_dt<V, 1, SB>(ap, m, w, dtype, k, j0, j1, c, ldc);
  else if (m == 2) run_dt<V, 2, SB>(ap, m, w, dtype, k, j0, j1, c, ldc);
  else run_dt<V, MB, NB>(ap, m, w, dtype, k, j0, j1, c, ldc);
}

}  // namespace dot
}  // namespace
}  // namespace gemm
}  // namespace st
