// The schedule of a fused decode step (decode.h): one pool job in which every thread walks the
// same phases (phases.h). Per layer:
//   norm      residual add of the previous MLP output, RMSNorm, x prepared for the dot kernel
//   qkv       q/k/v rows, in chunks over all three matrices (+ biases)
//   attn      per kv head: k norm, RoPE, append k/v to the cache, q norm and RoPE of its query
//             heads, attention over the cache
//   prep      attention output prepared for the dot kernel
//   o         o_proj rows in chunks
//   norm      residual add, RMSNorm, prepare
//   gate_up   gate and up rows of one chunk, activation and product
//   prep      activations prepared
//   down      down_proj rows in chunks
// and at the end the last residual add, then optionally the final norm and the LM head in chunks.
//
// Why: op-by-op decode wakes the pool for each small product and returns to JS between ops;
// here the threads stay in one job for the whole token and only meet at the phase barriers, and
// chunks are claimed dynamically so the two threads split every product evenly whatever its
// shape. Every piece of math is the kernel the op-by-op path runs (rowkernels.h, the kit's dot
// path), so the results keep their bits (attention too while the op-by-op kernel does not split
// the keys: up to 64 keys, or one thread).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <initializer_list>

#include "decode.h"
#include "rowkernels.h"
#include "threadpool.h"

