// The schedule of a fused decode step (decode.h): one pool job in which every thread walks the
// same phases (phases.h), four per layer, each ending at a barrier:
//   qkv       one head of q, k or v per piece; the piece also finishes its
//             head (q/k norm, RoPE; keys and values go straight into their cache rows), and the
//             piece that completes a group (its G query heads, key and value) runs the group's
//             attention, so attention overlaps the other groups' rows
//   o         o_proj rows in chunks
//   gate_up   gate and up rows of one chunk, activation and product
//   down      down_proj rows in chunks
// and at the end optionally the LM head in chunks. Between the phases each thread does the small
// serial work itself, on its own copy: residual adds, RMSNorms, preparing the next product's
// input for the dot kernel. Both threads compute the same bits from the same shared outputs, so
// nobody waits for a thread to do them (the old schedule had five more barriers per layer for
// these), and at the end one thread writes its residual back.
//
// The shared outputs (q after RoPE, attention output, o_proj, MLP activations and output) have
// one buffer per layer, never reused within a step: a thread may run ahead of another by more
// than a phase (it claimed every piece of the next phase while the other was descheduled), and
// the late thread must still find the values it reads. A late thread only claims pieces of phases
// that are not finished, so what it writes is always computed from the right inputs.
//
// While a thread waits at a barrier it reserves its first piece of the next phase and prefetches
// that piece's weights into L2 (PhaseWalker::run with warm()): the memory bus, which bounds
// decode, keeps streaming while the other thread finishes its last piece or a group's attention.
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
#include <cstdlib>
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

// Chunks of one matrix of n rows: with several threads two ranges, [0, n/2) and [n/2, n) (one
// per thread: phases.h), each cut front to back into chunks of an eighth of what is left of the
// range. A thread's chunks are consecutive rows, so its stream runs on across them; the first
// chunks are large (few claims) and the last small (a thread that finishes early steals them from
// the other's back; the two finish within one unit); multiples of `unit` rows (16, the dot
// kernel's tiles). One thread: one chunk.
void split(Pieces& out, int64_t n, int threads, int64_t unit) {
  out.v.clear();
  if (threads <= 1) {
    out.v.push_back({0, 0, n});
    out.split = 1;
    return;
  }
  const int64_t half = std::min(n, (n / 2 + unit - 1) / unit * unit);
  auto cut = [&](int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi;) {
      const int64_t c = std::min(hi - j, std::max(unit, ((hi - j) / 8 + unit - 1) / unit * unit));
      out.v.push_back({0, j, j + c});
      j += c;
    }
  };
  cut(0, half);
  out.split = int64_t(out.v.size());
  cut(half, n);
}

void plan_pieces(Plan& P, int threads) {
  // q/k/v one head per piece. The first range is query heads from the front of q_proj; the second
  // the key heads, the value heads and the rest of the query heads, so each thread streams few
  // runs of rows. Groups complete in order as both advance, and the piece that completes one runs
  // its attention while the other thread still streams.
  P.qkv.v.clear();
  const int64_t hd = P.hd, total = P.hq + 2 * P.hkv;
  const int64_t a = threads <= 1 ? P.hq : std::min(P.hq, (total + 1) / 2);
  for (int64_t h = 0; h < a; h++) P.qkv.v.push_back({0, h * hd, (h + 1) * hd});
  for (int w = 1; w <= 2; w++)
    for (int64_t g = 0; g < P.hkv; g++) P.qkv.v.push_back({w, g * hd, (g + 1) * hd});
  for (int64_t h = a; h < P.hq; h++) P.qkv.v.push_back({0, h * hd, (h + 1) * hd});
  P.qkv.split = threads <= 1 ? total : a;
  split(P.o, P.d, threads, 16);
  split(P.gate_up, P.inter, threads, 16);
  split(P.down, P.d, threads, 16);
  split(P.head, P.vocab, threads, 16);
  P.threads = threads;
}

int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }

