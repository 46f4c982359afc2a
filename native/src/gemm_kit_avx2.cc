// The AVX2+FMA GEMM kit: a 6×16 micro-kernel (12 ymm accumulators, two B loads and six
// broadcasts per k-step), F16C for half weights, 8×8 register transposes to pack x·Wᵀ panels and
// the dot path (gemm_dot.h) for x·Wᵀ with up to 16 rows. Compiled with target attributes, so the
// rest of the addon stays portable; the driver only picks this kit when the CPU has AVX2 and FMA.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>

#include "gemm.h"

#define ST_AVX2 __attribute__((target("avx2,fma,f16c")))
#define ST_KIT_TARGET ST_AVX2
#include "gemm_simd.h"
#include "gemm_dot.h"


namespace st {
namespace gemm {
namespace {

struct HalfF16C {
  static ST_INLINE float f16(uint16_t h) { return _cvtsh_ss(h); }
};

struct V256 {
  using T = __m256;
  using Half = HalfF16C;
  static constexpr int W = 8;
  static ST_INLINE T zero() { return _mm256_setzero_ps(); }
  static ST_INLINE T load(const float* p) { return _mm256_load_ps(p); }
  static ST_INLINE T loadu(const float* p) { return _mm256_loadu_ps(p); }
  static ST_INLINE void storeu(float* p, T v) { _mm256_storeu_ps(p, v); }
  static ST_INLINE T bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static ST_INLINE T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static ST_INLINE T add(T a, T b) { return _mm256_add_ps(a, b); }
  static ST_INLINE float hsum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // 16 bf16 as 8 lanes: the even elements (low halves shifted up) and the odd ones (high halves).
  using Raw = __m256i;
  static ST_INLINE Raw rawload(const uint16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static ST_INLINE T even(Raw r) { return _mm256_castsi256_ps(_mm256_slli_epi32(r, 16)); }
  static ST_INLINE T odd(Raw r) { return _mm256_castsi256_ps(_mm256_and_si256(r, _mm256_set1_epi32(int(0xffff0000u)))); }
  // Eight consecutive B elements at index i, widened to f32 (bf16: the bits shifted up by 16).
  template <int DT>
  static ST_INLINE T loadw(const void* b, int64_t i) {
    if (DT == F32) return _mm256_loadu_ps(static_cast<const float*>(b) + i);
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(b) + i));
    if (DT == BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
  }
};

constexpr int MR = 6, NR = 16;
// Up to this many rows of A, x·Wᵀ takes the dot path instead of packing W (measured crossover).
constexpr int64_t DOT_MAX_M = 16;

ST_AVX2 void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  simd::ukr<V256, MR, NR / 8>(kc, ap, bp, c, ldc, acc);
}
ST_AVX2 void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  detail::pack_a<MR>(a, trans, lda, i0, rows, p0, kc, dst);
}
// In-register transpose of an 8×8 block: r[i] holds row i on entry, column i on exit.
ST_INLINE void transpose8(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int g = 0; g < 8; g += 4) {
    s[g + 0] = _mm256_shuffle_ps(t[g + 0], t[g + 2], 0x44);
    s[g + 1] = _mm256_shuffle_ps(t[g + 0], t[g + 2], 0xee);
    s[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
    s[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xee);
  }
  // s[c] (rows 0-3) and s[c + 4] (rows 4-7) hold columns c and c + 4 in their two halves.
  for (int c = 0; c < 4; c++) {
    r[c] = _mm256_permute2f128_ps(s[c], s[c + 4], 0x20);
    r[c + 4] = _mm256_permute2f128_ps(s[c], s[c + 4], 0x31);
  }
}

// B stored [n, k] (the x·Wᵀ layout): full 8×8 blocks go through register transposes so every
// source row is read contiguously; ragged edges take the scalar route.
template <int DT>
ST_AVX2 void pack_b_trans(const void* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  for (int64_t c = 0; c < cols; c += NR) {
    const int64_t nr = std::min<int64_t>(NR, cols - c);
    float* d = dst + c * kc;
    for (int64_t p = 0; p < kc; p += 8) {
      const int64_t kr = std::min<int64_t>(8, kc - p);
      for (int h = 0; h < NR / 8; h++) {
        const int64_t rows = std::clamp<int64_t>(nr - 8 * h, 0, 8);
        if (rows == 8 && kr == 8) {
          __m256 r[8];
          for (int i = 0; i < 8; i++) r[i] = V256::loadw<DT>(b, (j0 + c + 8 * h + i) * ldb + p0 + p);
          transpose8(r);
          for (int q = 0; q < 8; q++) _mm256_store_ps(d + (p + q) * NR + 8 * h, r[q]);
        } else {
          for (int64_t q = 0; q < kr; q++)
            for (int64_t i = 0; i < 8; i++)
              d[(p + q) * NR + 8 * h + i] = i < rows ? detail::ld<DT, HalfF16C>(b, (j0 + c + 8 * h + i) * ldb + p0 + p + q) : 0.f;
        }
      }
    }
  }
}

ST_AVX2 void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  if (!trans) detail::pack_b<NR, HalfF16C>(b, dtype, trans, ldb, p0, kc, j0, cols, dst);
  else if (dtype == F32) pack_b_trans<F32>(b, ldb, p0, kc, j0, cols, dst);
  else if (dtype == BF16) pack_b_trans<BF16>(b, ldb, p0, kc, j0, cols, dst);
  else pack_b_trans<F16>(b, ldb, p0, kc, j0, cols, dst);
}
ST_AVX2 void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  simd::gemv_t<V256>(x, w, dtype, k, j0, j1, y);
}
ST_AVX2 void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  simd::gemv_n<V256>(x, w, dtype, k, n, j0, j1, y);
}

// The dot path (gemm_dot.h): 2 x-rows × 6 W-rows, 12 of the 16 ymm registers as accumulators.
constexpr int DOT_MB = 2, DOT_NB = 6;
// W rows per tile when x has one or two rows (decode).
constexpr int DOT_SB = 4;
int64_t dot_size(int64_t m, int64_t k) { return dot::rows<V256, DOT_MB>(m) * dot::lda<V256>(k); }
ST_AVX2 void dot_prep(const float* a, bool trans, int64_t lda, int64_t m, int64_t k, int dtype, float* dst) {
  dot::prep<V256, DOT_MB>(a, trans, lda, m, k, dtype, dst);
}
// One x row (decode) streams W rows one after another (gemm_dot.h's run_rows), 4 blocks (128
// bytes of bf16) per iteration, prefetching this far ahead: the best of 768–2048 measured on Zen 3.
constexpr int DOT_ROW_U = 4;
constexpr int64_t DOT_ROW_AHEAD = 1024;
ST_AVX2 void dot_t(const float* ap, int64_t m, const void* b, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc) {
  if (m == 1) dot::run_rows_dt<V256, DOT_ROW_U>(ap, b, dtype, k, j0, j1, c, DOT_ROW_AHEAD);
  else dot::run_any<V256, DOT_MB, DOT_NB, DOT_SB>(ap, m, b, dtype, k, j0, j1, c, ldc);
}

}  // namespace

const Kit& kit_avx2() {
  static const Kit kit{"avx2", MR, NR, 120, 256, 2048, ukr, pack_a, pack_b, gemv_t, gemv_n,
                        DOT_MAX_M, dot_size, dot_prep, dot_t};
  return kit;
}

}  // namespace gemm
}  // namespace st

#else
#include "gemm.h"
namespace st {
namespace gemm {
const Kit& kit_avx2() { return kit_generic(); }
}  // namespace gemm
}  // namespace st
#endif
