// Building a fused decode Plan (decode.h) from the weights of a model, and the C interface of the
// fused decode step (steerling.h): plan, step, profile, and the greedy argmax over logits.
// The plan keeps raw pointers into the weight arrays: the caller must keep them alive (and, from
// JS, not detach them) for as long as it uses the plan.
// GCC 12 warns inside its own avx512fintrin.h on _mm512_max_ps (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cstdio>
#include <memory>
#include <string>

#include "common.h"
#include "cpu.h"
#include "decode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ST_ARGMAX_X86 1
#endif

struct st_decode_plan {
  st_decode_spec spec;
  st::decode::Plan plan;
};

namespace st {
namespace decode {
namespace {

static_assert(int(K_KINDS) == int(ST_DECODE_PHASES), "steerling.h's phase count follows decode.h's Kind");

// Per-layer parameter slots, in the order of steerling.h: the member they fill, their shape
// [rows, cols] (cols 1 for vectors), and whether they must exist.
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
const Slot kSlots[ST_DECODE_SLOTS] = {
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

// A bad argument: the reason, for st_decode_plan_new's caller.
struct Bad {
  std::string what;
};

void need(bool ok, const std::string& what) {
  if (!ok) throw Bad{what};
}

// Checks a parameter (absent allowed unless `required`) against the element count of its slot.
Param param_of(const st_param& p, int64_t count, bool required, const char* what) {
  if (!p.data) {
    need(!required, std::string(what) + " is missing");
    return {};
  }
  need(p.dtype >= 0 && p.dtype <= 2, std::string(what) + ": dtype code must be 0, 1 or 2");
  need(p.count == count, std::string(what) + ": expected " + std::to_string(count) + " elements, got " + std::to_string(p.count));
  return {p.data, p.dtype};
}

void build(Plan& P, const st_decode_spec& s, const st_param* params, const double* const* inv_freq, const int64_t* rope_pairs, const int64_t* windows) {
  P.d = s.d, P.hq = s.heads, P.hkv = s.kv_heads, P.hd = s.head_dim, P.inter = s.intermediate;
  P.layers = s.layers, P.vocab = s.vocab;
  P.eps = s.eps;
  P.norm_off = s.norm_offset, P.scale = s.attn_scale;
  P.act = s.act;
  need(P.d > 0 && P.hq > 0 && P.hkv > 0 && P.hq % P.hkv == 0 && P.hd > 0 && P.inter > 0 && P.layers > 0 && P.vocab > 0, "bad dimensions");
  need(P.act >= 0 && P.act <= ST_GELU_ERF, "bad activation code");
  for (int64_t l = 0; l < P.layers; l++) {
    Layer Y;
    for (int slot = 0; slot < ST_DECODE_SLOTS; slot++) {
      const Slot& sl = kSlots[slot];
      Y.*sl.member = param_of(params[l * ST_DECODE_SLOTS + slot], sl.rows(P) * sl.cols(P), sl.required, sl.name);
    }
    // One prepared x serves several matrices only if they read it the same way.
    need(Y.q.dt == Y.k.dt && Y.q.dt == Y.v.dt && Y.gate.dt == Y.up.dt, "q/k/v (and gate/up) weights must share a dtype");
    if (inv_freq[l]) {
      Y.rd = 2 * rope_pairs[l];
      need(Y.rd > 0 && Y.rd <= P.hd, "rotary dimension out of range");
      Y.inv_freq = inv_freq[l];
    }
    Y.window = windows[l];
    P.layer.push_back(Y);
  }
  const st_param* tail = params + P.layers * ST_DECODE_SLOTS;
  P.final_norm = param_of(tail[0], P.d, false, "final norm");
  P.lm_head = param_of(tail[1], P.vocab * P.d, false, "lm_head");
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

}  // namespace
}  // namespace decode
}  // namespace st

using namespace st::decode;

const char* st_decode_slot_name(int slot) {
  if (slot >= 0 && slot < ST_DECODE_SLOTS) return kSlots[slot].name;
  return slot == ST_DECODE_SLOTS ? "final norm" : slot == ST_DECODE_SLOTS + 1 ? "lm_head" : "?";
}

st_decode_plan* st_decode_plan_new(const st_decode_spec* spec, const st_param* params, const double* const* inv_freq, const int64_t* rope_pairs,
                                   const int64_t* windows, char* err, size_t err_len) {
  auto p = std::make_unique<st_decode_plan>();
  p->spec = *spec;
  try {
    build(p->plan, *spec, params, inv_freq, rope_pairs, windows);
  } catch (const Bad& b) {
    if (err && err_len) std::snprintf(err, err_len, "%s", b.what.c_str());
    return nullptr;
  }
  return p.release();
}

void st_decode_plan_free(st_decode_plan* plan) { delete plan; }

const st_decode_spec* st_decode_plan_spec(const st_decode_plan* plan) { return &plan->spec; }

bool st_decode_plan_has_head(const st_decode_plan* plan) { return plan->plan.lm_head.p != nullptr; }

int st_decode_step(st_decode_plan* plan, float* x, int64_t l0, int64_t l1, float* const* k_cache, float* const* v_cache, int32_t pos, int64_t len,
                   float* logits) {
  Plan& P = plan->plan;
  if (P.busy) return -1;
  Step S;
  S.x = x;
  S.l0 = l0, S.l1 = l1;
  S.kc.assign(k_cache, k_cache + (l1 - l0));
  S.vc.assign(v_cache, v_cache + (l1 - l0));
  S.pos = pos;
  S.len = len;
  S.logits = logits;
  P.busy = true;
  try {
    run_step(P, S);
  } catch (...) {
    P.busy = false;
    throw;
  }
  P.busy = false;
  return P.threads;  // how many threads shared the step (small steps run on one: decode_step.cc)
}

void st_decode_profile(double out[ST_DECODE_PHASES + 1]) { profile(out); }

void st_decode_set_profiling(bool on) { set_profiling(on); }

int64_t st_argmax_f32(const float* x, int64_t n) {
#ifdef ST_ARGMAX_X86
  if (st::cpu().avx512f) return argmax_avx512(x, n);
#endif
  return argmax_scalar(x, n);
}
