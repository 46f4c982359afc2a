// Elementwise kernels: binary ops (same shape, a row repeated, or one value per row broadcast),
// unary ops with their derivatives, affine maps and the gated-MLP activation; steerling.h lists
// them. The math lives in eltwise_impl.inc, compiled per instruction set (isa_expand.inc).
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "rowisa.h"
#include "simd.h"

namespace st {
namespace {
#define ST_IMPL "eltwise_impl.inc"
#include "isa_expand.inc"
#undef ST_IMPL

// Flat ranges are cut into pieces of this many elements for threading.
constexpr int64_t kPiece = 8192;

void for_pieces(int64_t n, double cost, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t pieces = (n + kPiece - 1) / kPiece;
  for_blocks(pieces, cost * n, [&](int64_t p0, int64_t p1) { fn(p0 * kPiece, std::min(n, p1 * kPiece)); });
}

// Rough cost per element of each unary op (in simple-op units), to decide on threading.
double unary_cost(int op) { return op == ST_NEG || op == ST_SQUARE || op == ST_ABS || op == ST_RELU ? 1.0 : 12.0; }

}  // namespace

// For fused kernels elsewhere (decode_step.cc): st_unary on the calling thread, same bits.
void unary_range_isa(int op, const float* x, int64_t n, float* out) { ST_ISA_CALL(unary_range, op, x, 0, n, out); }

}  // namespace st

using namespace st;

void st_binary_rows(st_binary_op op, bool swap, const float* x, const float* y, st_broadcast mode, int64_t len, int64_t rows, float* out) {
  if (mode == ST_SAME) {
    // Same shape: one flat range, threaded in pieces.
    for_pieces(rows * len, 1.0, [&](int64_t i0, int64_t i1) { ST_ISA_CALL(binary_rows, op, swap, x + i0, y + i0, 0, i1 - i0, 0, 1, out + i0); });
  } else {
    for_blocks(rows, static_cast<double>(rows) * len, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(binary_rows, op, swap, x, y, mode, len, r0, r1, out); });
  }
}

void st_unary(st_unary_op op, const float* x, int64_t n, float* out) {
  for_pieces(n, unary_cost(op), [&](int64_t i0, int64_t i1) { ST_ISA_CALL(unary_range, op, x, i0, i1, out); });
}

void st_unary_backward(st_unary_op op, const float* x, const float* y, const float* g, int64_t n, float* out) {
  for_pieces(n, unary_cost(op), [&](int64_t i0, int64_t i1) { ST_ISA_CALL(unary_bwd_range, op, x, y, g, i0, i1, out); });
}

void st_affine(const float* x, int64_t n, float scale, float shift, float* out) {
  for_pieces(n, 1.0, [&](int64_t i0, int64_t i1) { ST_ISA_CALL(affine_range, x, scale, shift, i0, i1, out); });
}

// The two products run as one pool job (linear_many); the activation and product are the very
// kernels st_unary and st_binary_rows use, so the result has the same bits as those three calls.
void st_gated_linear(const float* x, const void* wg, st_dtype g_dtype, const void* wu, st_dtype u_dtype, int64_t m, int64_t k, int64_t n, st_unary_op act,
                     float* out) {
  const int64_t mn = m * n;
  if (mn == 0) return;
  thread_local std::vector<float> gate;  // the calling thread's scratch; up goes straight to out
  if (gate.size() < size_t(mn)) gate.resize(size_t(mn));
  if (k == 0) {
    std::fill(gate.begin(), gate.begin() + mn, 0.f);
    std::fill(out, out + mn, 0.f);
  } else {
    const gemm::LinearOut outs[2] = {{wg, g_dtype, n, gate.data()}, {wu, u_dtype, n, out}};
    gemm::linear_many(x, m, k, outs, 2);
  }
  // A plain pointer for the pool's threads: inside the lambda, `gate` would name each thread's
  // own (empty) thread_local vector.
  float* g = gate.data();
  for_pieces(mn, unary_cost(act) + 1.0, [&](int64_t i0, int64_t i1) {
    ST_ISA_CALL(unary_range, act, g + i0, 0, i1 - i0, g + i0);
    ST_ISA_CALL(binary_rows, ST_MUL, false, g + i0, out + i0, 0, i1 - i0, 0, 1, out + i0);
  });
}
