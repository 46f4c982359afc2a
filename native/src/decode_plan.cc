// N-API side of the fused decode step (decode.h): building a Plan from a model's weights, and
// running steps with it.
//
//   decodePlan(spec, params, dtypes, invFreqs, windows) → plan (an External)
//     spec: Float64Array [d, heads, kvHeads, headDim, intermediate, layers, vocab, eps,
//           normOffset, attnScale, act]; params: SLOTS arrays per layer (order of kSlots), then
//           the final norm weight and the LM head, each a Float32Array / Uint16Array or null;
//           dtypes: Int32Array of their dtype codes; invFreqs: per layer a Float64Array or null;
//           windows: Float64Array per layer.
//   decodeStep(plan, x, l0, l1, ks, vs, pos, len, logits|null)
//   decodeProfile(on?) → Float64Array of seconds per phase kind (decode.h's Kind) and the step
//     count, since the last call; on turns timing on or off.
//   argmaxF32(x) → the index greedy sampling picks from a Float32Array of logits: the first index
//     of the largest value, NaN never winning, as the scan `if (x[i] > best)` from best = x[0]
//     (so a NaN at 0 keeps 0). A JS scan over a 49k vocabulary took ~0.15 ms a token.
// The plan keeps raw pointers into the weight arrays: the caller must keep them alive (and not
// detach them) for as long as it uses the plan.
// GCC 12 warns inside its own avx512fintrin.h on _mm512_max_ps (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <string>

#include "common.h"
#include "cpu.h"
#include "decode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ST_ARGMAX_X86 1
#endif

