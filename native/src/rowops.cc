// Row-wise kernels for the native backend: RMSNorm/LayerNorm (+ backward), RoPE, embedding
// gather/scatter-add, softmax/log-softmax (+ backward), cross-entropy and KL/JSD (+ backward).
// The math lives in rowops_impl.inc, compiled per instruction set (isa_expand.inc); this file
// validates arguments, picks the instruction set and splits rows over the thread pool.
// All outputs are f32 typed arrays allocated (zeroed) by JS: src/backend/native/rowops.ts.
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

// ---- instruction-set choice (shared with eltwise.cc) ----------------------------------------

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

bool is_null(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

const void* opt_ptr(const Napi::Value& v) {
  if (is_null(v)) return nullptr;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  return static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
}

int dtype_code(const Napi::Env& env, const Napi::Value& v) {
  int64_t d = i64(v);
  if (d != F32 && d != BF16 && d != F16) throw Napi::TypeError::New(env, "rowops: dtype code must be 0 (f32), 1 (bf16) or 2 (f16)");
  return static_cast<int>(d);
}

// rowopsIsa(name?): forces 'generic' | 'avx2' | 'avx512' (or 'auto'); returns the active set.
Napi::Value RowopsIsa(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) {
    std::string s = info[0].As<Napi::String>().Utf8Value();
    int want = s == "generic" ? ISA_GENERIC : s == "avx2" ? ISA_AVX2 : s == "avx512" ? ISA_AVX512 : s == "auto" ? -1 : -2;
    if (want == -2) throw Napi::Error::New(env, "rowopsIsa: unknown instruction set '" + s + "' (generic, avx2, avx512, auto)");
    if (want >= 0 && !isa_supported(want)) throw Napi::Error::New(env, "rowopsIsa: '" + s + "' is not supported on this CPU");
    g_forced_isa = want;
  }
  return Napi::String::New(env, isa_name(row_isa()));
}

// rowopsParallelWork(units?): sets the threading threshold (see rowisa.h); returns it.
Napi::Value RowopsParallelWork(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) set_parallel_work(f64(info[0]));
  return Napi::Number::New(info.Env(), parallel_work());
}

// ---- norms ----------------------------------------------------------------------------------

// rmsnorm(x, w|null, wDtype, rows, cols, eps, weightOffset, y, rstd)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const void* w = opt_ptr(info[1]);
  const int dt = dtype_code(info.Env(), info[2]);
  const int64_t rows = i64(info[3]), cols = i64(info[4]);
  const double eps = f64(info[5]);
  const float off = static_cast<float>(f64(info[6]));
  float* y = ptr<float>(info[7]);
  float* rstd = ptr<float>(info[8]);
  for_blocks(rows, 2.0 * rows * cols, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(rmsnorm_rows, x, {w, dt, w ? off : 0.f, 1.f}, r0, r1, cols, eps, y, rstd);
  });
  return info.Env().Undefined();
}

// Splits rows over threads, each with its own zeroed copy of the per-column parameter
// gradients (npar arrays of cols), then sums the copies into `outs` (zeroed by JS).
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

// rmsnormBackward(x, w|null, wDtype, g, rstd, rows, cols, weightOffset, dx, dw|null)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const void* w = opt_ptr(info[1]);
  const int dt = dtype_code(info.Env(), info[2]);
  const float* g = ptr<float>(info[3]);
  const float* rstd = ptr<float>(info[4]);
  const int64_t rows = i64(info[5]), cols = i64(info[6]);
  const float off = static_cast<float>(f64(info[7]));
  float* dx = ptr<float>(info[8]);
  float* dw = is_null(info[9]) ? nullptr : ptr<float>(info[9]);
  rows_with_param_grads(rows, cols, 4.0 * rows * cols, {dw}, [&](int64_t r0, int64_t r1, const std::vector<float*>& p) {
    ST_ISA_CALL(rmsnorm_bwd_rows, x, {w, dt, w ? off : 0.f, 1.f}, g, rstd, r0, r1, cols, dx, p[0]);
  });
  return info.Env().Undefined();
}

