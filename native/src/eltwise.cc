// Elementwise kernels for the native backend: binary ops (same shape, a row repeated, or one
// value per row broadcast), unary ops with their derivatives, and affine maps. The math lives in
// eltwise_impl.inc, compiled per instruction set (isa_expand.inc). Registered by rowops.cc.
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
double unary_cost(int op) { return op == 0 || op == 5 || op == 6 || op == 10 ? 1.0 : 12.0; }

int op_code(const Napi::Env& env, const Napi::Value& v, int max) {
  int64_t op = i64(v);
  if (op < 0 || op > max) throw Napi::RangeError::New(env, "eltwise: unknown op code " + std::to_string(op));
  return static_cast<int>(op);
}

// binaryRows(op, swap, x, y, mode, len, rows, out): x and out are [rows, len]; mode 0: y is
// [rows, len]; 1: y is [len] (a repeated row); 2: y is [rows] (one value per row).
// swap: out = op(y, x). Op codes: add, sub, mul, div, maximum, minimum.
Napi::Value BinaryRows(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int op = op_code(env, info[0], 5);
  const bool swap = flag(info[1]);
  const float* x = ptr<float>(info[2]);
  const float* y = ptr<float>(info[3]);
  const int mode = static_cast<int>(i64(info[4]));
  const int64_t len = i64(info[5]), rows = i64(info[6]);
  float* out = ptr<float>(info[7]);
  if (mode == 0) {
    // Same shape: one flat range, threaded in pieces.
    for_pieces(rows * len, 1.0, [&](int64_t i0, int64_t i1) {
      ST_ISA_CALL(binary_rows, op, swap, x + i0, y + i0, 0, i1 - i0, 0, 1, out + i0);
    });
  } else {
    for_blocks(rows, static_cast<double>(rows) * len, [&](int64_t r0, int64_t r1) {
      ST_ISA_CALL(binary_rows, op, swap, x, y, mode, len, r0, r1, out);
    });
  }
  return env.Undefined();
}

// unary(op, x, out). Op codes: neg exp log sqrt rsqrt square abs recip tanh sigmoid relu silu gelu gelu_erf.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int op = op_code(env, info[0], 13);
  const float* x = ptr<float>(info[1]);
  float* out = ptr<float>(info[2]);
  const int64_t n = static_cast<int64_t>(length(info[1]));
  for_pieces(n, unary_cost(op), [&](int64_t i0, int64_t i1) { ST_ISA_CALL(unary_range, op, x, i0, i1, out); });
  return env.Undefined();
}

// unaryBackward(op, x, y, g, out): out = g·f'(x), y = f(x).
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int op = op_code(env, info[0], 13);
  const float* x = ptr<float>(info[1]);
  const float* y = ptr<float>(info[2]);
  const float* g = ptr<float>(info[3]);
  float* out = ptr<float>(info[4]);
  const int64_t n = static_cast<int64_t>(length(info[1]));
  for_pieces(n, unary_cost(op), [&](int64_t i0, int64_t i1) { ST_ISA_CALL(unary_bwd_range, op, x, y, g, i0, i1, out); });
  return env.Undefined();
}

// affine(x, scale, shift, out): out = x·scale + shift.
Napi::Value Affine(const Napi::CallbackInfo& info) {
  const float* x = ptr<float>(info[0]);
  const float scale = static_cast<float>(f64(info[1])), shift = static_cast<float>(f64(info[2]));
  float* out = ptr<float>(info[3]);
  const int64_t n = static_cast<int64_t>(length(info[0]));
  for_pieces(n, 1.0, [&](int64_t i0, int64_t i1) { ST_ISA_CALL(affine_range, x, scale, shift, i0, i1, out); });
  return info.Env().Undefined();
}

