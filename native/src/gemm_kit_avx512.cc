// The AVX-512 GEMM kit: a register-blocked micro-kernel on zmm accumulators, AVX-512 packing with
// in-register transposes for the x·Wᵀ layout, and bf16/f16 widening in registers. Compiled with
// target attributes; the driver picks it only when the CPU reports AVX-512F.
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positives inside avx512fintrin.h
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "gemm.h"

#define ST_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))
#define ST_KIT_TARGET ST_AVX512
#include "gemm_simd.h"


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
  template <int DT>
  static ST_INLINE T loadw(const void* b, int64_t i) {
    if (DT == F32) return _mm512_loadu_ps(static_cast<const float*>(b) + i);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(b) + i));
    if (DT == BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
  }
};

#ifndef ST_AVX512_MR
#define ST_AVX512_MR 14
#define ST_AVX512_NV 2
#endif
constexpr int MR = ST_AVX512_MR, NR = 16 * ST_AVX512_NV;

ST_AVX512 void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  simd::ukr<V512, MR, NR / 16>(kc, ap, bp, c, ldc, acc);
}
ST_AVX512 void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  detail::pack_a<MR>(a, trans, lda, i0, rows, p0, kc, dst);
}
ST_AVX512 void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  detail::pack_b<NR, HalfF16C>(b, dtype, trans, ldb, p0, kc, j0, cols, dst);
}
ST_AVX512 void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  simd::gemv_t<V512>(x, w, dtype, k, j0, j1, y);
}
ST_AVX512 void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  simd::gemv_n<V512>(x, w, dtype, k, n, j0, j1, y);
}

int64_t env_or(const char* name, int64_t dflt) {
  const char* s = std::getenv(name);
  return s ? std::atoll(s) : dflt;
}

}  // namespace

const Kit& kit_avx512() {
  static const Kit kit{"avx512", MR, NR, env_or("ST_MC", 140), env_or("ST_KC", 256), env_or("ST_NC", 2048), ukr, pack_a, pack_b, gemv_t, gemv_n};
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