// layernorm(x, w|null, b|null, wDtype, rows, cols, eps, y, mean, rstd)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const void* w = opt_ptr(info[1]);
  const void* b = opt_ptr(info[2]);
  const int dt = dtype_code(info.Env(), info[3]);
  const int64_t rows = i64(info[4]), cols = i64(info[5]);
  const double eps = f64(info[6]);
  float* y = ptr<float>(info[7]);
  float* mean = ptr<float>(info[8]);
  float* rstd = ptr<float>(info[9]);
  for_blocks(rows, 3.0 * rows * cols, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(layernorm_rows, x, {w, dt, 0.f, 1.f}, {b, dt, 0.f, 0.f}, r0, r1, cols, eps, y, mean, rstd);
  });
  return info.Env().Undefined();
}

// layernormBackward(x, w|null, wDtype, g, mean, rstd, rows, cols, dx, dw, db)
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const void* w = opt_ptr(info[1]);
  const int dt = dtype_code(info.Env(), info[2]);
  const float* g = ptr<float>(info[3]);
  const float* mean = ptr<float>(info[4]);
  const float* rstd = ptr<float>(info[5]);
  const int64_t rows = i64(info[6]), cols = i64(info[7]);
  float* dx = ptr<float>(info[8]);
  float* dw = ptr<float>(info[9]);
  float* db = ptr<float>(info[10]);
  rows_with_param_grads(rows, cols, 5.0 * rows * cols, {dw, db}, [&](int64_t r0, int64_t r1, const std::vector<float*>& p) {
    ST_ISA_CALL(layernorm_bwd_rows, x, {w, dt, 0.f, 1.f}, g, mean, rstd, r0, r1, cols, dx, p[0], p[1]);
  });
  return info.Env().Undefined();
}

// ---- RoPE -------------------------------------------------------------------------------------

// rope(x, batch, t, heads, d, rotaryDim, positions (i32, batch·t), invFreq (f64), inverse, out)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const float* x = ptr<float>(info[0]);
  const int64_t batch = i64(info[1]), t = i64(info[2]), heads = i64(info[3]), d = i64(info[4]), rd = i64(info[5]);
  const int32_t* pos = ptr<int32_t>(info[6]);
  const double* inv = ptr<double>(info[7]);
  const bool inverse = flag(info[8]);
  float* out = ptr<float>(info[9]);
  if (rd <= 0 || rd % 2 || rd > d) throw Napi::RangeError::New(env, "rope: rotaryDim must be even and in [2, d]");
  if (static_cast<int64_t>(length(info[6])) < batch * t || static_cast<int64_t>(length(info[7])) < rd / 2) {
    throw Napi::RangeError::New(env, "rope: positions or invFreq are too short");
  }
  const int64_t tokens = batch * t;
  // Trig is per token and half-dim; rotation per element.
  for_blocks(tokens, static_cast<double>(tokens) * (heads * d + 20 * rd), [&](int64_t t0, int64_t t1) {
    std::vector<float> cs(static_cast<size_t>(rd));
    ST_ISA_CALL(rope_tokens, x, t0, t1, heads, d, rd, pos, inv, inverse, out, cs.data());
  });
  return env.Undefined();
}

// ---- embedding --------------------------------------------------------------------------------