namespace st {
namespace decode {
namespace {

// Per-layer parameter slots, in the order JS passes them (src/models/fused-decode.ts): the
// member they fill, their shape [rows, cols] (cols 1 for vectors), and whether they must exist.
using Dim = int64_t (*)(const Plan&);
struct Slot {
  Param Layer::*member;
  Dim rows, cols;
  bool required;
  const char* name;
};
int64_t one(const Plan&) { return 1; }
int64_t dm(const Plan& p) { return p.d; }
int64_t qn(const Plan& p) { return p.hq * p.hd; }
int64_t kn(const Plan& p) { return p.hkv * p.hd; }
int64_t hd(const Plan& p) { return p.hd; }
int64_t im(const Plan& p) { return p.inter; }
constexpr int SLOTS = 18;
const Slot kSlots[SLOTS] = {
    {&Layer::in_norm, dm, one, false, "input norm"}, {&Layer::q, qn, dm, true, "q_proj"},
    {&Layer::qb, qn, one, false, "q_proj bias"},     {&Layer::k, kn, dm, true, "k_proj"},
    {&Layer::kb, kn, one, false, "k_proj bias"},     {&Layer::v, kn, dm, true, "v_proj"},
    {&Layer::vb, kn, one, false, "v_proj bias"},     {&Layer::o, dm, qn, true, "o_proj"},
    {&Layer::ob, dm, one, false, "o_proj bias"},     {&Layer::q_norm, hd, one, false, "q norm"},
    {&Layer::k_norm, hd, one, false, "k norm"},      {&Layer::mlp_norm, dm, one, false, "MLP norm"},
    {&Layer::gate, im, dm, true, "gate_proj"},       {&Layer::gate_b, im, one, false, "gate_proj bias"},
    {&Layer::up, im, dm, true, "up_proj"},           {&Layer::up_b, im, one, false, "up_proj bias"},
    {&Layer::down, dm, im, true, "down_proj"},       {&Layer::down_b, dm, one, false, "down_proj bias"},
};

void need(const Napi::Env& env, bool ok, const std::string& what) {
  if (!ok) throw Napi::Error::New(env, "decode: " + what);
}

// Reads params[i] (null allowed unless `required`) and checks it holds `count` elements.
Param param_at(const Napi::Env& env, const Napi::Array& params, const int32_t* dts, uint32_t i, int64_t count, bool required, const char* what) {
  const Napi::Value v = params[i];
  if (v.IsNull() || v.IsUndefined()) {
    need(env, !required, std::string(what) + " is missing");
    return {};
  }
  const int dt = dts[i];
  need(env, dt >= 0 && dt <= 2, std::string(what) + ": dtype code must be 0, 1 or 2");
  need(env, v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == (dt == 0 ? napi_float32_array : napi_uint16_array),
       std::string(what) + ": array type does not match its dtype");
  need(env, int64_t(length(v)) == count, std::string(what) + ": expected " + std::to_string(count) + " elements, got " + std::to_string(length(v)));
  return {dt == 0 ? static_cast<const void*>(ptr<float>(v)) : static_cast<const void*>(ptr<uint16_t>(v)), dt};
}

Napi::Value DecodePlan(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 5 && info[1].IsArray() && info[3].IsArray(), "decodePlan(spec, params[], dtypes, invFreqs[], windows)");
  const double* s = ptr<double>(info[0]);
  need(env, length(info[0]) >= 11, "spec is too short");
  auto P = std::make_unique<Plan>();
  P->d = int64_t(s[0]), P->hq = int64_t(s[1]), P->hkv = int64_t(s[2]), P->hd = int64_t(s[3]), P->inter = int64_t(s[4]);
  P->layers = int64_t(s[5]), P->vocab = int64_t(s[6]);
  P->eps = s[7];
  P->norm_off = float(s[8]), P->scale = float(s[9]);
  P->act = int(s[10]);
  need(env, P->d > 0 && P->hq > 0 && P->hkv > 0 && P->hq % P->hkv == 0 && P->hd > 0 && P->inter > 0 && P->layers > 0 && P->vocab > 0, "bad dimensions");
  need(env, P->act >= 0 && P->act <= 13, "bad activation code");
  const auto params = info[1].As<Napi::Array>();
  const auto invs = info[3].As<Napi::Array>();
  const int32_t* dts = ptr<int32_t>(info[2]);
  const double* windows = ptr<double>(info[4]);
  const uint32_t L = uint32_t(P->layers);
  need(env, params.Length() == SLOTS * L + 2 && length(info[2]) == params.Length(), "params and dtypes must have 18 entries per layer + 2");
  need(env, invs.Length() == L && length(info[4]) == L, "invFreqs and windows need one entry per layer");
  const int64_t d = P->d;
  for (uint32_t l = 0; l < L; l++) {
    Layer Y;
    for (int slot = 0; slot < SLOTS; slot++) {
      const Slot& sl = kSlots[slot];
      Y.*sl.member = param_at(env, params, dts, l * SLOTS + uint32_t(slot), sl.rows(*P) * sl.cols(*P), sl.required, sl.name);
    }
    // One prepared x serves several matrices only if they read it the same way.
    need(env, Y.q.dt == Y.k.dt && Y.q.dt == Y.v.dt && Y.gate.dt == Y.up.dt, "q/k/v (and gate/up) weights must share a dtype");
    const Napi::Value inv = invs[l];
    if (!inv.IsNull() && !inv.IsUndefined()) {
      need(env, inv.IsTypedArray() && inv.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array, "invFreqs entries must be Float64Arrays");
      Y.rd = 2 * int64_t(length(inv));
      need(env, Y.rd > 0 && Y.rd <= P->hd, "rotary dimension out of range");
      Y.inv_freq = ptr<double>(inv);
    }
    Y.window = int64_t(windows[l]);
    P->layer.push_back(Y);
  }
  P->final_norm = param_at(env, params, dts, SLOTS * L, d, false, "final norm");
  P->lm_head = param_at(env, params, dts, SLOTS * L + 1, P->vocab * d, false, "lm_head");
  return Napi::External<Plan>::New(env, P.release(), [](Napi::Env, Plan* p) { delete p; });
}

Napi::Value DecodeStep(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 9 && info[0].IsExternal() && info[4].IsArray() && info[5].IsArray(), "decodeStep(plan, x, l0, l1, ks[], vs[], pos, len, logits|null)");
  Plan& P = *info[0].As<Napi::External<Plan>>().Data();
  need(env, !P.busy, "decodeStep is not re-entrant");
  Step S;
  need(env, info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array && int64_t(length(info[1])) == P.d, "x must be a Float32Array of d");
  S.x = ptr<float>(info[1]);
  S.l0 = i64(info[2]), S.l1 = i64(info[3]);
  need(env, 0 <= S.l0 && S.l0 < S.l1 && S.l1 <= P.layers, "layer range out of bounds");
  S.pos = int32_t(i64(info[6]));
  S.len = i64(info[7]);
  need(env, S.len >= 0 && S.pos >= 0, "negative position or cache length");
  const auto ks = info[4].As<Napi::Array>(), vs = info[5].As<Napi::Array>();
  need(env, int64_t(ks.Length()) == S.l1 - S.l0 && int64_t(vs.Length()) == S.l1 - S.l0, "ks and vs need one cache array per layer");
  const int64_t need_len = (S.len + 1) * P.hkv * P.hd;
  for (uint32_t i = 0; i < ks.Length(); i++) {
    const Napi::Value kv[2] = {ks[i], vs[i]};
    for (const auto& a : kv) {
      need(env, a.IsTypedArray() && a.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array, "cache arrays must be Float32Arrays");
      need(env, int64_t(length(a)) >= need_len, "a cache array has no room for the new token");
    }
    S.kc.push_back(ptr<float>(kv[0]));
    S.vc.push_back(ptr<float>(kv[1]));
  }
  S.logits = nullptr;
  if (!info[8].IsNull() && !info[8].IsUndefined()) {
    need(env, S.l1 == P.layers && P.lm_head.p, "logits need the last layer and an LM head");
    need(env, info[8].IsTypedArray() && info[8].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array && int64_t(length(info[8])) == P.vocab,
         "logits must be a Float32Array of vocab");
    S.logits = ptr<float>(info[8]);
  }
  P.busy = true;
  try {
    run_step(P, S);
  } catch (...) {
    P.busy = false;
    throw;
  }
  P.busy = false;
  // How many threads shared the step (small steps run on one: decode_step.cc).
  return Napi::Number::New(env, P.threads);
}

int64_t argmax_scalar(const float* x, int64_t n) {
  int64_t best = 0;
  float bv = x[0];
  for (int64_t i = 1; i < n; i++)
    if (x[i] > bv) best = i, bv = x[i];
  return best;
}

#ifdef ST_ARGMAX_X86
// The largest non-NaN value (max_ps returns its second operand when either is NaN), then the
// first index holding it: the scan's answer, since a later equal value never replaces an earlier.
__attribute__((target("avx512f"))) int64_t argmax_avx512(const float* x, int64_t n) {
  if (n < 64 || x[0] != x[0]) return argmax_scalar(x, n);
  __m512 m = _mm512_set1_ps(x[0]);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) m = _mm512_max_ps(_mm512_loadu_ps(x + i), m);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, m);
  float bv = lanes[0];
  for (int l = 1; l < 16; l++)
    if (lanes[l] > bv) bv = lanes[l];
  for (; i < n; i++)
    if (x[i] > bv) bv = x[i];
  const __m512 b = _mm512_set1_ps(bv);
  for (i = 0; i + 16 <= n; i += 16) {
    const __mmask16 eq = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), b, _CMP_EQ_OQ);
    if (eq) return i + __builtin_ctz(unsigned(eq));
  }
  for (; i < n; i++)
    if (x[i] == bv) return i;
  return 0;
}
#endif

