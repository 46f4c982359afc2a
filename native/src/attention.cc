// Fused attention (f32): a FlashAttention-style tiled forward with online softmax that never holds
// more than a [rows × 64] score tile per task, storing only the per-row log-sum-exp; and the
// FlashAttention-2 backward, which recomputes probabilities from lse: P = exp(S − lse),
// D_i = rowsum(dO∘O), dS = P∘(dP − D). Semantics follow src/backend/reference/attention.ts.
//
// Tiling. A task owns one (batch, kv head) pair and a block of queries; its rows are every
// (query, head) pair of the heads that share that kv head (grouped-query attention), so one packed
// key tile serves all of them. Per key block of 64: S = Qp·Kt (Q pre-scaled, K packed transposed
// once per call), soft-cap, mask, online softmax, O += P·V. The products go through one small GEMM
// primitive (C = or += A·B, B rows contiguous, A read with any strides so Aᵀ is free); blocks of at
// most 8 rows (decode) take direct dot products against K as stored instead. Each primitive has
// AVX-512, AVX2 and portable versions, chosen at run time (STEERLING_ISA can force a lower one).
//
// Parallelism. Forward: tasks over (batch, kv head, query block), plus a split of the key range
// when that gives too few tasks (decode, tq = 1): partial (O, max, sum) per split are merged after.
// Backward: tasks over (batch, kv head, key split); a task owns dK/dV for its key blocks (no races)
// and accumulates dQ into its own scratch copy, summed at the end.

// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_ps() (a known
// false positive at the inlined call sites), so it is silenced for this file only.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "common.h"
#include "cpu.h"
#include "threadpool.h"

namespace {

constexpr int BK = 64;          // keys per tile (the S tile's width)
constexpr int ROWS = 64;        // target rows (query × grouped head) per task block
constexpr float NEG_INF = -std::numeric_limits<float>::infinity();

// ---------------------------------------------------------------------------------------------
// Primitives, one set per ISA.

struct Prims {
  // C[M×N] = A[M×K]·B[K×N] (acc: C +=). A[i][k] is at A[i·ars + k·aks], so a transposed A costs
  // nothing (ars = 1); B and C have row strides ldb, ldc and contiguous rows.
  void (*gemm)(int M, int N, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc);
  // Maximum of x; NaN if any x is NaN (a NaN score must reach the output, as in the reference).
  float (*rowmax)(const float* x, int n);
  // x[i] = exp(x[i] − shift); returns Σ x[i]. exp(−∞) = 0.
  float (*expsum)(float* x, int n, float shift);
  // x[i] = cap·tanh(x[i]/cap).
  void (*softcap)(float* x, int n, float cap);
  // C[i][j] = A[i]·B[j] over K features: B's rows are keys as stored (no transposed packing).
  // Cheaper than pack + gemm when A has few rows (decode).
  void (*dots)(int M, int N, int K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc);
  const char* name;
};

// --- portable ---------------------------------------------------------------------------------

void gemm_generic(int M, int N, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc) {
  for (int i = 0; i < M; i++) {
    float* c = C + i * ldc;
    if (!acc) std::fill(c, c + N, 0.0f);
    const float* a = A + i * ars;
    for (int k = 0; k < K; k++) {
      const float ak = a[k * aks];
      const float* b = B + k * ldb;
      for (int j = 0; j < N; j++) c[j] += ak * b[j];
    }
  }
}

// max that propagates NaN from either side (std::max and max_ps keep one operand).
inline float nanmax(float a, float b) { return std::isnan(a) || std::isnan(b) ? std::numeric_limits<float>::quiet_NaN() : std::max(a, b); }

float rowmax_generic(const float* x, int n) {
  float m = NEG_INF;
  for (int i = 0; i < n; i++) m = nanmax(m, x[i]);
  return m;
}

float expsum_generic(float* x, int n, float shift) {
  float s = 0;
  for (int i = 0; i < n; i++) s += (x[i] = std::exp(x[i] - shift));
  return s;
}

void dots_generic(int M, int N, int K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) {
      float s = 0;
      for (int k = 0; k < K; k++) s += A[i * lda + k] * B[j * ldb + k];
      C[i * ldc + j] = s;
    }
  }
}

void softcap_generic(float* x, int n, float cap) {
  const float inv = 1.0f / cap;
  for (int i = 0; i < n; i++) x[i] = cap * std::tanh(x[i] * inv);
}

// --- AVX-512 ----------------------------------------------------------------------------------

#define ST_AVX512 __attribute__((target("avx512f,avx512dq,fma")))
#define ST_AVX2 __attribute__((target("avx2,fma")))
// Register tiles are arrays indexed by unrolled loops; GCC keeps them in registers only when the
// loops are unrolled before scalar replacement, hence the explicit pragma (else: spills per k).
#define ST_UNROLL _Pragma("GCC unroll 16")

// Cephes expf: exp(x) = 2^n·p(r), r = x − n·ln2, |r| ≤ ln2/2, ~1 ulp. Inputs below −87 give 0
// (they are masked scores and far-off keys; zero also keeps denormals out of the products).
#define EXP_POLY(FMA, SET1, MUL, r, p)                      \
  p = SET1(1.9875691500e-4f);                               \
  p = FMA(p, r, SET1(1.3981999507e-3f));                    \
  p = FMA(p, r, SET1(8.3334519073e-3f));                    \
  p = FMA(p, r, SET1(4.1665795894e-2f));                    \
  p = FMA(p, r, SET1(1.6666665459e-1f));                    \
  p = FMA(p, r, SET1(5.0000001201e-1f));                    \
  p = FMA(p, MUL(r, r), r);                                 \
  p = FMA(SET1(1.0f), SET1(1.0f), p);

ST_AVX512 inline __m512 exp512(__m512 x) {
  // NaN passes: the compare is unordered-true and max/min return their second operand (x) on NaN.
  const __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_NLT_UQ);
  x = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(_mm512_set1_ps(-87.0f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504089f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p;
  EXP_POLY(_mm512_fmadd_ps, _mm512_set1_ps, _mm512_mul_ps, r, p)
  return _mm512_maskz_mov_ps(keep, _mm512_scalef_ps(p, n));
}

ST_AVX512 inline __mmask16 tail_mask16(int n) { return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1); }

