// The portable GEMM kit: plain C++ compiled for the baseline instruction set (SSE2 on x86-64,
// NEON on arm64), with GCC/Clang vector extensions for the hot loops (4-float vectors, no
// ISA named) and plain loops elsewhere. Always available.
#include <cstdint>
#include <cstring>

#include "gemm.h"
#include "gemm_generic.h"

namespace st {
namespace gemm {
namespace {

constexpr int MR = 6, NR = 8;
using H = detail::SoftF16;

#if defined(__GNUC__)
// GCC/Clang vector extensions: 4-float vectors map to SSE or NEON registers without naming either
// ISA, so this stays portable while keeping the 6×8 tile in 12 vector registers (the plain-array
// version gets vectorised across the wrong axis).
typedef float v4 __attribute__((vector_size(16)));

inline v4 load4(const float* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, v4 v) { std::memcpy(p, &v, sizeof v); }

void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  v4 r[MR][2] = {};
  for (int64_t p = 0; p < kc; p++) {
    const v4 b0 = load4(bp), b1 = load4(bp + 4);
    for (int i = 0; i < MR; i++) {
      const v4 a = v4{} + ap[i];
      r[i][0] += a * b0;
      r[i][1] += a * b1;
    }
    ap += MR;
    bp += NR;
  }
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    store4(ci, acc ? load4(ci) + r[i][0] : r[i][0]);
    store4(ci + 4, acc ? load4(ci + 4) + r[i][1] : r[i][1]);
  }
}

// Four consecutive weights as floats: f32 as is, bf16 by widening the bits (a shift), f16 by the
// scalar converter (there is no portable half-to-float vector instruction).
typedef uint16_t h4 __attribute__((vector_size(8)));
typedef uint32_t u4 __attribute__((vector_size(16)));
template <int DT>
inline v4 loadw4(const void* w, int64_t i) {
  if (DT == F32) return load4(static_cast<const float*>(w) + i);
  const uint16_t* h = static_cast<const uint16_t*>(w) + i;
  if (DT == F16) return v4{H::f16(h[0]), H::f16(h[1]), H::f16(h[2]), H::f16(h[3])};
  h4 b;
  std::memcpy(&b, h, sizeof b);
  const u4 u = __builtin_convertvector(b, u4) << 16;
  v4 f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

template <int DT>
void gemv_t_dt(const float* x, const void* w, int64_t k, int64_t j0, int64_t j1, float* y) {
  for (int64_t j = j0; j < j1; j++) {
    v4 s0 = {}, s1 = {};
    int64_t p = 0;
    for (; p + 8 <= k; p += 8) {
      s0 += load4(x + p) * loadw4<DT>(w, j * k + p);
      s1 += load4(x + p + 4) * loadw4<DT>(w, j * k + p + 4);
    }
    const v4 s = s0 + s1;
    float t = (s[0] + s[2]) + (s[1] + s[3]);
    for (; p < k; p++) t += x[p] * detail::ld<DT, H>(w, j * k + p);
    y[j] = t;
  }
}

template <int DT>
void gemv_n_dt(const float* x, const void* w, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  // Column strips of 16 held in registers while the k rows stream past.
  int64_t j = j0;
  for (; j + 16 <= j1; j += 16) {
    v4 s[4] = {};
    for (int64_t p = 0; p < k; p++) {
      const v4 xv = v4{} + x[p];
      for (int u = 0; u < 4; u++) s[u] += xv * loadw4<DT>(w, p * n + j + 4 * u);
    }
    for (int u = 0; u < 4; u++) store4(y + j + 4 * u, s[u]);
  }
  if (j < j1) detail::gemv_n_dt<DT, H>(x, w, k, n, j, j1, y);
}

void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_t_dt<F32>(x, w, k, j0, j1, y);
  else if (dtype == BF16) gemv_t_dt<BF16>(x, w, k, j0, j1, y);
  else gemv_t_dt<F16>(x, w, k, j0, j1, y);
}
void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  if (dtype == F32) gemv_n_dt<F32>(x, w, k, n, j0, j1, y);
  else if (dtype == BF16) gemv_n_dt<BF16>(x, w, k, n, j0, j1, y);
  else gemv_n_dt<F16>(x, w, k, n, j0, j1, y);
}
#else
void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  detail::ukr<MR, NR>(kc, ap, bp, c, ldc, acc);
}
void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  detail::gemv_t<H>(x, w, dtype, k, j0, j1, y);
}
void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  detail::gemv_n<H>(x, w, dtype, k, n, j0, j1, y);
}
#endif
void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  detail::pack_a<MR>(a, trans, lda, i0, rows, p0, kc, dst);
}
void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  detail::pack_b<NR, H>(b, dtype, trans, ldb, p0, kc, j0, cols, dst);
}

}  // namespace

const Kit& kit_generic() {
  static const Kit kit{"generic", MR, NR, 96, 256, 2048, ukr, pack_a, pack_b, gemv_t, gemv_n, 0, nullptr, nullptr, nullptr};
  return kit;
}

}  // namespace gemm
}  // namespace st