namespace st {
namespace decode {
namespace {

using gemm::Kit;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_profiling{false};
double g_profile[K_KINDS + 1] = {};

inline float widen(const Param& p, int64_t i) {
  if (p.dt == 0) return static_cast<const float*>(p.p)[i];
  const uint16_t h = static_cast<const uint16_t*>(p.p)[i];
  if (p.dt == 2) return f16_to_f32(h);
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Floats the kit's layout of one x row of length k takes.
int64_t prep_size(const Kit& K, int64_t k) { return K.dot_max_m > 0 ? K.dot_size(1, k) : k; }

// x as the matrix–vector kernel reads it: the dot path's layout (which depends on W's dtype),
// or x itself for the generic kit's gemv.
void prep(const Kit& K, const float* x, int64_t k, int dt, float* xp) {
  if (K.dot_max_m > 0) K.dot_prep(x, false, k, 1, k, dt, xp);
  else std::copy(x, x + k, xp);
}

// out[j] = x·W[j] (+ b[j]) for j in [j0, j1): the kernels matmul() uses for one row of x.
void rows(const Kit& K, const float* xp, const Param& w, const Param& b, int64_t k, int64_t j0, int64_t j1, float* out) {
  if (K.dot_max_m > 0) K.dot_t(xp, 1, w.p, w.dt, k, j0, j1, out, j1);
  else K.gemv_t(xp, w.p, w.dt, k, j0, j1, out);
  if (b.p)
    for (int64_t j = j0; j < j1; j++) out[j] += widen(b, j);
}

void norm(const Plan& P, const float* x, const Param& w, int64_t rows_, int64_t cols, float* y, float* rstd) {
  rmsnorm_rows_isa(x, w.p, w.dt, P.norm_off, 0, rows_, cols, P.eps, y, rstd);
}

void add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

// Chunks of a phase's matrices (rows[w] rows each), in the order they are claimed: guided
// sizes, about a sixth of each thread's share of what is left, so the first chunks are large
// (few claims) and the last ones small (the threads finish a phase within 16 rows of each
// other); multiples of 16 rows (the dot kernel's tiles).
void split(std::vector<Piece>& out, std::initializer_list<int64_t> rows, int threads) {
  out.clear();
  int64_t left = 0;
  for (int64_t n : rows) left += n;
  int w = 0;
  for (int64_t n : rows) {
    for (int64_t j = 0; j < n;) {
      const int64_t guided = threads <= 1 ? n : (left / (6 * threads) + 15) / 16 * 16;
      const int64_t c = std::min(n - j, std::max<int64_t>(16, guided));
      out.push_back({w, j, j + c});
      j += c;
      left -= c;
    }
    w++;
  }
}

void plan_pieces(Plan& P, int threads) {
  const int64_t qn = P.hq * P.hd, kn = P.hkv * P.hd;
  split(P.qkv, {qn, kn, kn}, threads);
  split(P.o, {P.d}, threads);
  split(P.gate_up, {P.inter}, threads);
  split(P.down, {P.d}, threads);
  split(P.head, {P.vocab}, threads);
  P.threads = threads;
}

}  // namespace

void set_profiling(bool on) { g_profiling.store(on); }

void profile(double out[K_KINDS + 1]) {
  for (int i = 0; i <= K_KINDS; i++) {
    out[i] = g_profile[i];
    g_profile[i] = 0;
  }
}

void run_step(Plan& P, const Step& S) {
  const Kit& K = gemm::current_kit();
  const int T = num_threads();
  if (P.threads != T) plan_pieces(P, T);
  const int64_t d = P.d, hd = P.hd, hkv = P.hkv, G = P.hq / P.hkv, qn = P.hq * P.hd, kn = hkv * hd;
  const int64_t L = S.l1 - S.l0;
  const int64_t nphase = 9 * L + 2;
  if (int64_t(P.counters.size()) < nphase) P.counters = std::vector<PhaseCounter>(size_t(nphase));
  for (int64_t i = 0; i < nphase; i++) {
    P.counters[size_t(i)].claim.store(0, std::memory_order_relaxed);
    P.counters[size_t(i)].done.store(0, std::memory_order_relaxed);
  }
  // Shared scratch (sized here: the kit, and so the prepared layout, can change between calls).
  float* h = P.h.get(size_t(std::max(d, qn)));
  float* rstd = P.rstd.get(size_t(std::max<int64_t>(P.hq, 1)));
  float* xp = P.xp.get(size_t(prep_size(K, d)));
  float* q = P.q.get(size_t(qn));
  float* k = P.k.get(size_t(kn));
  float* v = P.v.get(size_t(kn));
  float* qr = P.qr.get(size_t(qn));
  float* z = P.z.get(size_t(qn));
  float* zp = P.zp.get(size_t(prep_size(K, qn)));
  float* ao = P.ao.get(size_t(d));
  float* gate = P.gate.get(size_t(P.inter));
  float* act = P.act_buf.get(size_t(P.inter));
  float* actp = P.actp.get(size_t(prep_size(K, P.inter)));
  float* mo = P.mo.get(size_t(d));
  float* x = S.x;
  const bool profiling = g_profiling.load();
  std::atomic<int> timer{0};
  double spent[K_KINDS] = {};

  auto job = [&](int64_t) {
    PhaseWalker W(P.counters.data());
    // One thread (the first to start) times the phases: the barriers make its view the wall time.
    const bool timing = profiling && timer.exchange(1) == 0;
    auto last = Clock::now();
    auto phase = [&](Kind kind, int64_t n, auto&& body) {
      W.run(n, body);
      if (timing) {
        const auto now = Clock::now();
        spent[kind] += std::chrono::duration<double>(now - last).count();
        last = now;
      }
    };
    auto serial = [&](Kind kind, auto&& body) { phase(kind, 1, [&](int64_t) { body(); }); };

    for (int64_t li = 0; li < L; li++) {
      const Layer& Y = P.layer[size_t(S.l0 + li)];
      float* kc = S.kc[size_t(li)];
      float* vc = S.vc[size_t(li)];
      serial(K_NORM, [&] {
        if (li > 0) add(x, mo, d);
        norm(P, x, Y.in_norm, 1, d, h, rstd);
        prep(K, h, d, Y.q.dt, xp);
      });
      phase(K_QKV, int64_t(P.qkv.size()), [&](int64_t t) {
        const Piece& pc = P.qkv[size_t(t)];
        if (pc.w == 0) rows(K, xp, Y.q, Y.qb, d, pc.j0, pc.j1, q);
        else if (pc.w == 1) rows(K, xp, Y.k, Y.kb, d, pc.j0, pc.j1, k);
        else rows(K, xp, Y.v, Y.vb, d, pc.j0, pc.j1, v);
      });
      phase(K_ATTN, hkv, [&](int64_t kvh) {
        thread_local FloatBuf tmp, cs, rs;
        float* t = tmp.get(size_t(G * hd));
        float* c = cs.get(size_t(std::max<int64_t>(Y.rd, 1)));
        float* r = rs.get(size_t(G));
        // The new key: norm, rotate, straight into its cache row; the value is copied as is.
        const float* src = k + kvh * hd;
        float* krow = kc + (S.len * hkv + kvh) * hd;
        if (Y.k_norm.p) {
          norm(P, src, Y.k_norm, 1, hd, t, r);
          src = t;
        }
        if (Y.inv_freq) rope_tokens_isa(src, 1, hd, Y.rd, &S.pos, Y.inv_freq, krow, c);
        else std::memcpy(krow, src, sizeof(float) * size_t(hd));
        std::memcpy(vc + (S.len * hkv + kvh) * hd, v + kvh * hd, sizeof(float) * size_t(hd));
        // Its G query heads.
        const float* qs = q + kvh * G * hd;
        if (Y.q_norm.p) {
          norm(P, qs, Y.q_norm, G, hd, t, r);
          qs = t;
        }
        if (Y.inv_freq) rope_tokens_isa(qs, G, hd, Y.rd, &S.pos, Y.inv_freq, qr + kvh * G * hd, c);
        else std::memcpy(qr + kvh * G * hd, qs, sizeof(float) * size_t(G * hd));
        attention_decode_kvhead(qr, kc, vc, S.len + 1, P.hq, hkv, hd, P.scale, Y.window, kvh, z);
      });
      serial(K_PREP, [&] { prep(K, z, qn, Y.o.dt, zp); });
      phase(K_O, int64_t(P.o.size()), [&](int64_t t) {
        const Piece& pc = P.o[size_t(t)];
        rows(K, zp, Y.o, Y.ob, qn, pc.j0, pc.j1, ao);
      });
      serial(K_NORM, [&] {
        add(x, ao, d);
        norm(P, x, Y.mlp_norm, 1, d, h, rstd);
        prep(K, h, d, Y.gate.dt, xp);
      });
      phase(K_GATE_UP, int64_t(P.gate_up.size()), [&](int64_t t) {
        const Piece& pc = P.gate_up[size_t(t)];
        const int64_t n = pc.j1 - pc.j0;
        rows(K, xp, Y.gate, Y.gate_b, d, pc.j0, pc.j1, gate);
        rows(K, xp, Y.up, Y.up_b, d, pc.j0, pc.j1, act);
        unary_range_isa(P.act, gate + pc.j0, n, gate + pc.j0);
        for (int64_t j = pc.j0; j < pc.j1; j++) act[j] = gate[j] * act[j];
      });
      serial(K_PREP, [&] { prep(K, act, P.inter, Y.down.dt, actp); });
      phase(K_DOWN, int64_t(P.down.size()), [&](int64_t t) {
        const Piece& pc = P.down[size_t(t)];
        rows(K, actp, Y.down, Y.down_b, P.inter, pc.j0, pc.j1, mo);
      });
    }
    serial(K_NORM, [&] {
      add(x, mo, d);
      if (S.logits) {
        norm(P, x, P.final_norm, 1, d, h, rstd);
        prep(K, h, d, P.lm_head.dt, xp);
      }
    });
    if (S.logits) {
      phase(K_HEAD, int64_t(P.head.size()), [&](int64_t t) {
        const Piece& pc = P.head[size_t(t)];
        rows(K, xp, P.lm_head, Param{}, d, pc.j0, pc.j1, S.logits);
      });
    }
  };
  parallel_for(T, job);
  if (profiling) {
    for (int i = 0; i < K_KINDS; i++) g_profile[i] += spent[i];
    g_profile[K_KINDS] += 1;
  }
}

}  // namespace decode
}  // namespace st