// The weight bytes piece t of a phase reads: up to two runs of rows (gate and up).
struct Span {
  const char* p = nullptr;
  int64_t bytes = 0;
};
int64_t esize(const Param& w) { return w.dt == 0 ? 4 : 2; }
Span row_span(const Param& w, int64_t cols, int64_t j0, int64_t j1) {
  return {static_cast<const char*>(w.p) + j0 * cols * esize(w), (j1 - j0) * cols * esize(w)};
}
int spans(const Plan& P, Kind kind, const Layer& Y, int64_t t, Span out[2]) {
  const int64_t qn = P.hq * P.hd;
  switch (kind) {
    case K_QKV: {
      const Piece& pc = P.qkv.v[size_t(t)];
      out[0] = row_span(pc.w == 0 ? Y.q : pc.w == 1 ? Y.k : Y.v, P.d, pc.j0, pc.j1);
      return 1;
    }
    case K_O: out[0] = row_span(Y.o, qn, P.o.v[size_t(t)].j0, P.o.v[size_t(t)].j1); return 1;
    case K_GATE_UP: {
      const Piece& pc = P.gate_up.v[size_t(t)];
      out[0] = row_span(Y.gate, P.d, pc.j0, pc.j1);
      out[1] = row_span(Y.up, P.d, pc.j0, pc.j1);
      return 2;
    }
    case K_DOWN: out[0] = row_span(Y.down, P.inter, P.down.v[size_t(t)].j0, P.down.v[size_t(t)].j1); return 1;
    case K_HEAD: out[0] = row_span(P.lm_head, P.d, P.head.v[size_t(t)].j0, P.head.v[size_t(t)].j1); return 1;
    default: return 0;
  }
}

// Prefetches (into L2) the 512 bytes number `step` of what piece t of a phase reads, up to
// kWarmBytes; returns −1 past the end. A thread waiting at a barrier runs this for the piece it
// reserved in the next phase, so the memory bus never idles while the other thread finishes.
constexpr int64_t kWarmBytes = int64_t(1) << 20;
int64_t warm(const Plan& P, Kind kind, const Layer& Y, int64_t t, int64_t step) {
  Span sp[2];
  const int ns = spans(P, kind, Y, t, sp);
  int64_t off = step * 512;
  if (off >= kWarmBytes) return -1;
  for (int i = 0; i < ns; i++) {
    if (off < sp[i].bytes) {
      const char* a = sp[i].p + off;
      const int64_t end = std::min<int64_t>(512, sp[i].bytes - off);
      for (int64_t o = 0; o < end; o += 64) __builtin_prefetch(a + o, 0, 2);  // prefetcht1: L2
      return step;
    }
    off -= sp[i].bytes;
  }
  return -1;
}

// Prefetches (into L2) the first `bytes` of a span.
void prefetch_head(const Span& sp, int64_t bytes) {
  const int64_t end = std::min(bytes, sp.bytes);
  for (int64_t o = 0; o < end; o += 64) __builtin_prefetch(sp.p + o, 0, 2);
}

// Measured crossover (bench/fused-threads.mjs, quiet 2-core machine): one thread won on the organism
// (1.7M weights, 0.19-0.30 ms a token against 0.24-0.31, and bimodal with two), two threads won
// from 2.3M on (0.14-0.16 ms against 0.21-0.23 at 2.3M, 0.24 against 0.37 at 3.7M).
constexpr int64_t kDefaultMinParallel = 2000000;

// Barriers per layer: qkv (with attention), o, gate_up, down.
constexpr int64_t kPhasesPerLayer = 4;

// Below this many weights read per token a step runs on one thread: its phases are then a few
// microseconds each, and a second thread costs more at the 4·L + 2 barriers (and in waking it,
// and in sharing the core with whatever else runs) than it saves by streaming half of each
// product. STEERLING_FUSED_MIN_PARALLEL overrides it (0: always use every pool thread; see adaptive()).
int64_t min_parallel_weights() {
  static const int64_t v = [] {
    const char* e = std::getenv("STEERLING_FUSED_MIN_PARALLEL");
    return e && *e ? int64_t(std::strtoll(e, nullptr, 10)) : int64_t(kDefaultMinParallel);
  }();
  return v;
}

