// N-API side of the fused decode step (src/decode_plan.cc, decode_step.cc):
//
//   decodePlan(spec, params, dtypes, invFreqs, windows) → plan (an External)
//     spec: Float64Array [d, heads, kvHeads, headDim, intermediate, layers, vocab, eps,
//           normOffset, attnScale, act]; params: ST_DECODE_SLOTS arrays per layer (steerling.h's
//           order), then the final norm weight and the LM head, each a Float32Array /
//           Uint16Array or null; dtypes: Int32Array of their dtype codes; invFreqs: per layer a
//           Float64Array or null; windows: Float64Array per layer.
//   decodeStep(plan, x, l0, l1, ks, vs, pos, len, logits|null) → threads used
//   decodeProfile(on?) → Float64Array of seconds per phase kind and the step count, since the
//     last call; on turns timing on or off.
//   argmaxF32(x) → the index greedy sampling picks from a Float32Array of logits (st_argmax_f32;
//     a JS scan over a 49k vocabulary took ~0.15 ms a token).
// The plan keeps raw pointers into the weight arrays: src/models/fused-decode.ts keeps them alive.
#include <string>
#include <vector>

#include "bind.h"

namespace {

using namespace st_napi;

void need(const Napi::Env& env, bool ok, const std::string& what) {
  if (!ok) throw Napi::Error::New(env, "decode: " + what);
}

Napi::Value DecodePlan(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 5 && info[1].IsArray() && info[3].IsArray(), "decodePlan(spec, params[], dtypes, invFreqs[], windows)");
  const double* s = ptr<double>(info[0]);
  need(env, length(info[0]) >= 11, "spec is too short");
  st_decode_spec spec{};
  spec.d = int64_t(s[0]), spec.heads = int64_t(s[1]), spec.kv_heads = int64_t(s[2]), spec.head_dim = int64_t(s[3]), spec.intermediate = int64_t(s[4]);
  spec.layers = int64_t(s[5]), spec.vocab = int64_t(s[6]);
  spec.eps = s[7];
  spec.norm_offset = float(s[8]), spec.attn_scale = float(s[9]);
  spec.act = int(s[10]);
  need(env, spec.layers > 0, "bad dimensions");
  const auto params = info[1].As<Napi::Array>();
  const auto invs = info[3].As<Napi::Array>();
  const int32_t* dts = ptr<int32_t>(info[2]);
  const double* win = ptr<double>(info[4]);
  const uint32_t L = uint32_t(spec.layers);
  need(env, params.Length() == ST_DECODE_SLOTS * L + 2 && length(info[2]) == params.Length(), "params and dtypes must have 18 entries per layer + 2");
  need(env, invs.Length() == L && length(info[4]) == L, "invFreqs and windows need one entry per layer");
  std::vector<st_param> ps(params.Length());
  for (uint32_t i = 0; i < params.Length(); i++) {
    const Napi::Value v = params[i];
    if (is_null(v)) continue;
    const int dt = dts[i];
    const char* name = st_decode_slot_name(i < ST_DECODE_SLOTS * L ? int(i % ST_DECODE_SLOTS) : int(ST_DECODE_SLOTS + i - ST_DECODE_SLOTS * L));
    need(env, dt >= 0 && dt <= 2, std::string(name) + ": dtype code must be 0, 1 or 2");
    need(env, is_typed(v, array_type(dt)), std::string(name) + ": array type does not match its dtype");
    ps[i] = {data_of(v, dt), dt, int64_t(length(v))};
  }
  std::vector<const double*> inv(L, nullptr);
  std::vector<int64_t> pairs(L, 0), windows(L, 0);
  for (uint32_t l = 0; l < L; l++) {
    const Napi::Value v = invs[l];
    if (!is_null(v)) {
      need(env, is_typed(v, napi_float64_array), "invFreqs entries must be Float64Arrays");
      inv[l] = ptr<double>(v);
      pairs[l] = int64_t(length(v));
    }
    windows[l] = int64_t(win[l]);
  }
  char err[256];
  st_decode_plan* plan = st_decode_plan_new(&spec, ps.data(), inv.data(), pairs.data(), windows.data(), err, sizeof err);
  need(env, plan != nullptr, err);
  return Napi::External<st_decode_plan>::New(env, plan, [](Napi::Env, st_decode_plan* p) { st_decode_plan_free(p); });
}

