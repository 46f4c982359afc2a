// Small SIMD vector types for the row-wise kernels: one portable scalar type (VS) and, on x86,
// AVX2 (V8) and AVX-512 (V16) types, all with the same interface, so a kernel is written once
// (rowops_impl.inc, eltwise_impl.inc, attention_impl.inc) and compiled once per type (isa_expand.inc).
//
// Interface of a vector type V (N float lanes; M is its comparison mask):
//   zero, set1, load(p), load(p, m, fill) (first m lanes, rest = fill), store(p), store(p, m),
//   load_bf16(p, m), load_f16(p, m) (widening), + − * /, fmadd(a,b,c) = a·b + c,
//   max, min, abs, sqrt, round (to nearest), pow2i(n) = 2^n for integral n in [−126, 127],
//   ldexp(x, n) = x·2^n for integral n (at least [−252, 254]),
//   frexp(x, e) (x = mantissa·2^e, mantissa in [0.5, 1), positive normal x), lt/le/gt/ge/eq,
//   select(mask, a, b) (a where mask), hsum, hmax, hsums(a) (lane j = a[j].hsum(), for an array
//   a of N vectors: N dot products finished at once).
// The x86 types are compiled under `#pragma GCC target` so the file builds with portable flags;
// callers dispatch at run time (rowisa.h).
#pragma once
// GCC contracts a·b ± c into an FMA on its own under C++ (even on intrinsics); that makes results
// depend on inlining decisions (e.g. x·w − Σ x·w no longer cancels exactly). The kernels write
// their FMAs explicitly (V::fmadd), so contraction is off in the files that use these types.
#pragma GCC optimize("fp-contract=off")
// Vector arguments by value change the ABI only between ISAs we never mix across calls.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 headers trip these on _mm512_undefined_* (a known false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common.h"

// The vector paths rely on GCC's `#pragma GCC target` regions; other compilers (clang spells it
// differently) get the portable path only, which is correct, just slower.
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define ST_X86 1
#endif

