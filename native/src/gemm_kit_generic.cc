// The portable GEMM kit: plain C++ compiled for the baseline instruction set (SSE2 on x86-64,
// NEON on arm64), which the compiler vectorises on its own. Always available.
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
#else
void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  detail::ukr<MR, NR>(kc, ap, bp, c, ldc, acc);
}
#endif
void pack_a(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  detail::pack_a<MR>(a, trans, lda, i0, rows, p0, kc, dst);
}
void pack_b(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
  detail::pack_b<NR, H>(b, dtype, trans, ldb, p0, kc, j0, cols, dst);
}
void gemv_t(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y) {
  detail::gemv_t<H>(x, w, dtype, k, j0, j1, y);
}
void gemv_n(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y) {
  detail::gemv_n<H>(x, w, dtype, k, n, j0, j1, y);
}

}  // namespace

const Kit& kit_generic() {
  static const Kit kit{"generic", MR, NR, 96, 256, 2048, ukr, pack_a, pack_b, gemv_t, gemv_n, 0, nullptr, nullptr, nullptr};
  return kit;
}

}  // namespace gemm
}  // namespace st