// On a busy machine (other processes wanting the cores) a thread of a shared step is often
// descheduled, and the other waits for it at each of the 4·L + 2 barriers: on the 2-core machine
// at a load average of 11, SmolLM2-135M took 49–58 ms a token on two threads against 31–37 on one.
// So unless told otherwise (STEERLING_FUSED_MIN_PARALLEL=0, or STEERLING_FUSED_ADAPT=0) a step
// large enough for the pool runs on whichever of one thread or the whole pool has been faster
// lately (a moving average of seconds per weight read), and tries the other now and then so it
// follows the load: every kExploreClose steps while the two are within 1.5× of each other, every
// kExploreFar while the faster wins by more (a quiet machine, where the pool wins by ~2×: one step
// in 128 at half speed should cost about 0.5%). Results do not depend on the thread count.
constexpr int64_t kExploreClose = 16, kExploreFar = 128;
constexpr double kAverageWeight = 0.3;  // of the newest step in the moving average

bool adaptive() {
  static const bool v = [] {
    const char* a = std::getenv("STEERLING_FUSED_ADAPT");
    const char* m = std::getenv("STEERLING_FUSED_MIN_PARALLEL");
    return !(a && std::strcmp(a, "0") == 0) && !(m && std::strcmp(m, "0") == 0);
  }();
  return v;
}

// Index into Plan::Choice (0: one thread, 1: the pool) of the next step.
int pick(const Plan::Choice& c) {
  const double one = c.per_weight[0], all = c.per_weight[1];
  if (all == 0) return 1;  // the pool first: on a quiet machine it is the one that stays
  if (one == 0) return c.since_other >= kExploreClose ? 0 : 1;
  const int best = one < all ? 0 : 1;
  const double gap = std::max(one, all) / std::min(one, all);
  return c.since_other >= (gap > 1.5 ? kExploreFar : kExploreClose) ? 1 - best : best;
}

void record(Plan::Choice& c, int which, double per_weight) {
  double& avg = c.per_weight[which];
  avg = avg == 0 ? per_weight : (1 - kAverageWeight) * avg + kAverageWeight * per_weight;
  const double one = c.per_weight[0], all = c.per_weight[1];
  const int best = one > 0 && one < all ? 0 : 1;
  c.since_other = which == best ? c.since_other + 1 : 0;
}

