// N-API side of the products (src/gemm.cc): matmul and matmulMany.
#include <algorithm>

#include "bind.h"

namespace {

using namespace st_napi;

// matmulMany(x, [w...], [out...], m, k, [n...], [bDtype...]): out_i [m, n_i] = x [m, k] · w_iᵀ
// (w_i [n_i, k]), for a few weights sharing x; outs are Float32Arrays, fully overwritten.
Napi::Value MatmulMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[1].IsArray() || !info[2].IsArray() || !info[5].IsArray() || !info[6].IsArray())
    throw Napi::TypeError::New(env, "matmulMany: expected (x, ws[], outs[], m, k, ns[], bDtypes[])");
  const auto ws = info[1].As<Napi::Array>(), outs = info[2].As<Napi::Array>(), ns = info[5].As<Napi::Array>(), dts = info[6].As<Napi::Array>();
  const int64_t m = i64(info[3]), k = i64(info[4]);
  const uint32_t count = ws.Length();
  if (outs.Length() != count || ns.Length() != count || dts.Length() != count) throw Napi::RangeError::New(env, "matmulMany: ws, outs, ns and bDtypes differ in length");
  if (count > 16) throw Napi::RangeError::New(env, "matmulMany: at most 16 weights");
  if (m < 0 || k < 0) throw Napi::RangeError::New(env, "matmulMany: negative size");
  if (info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "matmulMany: x must be a Float32Array");
  if (int64_t(length(info[0])) < m * k) throw Napi::RangeError::New(env, "matmulMany: x is shorter than m·k");
  st_linear_out o[16];
  for (uint32_t i = 0; i < count; i++) {
    const Napi::Value w = ws[i], out = outs[i];
    const int64_t n = i64(ns[i]), dt = i64(dts[i]);
    if (n < 0) throw Napi::RangeError::New(env, "matmulMany: negative n");
    if (dt < 0 || dt > 2) throw Napi::RangeError::New(env, "matmulMany: bDtype must be 0 (f32), 1 (bf16) or 2 (f16)");
    if (!is_typed(w, array_type(dt)))
      throw Napi::TypeError::New(env, "matmulMany: each weight must be a Float32Array (f32) or a Uint16Array of bits (bf16/f16)");
    if (!is_typed(out, napi_float32_array)) throw Napi::TypeError::New(env, "matmulMany: outs must be Float32Arrays");
    if (int64_t(length(w)) < n * k) throw Napi::RangeError::New(env, "matmulMany: a weight is shorter than n·k");
    if (int64_t(length(out)) < m * n) throw Napi::RangeError::New(env, "matmulMany: an output is shorter than m·n");
    o[i] = {data_of(w, dt), int(dt), n, ptr<float>(out)};
  }
  st_linear_many(ptr<float>(info[0]), m, k, o, int(count));
  return env.Undefined();
}

// matmul(a, b, out, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bDtype)
// a: Float32Array; b: Float32Array (bDtype 0) or Uint16Array of bf16 (1) / f16 (2) bits;
// out: Float32Array of batch·m·n, fully overwritten.
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12) throw Napi::TypeError::New(env, "matmul: expected 12 arguments");
  const int64_t batch = i64(info[3]), m = i64(info[4]), n = i64(info[5]), k = i64(info[6]);
  const bool ta = flag(info[7]), tb = flag(info[8]);
  const int64_t as = i64(info[9]), bs = i64(info[10]), bdt = i64(info[11]);
  if (batch < 0 || m < 0 || n < 0 || k < 0 || as < 0 || bs < 0) throw Napi::RangeError::New(env, "matmul: negative size or stride");
  if (bdt < 0 || bdt > 2) throw Napi::RangeError::New(env, "matmul: bDtype must be 0 (f32), 1 (bf16) or 2 (f16)");
  const auto at = info[0].As<Napi::TypedArray>().TypedArrayType();
  const auto bt = info[1].As<Napi::TypedArray>().TypedArrayType();
  const auto ot = info[2].As<Napi::TypedArray>().TypedArrayType();
  if (at != napi_float32_array || ot != napi_float32_array) throw Napi::TypeError::New(env, "matmul: a and out must be Float32Array");
  if (bt != array_type(bdt))
    throw Napi::TypeError::New(env, bdt == 0 ? "matmul: f32 b must be a Float32Array" : "matmul: bf16/f16 b must be a Uint16Array of bits");
  if (batch > 0 && m > 0 && n > 0) {
    const auto need = [&](int64_t stride, int64_t per) { return (batch - 1) * stride + per; };
    if (int64_t(length(info[0])) < need(as, m * k)) throw Napi::RangeError::New(env, "matmul: a is shorter than batch, m, k and aBatchStride imply");
    if (int64_t(length(info[1])) < need(bs, k * n)) throw Napi::RangeError::New(env, "matmul: b is shorter than batch, k, n and bBatchStride imply");
    if (int64_t(length(info[2])) < batch * m * n) throw Napi::RangeError::New(env, "matmul: out is shorter than batch·m·n");
  }
  st_matmul(ptr<float>(info[0]), data_of(info[1], bdt), st_dtype(bdt), ptr<float>(info[2]), batch, m, n, k, ta, tb, as, bs);
  return env.Undefined();
}

}  // namespace

void st_init_matmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  exports.Set("matmulMany", Napi::Function::New(env, MatmulMany));
}