void check_ids(const Napi::Env& env, const int32_t* ids, int64_t n, int64_t rows, const char* what) {
  for (int64_t i = 0; i < n; i++) {
    if (ids[i] < 0 || ids[i] >= rows) {
      throw Napi::RangeError::New(env, std::string(what) + ": id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                           " is out of range for a table of " + std::to_string(rows) + " rows");
    }
  }
}

// gather(table, tableDtype, rows, cols, ids, out)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const void* table = opt_ptr(info[0]);
  const int dt = dtype_code(env, info[1]);
  const int64_t rows = i64(info[2]), cols = i64(info[3]);
  const int32_t* ids = ptr<int32_t>(info[4]);
  const int64_t n = static_cast<int64_t>(length(info[4]));
  float* out = ptr<float>(info[5]);
  check_ids(env, ids, n, rows, "gather");
  for_blocks(n, static_cast<double>(n) * cols, [&](int64_t i0, int64_t i1) {
    ST_ISA_CALL(gather_rows, table, dt, cols, ids, i0, i1, out);
  });
  return env.Undefined();
}

// scatterAdd(g, ids, rows, cols, out): out (zeroed) [rows, cols] += g rows at ids.
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const float* g = ptr<float>(info[0]);
  const int32_t* ids = ptr<int32_t>(info[1]);
  const int64_t n = static_cast<int64_t>(length(info[1]));
  const int64_t rows = i64(info[2]), cols = i64(info[3]);
  float* out = ptr<float>(info[4]);
  check_ids(env, ids, n, rows, "scatterAdd");
  // Threads own column strips (multiples of 64), so repeated ids never race.
  const int64_t strips = (cols + 63) / 64;
  for_blocks(strips, static_cast<double>(n) * cols, [&](int64_t s0, int64_t s1) {
    ST_ISA_CALL(scatter_cols, g, ids, n, cols, s0 * 64, std::min(cols, s1 * 64), out);
  });
  return env.Undefined();
}

// ---- softmax ----------------------------------------------------------------------------------

// softmax(x, rows, cols, log, out)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const int64_t rows = i64(info[1]), cols = i64(info[2]);
  const bool log = flag(info[3]);
  float* out = ptr<float>(info[4]);
  for_blocks(rows, 12.0 * rows * cols, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(softmax_rows, x, r0, r1, cols, log, out); });
  return info.Env().Undefined();
}

// softmaxBackward(y, g, rows, cols, log, out)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  const float* y = ptr<float>(info[0]);
  const float* g = ptr<float>(info[1]);
  const int64_t rows = i64(info[2]), cols = i64(info[3]);
  const bool log = flag(info[4]);
  float* out = ptr<float>(info[5]);
  for_blocks(rows, (log ? 12.0 : 3.0) * rows * cols, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(softmax_bwd_rows, y, g, r0, r1, cols, log, out);
  });
  return info.Env().Undefined();
}

// ---- cross-entropy ----------------------------------------------------------------------------

void check_targets(const Napi::Env& env, const int32_t* t, int64_t rows, int64_t vocab, int32_t ignore) {
  for (int64_t r = 0; r < rows; r++) {
    if (t[r] != ignore && (t[r] < 0 || t[r] >= vocab)) {
      throw Napi::RangeError::New(env, "crossEntropy: target " + std::to_string(t[r]) + " at row " + std::to_string(r) +
                                           " is out of range for " + std::to_string(vocab) + " classes");
    }
  }
}

// crossEntropy(logits, targets, rows, vocab, ignoreIndex, loss, lse)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const float* logits = ptr<float>(info[0]);
  const int32_t* targets = ptr<int32_t>(info[1]);
  const int64_t rows = i64(info[2]), vocab = i64(info[3]);
  const int32_t ignore = static_cast<int32_t>(i64(info[4]));
  float* loss = ptr<float>(info[5]);
  float* lse = ptr<float>(info[6]);
  check_targets(env, targets, rows, vocab, ignore);
  for_blocks(rows, 10.0 * rows * vocab, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(ce_rows, logits, targets, r0, r1, vocab, ignore, loss, lse);
  });
  return env.Undefined();
}

