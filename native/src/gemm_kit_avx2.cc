// The AVX2+FMA GEMM kit: a 6×16 micro-kernel (12 ymm accumulators, two B loads and six
// broadcasts per k-step), F16C for half weights. Compiled with target attributes, so the rest of
// the addon stays portable; the driver only picks this kit when the CPU reports AVX2 and FMA.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "gemm.h"

#define ST_AVX2 __attribute__((target("avx2,fma,f16c")))
#define ST_KIT_TARGET ST_AVX2
#include "gemm_simd.h"


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

ST_AVX2 void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  simd::ukr<V256, MR, NR / 8>(kc, ap, bp, c, ldc, acc);
}
ST_AVX2 void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  detail::pack_a<MR>(a, trans, lda, i0, rows, p0, kc, dst);
}
ST_AVX2 void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  detail::pack_b<NR, HalfF16C>(b, dtype, trans, ldb, p0, kc, j0, cols, dst);
}
ST_AVX2 void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  simd::gemv_t<V256>(x, w, dtype, k, j0, j1, y);
}
ST_AVX2 void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  simd::gemv_n<V256>(x, w, dtype, k, n, j0, j1, y);
}

}  // namespace

const Kit& kit_avx2() {
  static const Kit kit{"avx2", MR, NR, 120, 256, 2048, ukr, pack_a, pack_b, gemv_t, gemv_n, 0, nullptr, nullptr, nullptr};
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