namespace st {

// ---- portable scalar ----------------------------------------------------------------------
struct VS {
  static constexpr int N = 1;
  using M = bool;
  float v;
  VS() = default;
  VS(float x) : v(x) {}
  static VS zero() { return VS(0.f); }
  static VS set1(float x) { return VS(x); }
  static VS load(const float* p) { return VS(*p); }
  static VS load(const float* p, int, float) { return VS(*p); }
  void store(float* p) const { *p = v; }
  void store(float* p, int) const { *p = v; }
  static VS load_bf16(const uint16_t* p, int) { return VS(bf16_to_f32(*p)); }
  static VS load_f16(const uint16_t* p, int) { return VS(f16_to_f32(*p)); }
  friend VS operator+(VS a, VS b) { return VS(a.v + b.v); }
  friend VS operator-(VS a, VS b) { return VS(a.v - b.v); }
  friend VS operator*(VS a, VS b) { return VS(a.v * b.v); }
  friend VS operator/(VS a, VS b) { return VS(a.v / b.v); }
  static VS fmadd(VS a, VS b, VS c) { return VS(a.v * b.v + c.v); }
  static VS max(VS a, VS b) { return VS(a.v > b.v ? a.v : b.v); }
  static VS min(VS a, VS b) { return VS(a.v < b.v ? a.v : b.v); }
  static VS abs(VS a) { return VS(std::fabs(a.v)); }
  static VS sqrt(VS a) { return VS(std::sqrt(a.v)); }
  static VS round(VS a) { return VS(std::nearbyint(a.v)); }
  static VS pow2i(VS n) { return VS(std::ldexp(1.f, static_cast<int>(n.v))); }
  static VS ldexp(VS x, VS n) { return VS(std::ldexp(x.v, static_cast<int>(n.v))); }
  static VS frexp(VS x, VS& e) {
    int ei;
    float m = std::frexp(x.v, &ei);
    e = VS(static_cast<float>(ei));
    return VS(m);
  }
  static M lt(VS a, VS b) { return a.v < b.v; }
  static M le(VS a, VS b) { return a.v <= b.v; }
  static M gt(VS a, VS b) { return a.v > b.v; }
  static M ge(VS a, VS b) { return a.v >= b.v; }
  static M eq(VS a, VS b) { return a.v == b.v; }
  static VS select(M m, VS a, VS b) { return m ? a : b; }
  float hsum() const { return v; }
  float hmax() const { return v; }
  static VS hsums(const VS* a) { return a[0]; }
};

#ifdef ST_X86
// ---- AVX2 + FMA + F16C (8 lanes) ----------------------------------------------------------
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
struct V8 {
  static constexpr int N = 8;
  using M = __m256;
  __m256 v;
  V8() = default;
  V8(__m256 x) : v(x) {}
  static V8 zero() { return _mm256_setzero_ps(); }
  static V8 set1(float x) { return _mm256_set1_ps(x); }
  static V8 load(const float* p) { return _mm256_loadu_ps(p); }
  // Lanes [0, m) set (masked loads and stores never touch memory past the first m floats).
  static __m256i first(int m) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static V8 load(const float* p, int m, float fill) {
    if (m == N) return _mm256_loadu_ps(p);
    const __m256i k = first(m);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, k), _mm256_castsi256_ps(k));
  }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  void store(float* p, int m) const {
    if (m == N) return _mm256_storeu_ps(p, v);
    _mm256_maskstore_ps(p, first(m), v);
  }
  static __m128i load_u16(const uint16_t* p, int m) {
    if (m == N) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    alignas(16) uint16_t t[N] = {};
    std::memcpy(t, p, 2 * m);
    return _mm_load_si128(reinterpret_cast<const __m128i*>(t));
  }
  static V8 load_bf16(const uint16_t* p, int m) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load_u16(p, m)), 16));
  }
  static V8 load_f16(const uint16_t* p, int m) { return _mm256_cvtph_ps(load_u16(p, m)); }
  static V8 fmadd(V8 a, V8 b, V8 c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
  // max/min return the second operand when either is NaN; the kernels put the data there.
  static V8 max(V8 a, V8 b) { return _mm256_max_ps(a.v, b.v); }
  static V8 min(V8 a, V8 b) { return _mm256_min_ps(a.v, b.v); }
  static V8 abs(V8 a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), a.v); }
  static V8 sqrt(V8 a) { return _mm256_sqrt_ps(a.v); }
  static V8 round(V8 a) { return _mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V8 pow2i(V8 n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  // x·2^n for integral n in [−252, 254]: two halves, so neither power overflows its exponent.
  static V8 ldexp(V8 x, V8 n) {
    V8 n1 = round(_mm256_mul_ps(n.v, _mm256_set1_ps(0.5f)));
    return _mm256_mul_ps(_mm256_mul_ps(x.v, pow2i(n1).v), pow2i(_mm256_sub_ps(n.v, n1.v)).v);
  }
  static V8 frexp(V8 x, V8& e) {
    __m256i b = _mm256_castps_si256(x.v);
    __m256i ex = _mm256_sub_epi32(_mm256_srli_epi32(b, 23), _mm256_set1_epi32(126));
    e = _mm256_cvtepi32_ps(ex);
    __m256i mb = _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi32(0x807fffff)), _mm256_set1_epi32(0x3f000000));
    return _mm256_castsi256_ps(mb);
  }
  static M lt(V8 a, V8 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ); }
  static M le(V8 a, V8 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ); }
  static M gt(V8 a, V8 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ); }
  static M ge(V8 a, V8 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ); }
  static M eq(V8 a, V8 b) { return _mm256_cmp_ps(a.v, b.v, _CMP_EQ_OQ); }
  static V8 select(M m, V8 a, V8 b) { return _mm256_blendv_ps(b.v, a.v, m); }
  float hsum() const {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  float hmax() const {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // A transposing tree (unpack ps, unpack pd, 128-bit halves): 7 adds for 8 sums.
  static V8 hsums(const V8* a) {
    __m256 t[4], u[2];
    for (int j = 0; j < 4; j++) t[j] = _mm256_add_ps(_mm256_unpacklo_ps(a[2 * j].v, a[2 * j + 1].v), _mm256_unpackhi_ps(a[2 * j].v, a[2 * j + 1].v));
    for (int j = 0; j < 2; j++) {
      const __m256d x = _mm256_castps_pd(t[2 * j]), y = _mm256_castps_pd(t[2 * j + 1]);
      u[j] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(x, y)), _mm256_castpd_ps(_mm256_unpackhi_pd(x, y)));
    }
    return _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20), _mm256_permute2f128_ps(u[0], u[1], 0x31));
  }
};
// Operators as free functions: GCC 12 drops the pragma target on in-class friends.
inline V8 operator+(V8 a, V8 b) { return _mm256_add_ps(a.v, b.v); }
inline V8 operator-(V8 a, V8 b) { return _mm256_sub_ps(a.v, b.v); }
inline V8 operator*(V8 a, V8 b) { return _mm256_mul_ps(a.v, b.v); }
inline V8 operator/(V8 a, V8 b) { return _mm256_div_ps(a.v, b.v); }
#pragma GCC pop_options