// gatedLinear(x, wg, wu, out, m, k, n, gDtype, uDtype, actOp): out [m, n] = act(x·wgᵀ) ⊙ (x·wuᵀ),
// a gated MLP's hidden activation (wg, wu [n, k]; dtype codes as matmul's). Inference only: the
// two products run as one pool job (gemm.h linear_many) and the activation and product are the
// very kernels unary() and binaryRows() use, so the result has the same bits as those three calls.
Napi::Value GatedLinear(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 10) throw Napi::TypeError::New(env, "gatedLinear: expected 10 arguments");
  const int64_t m = i64(info[4]), k = i64(info[5]), n = i64(info[6]), gdt = i64(info[7]), udt = i64(info[8]);
  const int act = op_code(env, info[9], 13);
  if (m < 0 || k < 0 || n < 0) throw Napi::RangeError::New(env, "gatedLinear: negative size");
  if (gdt < 0 || gdt > 2 || udt < 0 || udt > 2) throw Napi::RangeError::New(env, "gatedLinear: dtypes must be 0 (f32), 1 (bf16) or 2 (f16)");
  auto typed = [&](const Napi::Value& v, napi_typedarray_type t) { return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == t; };
  auto wtype = [](int64_t dt) { return dt == 0 ? napi_float32_array : napi_uint16_array; };
  if (!typed(info[0], napi_float32_array) || !typed(info[3], napi_float32_array)) throw Napi::TypeError::New(env, "gatedLinear: x and out must be Float32Arrays");
  if (!typed(info[1], wtype(gdt)) || !typed(info[2], wtype(udt)))
    throw Napi::TypeError::New(env, "gatedLinear: weights must be Float32Arrays (f32) or Uint16Arrays of bits (bf16/f16)");
  if (int64_t(length(info[0])) < m * k) throw Napi::RangeError::New(env, "gatedLinear: x is shorter than m·k");
  if (int64_t(length(info[1])) < n * k || int64_t(length(info[2])) < n * k) throw Napi::RangeError::New(env, "gatedLinear: a weight is shorter than n·k");
  if (int64_t(length(info[3])) < m * n) throw Napi::RangeError::New(env, "gatedLinear: out is shorter than m·n");
  const int64_t mn = m * n;
  if (mn == 0) return env.Undefined();
  float* out = ptr<float>(info[3]);
  thread_local std::vector<float> gate;  // the calling thread's scratch; up goes straight to out
  if (gate.size() < size_t(mn)) gate.resize(size_t(mn));
  auto data = [&](const Napi::Value& v, int64_t dt) {
    return dt == 0 ? static_cast<const void*>(ptr<float>(v)) : static_cast<const void*>(ptr<uint16_t>(v));
  };
  if (k == 0) {
    std::fill(gate.begin(), gate.begin() + mn, 0.f);
    std::fill(out, out + mn, 0.f);
  } else {
    const gemm::LinearOut outs[2] = {{data(info[1], gdt), int(gdt), n, gate.data()}, {data(info[2], udt), int(udt), n, out}};
    gemm::linear_many(ptr<float>(info[0]), m, k, outs, 2);
  }
  constexpr int kMul = 2;  // binaryRows' code for mul
  // A plain pointer for the pool's threads: inside the lambda, `gate` would name each thread's
  // own (empty) thread_local vector.
  float* g = gate.data();
  for_pieces(mn, unary_cost(act) + 1.0, [&](int64_t i0, int64_t i1) {
    ST_ISA_CALL(unary_range, act, g + i0, 0, i1 - i0, g + i0);
    ST_ISA_CALL(binary_rows, kMul, false, g + i0, out + i0, 0, i1 - i0, 0, 1, out + i0);
  });
  return env.Undefined();
}

}  // namespace
}  // namespace st

namespace st {
// For fused kernels elsewhere (decode_step.cc): unary() on the calling thread, same bits.
void unary_range_isa(int op, const float* x, int64_t n, float* out) { ST_ISA_CALL(unary_range, op, x, 0, n, out); }
}  // namespace st

void st_init_eltwise(Napi::Env env, Napi::Object exports) {
  using namespace st;
  exports.Set("binaryRows", Napi::Function::New(env, BinaryRows));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("unaryBackward", Napi::Function::New(env, UnaryBackward));
  exports.Set("affine", Napi::Function::New(env, Affine));
  exports.Set("gatedLinear", Napi::Function::New(env, GatedLinear));
}
