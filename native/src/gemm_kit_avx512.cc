// The AVX-512 GEMM kit: a 14×32 register-blocked micro-kernel (28 zmm accumulators), packing with
// 16×16 in-register transposes for the x·Wᵀ layout, bf16/f16 widened in registers, and the dot
// path (gemm_dot.h) for x·Wᵀ with few rows. Compiled with target attributes; the driver picks it
// only when the CPU reports AVX-512F.
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside avx512fintrin.h
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "gemm.h"

#define ST_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))
#define ST_KIT_TARGET ST_AVX512
#include "gemm_simd.h"
#include "gemm_dot.h"


namespace st {
namespace gemm {
namespace {

struct HalfF16C {
  static ST_INLINE float f16(uint16_t h) { return _cvtsh_ss(h); }
};

struct V512 {
  using T = __m512;
  using Half = HalfF16C;
  static constexpr int W = 16;
  static ST_INLINE T zero() { return _mm512_setzero_ps(); }
  static ST_INLINE T load(const float* p) { return _mm512_load_ps(p); }
  static ST_INLINE T loadu(const float* p) { return _mm512_loadu_ps(p); }
  static ST_INLINE void storeu(float* p, T v) { _mm512_storeu_ps(p, v); }
  static ST_INLINE T bcast(const float* p) { return _mm512_set1_ps(*p); }
  static ST_INLINE T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static ST_INLINE T add(T a, T b) { return _mm512_add_ps(a, b); }
  static ST_INLINE float hsum(T v) { return _mm512_reduce_add_ps(v); }
  // 32 bf16 as 16 lanes: the even elements (low halves shifted up) and the odd ones (high halves).
  using Raw = __m512i;
  static ST_INLINE Raw rawload(const uint16_t* p) { return _mm512_loadu_si512(p); }
  static ST_INLINE T even(Raw r) { return _mm512_castsi512_ps(_mm512_slli_epi32(r, 16)); }
  static ST_INLINE T odd(Raw r) { return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32(int(0xffff0000u)))); }
  template <int DT>
  static ST_INLINE T loadw(const void* b, int64_t i) {
    if (DT == F32) return _mm512_loadu_ps(static_cast<const float*>(b) + i);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(b) + i));
    if (DT == BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
  }
};

// 14×32 tile: 28 zmm accumulators, two B loads and 14 broadcasts per k-step. Blocks: the B
// micro-panel (KC×32 floats, 32 KiB) stays in L1, the A block (MC×KC, 140 KiB) and the packed B
// panel (KC×NC, 1 MiB) in the 2 MiB L2.
constexpr int MR = 14, NR = 32;
constexpr int64_t MC = 140, KC = 256, NC = 1024;
// Up to this many rows of A, x·Wᵀ takes the dot path instead of packing W (measured crossover).
constexpr int64_t DOT_MAX_M = 48;

ST_AVX512 void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  simd::ukr<V512, MR, NR / 16>(kc, ap, bp, c, ldc, acc);
}
// In-register transpose of a 16×16 block: r[i] holds row i on entry, column i on exit.
ST_AVX512 ST_INLINE void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int g = 0; g < 16; g += 4) {
    r[g + 0] = _mm512_shuffle_ps(t[g + 0], t[g + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[g + 1] = _mm512_shuffle_ps(t[g + 0], t[g + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // Now r[4g + c] holds, in 128-bit lane L, rows 4g..4g+3 of column 4L + c.
  for (int h = 0; h < 16; h += 8) {
    for (int c = 0; c < 4; c++) {
      t[h + c] = _mm512_shuffle_f32x4(r[h + c], r[h + c + 4], 0x88);
      t[h + c + 4] = _mm512_shuffle_f32x4(r[h + c], r[h + c + 4], 0xdd);
    }
  }
  for (int c = 0; c < 8; c++) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0x88);
    r[c + 8] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0xdd);
  }
}

// A micro-panels: each k-step stores MR consecutive row values. Row-major A (the usual case) is
// read 16 columns at a time from each of the MR rows and turned around by a register transpose;
// A stored [k, m] is already in that order and only needs (masked) row copies.
ST_AVX512 void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  static_assert(MR <= 16, "one transpose covers at most 16 rows");
  const __mmask16 mr_mask = __mmask16((1u << MR) - 1);
  for (int64_t r = 0; r < rows; r += MR) {
    const int64_t mr = std::min<int64_t>(MR, rows - r);
    const __mmask16 row_mask = __mmask16((1u << mr) - 1);
    float* d = dst + r * kc;
    if (trans) {
      const float* s = a + p0 * lda + i0 + r;
      for (int64_t p = 0; p < kc; p++) _mm512_mask_storeu_ps(d + p * MR, mr_mask, _mm512_maskz_loadu_ps(row_mask, s + p * lda));
      continue;
    }
    const float* s = a + (i0 + r) * lda + p0;
    for (int64_t p = 0; p < kc; p += 16) {
      const int64_t kr = std::min<int64_t>(16, kc - p);
      const __mmask16 km = kr == 16 ? __mmask16(0xffff) : __mmask16((1u << kr) - 1);
      __m512 v[16];
      for (int i = 0; i < 16; i++) v[i] = i < mr ? _mm512_maskz_loadu_ps(km, s + i * lda + p) : _mm512_setzero_ps();
      transpose16(v);
      for (int q = 0; q < kr; q++) _mm512_mask_storeu_ps(d + (p + q) * MR, mr_mask, v[q]);
    }
  }
}

