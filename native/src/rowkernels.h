// Single-thread entry points into the row-wise, elementwise, attention and GEMM kernels, for fused
// kernels that run inside one pool job (decode_step.cc) and so cannot call the threaded kernels of
// steerling.h. Each runs the very code its steerling.h kernel runs, so fused results keep the bits.
#pragma once
#include <cstdint>

#include "gemm.h"

namespace st {
// rowops.cc: RMSNorm of rows [r0, r1) of x [rows, cols] (w: null or [cols] of dtype dt).
void rmsnorm_rows_isa(const float* x, const void* w, int dt, float off, int64_t r0, int64_t r1, int64_t cols, double eps, float* y, float* rstd);
// rowops.cc: RoPE of one token's `heads` heads of size d (x and out [heads, d]); cs: rd floats of scratch.
void rope_tokens_isa(const float* x, int64_t heads, int64_t d, int64_t rd, const int32_t* pos, const double* inv, float* out, float* cs);
// eltwise.cc: out[i] = op(x[i]) for i < n (unary() op codes).
void unary_range_isa(int op, const float* x, int64_t n, float* out);
// attention.cc: one query token's attention for the query heads of kv head kvh, over keys and
// values [tk, hkv, d] (the query is the last position, so every key is visible but for the
// sliding window; 0 = none). q and out are [hq, d]; out gets heads kvh·G .. kvh·G + G − 1.
void attention_decode_kvhead(const float* q, const float* k, const float* v, int64_t tk, int64_t hq, int64_t hkv, int64_t d, float scale, int64_t window,
                             int64_t kvh, float* out);
namespace gemm {
// gemm.cc: the kit matmul() uses now (honours gemmIsa()).
const Kit& current_kit();
}  // namespace gemm
}  // namespace st