// A register tile of MR rows × NV·16 columns; the last vector of each row is masked by `tail`.
template <int MR, int NV>
ST_AVX512 void tile512(int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc, __mmask16 tail) {
  __m512 c[MR][NV];
  ST_UNROLL for (int r = 0; r < MR; r++)
    ST_UNROLL for (int v = 0; v < NV; v++) c[r][v] = _mm512_setzero_ps();
  for (int k = 0; k < K; k++) {
    const float* bk = B + k * ldb;
    __m512 b[NV];
    ST_UNROLL for (int v = 0; v < NV - 1; v++) b[v] = _mm512_loadu_ps(bk + 16 * v);
    b[NV - 1] = _mm512_maskz_loadu_ps(tail, bk + 16 * (NV - 1));
    ST_UNROLL for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(A[r * ars + k * aks]);
      ST_UNROLL for (int v = 0; v < NV; v++) c[r][v] = _mm512_fmadd_ps(a, b[v], c[r][v]);
    }
  }
  ST_UNROLL for (int r = 0; r < MR; r++) {
    ST_UNROLL for (int v = 0; v < NV; v++) {
      float* cp = C + r * ldc + 16 * v;
      const __mmask16 m = v == NV - 1 ? tail : static_cast<__mmask16>(0xFFFF);
      __m512 x = c[r][v];
      if (acc) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, cp));
      _mm512_mask_storeu_ps(cp, m, x);
    }
  }
}

template <int MR>
ST_AVX512 void tiles512(int nv, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc, __mmask16 tail) {
  switch (nv) {
    case 1: tile512<MR, 1>(K, A, ars, aks, B, ldb, C, ldc, acc, tail); break;
    case 2: tile512<MR, 2>(K, A, ars, aks, B, ldb, C, ldc, acc, tail); break;
    case 3: tile512<MR, 3>(K, A, ars, aks, B, ldb, C, ldc, acc, tail); break;
    default: tile512<MR, 4>(K, A, ars, aks, B, ldb, C, ldc, acc, tail); break;
  }
}

ST_AVX512 void gemm_avx512(int M, int N, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc) {
  for (int j0 = 0; j0 < N; j0 += 64) {
    const int nj = std::min(64, N - j0);
    const int nv = (nj + 15) / 16;
    const __mmask16 tail = tail_mask16(nj - (nv - 1) * 16);
    const float* b = B + j0;
    int i = 0;
    for (; i + 6 <= M; i += 6) tiles512<6>(nv, K, A + i * ars, ars, aks, b, ldb, C + i * ldc + j0, ldc, acc, tail);
    const float* a = A + i * ars;
    float* c = C + i * ldc + j0;
    switch (M - i) {
      case 1: tiles512<1>(nv, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 2: tiles512<2>(nv, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 3: tiles512<3>(nv, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 4: tiles512<4>(nv, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 5: tiles512<5>(nv, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      default: break;
    }
  }
}

ST_AVX512 float rowmax_avx512(const float* x, int n) {
  __m512 m = _mm512_set1_ps(NEG_INF);
  __mmask16 nan = 0;
  for (int i = 0; i < n; i += 16) {
    const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(NEG_INF), tail_mask16(n - i), x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    m = _mm512_max_ps(m, v);
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : _mm512_reduce_max_ps(m);
}

ST_AVX512 float expsum_avx512(float* x, int n, float shift) {
  const __m512 sh = _mm512_set1_ps(shift);
  __m512 s = _mm512_setzero_ps();
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask16(n - i);
    const __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), sh)));
    _mm512_mask_storeu_ps(x + i, m, e);
    s = _mm512_add_ps(s, e);
  }
  return _mm512_reduce_add_ps(s);
}

// 16 keys per step: one accumulator per key (K/16 FMAs each), then a transposing reduction tree
// (unpack ps, unpack pd, two 128-bit lane shuffles) sums each accumulator's lanes into lane j.
ST_AVX512 void dots_avx512(int M, int N, int K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  for (int j0 = 0; j0 < N; j0 += 16) {
    const int nj = std::min(16, N - j0);
    const float* rows[16];
    ST_UNROLL for (int j = 0; j < 16; j++) rows[j] = B + std::min(j0 + j, N - 1) * ldb;  // past N: any valid row
    for (int i = 0; i < M; i++) {
      const float* a = A + i * lda;
      __m512 acc[16];
      ST_UNROLL for (int j = 0; j < 16; j++) acc[j] = _mm512_setzero_ps();
      for (int k = 0; k < K; k += 16) {
        const __mmask16 m = tail_mask16(K - k);
        const __m512 av = _mm512_maskz_loadu_ps(m, a + k);
        ST_UNROLL for (int j = 0; j < 16; j++) acc[j] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, rows[j] + k), acc[j]);
      }
      __m512 t[8], u[4];
      ST_UNROLL for (int j = 0; j < 8; j++) t[j] = _mm512_add_ps(_mm512_unpacklo_ps(acc[2 * j], acc[2 * j + 1]), _mm512_unpackhi_ps(acc[2 * j], acc[2 * j + 1]));
      ST_UNROLL for (int j = 0; j < 4; j++) {
        const __m512d x = _mm512_castps_pd(t[2 * j]), y = _mm512_castps_pd(t[2 * j + 1]);
        u[j] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
      }
      // u[m] lane-block L holds the lane-block-L sums of keys 4m..4m+3; fold the four blocks.
      const __m512 v01 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
      const __m512 v23 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x88), _mm512_shuffle_f32x4(u[2], u[3], 0xDD));
      const __m512 w = _mm512_add_ps(_mm512_shuffle_f32x4(v01, v23, 0x88), _mm512_shuffle_f32x4(v01, v23, 0xDD));
      _mm512_mask_storeu_ps(C + i * ldc + j0, tail_mask16(nj), w);
    }
  }
}

