// N-API side of fused attention (src/attention.cc): attentionForwardF32 and attentionBackwardF32.
#include <string>

#include "bind.h"

namespace {

using namespace st_napi;

void need(Napi::Env env, bool ok, const char* what) {
  if (!ok) throw Napi::Error::New(env, std::string("attention (native): ") + what);
}

// The arguments every call shares: (q, k, v, mask|null, maskBatch, dims, ...), with
// dims a Float64Array [batch, tq, tk, hq, hkv, d, dv, scale, causal, qOffset, window, softcap].
struct Call {
  const float *q, *k, *v, *mask;
  int64_t maskBatch;
  st_attention_dims dims;
};

Call call_from(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  need(env, info.Length() >= 6 && info[5].IsTypedArray(), "expected (q, k, v, mask, maskBatch, dims, ...)");
  const double* dm = ptr<double>(info[5]);
  need(env, length(info[5]) == 12, "dims must have 12 entries");
  Call c{};
  st_attention_dims& D = c.dims;
  D.batch = static_cast<int64_t>(dm[0]);
  D.tq = static_cast<int64_t>(dm[1]);
  D.tk = static_cast<int64_t>(dm[2]);
  D.hq = static_cast<int64_t>(dm[3]);
  D.hkv = static_cast<int64_t>(dm[4]);
  D.d = static_cast<int64_t>(dm[5]);
  D.dv = static_cast<int64_t>(dm[6]);
  D.scale = static_cast<float>(dm[7]);
  D.causal = dm[8] != 0;
  D.q_offset = static_cast<int64_t>(dm[9]);
  D.window = static_cast<int64_t>(dm[10]);
  D.softcap = static_cast<float>(dm[11]);
  need(env, D.hkv > 0 && D.hq % D.hkv == 0, "hq must be a multiple of hkv");
  c.q = ptr<float>(info[0]);
  c.k = ptr<float>(info[1]);
  c.v = ptr<float>(info[2]);
  c.mask = is_null(info[3]) ? nullptr : ptr<float>(info[3]);
  c.maskBatch = i64(info[4]);
  need(env, length(info[0]) == static_cast<size_t>(D.batch * D.tq * D.hq * D.d), "q has the wrong length");
  need(env, length(info[1]) == static_cast<size_t>(D.batch * D.tk * D.hkv * D.d), "k has the wrong length");
  need(env, length(info[2]) == static_cast<size_t>(D.batch * D.tk * D.hkv * D.dv), "v has the wrong length");
  if (c.mask) {
    need(env, (c.maskBatch == 1 || c.maskBatch == D.batch) && length(info[3]) == static_cast<size_t>(c.maskBatch * D.tq * D.tk), "mask has the wrong length");
  }
  return c;
}

// attentionForwardF32(q, k, v, mask|null, maskBatch, dims, out, lse)
Napi::Value ForwardF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Call c = call_from(info);
  const st_attention_dims& D = c.dims;
  need(env, info.Length() == 8, "expected 8 arguments");
  need(env, length(info[6]) == static_cast<size_t>(D.batch * D.tq * D.hq * D.dv), "out has the wrong length");
  need(env, length(info[7]) == static_cast<size_t>(D.batch * D.hq * D.tq), "lse has the wrong length");
  st_attention_forward_f32(c.q, c.k, c.v, c.mask, c.maskBatch, &D, ptr<float>(info[6]), ptr<float>(info[7]));
  return env.Undefined();
}

// attentionBackwardF32(q, k, v, mask|null, maskBatch, dims, out, lse, gOut, dq, dk, dv)
Napi::Value BackwardF32(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Call c = call_from(info);
  const st_attention_dims& D = c.dims;
  need(env, info.Length() == 12, "expected 12 arguments");
  const size_t nOut = static_cast<size_t>(D.batch * D.tq * D.hq * D.dv);
  need(env, length(info[6]) == nOut && length(info[8]) == nOut, "out / gOut have the wrong length");
  need(env, length(info[7]) == static_cast<size_t>(D.batch * D.hq * D.tq), "lse has the wrong length");
  need(env, length(info[9]) == length(info[0]) && length(info[10]) == length(info[1]) && length(info[11]) == length(info[2]),
       "dq / dk / dv have the wrong length");
  st_attention_backward_f32(c.q, c.k, c.v, c.mask, c.maskBatch, &D, ptr<float>(info[6]), ptr<float>(info[7]), ptr<float>(info[8]), ptr<float>(info[9]),
                            ptr<float>(info[10]), ptr<float>(info[11]));
  return env.Undefined();
}

}  // namespace

void st_init_attention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionForwardF32", Napi::Function::New(env, ForwardF32));
  exports.Set("attentionBackwardF32", Napi::Function::New(env, BackwardF32));
}
