// Row-wise kernels: RMSNorm/LayerNorm (+ backward), RoPE, embedding gather/scatter-add,
// softmax/log-softmax (+ backward), cross-entropy and KL/JSD (+ backward); steerling.h lists them.
// The math lives in rowops_impl.inc, compiled per instruction set (isa_expand.inc); this file
// picks the instruction set (for eltwise.cc and attention.cc too) and splits rows over the pool.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common.h"
#include "cpu.h"
#include "rowisa.h"
#include "simd.h"

namespace st {
namespace {
#define ST_IMPL "rowops_impl.inc"
#include "isa_expand.inc"
#undef ST_IMPL
}  // namespace

// ---- instruction-set choice (shared with eltwise.cc and attention.cc) ----------------------

static int g_forced_isa = -1;  // −1: best available
static double g_parallel_work = 256 * 1024;

double parallel_work() { return g_parallel_work; }
void set_parallel_work(double units) { g_parallel_work = units; }

static bool isa_supported(int isa) {
#ifdef ST_X86
  const auto& f = cpu();
  if (isa == ISA_AVX2) return f.avx2 && f.fma && f.f16c;
  if (isa == ISA_AVX512) {
    // cpu() already honours STEERLING_ISA; the kernels also use AVX-512 BW/VL.
    return f.avx512f && f.fma && f.f16c && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  }
#endif
  return isa == ISA_GENERIC;
}

RowIsa row_isa() {
  if (g_forced_isa >= 0) return static_cast<RowIsa>(g_forced_isa);
  static const RowIsa best = isa_supported(ISA_AVX512) ? ISA_AVX512 : isa_supported(ISA_AVX2) ? ISA_AVX2 : ISA_GENERIC;
  return best;
}

const char* isa_name(int isa) { return isa == ISA_AVX512 ? "avx512" : isa == ISA_AVX2 ? "avx2" : "generic"; }

namespace {

// Splits rows over threads, each with its own zeroed copy of the per-column parameter
// gradients (npar arrays of cols), then sums the copies into `outs` (zeroed by the caller).
template <class F>
void rows_with_param_grads(int64_t rows, int64_t cols, double work, std::vector<float*> outs, F fn) {
  const int64_t nt = num_threads();
  if (nt <= 1 || rows < 2 || work < parallel_work()) {
    fn(0, rows, outs);
    return;
  }
  const int64_t nb = std::min<int64_t>(rows, nt);
  const size_t npar = outs.size();
  std::vector<float> partial(static_cast<size_t>(nb) * npar * cols, 0.f);
  parallel_for(nb, [&](int64_t b) {
    std::vector<float*> mine(npar);
    for (size_t k = 0; k < npar; k++) mine[k] = outs[k] ? partial.data() + (b * npar + k) * cols : nullptr;
    fn(rows * b / nb, rows * (b + 1) / nb, mine);
  });
  for (size_t k = 0; k < npar; k++) {
    if (!outs[k]) continue;
    for (int64_t b = 0; b < nb; b++) {
      const float* p = partial.data() + (b * npar + k) * cols;
      for (int64_t c = 0; c < cols; c++) outs[k][c] += p[c];
    }
  }
}

}  // namespace

// Entry points for fused kernels in other files (decode_step.cc): the same per-ISA code as the
// kernels below, on the calling thread, so a fused path gives the same bits.
void rmsnorm_rows_isa(const float* x, const void* w, int dt, float off, int64_t r0, int64_t r1, int64_t cols, double eps, float* y, float* rstd) {
  ST_ISA_CALL(rmsnorm_rows, x, {w, dt, w ? off : 0.f, 1.f}, r0, r1, cols, eps, y, rstd);
}
void rope_tokens_isa(const float* x, int64_t heads, int64_t d, int64_t rd, const int32_t* pos, const double* inv, float* out, float* cs) {
  ST_ISA_CALL(rope_tokens, x, 0, 1, heads, d, rd, pos, inv, false, out, cs);
}

}  // namespace st

using namespace st;

// ---- instruction set and threading threshold --------------------------------------------------

const char* st_isa(void) { return isa_name(row_isa()); }

int st_force_isa(const char* name) {
  const std::string s(name);
  const int want = s == "generic" ? ISA_GENERIC : s == "avx2" ? ISA_AVX2 : s == "avx512" ? ISA_AVX512 : s == "auto" ? -1 : -2;
  if (want == -2) return -1;
  if (want >= 0 && !isa_supported(want)) return -2;
  g_forced_isa = want;
  return 0;
}

double st_parallel_work(void) { return parallel_work(); }
void st_set_parallel_work(double units) { set_parallel_work(units); }

// ---- norms ------------------------------------------------------------------------------------

void st_rmsnorm(const float* x, const void* w, st_dtype w_dtype, int64_t rows, int64_t cols, double eps, float weight_offset, float* y, float* rstd) {
  for_blocks(rows, 2.0 * rows * cols, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(rmsnorm_rows, x, {w, w_dtype, w ? weight_offset : 0.f, 1.f}, r0, r1, cols, eps, y, rstd);
  });
}