// tanh(y) = sign(y)·(1 − e)/(1 + e), e = exp(−2|y|); below |y| = 0.15 an odd Taylor polynomial
// instead, where 1 − e would lose digits.
ST_AVX512 void softcap_avx512(float* x, int n, float cap) {
  const __m512 inv = _mm512_set1_ps(1.0f / cap), vcap = _mm512_set1_ps(cap), one = _mm512_set1_ps(1.0f);
  const __m512 signbit = _mm512_set1_ps(-0.0f);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask16(n - i);
    const __m512 y = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    const __m512 ay = _mm512_andnot_ps(signbit, y);
    const __m512 e = exp512(_mm512_mul_ps(ay, _mm512_set1_ps(-2.0f)));
    const __m512 big = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
    const __m512 y2 = _mm512_mul_ps(ay, ay);
    __m512 p = _mm512_set1_ps(62.0f / 2835.0f);
    p = _mm512_fmadd_ps(p, y2, _mm512_set1_ps(-17.0f / 315.0f));
    p = _mm512_fmadd_ps(p, y2, _mm512_set1_ps(2.0f / 15.0f));
    p = _mm512_fmadd_ps(p, y2, _mm512_set1_ps(-1.0f / 3.0f));
    p = _mm512_fmadd_ps(p, y2, one);
    const __m512 small = _mm512_mul_ps(p, ay);
    const __mmask16 isSmall = _mm512_cmp_ps_mask(ay, _mm512_set1_ps(0.15f), _CMP_LT_OQ);
    __m512 t = _mm512_mask_mov_ps(big, isSmall, small);
    t = _mm512_or_ps(t, _mm512_and_ps(y, signbit));
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(t, vcap));
  }
}

// --- AVX2 -------------------------------------------------------------------------------------

ST_AVX2 inline __m256 exp256(__m256 x) {
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_NLT_UQ);
  x = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(_mm256_set1_ps(-87.0f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504089f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p;
  EXP_POLY(_mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps, r, p)
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(keep, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

ST_AVX2 inline __m256i tail_mask8(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(std::min(n, 8)), idx);
}

template <int MR, int NV, bool MASKED>
ST_AVX2 void tile256(int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc, __m256i tail) {
  __m256 c[MR][NV];
  ST_UNROLL for (int r = 0; r < MR; r++)
    ST_UNROLL for (int v = 0; v < NV; v++) c[r][v] = _mm256_setzero_ps();
  for (int k = 0; k < K; k++) {
    const float* bk = B + k * ldb;
    __m256 b[NV];
    ST_UNROLL for (int v = 0; v < NV - 1; v++) b[v] = _mm256_loadu_ps(bk + 8 * v);
    b[NV - 1] = MASKED ? _mm256_maskload_ps(bk + 8 * (NV - 1), tail) : _mm256_loadu_ps(bk + 8 * (NV - 1));
    ST_UNROLL for (int r = 0; r < MR; r++) {
      const __m256 a = _mm256_broadcast_ss(A + r * ars + k * aks);
      ST_UNROLL for (int v = 0; v < NV; v++) c[r][v] = _mm256_fmadd_ps(a, b[v], c[r][v]);
    }
  }
  ST_UNROLL for (int r = 0; r < MR; r++) {
    ST_UNROLL for (int v = 0; v < NV; v++) {
      float* cp = C + r * ldc + 8 * v;
      __m256 x = c[r][v];
      if (MASKED && v == NV - 1) {
        if (acc) x = _mm256_add_ps(x, _mm256_maskload_ps(cp, tail));
        _mm256_maskstore_ps(cp, tail, x);
      } else {
        if (acc) x = _mm256_add_ps(x, _mm256_loadu_ps(cp));
        _mm256_storeu_ps(cp, x);
      }
    }
  }
}

template <int MR>
ST_AVX2 void tiles256(int nv, bool masked, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc, __m256i tail) {
  if (nv == 1) {
    if (masked) tile256<MR, 1, true>(K, A, ars, aks, B, ldb, C, ldc, acc, tail);
    else tile256<MR, 1, false>(K, A, ars, aks, B, ldb, C, ldc, acc, tail);
  } else {
    if (masked) tile256<MR, 2, true>(K, A, ars, aks, B, ldb, C, ldc, acc, tail);
    else tile256<MR, 2, false>(K, A, ars, aks, B, ldb, C, ldc, acc, tail);
  }
}

// 6 rows × 16 columns: 12 accumulators, two B vectors and a broadcast fill the 16 ymm registers.
ST_AVX2 void gemm_avx2(int M, int N, int K, const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc) {
  for (int j0 = 0; j0 < N; j0 += 16) {
    const int nj = std::min(16, N - j0);
    const int nv = (nj + 7) / 8;
    const int rem = nj - (nv - 1) * 8;
    const bool masked = rem < 8;
    const __m256i tail = tail_mask8(rem);
    const float* b = B + j0;
    int i = 0;
    for (; i + 6 <= M; i += 6) tiles256<6>(nv, masked, K, A + i * ars, ars, aks, b, ldb, C + i * ldc + j0, ldc, acc, tail);
    const float* a = A + i * ars;
    float* c = C + i * ldc + j0;
    switch (M - i) {
      case 1: tiles256<1>(nv, masked, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 2: tiles256<2>(nv, masked, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 3: tiles256<3>(nv, masked, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 4: tiles256<4>(nv, masked, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      case 5: tiles256<5>(nv, masked, K, a, ars, aks, b, ldb, c, ldc, acc, tail); break;
      default: break;
    }
  }
}

ST_AVX2 float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

ST_AVX2 float rowmax_avx2(const float* x, int n) {
  __m256 m = _mm256_set1_ps(NEG_INF), nan = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = _mm256_max_ps(m, v);
  }
  alignas(32) float t[8];
  _mm256_store_ps(t, m);
  float r = _mm256_movemask_ps(nan) ? std::numeric_limits<float>::quiet_NaN() : NEG_INF;
  for (float v : t) r = nanmax(r, v);
  for (; i < n; i++) r = nanmax(r, x[i]);
  return r;
}

ST_AVX2 float expsum_avx2(float* x, int n, float shift) {
  const __m256 sh = _mm256_set1_ps(shift);
  __m256 s = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 8) {
    const __m256i m = tail_mask8(n - i);
    const __m256 e = _mm256_and_ps(_mm256_castsi256_ps(m), exp256(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), sh)));
    _mm256_maskstore_ps(x + i, m, e);
    s = _mm256_add_ps(s, e);
  }
  return hsum256(s);
}

// 8 keys per step, as dots_avx512 with a three-stage reduction.
ST_AVX2 void dots_avx2(int M, int N, int K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  for (int j0 = 0; j0 < N; j0 += 8) {
    const int nj = std::min(8, N - j0);
    const float* rows[8];
    ST_UNROLL for (int j = 0; j < 8; j++) rows[j] = B + std::min(j0 + j, N - 1) * ldb;
    for (int i = 0; i < M; i++) {
      const float* a = A + i * lda;
      __m256 acc[8];
      ST_UNROLL for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
      int k = 0;
      for (; k + 8 <= K; k += 8) {
        const __m256 av = _mm256_loadu_ps(a + k);
        ST_UNROLL for (int j = 0; j < 8; j++) acc[j] = _mm256_fmadd_ps(av, _mm256_loadu_ps(rows[j] + k), acc[j]);
      }
      if (k < K) {
        const __m256i m = tail_mask8(K - k);
        const __m256 av = _mm256_maskload_ps(a + k, m);
        ST_UNROLL for (int j = 0; j < 8; j++) acc[j] = _mm256_fmadd_ps(av, _mm256_maskload_ps(rows[j] + k, m), acc[j]);
      }
      __m256 t[4], u[2];
      ST_UNROLL for (int j = 0; j < 4; j++) t[j] = _mm256_add_ps(_mm256_unpacklo_ps(acc[2 * j], acc[2 * j + 1]), _mm256_unpackhi_ps(acc[2 * j], acc[2 * j + 1]));
      ST_UNROLL for (int j = 0; j < 2; j++) {
        const __m256d x = _mm256_castps_pd(t[2 * j]), y = _mm256_castps_pd(t[2 * j + 1]);
        u[j] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(x, y)), _mm256_castpd_ps(_mm256_unpackhi_pd(x, y)));
      }
      const __m256 w = _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20), _mm256_permute2f128_ps(u[0], u[1], 0x31));
      _mm256_maskstore_ps(C + i * ldc + j0, tail_mask8(nj), w);
    }
  }
}

