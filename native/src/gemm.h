// Internal interface of the GEMM: one "kit" per instruction set (generic, AVX2+FMA, AVX-512),
// each a set of function pointers plus the blocking sizes tuned for its micro-kernel. The driver
// (gemm.cc) is ISA-agnostic: it runs the Goto/BLIS loops, the threading and the special cases,
// and calls into the kit picked at run time.
//
// Operand addressing (row-major storage, logical A is m×k, B is k×n):
//   A(i, p) = a[i·lda + p]   (transA = false, lda = k)   or a[p·lda + i]   (transA, lda = m)
//   B(p, j) = b[p·ldb + j]   (transB = false, ldb = n)   or b[j·ldb + p]   (transB, ldb = k)
// B may be f32, bf16 or f16 (st::DType codes); kits widen it to f32 while packing, so the
// micro-kernels only ever see f32.
#pragma once
#include <cstdint>

#include "steerling.h"

namespace st {
float f16_to_f32(uint16_t h);  // cpu.cc; also declared in common.h

namespace gemm {

// B element types, the same codes as st::DType in common.h.
enum : int { F32 = 0, BF16 = 1, F16 = 2 };

struct Kit {
  const char* name;
  int mr, nr;          // micro-tile: mr rows × nr columns of C held in registers
  int64_t mc, kc, nc;  // cache blocks: A block mc×kc (L2), B micro-panel kc×nr (L1), B panel kc×nc

  // C[0:mr, 0:nr] (row stride ldc) = (acc ? C : 0) + Ap · Bp, summing over kc.
  // Ap is kc×mr packed (ap[p·mr + i]); Bp is kc×nr packed (bp[p·nr + j]); both 64-byte aligned.
  void (*ukr)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool acc);

  // Packs A rows [i0, i0+rows) × columns [p0, p0+kc) into ceil(rows/mr) micro-panels of mr rows,
  // each kc·mr floats (rows past `rows` are zero).
  void (*pack_a)(const float* a, bool trans, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst);

  // Packs B rows [p0, p0+kc) × columns [j0, j0+cols) into ceil(cols/nr) micro-panels of nr
  // columns, each kc·nr floats (columns past `cols` are zero), widening bf16/f16 to f32.
  void (*pack_b)(const void* b, int dtype, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst);

  // Matrix–vector, the decode case (m = 1). x has k floats.
  // gemv_t: y[j] = Σ_p x[p]·W[j·k + p] for j in [j0, j1)   (W [n, k], the x·Wᵀ layout)
  // gemv_n: y[j] = Σ_p x[p]·W[p·n + j] for j in [j0, j1)   (W [k, n])
  void (*gemv_t)(const float* x, const void* w, int dtype, int64_t k, int64_t j0, int64_t j1, float* y);
  void (*gemv_n)(const float* x, const void* w, int dtype, int64_t k, int64_t n, int64_t j0, int64_t j1, float* y);

  // Optional "dot" path for B stored [n, k] and m ≤ dot_max_m (0 = the kit has none): B is not
  // packed; A is first copied by dot_prep into dot_size(m, k) floats (a layout private to the
  // kit), then dot_t fills C[0:m, j0:j1] (row stride ldc) with dot products of A and B rows.
  int64_t dot_max_m;
  int64_t (*dot_size)(int64_t m, int64_t k);
  void (*dot_prep)(const float* a, bool trans, int64_t lda, int64_t m, int64_t k, int dtype, float* dst);
  void (*dot_t)(const float* ap, int64_t m, const void* b, int dtype, int64_t k, int64_t j0, int64_t j1, float* c, int64_t ldc);
};

// One weight of linear_many: out [m, n] = x [m, k] · Wᵀ, W [n, k] of dtype.
using LinearOut = st_linear_out;

// Several products of one x with different weights (q/k/v or gate/up projections in decode),
// run as one pool job so the threads wake once and share all the rows out.
void linear_many(const float* x, int64_t m, int64_t k, const LinearOut* outs, int count);

const Kit& kit_generic();
const Kit& kit_avx2();
const Kit& kit_avx512();

}  // namespace gemm
}  // namespace st
