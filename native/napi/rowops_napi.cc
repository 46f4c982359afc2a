// N-API side of the row-wise kernels (src/rowops.cc). All outputs are f32 typed arrays allocated
// (zeroed) by JS: src/backend/native/rowops.ts.
#include <string>

#include "bind.h"

namespace {

using namespace st_napi;

st_dtype dtype_code(const Napi::Env& env, const Napi::Value& v) {
  const int64_t d = i64(v);
  if (d != ST_F32 && d != ST_BF16 && d != ST_F16) throw Napi::TypeError::New(env, "rowops: dtype code must be 0 (f32), 1 (bf16) or 2 (f16)");
  return static_cast<st_dtype>(d);
}

float* opt_f32(const Napi::Value& v) { return is_null(v) ? nullptr : ptr<float>(v); }

// rmsnorm(x, w|null, wDtype, rows, cols, eps, weightOffset, y, rstd)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  st_rmsnorm(ptr<float>(info[0]), opt_ptr(info[1]), dtype_code(info.Env(), info[2]), i64(info[3]), i64(info[4]), f64(info[5]), static_cast<float>(f64(info[6])),
             ptr<float>(info[7]), ptr<float>(info[8]));
  return info.Env().Undefined();
}

// rmsnormBackward(x, w|null, wDtype, g, rstd, rows, cols, weightOffset, dx, dw|null)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  st_rmsnorm_backward(ptr<float>(info[0]), opt_ptr(info[1]), dtype_code(info.Env(), info[2]), ptr<float>(info[3]), ptr<float>(info[4]), i64(info[5]),
                      i64(info[6]), static_cast<float>(f64(info[7])), ptr<float>(info[8]), opt_f32(info[9]));
  return info.Env().Undefined();
}

// layernorm(x, w|null, b|null, wDtype, rows, cols, eps, y, mean, rstd)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  st_layernorm(ptr<float>(info[0]), opt_ptr(info[1]), opt_ptr(info[2]), dtype_code(info.Env(), info[3]), i64(info[4]), i64(info[5]), f64(info[6]),
               ptr<float>(info[7]), ptr<float>(info[8]), ptr<float>(info[9]));
  return info.Env().Undefined();
}

// layernormBackward(x, w|null, wDtype, g, mean, rstd, rows, cols, dx, dw, db)
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  st_layernorm_backward(ptr<float>(info[0]), opt_ptr(info[1]), dtype_code(info.Env(), info[2]), ptr<float>(info[3]), ptr<float>(info[4]),
                        ptr<float>(info[5]), i64(info[6]), i64(info[7]), ptr<float>(info[8]), ptr<float>(info[9]), ptr<float>(info[10]));
  return info.Env().Undefined();
}

// rope(x, batch, t, heads, d, rotaryDim, positions (i32, batch·t), invFreq (f64), inverse, out)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int64_t batch = i64(info[1]), t = i64(info[2]), heads = i64(info[3]), d = i64(info[4]), rd = i64(info[5]);
  if (rd <= 0 || rd % 2 || rd > d) throw Napi::RangeError::New(env, "rope: rotaryDim must be even and in [2, d]");
  if (static_cast<int64_t>(length(info[6])) < batch * t || static_cast<int64_t>(length(info[7])) < rd / 2) {
    throw Napi::RangeError::New(env, "rope: positions or invFreq are too short");
  }
  st_rope(ptr<float>(info[0]), batch, t, heads, d, rd, ptr<int32_t>(info[6]), ptr<double>(info[7]), flag(info[8]), ptr<float>(info[9]));
  return env.Undefined();
}

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
  const st_dtype dt = dtype_code(env, info[1]);
  const int64_t rows = i64(info[2]), cols = i64(info[3]);
  const int32_t* ids = ptr<int32_t>(info[4]);
  const int64_t n = static_cast<int64_t>(length(info[4]));
  check_ids(env, ids, n, rows, "gather");
  st_gather(opt_ptr(info[0]), dt, rows, cols, ids, n, ptr<float>(info[5]));
  return env.Undefined();
}

// scatterAdd(g, ids, rows, cols, out): out (zeroed) [rows, cols] += g rows at ids.
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int32_t* ids = ptr<int32_t>(info[1]);
  const int64_t n = static_cast<int64_t>(length(info[1]));
  const int64_t rows = i64(info[2]), cols = i64(info[3]);
  check_ids(env, ids, n, rows, "scatterAdd");
  st_scatter_add(ptr<float>(info[0]), ids, n, rows, cols, ptr<float>(info[4]));
  return env.Undefined();
}

// softmax(x, rows, cols, log, out)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  st_softmax(ptr<float>(info[0]), i64(info[1]), i64(info[2]), flag(info[3]), ptr<float>(info[4]));
  return info.Env().Undefined();
}

// softmaxBackward(y, g, rows, cols, log, out)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  st_softmax_backward(ptr<float>(info[0]), ptr<float>(info[1]), i64(info[2]), i64(info[3]), flag(info[4]), ptr<float>(info[5]));
  return info.Env().Undefined();
}

void check_targets(const Napi::Env& env, const int32_t* t, int64_t rows, int64_t vocab, int32_t ignore) {
  for (int64_t r = 0; r < rows; r++) {
    if (t[r] != ignore && (t[r] < 0 || t[r] >= vocab)) {
      throw Napi::RangeError::New(env, "crossEntropy: target " + std::to_string(t[r]) + " at row " + std::to_string(r) + " is out of range for " +
                                           std::to_string(vocab) + " classes");
    }
  }
}

// crossEntropy(logits, targets, rows, vocab, ignoreIndex, loss, lse)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int32_t* targets = ptr<int32_t>(info[1]);
  const int64_t rows = i64(info[2]), vocab = i64(info[3]);
  const int32_t ignore = static_cast<int32_t>(i64(info[4]));
  check_targets(env, targets, rows, vocab, ignore);
  st_cross_entropy(ptr<float>(info[0]), targets, rows, vocab, ignore, ptr<float>(info[5]), ptr<float>(info[6]));
  return env.Undefined();
}

// crossEntropyBackward(logits, targets, lse, gRow, rows, vocab, ignoreIndex, out)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int32_t* targets = ptr<int32_t>(info[1]);
  const int64_t rows = i64(info[4]), vocab = i64(info[5]);
  const int32_t ignore = static_cast<int32_t>(i64(info[6]));
  check_targets(env, targets, rows, vocab, ignore);
  st_cross_entropy_backward(ptr<float>(info[0]), targets, ptr<float>(info[2]), ptr<float>(info[3]), rows, vocab, ignore, ptr<float>(info[7]));
  return env.Undefined();
}

// divergence(jsd, p, q, rows, vocab, out)
Napi::Value Divergence(const Napi::CallbackInfo& info) {
  st_divergence(flag(info[0]), ptr<float>(info[1]), ptr<float>(info[2]), i64(info[3]), i64(info[4]), ptr<float>(info[5]));
  return info.Env().Undefined();
}

// divergenceBackward(jsd, p, q, gRow, rows, vocab, dp, dq)
Napi::Value DivergenceBackward(const Napi::CallbackInfo& info) {
  st_divergence_backward(flag(info[0]), ptr<float>(info[1]), ptr<float>(info[2]), ptr<float>(info[3]), i64(info[4]), i64(info[5]), ptr<float>(info[6]),
                         ptr<float>(info[7]));
  return info.Env().Undefined();
}

}  // namespace

void st_init_rowops(Napi::Env env, Napi::Object exports) {
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
}