void st_rmsnorm_backward(const float* x, const void* w, st_dtype w_dtype, const float* g, const float* rstd, int64_t rows, int64_t cols,
                         float weight_offset, float* dx, float* dw) {
  rows_with_param_grads(rows, cols, 4.0 * rows * cols, {dw}, [&](int64_t r0, int64_t r1, const std::vector<float*>& p) {
    ST_ISA_CALL(rmsnorm_bwd_rows, x, {w, w_dtype, w ? weight_offset : 0.f, 1.f}, g, rstd, r0, r1, cols, dx, p[0]);
  });
}

void st_layernorm(const float* x, const void* w, const void* b, st_dtype w_dtype, int64_t rows, int64_t cols, double eps, float* y, float* mean,
                  float* rstd) {
  for_blocks(rows, 3.0 * rows * cols, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(layernorm_rows, x, {w, w_dtype, 0.f, 1.f}, {b, w_dtype, 0.f, 0.f}, r0, r1, cols, eps, y, mean, rstd);
  });
}

void st_layernorm_backward(const float* x, const void* w, st_dtype w_dtype, const float* g, const float* mean, const float* rstd, int64_t rows,
                           int64_t cols, float* dx, float* dw, float* db) {
  rows_with_param_grads(rows, cols, 5.0 * rows * cols, {dw, db}, [&](int64_t r0, int64_t r1, const std::vector<float*>& p) {
    ST_ISA_CALL(layernorm_bwd_rows, x, {w, w_dtype, 0.f, 1.f}, g, mean, rstd, r0, r1, cols, dx, p[0], p[1]);
  });
}

// ---- RoPE -------------------------------------------------------------------------------------

void st_rope(const float* x, int64_t batch, int64_t t, int64_t heads, int64_t d, int64_t rotary_dim, const int32_t* positions, const double* inv_freq,
             bool inverse, float* out) {
  const int64_t tokens = batch * t, rd = rotary_dim;
  // Trig is per token and half-dim; rotation per element.
  for_blocks(tokens, static_cast<double>(tokens) * (heads * d + 20 * rd), [&](int64_t t0, int64_t t1) {
    std::vector<float> cs(static_cast<size_t>(rd));
    ST_ISA_CALL(rope_tokens, x, t0, t1, heads, d, rd, positions, inv_freq, inverse, out, cs.data());
  });
}

// ---- embedding --------------------------------------------------------------------------------

void st_gather(const void* table, st_dtype dtype, int64_t, int64_t cols, const int32_t* ids, int64_t n, float* out) {
  for_blocks(n, static_cast<double>(n) * cols, [&](int64_t i0, int64_t i1) { ST_ISA_CALL(gather_rows, table, dtype, cols, ids, i0, i1, out); });
}

void st_scatter_add(const float* g, const int32_t* ids, int64_t n, int64_t, int64_t cols, float* out) {
  // Threads own column strips (multiples of 64), so repeated ids never race.
  const int64_t strips = (cols + 63) / 64;
  for_blocks(strips, static_cast<double>(n) * cols, [&](int64_t s0, int64_t s1) {
    ST_ISA_CALL(scatter_cols, g, ids, n, cols, s0 * 64, std::min(cols, s1 * 64), out);
  });
}

// ---- softmax ----------------------------------------------------------------------------------

void st_softmax(const float* x, int64_t rows, int64_t cols, bool log, float* out) {
  for_blocks(rows, 12.0 * rows * cols, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(softmax_rows, x, r0, r1, cols, log, out); });
}

void st_softmax_backward(const float* y, const float* g, int64_t rows, int64_t cols, bool log, float* out) {
  for_blocks(rows, (log ? 12.0 : 3.0) * rows * cols, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(softmax_bwd_rows, y, g, r0, r1, cols, log, out); });
}

// ---- cross-entropy ----------------------------------------------------------------------------

void st_cross_entropy(const float* logits, const int32_t* targets, int64_t rows, int64_t vocab, int32_t ignore_index, float* loss, float* lse) {
  for_blocks(rows, 10.0 * rows * vocab, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(ce_rows, logits, targets, r0, r1, vocab, ignore_index, loss, lse); });
}

void st_cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, const float* g_row, int64_t rows, int64_t vocab,
                               int32_t ignore_index, float* out) {
  for_blocks(rows, 10.0 * rows * vocab, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(ce_bwd_rows, logits, targets, lse, g_row, r0, r1, vocab, ignore_index, out);
  });
}

// ---- divergences ------------------------------------------------------------------------------

void st_divergence(bool jsd, const float* p, const float* q, int64_t rows, int64_t vocab, float* out) {
  for_blocks(rows, 40.0 * rows * vocab, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(div_rows, jsd, p, q, r0, r1, vocab, out); });
}

void st_divergence_backward(bool jsd, const float* p, const float* q, const float* g_row, int64_t rows, int64_t vocab, float* dp, float* dq) {
  for_blocks(rows, 80.0 * rows * vocab, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(div_bwd_rows, jsd, p, q, g_row, r0, r1, vocab, dp, dq); });
}