// Up to 16 consecutive B elements at index i (the rest zero), widened to f32.
template <int DT>
ST_AVX512 ST_INLINE __m512 loadw_mask(const void* b, int64_t i, __mmask16 mask) {
  if (DT == F32) return _mm512_maskz_loadu_ps(mask, static_cast<const float*>(b) + i);
  const __m256i h = _mm256_maskz_loadu_epi16(mask, static_cast<const uint16_t*>(b) + i);
  if (DT == BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  return _mm512_cvtph_ps(h);
}

// B stored [n, k] (the x·Wᵀ layout): each micro-panel is NR source rows read along k, turned
// into k-major order by 16×16 register transposes, so every source row streams contiguously.
template <int DT>
ST_AVX512 void pack_b_trans(const void* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  for (int64_t c = 0; c < cols; c += NR) {
    const int64_t nr = std::min<int64_t>(NR, cols - c);
    float* d = dst + c * kc;
    for (int64_t p = 0; p < kc; p += 16) {
      const int64_t kr = std::min<int64_t>(16, kc - p);
      const __mmask16 km = kr == 16 ? __mmask16(0xffff) : __mmask16((1u << kr) - 1);
      for (int h = 0; h < NR / 16; h++) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) {
          const int64_t j = 16 * h + i;
          r[i] = j < nr ? loadw_mask<DT>(b, (j0 + c + j) * ldb + p0 + p, km) : _mm512_setzero_ps();
        }
        transpose16(r);
        for (int q = 0; q < kr; q++) _mm512_store_ps(d + (p + q) * NR + 16 * h, r[q]);
      }
    }
  }
}

// B stored [k, n]: each k-row of a micro-panel is NR contiguous source elements.
template <int DT>
ST_AVX512 void pack_b_plain(const void* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  for (int64_t c = 0; c < cols; c += NR) {
    const int64_t nr = std::min<int64_t>(NR, cols - c);
    float* d = dst + c * kc;
    __mmask16 m[NR / 16];
    for (int h = 0; h < NR / 16; h++) {
      const int64_t v = std::clamp<int64_t>(nr - 16 * h, 0, 16);
      m[h] = v == 16 ? __mmask16(0xffff) : __mmask16((1u << v) - 1);
    }
    for (int64_t p = 0; p < kc; p++) {
      const int64_t base = (p0 + p) * ldb + j0 + c;
      for (int h = 0; h < NR / 16; h++) _mm512_store_ps(d + p * NR + 16 * h, loadw_mask<DT>(b, base + 16 * h, m[h]));
    }
  }
}

ST_AVX512 void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  if (trans) {
    if (dtype == F32) pack_b_trans<F32>(b, ldb, p0, kc, j0, cols, dst);
    else if (dtype == BF16) pack_b_trans<BF16>(b, ldb, p0, kc, j0, cols, dst);
    else pack_b_trans<F16>(b, ldb, p0, kc, j0, cols, dst);
  } else {
    if (dtype == F32) pack_b_plain<F32>(b, ldb, p0, kc, j0, cols, dst);
    else if (dtype == BF16) pack_b_plain<BF16>(b, ldb, p0, kc, j0, cols, dst);
    else pack_b_plain<F16>(b, ldb, p0, kc, j0, cols, dst);
  }
}
ST_AVX512 void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  simd::gemv_t<V512>(x, w, dtype, k, j0, j1, y);
}
ST_AVX512 void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  simd::gemv_n<V512>(x, w, dtype, k, n, j0, j1, y);
}

// The dot path (gemm_dot.h): 4 x-rows × 6 W-rows, 24 zmm accumulators.
constexpr int DOT_MB = 4, DOT_NB = 6;
// W rows per tile when x has one or two rows (decode).
constexpr int DOT_SB = 4;
int64_t dot_size(int64_t m, int64_t k) { return dot::rows<V512, DOT_MB>(m) * dot::lda<V512>(k); }
ST_AVX512 void dot_prep(const float* a, bool trans, int64_t lda, int64_t m, int64_t k, int dtype, float* dst) {
  dot::prep<V512, DOT_MB>(a, trans, lda, m, k, dtype, dst);
}
ST_AVX512 void dot_t(const float* ap, int64_t m, const void* b, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  dot::run_any<V512, DOT_MB, DOT_NB, DOT_SB>(ap, m, b, dtype, k, j0, j1, c, ldc);
}

}  // namespace

const Kit& kit_avx512() {
  static const Kit kit{"avx512", MR, NR, MC, KC, NC, ukr, pack_a, pack_b, gemv_t, gemv_n, DOT_MAX_M, dot_size, dot_prep, dot_t};
  return kit;
}

}  // namespace gemm
}  // namespace st

#else
#include "gemm.h"
namespace st {
namespace gemm {
const Kit& kit_avx512() { return kit_generic(); }
}  // namespace gemm
}  // namespace st
#endif