Napi::Value ArgmaxF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 1 && info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array && length(info[0]) > 0,
       "argmaxF32(x): x must be a non-empty Float32Array");
  const float* x = ptr<float>(info[0]);
  const int64_t n = int64_t(length(info[0]));
#ifdef ST_ARGMAX_X86
  if (cpu().avx512f) return Napi::Number::New(env, double(argmax_avx512(x, n)));
#endif
  return Napi::Number::New(env, double(argmax_scalar(x, n)));
}

Napi::Value DecodeProfile(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() > 0 && info[0].IsBoolean()) set_profiling(info[0].As<Napi::Boolean>().Value());
  double t[K_KINDS + 1];
  profile(t);
  auto out = Napi::Float64Array::New(env, K_KINDS + 1);
  for (int i = 0; i <= K_KINDS; i++) out[i] = t[i];
  return out;
}

}  // namespace
}  // namespace decode
}  // namespace st

void st_init_decode(Napi::Env env, Napi::Object exports) {
  exports.Set("decodePlan", Napi::Function::New(env, st::decode::DecodePlan));
  exports.Set("decodeStep", Napi::Function::New(env, st::decode::DecodeStep));
  exports.Set("decodeProfile", Napi::Function::New(env, st::decode::DecodeProfile));
  exports.Set("argmaxF32", Napi::Function::New(env, st::decode::ArgmaxF32));
}