Napi::Value DecodeStep(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 9 && info[0].IsExternal() && info[4].IsArray() && info[5].IsArray(), "decodeStep(plan, x, l0, l1, ks[], vs[], pos, len, logits|null)");
  st_decode_plan* plan = info[0].As<Napi::External<st_decode_plan>>().Data();
  const st_decode_spec& P = *st_decode_plan_spec(plan);
  need(env, is_typed(info[1], napi_float32_array) && int64_t(length(info[1])) == P.d, "x must be a Float32Array of d");
  const int64_t l0 = i64(info[2]), l1 = i64(info[3]);
  need(env, 0 <= l0 && l0 < l1 && l1 <= P.layers, "layer range out of bounds");
  const int32_t pos = int32_t(i64(info[6]));
  const int64_t len = i64(info[7]);
  need(env, len >= 0 && pos >= 0, "negative position or cache length");
  const auto ks = info[4].As<Napi::Array>(), vs = info[5].As<Napi::Array>();
  need(env, int64_t(ks.Length()) == l1 - l0 && int64_t(vs.Length()) == l1 - l0, "ks and vs need one cache array per layer");
  const int64_t need_len = (len + 1) * P.kv_heads * P.head_dim;
  std::vector<float*> kc, vc;
  for (uint32_t i = 0; i < ks.Length(); i++) {
    const Napi::Value kv[2] = {ks[i], vs[i]};
    for (const auto& a : kv) {
      need(env, is_typed(a, napi_float32_array), "cache arrays must be Float32Arrays");
      need(env, int64_t(length(a)) >= need_len, "a cache array has no room for the new token");
    }
    kc.push_back(ptr<float>(kv[0]));
    vc.push_back(ptr<float>(kv[1]));
  }
  float* logits = nullptr;
  if (!is_null(info[8])) {
    need(env, l1 == P.layers && st_decode_plan_has_head(plan), "logits need the last layer and an LM head");
    need(env, is_typed(info[8], napi_float32_array) && int64_t(length(info[8])) == P.vocab, "logits must be a Float32Array of vocab");
    logits = ptr<float>(info[8]);
  }
  const int threads = st_decode_step(plan, ptr<float>(info[1]), l0, l1, kc.data(), vc.data(), pos, len, logits);
  need(env, threads >= 0, "decodeStep is not re-entrant");
  return Napi::Number::New(env, threads);
}

Napi::Value ArgmaxF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() == 1 && is_typed(info[0], napi_float32_array) && length(info[0]) > 0, "argmaxF32(x): x must be a non-empty Float32Array");
  return Napi::Number::New(env, double(st_argmax_f32(ptr<float>(info[0]), int64_t(length(info[0])))));
}

Napi::Value DecodeProfile(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() > 0 && info[0].IsBoolean()) st_decode_set_profiling(info[0].As<Napi::Boolean>().Value());
  double t[ST_DECODE_PHASES + 1];
  st_decode_profile(t);
  auto out = Napi::Float64Array::New(env, ST_DECODE_PHASES + 1);
  for (int i = 0; i <= ST_DECODE_PHASES; i++) out[i] = t[i];
  return out;
}

}  // namespace

void st_init_decode(Napi::Env env, Napi::Object exports) {
  exports.Set("decodePlan", Napi::Function::New(env, DecodePlan));
  exports.Set("decodeStep", Napi::Function::New(env, DecodeStep));
  exports.Set("decodeProfile", Napi::Function::New(env, DecodeProfile));
  exports.Set("argmaxF32", Napi::Function::New(env, ArgmaxF32));
}
