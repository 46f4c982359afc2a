// The portable GEMM kit: plain C++ compiled for the baseline instruction set (SSE2 on x86-64,
// NEON on arm64), which the compiler vectorises on its own. Always available.
#include "gemm.h"
#include "gemm_generic.h"

namespace st {
namespace gemm {
namespace {

constexpr int MR = 6, NR = 8;
using H = detail::SoftF16;

void ukr(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc) {
  detail::ukr<MR, NR>(kc, ap, bp, c, ldc, acc);
}
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
  static const Kit kit{"generic", MR, NR, 96, 256, 2048, ukr, pack_a, pack_b, gemv_t, gemv_n};
  return kit;
}

}  // namespace gemm
}  // namespace st