// crossEntropyBackward(logits, targets, lse, gRow, rows, vocab, ignoreIndex, out)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const float* logits = ptr<float>(info[0]);
  const int32_t* targets = ptr<int32_t>(info[1]);
  const float* lse = ptr<float>(info[2]);
  const float* grow = ptr<float>(info[3]);
  const int64_t rows = i64(info[4]), vocab = i64(info[5]);
  const int32_t ignore = static_cast<int32_t>(i64(info[6]));
  float* out = ptr<float>(info[7]);
  check_targets(env, targets, rows, vocab, ignore);
  for_blocks(rows, 10.0 * rows * vocab, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(ce_bwd_rows, logits, targets, lse, grow, r0, r1, vocab, ignore, out);
  });
  return env.Undefined();
}

// ---- divergences ------------------------------------------------------------------------------

// divergence(jsd, p, q, rows, vocab, out)
Napi::Value Divergence(const Napi::CallbackInfo& info) {
  const bool jsd = flag(info[0]);
  const float* p = ptr<float>(info[1]);
  const float* q = ptr<float>(info[2]);
  const int64_t rows = i64(info[3]), vocab = i64(info[4]);
  float* out = ptr<float>(info[5]);
  for_blocks(rows, 40.0 * rows * vocab, [&](int64_t r0, int64_t r1) { ST_ISA_CALL(div_rows, jsd, p, q, r0, r1, vocab, out); });
  return info.Env().Undefined();
}

// divergenceBackward(jsd, p, q, gRow, rows, vocab, dp, dq)
Napi::Value DivergenceBackward(const Napi::CallbackInfo& info) {
  const bool jsd = flag(info[0]);
  const float* p = ptr<float>(info[1]);
  const float* q = ptr<float>(info[2]);
  const float* grow = ptr<float>(info[3]);
  const int64_t rows = i64(info[4]), vocab = i64(info[5]);
  float* dp = ptr<float>(info[6]);
  float* dq = ptr<float>(info[7]);
  for_blocks(rows, 80.0 * rows * vocab, [&](int64_t r0, int64_t r1) {
    ST_ISA_CALL(div_bwd_rows, jsd, p, q, grow, r0, r1, vocab, dp, dq);
  });
  return info.Env().Undefined();
}

}  // namespace
}  // namespace st

namespace st {
// Entry points for fused kernels in other files (decode_step.cc): the same per-ISA code as the
// N-API functions above, on the calling thread, so a fused path gives the same bits.
void rmsnorm_rows_isa(const float* x, const void* w, int dt, float off, int64_t r0, int64_t r1, int64_t cols, double eps, float* y, float* rstd) {
  ST_ISA_CALL(rmsnorm_rows, x, {w, dt, w ? off : 0.f, 1.f}, r0, r1, cols, eps, y, rstd);
}
void rope_tokens_isa(const float* x, int64_t heads, int64_t d, int64_t rd, const int32_t* pos, const double* inv, float* out, float* cs) {
  ST_ISA_CALL(rope_tokens, x, 0, 1, heads, d, rd, pos, inv, false, out, cs);
}
}  // namespace st

void st_init_eltwise(Napi::Env env, Napi::Object exports);  // eltwise.cc

void st_init_rowops(Napi::Env env, Napi::Object exports) {
  using namespace st;
  exports.Set("rowopsIsa", Napi::Function::New(env, RowopsIsa));
  exports.Set("rowopsParallelWork", Napi::Function::New(env, RowopsParallelWork));
  exports.Set("rmsnorm", Napi::Function::New(env, RmsNorm));
  exports.Set("rmsnormBackward", Napi::Function::New(env, RmsNormBackward));
  exports.Set("layernorm", Napi::Function::New(env, LayerNorm));
  exports.Set("layernormBackward", Napi::Function::New(env, LayerNormBackward));
  exports.Set("rope", Napi::Function::New(env, Rope));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward));
  exports.Set("divergence", Napi::Function::New(env, Divergence));
  exports.Set("divergenceBackward", Napi::Function::New(env, DivergenceBackward));
  st_init_eltwise(env, exports);
}
