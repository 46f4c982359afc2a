// Fused attention (f32): a FlashAttention-style tiled forward with online softmax that never holds
// more than a [rows × 64] score tile per task, storing only the per-row log-sum-exp; and the
// FlashAttention-2 backward, which recomputes probabilities from lse: P = exp(S − lse),
// D_i = rowsum(dO∘O), dS = P∘(dP − D). Semantics follow src/backend/reference/attention.ts.
//
// Tiling. A task owns one (batch, kv head) pair and a block of queries; its rows are every
// (query, head) pair of the heads that share that kv head (grouped-query attention), so one packed
// key tile serves all of them. Per key block of 64: S = Qp·Kt (Q pre-scaled, K packed transposed
// once per call), soft-cap, mask, online softmax, O += P·V. The products go through one small GEMM
// primitive (C = or += A·B, B rows contiguous, A read with any strides so Aᵀ is free); blocks of at
// most 8 rows (decode) take direct dot products against K as stored instead.
//
// Instruction sets. The task bodies and their primitives (attention_impl.inc,
// attention_prims.inc) are written once against the vector types of simd.h and compiled per
// instruction set by isa_expand.inc, as the row-wise kernels are; each task picks its copy with
// ST_ISA_CALL (rowisa.h: the best the CPU has, STEERLING_ISA or rowopsIsa() can force a lower one).
//
// Parallelism. Forward: tasks over (batch, kv head, query block), plus a split of the key range
// when that gives too few tasks (decode, tq = 1): partial (O, max, sum) per split are merged after.
// Backward: tasks over (batch, kv head, key split); a task owns dK/dV for its key blocks (no races)
// and accumulates dQ into its own scratch copy, summed at the end.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "common.h"
#include "rowisa.h"
#include "rowkernels.h"
#include "simd.h"
#include "threadpool.h"

namespace st {
namespace {

constexpr int BK = 64;          // keys per tile (the S tile's width)
constexpr int ROWS = 64;        // target rows (query × grouped head) per task block
constexpr float NEG_INF = -std::numeric_limits<float>::infinity();

// Up to this many rows per task block, scores come from direct dot products (dots) instead of
// a transposed key tile and the GEMM: decode and short grouped queries.
constexpr int DIRECT_ROWS = 8;

// ---------------------------------------------------------------------------------------------
// Problem description and shared helpers (the same for every instruction set).

struct Problem {
  const float *q, *k, *v, *mask;
  int64_t maskBatch;
  int64_t B, tq, tk, hq, hkv, d, dv, G;
  float scale, softcap;
  bool causal;
  int64_t qOffset, window;