// ---- AVX-512 F/BW/VL + FMA (16 lanes) -----------------------------------------------------
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
struct V16 {
  static constexpr int N = 16;
  using M = __mmask16;
  __m512 v;
  V16() = default;
  V16(__m512 x) : v(x) {}
  static __mmask16 first(int m) { return static_cast<__mmask16>((1u << m) - 1u); }
  static V16 zero() { return _mm512_setzero_ps(); }
  static V16 set1(float x) { return _mm512_set1_ps(x); }
  static V16 load(const float* p) { return _mm512_loadu_ps(p); }
  static V16 load(const float* p, int m, float fill) {
    if (m == N) return _mm512_loadu_ps(p);
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), first(m), p);
  }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  void store(float* p, int m) const {
    if (m == N) return _mm512_storeu_ps(p, v);
    _mm512_mask_storeu_ps(p, first(m), v);
  }
  static __m256i load_u16(const uint16_t* p, int m) {
    if (m == N) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm256_maskz_loadu_epi16(first(m), p);
  }
  static V16 load_bf16(const uint16_t* p, int m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(load_u16(p, m)), 16));
  }
  static V16 load_f16(const uint16_t* p, int m) { return _mm512_cvtph_ps(load_u16(p, m)); }
  static V16 fmadd(V16 a, V16 b, V16 c) { return _mm512_fmadd_ps(a.v, b.v, c.v); }
  static V16 max(V16 a, V16 b) { return _mm512_max_ps(a.v, b.v); }
  static V16 min(V16 a, V16 b) { return _mm512_min_ps(a.v, b.v); }
  static V16 abs(V16 a) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(0x7fffffff)));
  }
  static V16 sqrt(V16 a) { return _mm512_sqrt_ps(a.v); }
  static V16 round(V16 a) { return _mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V16 pow2i(V16 n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static V16 ldexp(V16 x, V16 n) { return _mm512_scalef_ps(x.v, n.v); }
  static V16 frexp(V16 x, V16& e) {
    // getexp gives floor(log2 x); getmant in [1, 2): shift both by one to match frexp.
    e = _mm512_add_ps(_mm512_getexp_ps(x.v), _mm512_set1_ps(1.f));
    return _mm512_mul_ps(_mm512_getmant_ps(x.v, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero), _mm512_set1_ps(0.5f));
  }
  static M lt(V16 a, V16 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ); }
  static M le(V16 a, V16 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ); }
  static M gt(V16 a, V16 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ); }
  static M ge(V16 a, V16 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ); }
  static M eq(V16 a, V16 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ); }
  static V16 select(M m, V16 a, V16 b) { return _mm512_mask_blend_ps(m, b.v, a.v); }
  float hsum() const { return _mm512_reduce_add_ps(v); }
  float hmax() const { return _mm512_reduce_max_ps(v); }
  // A transposing tree (unpack ps, unpack pd, two 128-bit lane shuffles): 15 adds for 16 sums.
  static V16 hsums(const V16* a) {
    __m512 t[8], u[4];
    for (int j = 0; j < 8; j++) t[j] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * j].v, a[2 * j + 1].v), _mm512_unpackhi_ps(a[2 * j].v, a[2 * j + 1].v));
    for (int j = 0; j < 4; j++) {
      const __m512d x = _mm512_castps_pd(t[2 * j]), y = _mm512_castps_pd(t[2 * j + 1]);
      u[j] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    // u[m]'s 128-bit block L holds block L's sums of a[4m .. 4m + 3]; fold the four blocks.
    const __m512 v01 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
    const __m512 v23 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x88), _mm512_shuffle_f32x4(u[2], u[3], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(v01, v23, 0x88), _mm512_shuffle_f32x4(v01, v23, 0xDD));
  }
};
// Operators as free functions: GCC 12 drops the pragma target on in-class friends.
inline V16 operator+(V16 a, V16 b) { return _mm512_add_ps(a.v, b.v); }
inline V16 operator-(V16 a, V16 b) { return _mm512_sub_ps(a.v, b.v); }
inline V16 operator*(V16 a, V16 b) { return _mm512_mul_ps(a.v, b.v); }
inline V16 operator/(V16 a, V16 b) { return _mm512_div_ps(a.v, b.v); }
#pragma GCC pop_options
#endif  // ST_X86

}  // namespace st
