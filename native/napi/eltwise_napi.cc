// N-API side of the elementwise kernels (src/eltwise.cc). Op codes: src/backend/native/rowops.ts.
#include <string>

#include "bind.h"

namespace {

using namespace st_napi;

int op_code(const Napi::Env& env, const Napi::Value& v, int max) {
  const int64_t op = i64(v);
  if (op < 0 || op > max) throw Napi::RangeError::New(env, "eltwise: unknown op code " + std::to_string(op));
  return static_cast<int>(op);
}

st_binary_op binary_op(const Napi::Env& env, const Napi::Value& v) { return static_cast<st_binary_op>(op_code(env, v, ST_MINIMUM)); }
st_unary_op unary_op(const Napi::Env& env, const Napi::Value& v) { return static_cast<st_unary_op>(op_code(env, v, ST_GELU_ERF)); }

// binaryRows(op, swap, x, y, mode, len, rows, out): x and out are [rows, len]; mode 0: y is
// [rows, len]; 1: y is [len] (a repeated row); 2: y is [rows] (one value per row).
// swap: out = op(y, x). Op codes: add, sub, mul, div, maximum, minimum.
Napi::Value BinaryRows(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const st_binary_op op = binary_op(env, info[0]);
  st_binary_rows(op, flag(info[1]), ptr<float>(info[2]), ptr<float>(info[3]), static_cast<st_broadcast>(i64(info[4])), i64(info[5]), i64(info[6]),
                 ptr<float>(info[7]));
  return env.Undefined();
}

// unary(op, x, out). Op codes: neg exp log sqrt rsqrt square abs recip tanh sigmoid relu silu gelu gelu_erf.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const st_unary_op op = unary_op(env, info[0]);
  st_unary(op, ptr<float>(info[1]), static_cast<int64_t>(length(info[1])), ptr<float>(info[2]));
  return env.Undefined();
}

// unaryBackward(op, x, y, g, out): out = g·f'(x), y = f(x).
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const st_unary_op op = unary_op(env, info[0]);
  st_unary_backward(op, ptr<float>(info[1]), ptr<float>(info[2]), ptr<float>(info[3]), static_cast<int64_t>(length(info[1])), ptr<float>(info[4]));
  return env.Undefined();
}

// affine(x, scale, shift, out): out = x·scale + shift.
Napi::Value Affine(const Napi::CallbackInfo& info) {
  st_affine(ptr<float>(info[0]), static_cast<int64_t>(length(info[0])), static_cast<float>(f64(info[1])), static_cast<float>(f64(info[2])),
            ptr<float>(info[3]));
  return info.Env().Undefined();
}

// gatedLinear(x, wg, wu, out, m, k, n, gDtype, uDtype, actOp): out [m, n] = act(x·wgᵀ) ⊙ (x·wuᵀ),
// wg, wu [n, k] (dtype codes as matmul's). Inference only.
Napi::Value GatedLinear(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 10) throw Napi::TypeError::New(env, "gatedLinear: expected 10 arguments");
  const int64_t m = i64(info[4]), k = i64(info[5]), n = i64(info[6]), gdt = i64(info[7]), udt = i64(info[8]);
  const st_unary_op act = unary_op(env, info[9]);
  if (m < 0 || k < 0 || n < 0) throw Napi::RangeError::New(env, "gatedLinear: negative size");
  if (gdt < 0 || gdt > 2 || udt < 0 || udt > 2) throw Napi::RangeError::New(env, "gatedLinear: dtypes must be 0 (f32), 1 (bf16) or 2 (f16)");
  if (!is_typed(info[0], napi_float32_array) || !is_typed(info[3], napi_float32_array)) throw Napi::TypeError::New(env, "gatedLinear: x and out must be Float32Arrays");
  if (!is_typed(info[1], array_type(gdt)) || !is_typed(info[2], array_type(udt)))
    throw Napi::TypeError::New(env, "gatedLinear: weights must be Float32Arrays (f32) or Uint16Arrays of bits (bf16/f16)");
  if (int64_t(length(info[0])) < m * k) throw Napi::RangeError::New(env, "gatedLinear: x is shorter than m·k");
  if (int64_t(length(info[1])) < n * k || int64_t(length(info[2])) < n * k) throw Napi::RangeError::New(env, "gatedLinear: a weight is shorter than n·k");
  if (int64_t(length(info[3])) < m * n) throw Napi::RangeError::New(env, "gatedLinear: out is shorter than m·n");
  st_gated_linear(ptr<float>(info[0]), data_of(info[1], gdt), st_dtype(gdt), data_of(info[2], udt), st_dtype(udt), m, k, n, act, ptr<float>(info[3]));
  return env.Undefined();
}

}  // namespace

void st_init_eltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binaryRows", Napi::Function::New(env, BinaryRows));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("unaryBackward", Napi::Function::New(env, UnaryBackward));
  exports.Set("affine", Napi::Function::New(env, Affine));
  exports.Set("gatedLinear", Napi::Function::New(env, GatedLinear));
}