  // Keys [lo, hi) are visible to query i.
  void range(int64_t i, int64_t& lo, int64_t& hi) const {
    const int64_t p = i + qOffset;
    hi = causal ? std::min(tk, p + 1) : tk;
    lo = window > 0 ? std::max<int64_t>(0, p - window + 1) : 0;
    lo = std::min(lo, tk);
    hi = std::max(hi, lo);
  }
  const float* qrow(int64_t b, int64_t i, int64_t h) const { return q + ((b * tq + i) * hq + h) * d; }
  const float* krow(int64_t b, int64_t j, int64_t kvh) const { return k + ((b * tk + j) * hkv + kvh) * d; }
  const float* vrow(int64_t b, int64_t j, int64_t kvh) const { return v + ((b * tk + j) * hkv + kvh) * dv; }
  const float* maskrow(int64_t b, int64_t i) const { return mask ? mask + ((maskBatch == 1 ? 0 : b) * tq + i) * tk : nullptr; }
  int64_t queriesPerBlock() const { return std::max<int64_t>(1, ROWS / G); }
};

// Kt[c][j] = k[b, kb0 + j, kvh, c] for j < nk, zero up to the padded width ldt.
void pack_transposed(const float* src, int64_t srcStride, int nk, int width, float* dst, int ldt) {
  for (int c = 0; c < width; c++) std::fill(dst + c * ldt + nk, dst + (c + 1) * ldt, 0.0f);
  for (int j = 0; j < nk; j++) {
    const float* s = src + j * srcStride;
    for (int c = 0; c < width; c++) dst[c * ldt + j] = s[c];
  }
}

int padded_width(int nk) { return (nk + 15) / 16 * 16; }

// parallel_for, or a plain loop when the whole call is too small to pay for waking the pool
// (a decode step over a short cache is a few microseconds of work).
constexpr double SERIAL_FLOPS = 2e5;
void forTasks(double flops, int64_t n, const std::function<void(int64_t)>& fn) {
  if (flops < SERIAL_FLOPS) {
    for (int64_t t = 0; t < n; t++) fn(t);
  } else {
    parallel_for(n, fn);
  }
}

// Upper bound on the flops of a forward call (every query-key pair, both products).
double workOf(const Problem& P) { return 2.0 * P.B * P.hq * P.tq * P.tk * (P.d + P.dv); }

template <typename T>
T* scratch(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// max that propagates NaN from either side (std::max and max_ps keep one operand).
inline float nanmax(float a, float b) { return std::isnan(a) || std::isnan(b) ? std::numeric_limits<float>::quiet_NaN() : std::max(a, b); }

struct FwdBuffers {
  std::vector<float> qp, s, o, m, l;
};

struct BwdBuffers {
  std::vector<float> kt, vt, qp, dop, s, dp, cap, dk, dvb;
};

// ---------------------------------------------------------------------------------------------
// The task bodies, one copy per instruction set.

#define ST_IMPL "attention_impl.inc"
#include "isa_expand.inc"
#undef ST_IMPL

// ---------------------------------------------------------------------------------------------
// Forward.

void attentionForward(const Problem& P, float* out, float* lse) {
  const double work = workOf(P);
  const int64_t BQ = P.queriesPerBlock();
  const int64_t nqb = (P.tq + BQ - 1) / BQ;
  const int64_t nkb = (P.tk + BK - 1) / BK;
  const int64_t base = P.B * P.hkv * nqb;
  const int64_t threads = work < SERIAL_FLOPS ? 1 : num_threads();
  const int64_t G = P.G, dv = P.dv, d = P.d;
  const int64_t M = std::min(BQ, P.tq) * G;
  // Many rows per block: pack every key block once, transposed, shared by all query blocks.
  std::vector<float> ktAll;
  if (M > DIRECT_ROWS) {
    ktAll.resize(P.B * P.hkv * nkb * d * BK);
    forTasks(work, P.B * P.hkv * nkb, [&](int64_t t) {
      const int64_t kb = t % nkb, bh = t / nkb;
      const int64_t kb0 = kb * BK;
      pack_transposed(P.krow(bh / P.hkv, kb0, bh % P.hkv), P.hkv * d, static_cast<int>(std::min<int64_t>(BK, P.tk - kb0)), static_cast<int>(d),
                     ktAll.data() + t * d * BK, BK);
    });
  }
  // Too few tasks to keep every thread busy (decode): split the keys, merge partials after.
  int64_t nsplit = 1;
  if (base < 4 * threads && nkb > 1) nsplit = std::min(nkb, (4 * threads + base - 1) / base);
  std::vector<float> partO, partM, partL;
  if (nsplit > 1) {
    partO.resize(base * nsplit * M * dv);
    partM.resize(base * nsplit * M);
    partL.resize(base * nsplit * M);
  }
  forTasks(work, base * nsplit, [&](int64_t task) {
    thread_local FwdBuffers buf;
    // Later query blocks see more keys under causality: hand them out first.
    const int64_t split = task % nsplit;
    const int64_t t = task / nsplit;
    const int64_t qb = nqb - 1 - t % nqb;
    const int64_t bh = t / nqb;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t q0 = qb * BQ, nq = std::min(BQ, P.tq - q0);
    const int64_t k0 = split * nkb / nsplit * BK, k1 = std::min(P.tk, (split + 1) * nkb / nsplit * BK);
    const float* kt = ktAll.empty() ? nullptr : ktAll.data() + bh * nkb * d * BK;
    ST_ISA_CALL(forward_block, P, b, kvh, q0, nq, k0, k1, kt, buf);
    const int64_t rows = nq * G;
    if (nsplit > 1) {
      const int64_t slot = (t * nsplit + split) * M;
      std::copy(buf.o.data(), buf.o.data() + rows * dv, partO.data() + slot * dv);
      std::copy(buf.m.data(), buf.m.data() + rows, partM.data() + slot);
      std::copy(buf.l.data(), buf.l.data() + rows, partL.data() + slot);
      return;
    }
    for (int64_t r = 0; r < rows; r++) {
      const int64_t qi = q0 + r / G, h = kvh * G + r % G;
      float* dst = out + ((b * P.tq + qi) * P.hq + h) * dv;
      const float* src = buf.o.data() + r * dv;
      const float l = buf.l[r];
      // l = 0: nothing visible (zeros, lse −∞); a NaN l passes through both.
      const float inv = l == 0 ? 0.0f : 1.0f / l;
      for (int64_t c = 0; c < dv; c++) dst[c] = src[c] * inv;
      lse[(b * P.hq + h) * P.tq + qi] = l == 0 ? NEG_INF : buf.m[r] + std::log(l);
    }
  });
  if (nsplit == 1) return;
  forTasks(work, base, [&](int64_t t) {
    const int64_t qb = nqb - 1 - t % nqb;
    const int64_t bh = t / nqb;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t q0 = qb * BQ, nq = std::min(BQ, P.tq - q0);
    for (int64_t r = 0; r < nq * G; r++) {
      const int64_t qi = q0 + r / G, h = kvh * G + r % G;
      float mx = NEG_INF;
      for (int64_t sp = 0; sp < nsplit; sp++) mx = nanmax(mx, partM[(t * nsplit + sp) * M + r]);
      float* dst = out + ((b * P.tq + qi) * P.hq + h) * dv;
      std::fill(dst, dst + dv, 0.0f);
      float l = 0;
      if (mx != NEG_INF) {
        for (int64_t sp = 0; sp < nsplit; sp++) {
          const int64_t slot = (t * nsplit + sp) * M + r;
          if (partL[slot] == 0) continue;
          const float w = std::exp(partM[slot] - mx);
          l += partL[slot] * w;
          const float* src = partO.data() + slot * dv;
          for (int64_t c = 0; c < dv; c++) dst[c] += w * src[c];
        }
      }
      const float inv = l == 0 ? 0.0f : 1.0f / l;
      for (int64_t c = 0; c < dv; c++) dst[c] *= inv;
      lse[(b * P.hq + h) * P.tq + qi] = l == 0 ? NEG_INF : mx + std::log(l);
    }
  });
}


// ---------------------------------------------------------------------------------------------
// Backward.

void attentionBackward(const Problem& P, const float* out, const float* lse, const float* gOut, float* dq, float* dk, float* dvOut) {
  const double work = workOf(P);
  const int64_t nkb = (P.tk + BK - 1) / BK;
  const int64_t base = P.B * P.hkv;
  const int64_t threads = work < SERIAL_FLOPS ? 1 : num_threads();
  // D_i = dO_i·O_i once per row, laid out like lse.
  std::vector<float> rowD(P.B * P.hq * P.tq);
  forTasks(work, P.B * P.hq, [&](int64_t bh) {
    const int64_t b = bh / P.hq, h = bh % P.hq;
    for (int64_t i = 0; i < P.tq; i++) {
      const int64_t o = ((b * P.tq + i) * P.hq + h) * P.dv;
      float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent partial sums vectorise
      int64_t c = 0;
      for (; c + 8 <= P.dv; c += 8)
        for (int u = 0; u < 8; u++) part[u] += gOut[o + c + u] * out[o + c + u];
      float sum = 0;
      for (; c < P.dv; c++) sum += gOut[o + c] * out[o + c];
      for (float x : part) sum += x;
      rowD[bh * P.tq + i] = sum;
    }
  });
  // Each (b, kvh) splits its key blocks over nsplit tasks (interleaved, so causal work balances);
  // each split keeps its own dQ accumulator [tq·G, d], summed at the end.
  const int64_t nsplit = std::max<int64_t>(1, std::min(nkb, (4 * threads + base - 1) / base));
  const int64_t perHead = P.tq * P.G * P.d;
  std::vector<float> dqAcc(base * nsplit * perHead, 0.0f);
  forTasks(work, base * nsplit, [&](int64_t task) {
    thread_local BwdBuffers buf;
    const int64_t split = task % nsplit, bh = task / nsplit;
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    float* acc = dqAcc.data() + task * perHead;
    for (int64_t kb = split; kb < nkb; kb += nsplit) ST_ISA_CALL(backward_key_block, P, rowD.data(), lse, gOut, b, kvh, kb * BK, acc, dk, dvOut, buf);
  });
  // dq[b, i, kvh·G + g, :] = scale · Σ_split acc[split][i·G + g, :]
  forTasks(work, base, [&](int64_t bh) {
    const int64_t b = bh / P.hkv, kvh = bh % P.hkv;
    const int64_t n = P.G * P.d;
    for (int64_t i = 0; i < P.tq; i++) {
      float* dst = dq + ((b * P.tq + i) * P.hq + kvh * P.G) * P.d;
      const float* src = dqAcc.data() + bh * nsplit * perHead + i * n;
      for (int64_t c = 0; c < n; c++) dst[c] = src[c];
      for (int64_t sp = 1; sp < nsplit; sp++)
        for (int64_t c = 0; c < n; c++) dst[c] += src[sp * perHead + c];
      for (int64_t c = 0; c < n; c++) dst[c] *= P.scale;
    }
  });
}

// The Problem of a call (the views its task bodies index with).
Problem problem(const float* q, const float* k, const float* v, const float* mask, int64_t maskBatch, const st_attention_dims& D) {
  Problem P{};
  P.q = q;
  P.k = k;
  P.v = v;
  P.mask = mask;
  P.maskBatch = maskBatch;
  P.B = D.batch;
  P.tq = D.tq;
  P.tk = D.tk;
  P.hq = D.hq;
  P.hkv = D.hkv;
  P.d = D.d;
  P.dv = D.dv;
  P.G = D.hq / D.hkv;
  P.scale = D.scale;
  P.softcap = D.softcap;
  P.causal = D.causal;
  P.qOffset = D.q_offset;
  P.window = D.window;
  return P;
}

}  // namespace

// One decode step's attention for one kv head, on the calling thread (see rowkernels.h): the
// forward's own block routine over every key at once, so with keys that the threaded forward
// does not split (tk ≤ 64, or one thread) the bits are the same as st_attention_forward_f32's.
void attention_decode_kvhead(const float* q, const float* k, const float* v, int64_t tk, int64_t hq, int64_t hkv, int64_t d, float scale, int64_t window,
                             int64_t kvh, float* out) {
  const st_attention_dims D{1, 1, tk, hq, hkv, d, d, scale, 0.0f, true, tk - 1, window};
  const Problem P = problem(q, k, v, nullptr, 1, D);
  thread_local FwdBuffers buf;
  ST_ISA_CALL(forward_block, P, 0, kvh, 0, 1, 0, tk, nullptr, buf);
  for (int64_t g = 0; g < P.G; g++) {
    float* dst = out + (kvh * P.G + g) * d;
    const float* src = buf.o.data() + g * d;
    const float l = buf.l[g];
    const float inv = l == 0 ? 0.0f : 1.0f / l;  // as attentionForward: nothing visible gives zeros
    for (int64_t c = 0; c < d; c++) dst[c] = src[c] * inv;
  }
}
}  // namespace st

void st_attention_forward_f32(const float* q, const float* k, const float* v, const float* mask, int64_t mask_batch, const st_attention_dims* dims, float* out,
                              float* lse) {
  st::attentionForward(st::problem(q, k, v, mask, mask_batch, *dims), out, lse);
}

void st_attention_backward_f32(const float* q, const float* k, const float* v, const float* mask, int64_t mask_batch, const st_attention_dims* dims,
                               const float* out, const float* lse, const float* g_out, float* dq, float* dk, float* dv) {
  st::attentionBackward(st::problem(q, k, v, mask, mask_batch, *dims), out, lse, g_out, dq, dk, dv);
}