// Weights one step reads: per layer q/k/v, o_proj, gate/up and down, plus the head if it runs.
int64_t step_weights(const Plan& P, int64_t layers, bool head) {
  const int64_t qn = P.hq * P.hd, kn = P.hkv * P.hd;
  return layers * (P.d * (qn + 2 * kn) + qn * P.d + 3 * P.d * P.inter) + (head ? P.vocab * P.d : 0);
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
  const int64_t L = S.l1 - S.l0;
  const int64_t weights = step_weights(P, L, S.logits != nullptr);
  const bool shareable = weights >= min_parallel_weights() && num_threads() > 1;
  const bool adapt = shareable && adaptive();
  const int which = adapt ? pick(P.choice) : 1;
  const int T = shareable && which == 1 ? num_threads() : 1;
  const auto started = Clock::now();
  if (P.threads != T) plan_pieces(P, T);
  const int64_t d = P.d, hd = P.hd, hkv = P.hkv, qn = P.hq * P.hd, kn = hkv * hd, inter = P.inter;
  const int64_t nphase = kPhasesPerLayer * L + 2;
  if (int64_t(P.counters.size()) < nphase) P.counters = std::vector<PhaseCounter>(size_t(nphase));
  for (int64_t i = 0; i < nphase; i++) P.counters[size_t(i)].reset();
  // Heads of each kv group finished so far, per layer: the piece that finishes a group's
  // G query heads, key and value runs the group's attention.
  const int64_t G = P.hq / hkv;
  if (int64_t(P.groups.size()) < L * hkv) P.groups = std::vector<AtomicLine>(size_t(L * hkv));
  for (int64_t i = 0; i < L * hkv; i++) P.groups[size_t(i)].v.store(0, std::memory_order_relaxed);
  // Shared outputs, one set per layer (see the top of this file for why never reused in a step).
  const int64_t per_layer = 2 * round16(qn) + 2 * round16(d) + round16(inter);  // qr, z, ao, act, mo
  float* shared = P.shared.get(size_t(L * per_layer));
  auto qr_of = [&](int64_t li) { return shared + li * per_layer; };
  auto z_of = [&](int64_t li) { return qr_of(li) + round16(qn); };
  auto ao_of = [&](int64_t li) { return z_of(li) + round16(qn); };
  auto act_of = [&](int64_t li) { return ao_of(li) + round16(d); };
  auto mo_of = [&](int64_t li) { return act_of(li) + round16(inter); };
  const bool profiling = g_profiling.load();
  std::atomic<int> timer{0};
  double spent[K_KINDS] = {};

  auto job = [&](int64_t task) {
    // Each thread's own copy of the residual stream and of the prepared product inputs.
    thread_local FloatBuf xr_b, h_b, rstd_b, xp_b, zp_b, actp_b, qt_b, gt_b, ut_b, cs_b, nt_b;
    float* xr = xr_b.get(size_t(d));
    float* h = h_b.get(size_t(d));
    float* rstd = rstd_b.get(size_t(std::max<int64_t>(P.hq, 1)));
    float* xp = xp_b.get(size_t(prep_size(K, d)));
    float* zp = zp_b.get(size_t(prep_size(K, qn)));
    float* actp = actp_b.get(size_t(prep_size(K, inter)));
    float* qt = qt_b.get(size_t(std::max(qn, kn)));
    float* gt = gt_b.get(size_t(inter));
    float* ut = ut_b.get(size_t(inter));
    float* cs = cs_b.get(size_t(std::max<int64_t>(hd, 1)));
    float* nt = nt_b.get(size_t(hd));
    std::copy(S.x, S.x + d, xr);

    PhaseWalker W(P.counters.data(), int(task));
    // One thread (the first to start) times the phases: the barriers make its view the wall time.
    const bool timing = profiling && timer.exchange(1) == 0;
    auto last = Clock::now();
    double attn_s = 0;  // attention inside the qkv phase (by the timing thread), moved to K_ATTN
    auto mark = [&](Kind kind) {
      if (timing) {
        const auto now = Clock::now();
        spent[kind] += std::chrono::duration<double>(now - last).count();
        last = now;
      }
    };
    // A phase, then private work; `next` (and its layer) is the phase after it, whose first
    // piece this thread warms while it waits (K_KINDS: none).
    auto phase = [&](Kind kind, const Pieces& pcs, auto&& body, Kind next, int64_t next_li) {
      const int64_t n = int64_t(pcs.v.size());
      if (next == K_KINDS) {
        W.run(n, pcs.split, body);
      } else {
        const Layer& NY = P.layer[size_t(S.l0 + std::min(next_li, L - 1))];
        const Pieces& np = next == K_QKV ? P.qkv : next == K_O ? P.o : next == K_GATE_UP ? P.gate_up : next == K_DOWN ? P.down : P.head;
        W.run(n, pcs.split, body, int64_t(np.v.size()), np.split, [&](int64_t t, int64_t step) { return warm(P, next, NY, t, step); });
      }
      mark(kind);
    };

    for (int64_t li = 0; li < L; li++) {
      const Layer& Y = P.layer[size_t(S.l0 + li)];
      float* kc = S.kc[size_t(li)];
      float* vc = S.vc[size_t(li)];
      float* qr = qr_of(li);
      float* z = z_of(li);
      float* ao = ao_of(li);
      float* act = act_of(li);
      float* mo = mo_of(li);
      // Residual add of the previous layer's MLP output, norm, x prepared (every thread, own copy).
      if (li > 0) add(xr, mo_of(li - 1), d);
      norm(P, xr, Y.in_norm, 1, d, h, rstd);
      prep(K, h, d, Y.q.dt, xp);
      mark(K_NORM);
      // q/k/v rows a few heads at a time; each piece finishes its heads: q and k norms, RoPE, the
      // new key and value written straight into their cache rows.
      phase(K_QKV, P.qkv, [&](int64_t t) {
        const Piece& pc = P.qkv.v[size_t(t)];
        const int64_t head = pc.j0 / hd, g = pc.w == 0 ? head / G : head;
        if (pc.w == 2) {
          rows(K, xp, Y.v, Y.vb, d, pc.j0, pc.j1, vc + S.len * kn);
        } else {
          const bool isq = pc.w == 0;
          rows(K, xp, isq ? Y.q : Y.k, isq ? Y.qb : Y.kb, d, pc.j0, pc.j1, qt);
          const Param& hn = isq ? Y.q_norm : Y.k_norm;
          const float* src = qt + pc.j0;
          if (hn.p) {
            norm(P, src, hn, 1, hd, nt, rstd);
            src = nt;
          }
          float* dst = (isq ? qr : kc + S.len * kn) + pc.j0;
          if (Y.inv_freq) rope_tokens_isa(src, 1, hd, Y.rd, &S.pos, Y.inv_freq, dst, cs);
          else std::memcpy(dst, src, sizeof(float) * size_t(hd));
        }
        // acq_rel: the piece that completes the group sees every other piece's writes.
        if (P.groups[size_t(li * hkv + g)].v.fetch_add(1, std::memory_order_acq_rel) + 1 == uint64_t(G + 2)) {
          const auto t0 = timing ? Clock::now() : Clock::time_point{};
          attention_decode_kvhead(qr, kc, vc, S.len + 1, P.hq, hkv, hd, P.scale, Y.window, g, z);
          if (timing) attn_s += std::chrono::duration<double>(Clock::now() - t0).count();
        }
      }, K_O, li);
      prep(K, z, qn, Y.o.dt, zp);
      mark(K_PREP);
      phase(K_O, P.o, [&](int64_t t) {
        const Piece& pc = P.o.v[size_t(t)];
        rows(K, zp, Y.o, Y.ob, qn, pc.j0, pc.j1, ao);
      }, K_GATE_UP, li);
      add(xr, ao, d);
      norm(P, xr, Y.mlp_norm, 1, d, h, rstd);
      prep(K, h, d, Y.gate.dt, xp);
      mark(K_NORM);
      phase(K_GATE_UP, P.gate_up, [&](int64_t t) {
        const Piece& pc = P.gate_up.v[size_t(t)];
        const int64_t n = pc.j1 - pc.j0;
        // The gate rows continue the stream of this thread's previous piece; the up rows start a
        // second one, whose first lines are fetched while the gate rows run.
        prefetch_head(row_span(Y.up, d, pc.j0, pc.j1), 8192);
        rows(K, xp, Y.gate, Y.gate_b, d, pc.j0, pc.j1, gt);
        rows(K, xp, Y.up, Y.up_b, d, pc.j0, pc.j1, ut);
        unary_range_isa(P.act, gt + pc.j0, n, gt + pc.j0);
        for (int64_t j = pc.j0; j < pc.j1; j++) act[j] = gt[j] * ut[j];
      }, K_DOWN, li);
      prep(K, act, inter, Y.down.dt, actp);
      mark(K_PREP);
      phase(K_DOWN, P.down, [&](int64_t t) {
        const Piece& pc = P.down.v[size_t(t)];
        rows(K, actp, Y.down, Y.down_b, inter, pc.j0, pc.j1, mo);
      }, li + 1 < L ? K_QKV : S.logits ? K_HEAD : K_KINDS, li + 1);
    }
    add(xr, mo_of(L - 1), d);
    if (S.logits) {
      norm(P, xr, P.final_norm, 1, d, h, rstd);
      prep(K, h, d, P.lm_head.dt, xp);
      mark(K_NORM);
      phase(K_HEAD, P.head, [&](int64_t t) {
        const Piece& pc = P.head.v[size_t(t)];
        rows(K, xp, P.lm_head, Param{}, d, pc.j0, pc.j1, S.logits);
      }, K_KINDS, 0);
    }
    // The residual stream goes back once, by whichever thread claims it (every copy is equal).
    W.run(1, 1, [&](int64_t) { std::copy(xr, xr + d, S.x); });
    if (timing) {
      spent[K_QKV] -= attn_s;
      spent[K_ATTN] += attn_s;
    }
  };
  parallel_for(T, job);
  if (adapt) record(P.choice, which, std::chrono::duration<double>(Clock::now() - started).count() / double(weights));
  if (profiling) {
    for (int i = 0; i < K_KINDS; i++) g_profile[i] += spent[i];
    g_profile[K_KINDS] += 1;
  }
}

}  // namespace decode
}  // namespace st