ST_AVX2 void softcap_avx2(float* x, int n, float cap) {
  const __m256 inv = _mm256_set1_ps(1.0f / cap), vcap = _mm256_set1_ps(cap), one = _mm256_set1_ps(1.0f);
  const __m256 signbit = _mm256_set1_ps(-0.0f);
  for (int i = 0; i < n; i += 8) {
    const __m256i m = tail_mask8(n - i);
    const __m256 y = _mm256_mul_ps(_mm256_maskload_ps(x + i, m), inv);
    const __m256 ay = _mm256_andnot_ps(signbit, y);
    const __m256 e = exp256(_mm256_mul_ps(ay, _mm256_set1_ps(-2.0f)));
    const __m256 big = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
    const __m256 y2 = _mm256_mul_ps(ay, ay);
    __m256 p = _mm256_set1_ps(62.0f / 2835.0f);
    p = _mm256_fmadd_ps(p, y2, _mm256_set1_ps(-17.0f / 315.0f));
    p = _mm256_fmadd_ps(p, y2, _mm256_set1_ps(2.0f / 15.0f));
    p = _mm256_fmadd_ps(p, y2, _mm256_set1_ps(-1.0f / 3.0f));
    p = _mm256_fmadd_ps(p, y2, one);
    const __m256 small = _mm256_mul_ps(p, ay);
    __m256 t = _mm256_blendv_ps(big, small, _mm256_cmp_ps(ay, _mm256_set1_ps(0.15f), _CMP_LT_OQ));
    t = _mm256_or_ps(t, _mm256_and_ps(y, signbit));
    _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(t, vcap));
  }
}

const Prims& prims() {
  static const Prims p = [] {
    const auto& f = st::cpu();
    if (f.avx512f && f.fma) return Prims{gemm_avx512, rowmax_avx512, expsum_avx512, softcap_avx512, dots_avx512, "avx512"};
    if (f.avx2 && f.fma) return Prims{gemm_avx2, rowmax_avx2, expsum_avx2, softcap_avx2, dots_avx2, "avx2"};
    return Prims{gemm_generic, rowmax_generic, expsum_generic, softcap_generic, dots_generic, "generic"};
  }();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Problem description and shared helpers.

struct Problem {
  const float *q, *k, *v, *mask;
  int64_t maskBatch;
  int64_t B, tq, tk, hq, hkv, d, dv, G;
  float scale, softcap;
  bool causal;
  int64_t qOffset, window;

  // Keys [lo, hi) are visible to query i.
  void range(int64_t i, int64_t& lo, int64_t& hi) const {
    const int64_t p = i + qOffset;
    hi = causal ? std::min(tk, p + 1) : tk;
    lo = window > 0 ? std::max<int64_t>(0, p - window + 1) : 0;
    lo = std::min(lo, tk);
    hi = std::max(hi, lo);
  }
  const float* qrow(int64_t b, int64_t i, int64_t h) const { return q + ((b * tq + i) * hq + h) * d; }
  const float* krow(int64_t b, int64_t j, int64_t kvh) const { return k + ((b * tk + j) * hkv + kvh) * d; }
  const float* vrow(int64_t b, int64_t j, int64_t kvh) const { return v + ((b * tk + j) * hkv + kvh) * dv; }
  const float* maskrow(int64_t b, int64_t i) const { return mask ? mask + ((maskBatch == 1 ? 0 : b) * tq + i) * tk : nullptr; }
  int64_t queriesPerBlock() const { return std::max<int64_t>(1, ROWS / G); }
};

// Kt[c][j] = k[b, kb0 + j, kvh, c] for j < nk, zero up to the padded width ldt.
void packTransposed(const float* src, int64_t srcStride, int nk, int width, float* dst, int ldt) {
  for (int c = 0; c < width; c++) std::fill(dst + c * ldt + nk, dst + (c + 1) * ldt, 0.0f);
  for (int j = 0; j < nk; j++) {
    const float* s = src + j * srcStride;
    for (int c = 0; c < width; c++) dst[c * ldt + j] = s[c];
  }
}

int paddedWidth(int nk) { return (nk + 15) / 16 * 16; }

// Finishes the score tile rows of one query: soft-cap, mask, hide keys outside [lo, hi).
// `capped` (optional) receives the soft-capped scores before the mask (for the backward).
void finishScores(const Problem& P, const Prims& K, float* s, int nk, int64_t kb0, int64_t lo, int64_t hi, const float* mrow, float* capped) {
  if (P.softcap > 0) {
    K.softcap(s, nk, P.softcap);
    if (capped) std::copy(s, s + nk, capped);
  }
  if (mrow) {
    const float* m = mrow + kb0;
    for (int j = 0; j < nk; j++) s[j] += m[j];
  }
  const int a = static_cast<int>(std::clamp<int64_t>(lo - kb0, 0, nk));
  const int e = static_cast<int>(std::clamp<int64_t>(hi - kb0, a, nk));
  std::fill(s, s + a, NEG_INF);
  std::fill(s + e, s + nk, NEG_INF);
}

// parallel_for, or a plain loop when the whole call is too small to pay for waking the pool
// (a decode step over a short cache is a few microseconds of work).
constexpr double SERIAL_FLOPS = 2e5;
void forTasks(double flops, int64_t n, const std::function<void(int64_t)>& fn) {
  if (flops < SERIAL_FLOPS) {
    for (int64_t t = 0; t < n; t++) fn(t);
  } else {
    st::parallel_for(n, fn);
  }
}

// Upper bound on the flops of a forward call (every query-key pair, both products).
double workOf(const Problem& P) { return 2.0 * P.B * P.hq * P.tq * P.tk * (P.d + P.dv); }

template <typename T>
T* scratch(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// ---------------------------------------------------------------------------------------------
// Forward.

struct FwdBuffers {
  std::vector<float> qp, s, o, m, l;
};

// Up to this many rows per task block, scores come from direct dot products (dots) instead of
// a transposed key tile and the GEMM: decode and short grouped queries.
constexpr int DIRECT_ROWS = 8;

// Runs one (b, kvh, query block, key range) task: leaves unnormalised O, row max m and row sum l.
// kt: K of this (b, kvh) packed by key block as [d][BK] tiles, or null for the direct path.
void forwardBlock(const Problem& P, const Prims& K, int64_t b, int64_t kvh, int64_t q0, int64_t nq, int64_t k0, int64_t k1, const float* kt,
                  FwdBuffers& buf) {
  const int64_t G = P.G, d = P.d, dv = P.dv;
  const int M = static_cast<int>(nq * G);
  float* qp = scratch(buf.qp, M * d);
  float* s = scratch(buf.s, static_cast<size_t>(M) * BK);
  float* o = scratch(buf.o, M * dv);
  float* m = scratch(buf.m, M);
  float* l = scratch(buf.l, M);
  std::fill(o, o + M * dv, 0.0f);
  std::fill(m, m + M, NEG_INF);
  std::fill(l, l + M, 0.0f);
  // Rows r = qi·G + g; the G heads of one query are adjacent in q, so each query is one copy.
  for (int64_t qi = 0; qi < nq; qi++) {
    const float* src = P.qrow(b, q0 + qi, kvh * G);
    float* dst = qp + qi * G * d;
    for (int64_t c = 0; c < G * d; c++) dst[c] = src[c] * P.scale;
  }
  int64_t loFirst, hiFirst, loLast, hiLast;
  P.range(q0, loFirst, hiFirst);
  P.range(q0 + nq - 1, loLast, hiLast);
  const int64_t kLo = std::max(k0, loFirst), kHi = std::min(k1, hiLast);
  // Key blocks stay aligned to multiples of BK (the packed tiles); hidden keys become −∞ below.
  for (int64_t kb0 = kLo / BK * BK; kb0 < kHi; kb0 += BK) {
    const int nk = static_cast<int>(std::min<int64_t>(BK, kHi - kb0));
    if (kt) K.gemm(M, paddedWidth(nk), static_cast<int>(d), qp, d, 1, kt + kb0 / BK * d * BK, BK, s, BK, false);
    else K.dots(M, nk, static_cast<int>(d), qp, d, P.krow(b, kb0, kvh), P.hkv * d, s, BK);
    for (int64_t qi = 0; qi < nq; qi++) {
      int64_t lo, hi;
      P.range(q0 + qi, lo, hi);
      const float* mrow = P.maskrow(b, q0 + qi);
      for (int64_t g = 0; g < G; g++) {
        const int64_t r = qi * G + g;
        float* sr = s + r * BK;
        finishScores(P, K, sr, nk, kb0, std::max(lo, k0), std::min(hi, k1), mrow, nullptr);
        const float mNew = nanmax(m[r], K.rowmax(sr, nk));
        if (mNew == NEG_INF) {  // nothing visible yet: this tile contributes nothing
          std::fill(sr, sr + nk, 0.0f);
          continue;
        }
        const float sum = K.expsum(sr, nk, mNew);
        const float alpha = std::exp(m[r] - mNew);  // 0 when m was −∞
        if (alpha != 1.0f) {
          float* orow = o + r * dv;
          for (int64_t c = 0; c < dv; c++) orow[c] *= alpha;
        }
        l[r] = l[r] * alpha + sum;
        m[r] = mNew;
      }
    }
    K.gemm(M, static_cast<int>(dv), nk, s, BK, 1, P.vrow(b, kb0, kvh), P.hkv * dv, o, dv, true);
  }
}

void attentionForward(const Problem& P, float* out, float* lse) {
  const Prims& K = prims();
  const double work = workOf(P);
  const int64_t BQ = P.queriesPerBlock();
  const int64_t nqb = (P.tq + BQ - 1) / BQ;
  const int64_t nkb = (P.tk + BK - 1) / BK;
  const int64_t base = P.B * P.hkv * nqb;
  const int64_t threads = work < SERIAL_FLOPS ? 1 : st::num_threads();
  const int64_t G = P.G, dv = P.dv, d = P.d;
  const int64_t M = std::min(BQ, P.tq) * G;
  // Many rows per block: pack every key block once, transposed, shared by all query blocks.
  std::vector<float> ktAll;
  if (M > DIRECT_ROWS) {
    ktAll.resize(P.B * P.hkv * nkb * d * BK);
    forTasks(work, P.B * P.hkv * nkb, [&](int64_t t) {
      const int64_t kb = t % nkb, bh = t / nkb;
      const int64_t kb0 = kb * BK;
      packTransposed(P.krow(bh / P.hkv, kb0, bh % P.hkv), P.hkv * d, static_cast<int>(std::min<int64_t>(BK, P.tk - kb0)), static_cast<int>(d),
                     ktAll.data() + t * d * BK, BK);
    });
  }
  // Too few tasks to keep every thread busy (decode): split the keys, merge partials after.
  int64_t nsplit = 1;
  if (base < 4 * threads && nkb > 1) nsplit = std::min(nkb, (4 * threads + base - 1) / base);
  std::vector<float> partO, partM, partL;
  if (nsplit > 1) {
    partO.resize(base * nsplit * M * dv);
    partM.resize(base * nsplit * M);
    partL.resize(base * nsplit * M);
  }
  forTasks(work, base * nsplit, [&](int64_t task) {
    thread_local FwdBuffers buf;
    // Later query blocks see more keys under causality: hand them out first.
    const int64_t split = task % nsplit;
    const int64_t t = task / nsplit;
    const int64_t qb = nqb - 1 - t % nqb;
    const int64_t bh = t / nqb;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t q0 = qb * BQ, nq = std::min(BQ, P.tq - q0);
    const int64_t k0 = split * nkb / nsplit * BK, k1 = std::min(P.tk, (split + 1) * nkb / nsplit * BK);
    forwardBlock(P, K, b, kvh, q0, nq, k0, k1, ktAll.empty() ? nullptr : ktAll.data() + bh * nkb * d * BK, buf);
    const int64_t rows = nq * G;
    if (nsplit > 1) {
      const int64_t slot = (t * nsplit + split) * M;
      std::copy(buf.o.data(), buf.o.data() + rows * dv, partO.data() + slot * dv);
      std::copy(buf.m.data(), buf.m.data() + rows, partM.data() + slot);
      std::copy(buf.l.data(), buf.l.data() + rows, partL.data() + slot);
      return;
    }
    for (int64_t r = 0; r < rows; r++) {
      const int64_t qi = q0 + r / G, h = kvh * G + r % G;
      float* dst = out + ((b * P.tq + qi) * P.hq + h) * dv;
      const float* src = buf.o.data() + r * dv;
      const float l = buf.l[r];
      // l = 0: nothing visible (zeros, lse −∞); a NaN l passes through both.
      const float inv = l == 0 ? 0.0f : 1.0f / l;
      for (int64_t c = 0; c < dv; c++) dst[c] = src[c] * inv;
      lse[(b * P.hq + h) * P.tq + qi] = l == 0 ? NEG_INF : buf.m[r] + std::log(l);
    }
  });
  if (nsplit == 1) return;
  forTasks(work, base, [&](int64_t t) {
    const int64_t qb = nqb - 1 - t % nqb;
    const int64_t bh = t / nqb;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t q0 = qb * BQ, nq = std::min(BQ, P.tq - q0);
    for (int64_t r = 0; r < nq * G; r++) {
      const int64_t qi = q0 + r / G, h = kvh * G + r % G;
      float mx = NEG_INF;
      for (int64_t sp = 0; sp < nsplit; sp++) mx = nanmax(mx, partM[(t * nsplit + sp) * M + r]);
      float* dst = out + ((b * P.tq + qi) * P.hq + h) * dv;
      std::fill(dst, dst + dv, 0.0f);
      float l = 0;
      if (mx != NEG_INF) {
        for (int64_t sp = 0; sp < nsplit; sp++) {
          const int64_t slot = (t * nsplit + sp) * M + r;
          if (partL[slot] == 0) continue;
          const float w = std::exp(partM[slot] - mx);
          l += partL[slot] * w;
          const float* src = partO.data() + slot * dv;
          for (int64_t c = 0; c < dv; c++) dst[c] += w * src[c];
        }
      }
      const float inv = l == 0 ? 0.0f : 1.0f / l;
      for (int64_t c = 0; c < dv; c++) dst[c] *= inv;
      lse[(b * P.hq + h) * P.tq + qi] = l == 0 ? NEG_INF : mx + std::log(l);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Backward.

struct BwdBuffers {
  std::vector<float> kt, vt, qp, dop, s, dp, cap, dk, dvb;
};

// One (b, kvh, key block): dK and dV for those keys, dQ contributions into dqAcc ([tq·G, d],
// unscaled). rowD and lse are [b, hq, tq]: D_i = dO_i·O_i and the forward's log-sum-exp.
void backwardKeyBlock(const Problem& P, const Prims& K, const float* rowD, const float* lse, const float* gOut, int64_t b, int64_t kvh, int64_t kb0,
                      float* dqAcc, float* dk, float* dvOut, BwdBuffers& buf) {
  const int64_t G = P.G, d = P.d, dv = P.dv;
  const int nk = static_cast<int>(std::min<int64_t>(BK, P.tk - kb0));
  const int np = paddedWidth(nk);
  const int64_t BQ = P.queriesPerBlock();
  const int Mmax = static_cast<int>(BQ * G);
  float* kt = scratch(buf.kt, d * BK);
  float* vt = scratch(buf.vt, dv * BK);
  float* qp = scratch(buf.qp, Mmax * d);
  float* dop = scratch(buf.dop, Mmax * dv);
  float* s = scratch(buf.s, static_cast<size_t>(Mmax) * BK);
  float* dp = scratch(buf.dp, static_cast<size_t>(Mmax) * BK);
  float* capped = P.softcap > 0 ? scratch(buf.cap, static_cast<size_t>(Mmax) * BK) : nullptr;
  float* dkAcc = scratch(buf.dk, BK * d);
  float* dvAcc = scratch(buf.dvb, BK * dv);
  std::fill(dkAcc, dkAcc + nk * d, 0.0f);
  std::fill(dvAcc, dvAcc + nk * dv, 0.0f);
  packTransposed(P.krow(b, kb0, kvh), P.hkv * d, nk, static_cast<int>(d), kt, BK);
  packTransposed(P.vrow(b, kb0, kvh), P.hkv * dv, nk, static_cast<int>(dv), vt, BK);
  // Queries that can see a key of this block: causal needs i + qOffset ≥ kb0; the window needs
  // i + qOffset − window < kb0 + nk − 1.
  const int64_t qLo = P.causal ? std::max<int64_t>(0, kb0 - P.qOffset) : 0;
  const int64_t qHi = P.window > 0 ? std::min<int64_t>(P.tq, kb0 + nk - 1 - P.qOffset + P.window) : P.tq;
  for (int64_t q0 = qLo; q0 < qHi; q0 += BQ) {
    const int64_t nq = std::min(BQ, qHi - q0);
    const int M = static_cast<int>(nq * G);
    for (int64_t qi = 0; qi < nq; qi++) {
      const float* qsrc = P.qrow(b, q0 + qi, kvh * G);
      for (int64_t c = 0; c < G * d; c++) qp[qi * G * d + c] = qsrc[c] * P.scale;
      const float* gsrc = gOut + ((b * P.tq + q0 + qi) * P.hq + kvh * G) * dv;
      std::copy(gsrc, gsrc + G * dv, dop + qi * G * dv);
    }
    K.gemm(M, np, static_cast<int>(d), qp, d, 1, kt, BK, s, BK, false);
    K.gemm(M, np, static_cast<int>(dv), dop, dv, 1, vt, BK, dp, BK, false);
    for (int64_t qi = 0; qi < nq; qi++) {
      int64_t lo, hi;
      P.range(q0 + qi, lo, hi);
      const float* mrow = P.maskrow(b, q0 + qi);
      for (int64_t g = 0; g < G; g++) {
        const int64_t r = qi * G + g;
        const int64_t row = (b * P.hq + kvh * G + g) * P.tq + q0 + qi;
        float* sr = s + r * BK;
        float* dpr = dp + r * BK;
        if (lse[row] == NEG_INF) {  // fully masked row: no gradient
          std::fill(sr, sr + nk, 0.0f);
          std::fill(dpr, dpr + nk, 0.0f);
          continue;
        }
        float* cr = capped ? capped + r * BK : nullptr;
        finishScores(P, K, sr, nk, kb0, lo, hi, mrow, cr);
        K.expsum(sr, nk, lse[row]);  // sr = P
        const float Dr = rowD[row];
        for (int j = 0; j < nk; j++) dpr[j] = sr[j] * (dpr[j] - Dr);  // dp = dS
        if (cr) {
          const float inv = 1.0f / P.softcap;
          for (int j = 0; j < nk; j++) {
            const float t = cr[j] * inv;
            dpr[j] *= 1.0f - t * t;
          }
        }
      }
    }
    // dV += Pᵀ·dO, dK += dSᵀ·(scale·Q): the transposed operands are read with swapped strides.
    K.gemm(nk, static_cast<int>(dv), M, s, 1, BK, dop, dv, dvAcc, dv, true);
    K.gemm(nk, static_cast<int>(d), M, dp, 1, BK, qp, d, dkAcc, d, true);
    K.gemm(M, static_cast<int>(d), nk, dp, BK, 1, P.krow(b, kb0, kvh), P.hkv * d, dqAcc + q0 * G * d, d, true);
  }
  for (int j = 0; j < nk; j++) {
    std::copy(dkAcc + j * d, dkAcc + (j + 1) * d, dk + ((b * P.tk + kb0 + j) * P.hkv + kvh) * d);
    std::copy(dvAcc + j * dv, dvAcc + (j + 1) * dv, dvOut + ((b * P.tk + kb0 + j) * P.hkv + kvh) * dv);
  }
}

void attentionBackward(const Problem& P, const float* out, const float* lse, const float* gOut, float* dq, float* dk, float* dvOut) {
  const Prims& K = prims();
  const double work = workOf(P);
  const int64_t nkb = (P.tk + BK - 1) / BK;
  const int64_t base = P.B * P.hkv;
  const int64_t threads = work < SERIAL_FLOPS ? 1 : st::num_threads();
  // D_i = dO_i·O_i once per row, laid out like lse.
  std::vector<float> rowD(P.B * P.hq * P.tq);
  forTasks(work, P.B * P.hq, [&](int64_t bh) {
    const int64_t b = bh / P.hq, h = bh % P.hq;
    for (int64_t i = 0; i < P.tq; i++) {
      const int64_t o = ((b * P.tq + i) * P.hq + h) * P.dv;
      float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent partial sums vectorise
      int64_t c = 0;
      for (; c + 8 <= P.dv; c += 8)
        for (int u = 0; u < 8; u++) part[u] += gOut[o + c + u] * out[o + c + u];
      float sum = 0;
      for (; c < P.dv; c++) sum += gOut[o + c] * out[o + c];
      for (float x : part) sum += x;
      rowD[bh * P.tq + i] = sum;
    }
  });
  // Each (b, kvh) splits its key blocks over nsplit tasks (interleaved, so causal work balances);
  // each split keeps its own dQ accumulator [tq·G, d], summed at the end.
  const int64_t nsplit = std::max<int64_t>(1, std::min(nkb, (4 * threads + base - 1) / base));
  const int64_t perHead = P.tq * P.G * P.d;
  std::vector<float> dqAcc(base * nsplit * perHead, 0.0f);
  forTasks(work, base * nsplit, [&](int64_t task) {
    thread_local BwdBuffers buf;
    const int64_t split = task % nsplit, bh = task / nsplit;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    float* acc = dqAcc.data() + task * perHead;
    for (int64_t kb = split; kb < nkb; kb += nsplit) backwardKeyBlock(P, K, rowD.data(), lse, gOut, b, kvh, kb * BK, acc, dk, dvOut, buf);
  });
  // dq[b, i, kvh·G + g, :] = scale · Σ_split acc[split][i·G + g, :]
  forTasks(work, base, [&](int64_t bh) {
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t n = P.G * P.d;
    for (int64_t i = 0; i < P.tq; i++) {
      float* dst = dq + ((b * P.tq + i) * P.hq + kvh * P.G) * P.d;
      const float* src = dqAcc.data() + bh * nsplit * perHead + i * n;
      for (int64_t c = 0; c < n; c++) dst[c] = src[c];
      for (int64_t sp = 1; sp < nsplit; sp++)
        for (int64_t c = 0; c < n; c++) dst[c] += src[sp * perHead + c];
      for (int64_t c = 0; c < n; c++) dst[c] *= P.scale;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// N-API.

const float* optionalF32(const Napi::Value& v) { return v.IsNull() || v.IsUndefined() ? nullptr : st::ptr<float>(v); }

void need(Napi::Env env, bool ok, const char* what) {
  if (!ok) throw Napi::Error::New(env, std::string("attention (native): ") + what);
}

// dims: Float64Array [batch, tq, tk, hq, hkv, d, dv, scale, causal, qOffset, window, softcap].
Problem problemFrom(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() >= 6 && info[5].IsTypedArray(), "expected (q, k, v, mask, maskBatch, dims, ...)");
  const double* dm = st::ptr<double>(info[5]);
  need(env, st::length(info[5]) == 12, "dims must have 12 entries");
  Problem P{};
  P.B = static_cast<int64_t>(dm[0]);
  P.tq = static_cast<int64_t>(dm[1]);
  P.tk = static_cast<int64_t>(dm[2]);
  P.hq = static_cast<int64_t>(dm[3]);
  P.hkv = static_cast<int64_t>(dm[4]);
  P.d = static_cast<int64_t>(dm[5]);
  P.dv = static_cast<int64_t>(dm[6]);
  P.scale = static_cast<float>(dm[7]);
  P.causal = dm[8] != 0;
  P.qOffset = static_cast<int64_t>(dm[9]);
  P.window = static_cast<int64_t>(dm[10]);
  P.softcap = static_cast<float>(dm[11]);
  need(env, P.hkv > 0 && P.hq % P.hkv == 0, "hq must be a multiple of hkv");
  P.G = P.hq / P.hkv;
  P.q = st::ptr<float>(info[0]);
  P.k = st::ptr<float>(info[1]);
  P.v = st::ptr<float>(info[2]);
  P.mask = optionalF32(info[3]);
  P.maskBatch = st::i64(info[4]);
  need(env, st::length(info[0]) == static_cast<size_t>(P.B * P.tq * P.hq * P.d), "q has the wrong length");
  need(env, st::length(info[1]) == static_cast<size_t>(P.B * P.tk * P.hkv * P.d), "k has the wrong length");
  need(env, st::length(info[2]) == static_cast<size_t>(P.B * P.tk * P.hkv * P.dv), "v has the wrong length");
  if (P.mask) need(env, (P.maskBatch == 1 || P.maskBatch == P.B) && st::length(info[3]) == static_cast<size_t>(P.maskBatch * P.tq * P.tk), "mask has the wrong length");
  return P;
}

// attentionForwardF32(q, k, v, mask|null, maskBatch, dims, out, lse)
Napi::Value ForwardF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Problem P = problemFrom(info);
  need(env, info.Length() == 8, "expected 8 arguments");
  need(env, st::length(info[6]) == static_cast<size_t>(P.B * P.tq * P.hq * P.dv), "out has the wrong length");
  need(env, st::length(info[7]) == static_cast<size_t>(P.B * P.hq * P.tq), "lse has the wrong length");
  attentionForward(P, st::ptr<float>(info[6]), st::ptr<float>(info[7]));
  return env.Undefined();
}

// attentionBackwardF32(q, k, v, mask|null, maskBatch, dims, out, lse, gOut, dq, dk, dv)
Napi::Value BackwardF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Problem P = problemFrom(info);
  need(env, info.Length() == 12, "expected 12 arguments");
  const size_t nOut = static_cast<size_t>(P.B * P.tq * P.hq * P.dv);
  need(env, st::length(info[6]) == nOut && st::length(info[8]) == nOut, "out / gOut have the wrong length");
  need(env, st::length(info[7]) == static_cast<size_t>(P.B * P.hq * P.tq), "lse has the wrong length");
  need(env, st::length(info[9]) == st::length(info[0]) && st::length(info[10]) == st::length(info[1]) && st::length(info[11]) == st::length(info[2]),
       "dq / dk / dv have the wrong length");
  attentionBackward(P, st::ptr<float>(info[6]), st::ptr<float>(info[7]), st::ptr<float>(info[8]), st::ptr<float>(info[9]), st::ptr<float>(info[10]),
                    st::ptr<float>(info[11]));
  return env.Undefined();
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), prims().name); }

}  // namespace

namespace st {
// One decode step's attention for one kv head, on the calling thread (see rowkernels.h): the
// forward's own block routine over every key at once, so with keys that the threaded forward
// does not split (tk ≤ 64, or one thread) the bits are the same as attentionForwardF32's.
void attention_decode_kvhead(const float* q, const float* k, const float* v, int64_t tk, int64_t hq, int64_t hkv, int64_t d, float scale, int64_t window,
                             int64_t kvh, float* out) {
  Problem P{};
  P.q = q;
  P.k = k;
  P.v = v;
  P.mask = nullptr;
  P.maskBatch = 1;
  P.B = 1;
  P.tq = 1;
  P.tk = tk;
  P.hq = hq;
  P.hkv = hkv;
  P.d = d;
  P.dv = d;
  P.G = hq / hkv;
  P.scale = scale;
  P.softcap = 0;
  P.causal = true;
  P.qOffset = tk - 1;
  P.window = window;
  thread_local FwdBuffers buf;
  forwardBlock(P, prims(), 0, kvh, 0, 1, 0, tk, nullptr, buf);
  for (int64_t g = 0; g < P.G; g++) {
    float* dst = out + (kvh * P.G + g) * d;
    const float* src = buf.o.data() + g * d;
    const float l = buf.l[g];
    const float inv = l == 0 ? 0.0f : 1.0f / l;  // as attentionForward: nothing visible gives zeros
    for (int64_t c = 0; c < d; c++) dst[c] = src[c] * inv;
  }
}
}  // namespace st

void st_init_attention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionForwardF32", Napi::Function::New(env, ForwardF32));
  exports.Set("attentionBackwardF32", Napi::Function::New(env, BackwardF32));
  exports.Set("attentionIsa", Napi::Function::New(env, Isa));
}
