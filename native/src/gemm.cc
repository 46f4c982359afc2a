// GEMM driver: out[b] = op(A[b]) · op(B[b]) for f32 A and f32/bf16/f16 B, row-major, into an f32
// output allocated by JS. The loops follow Goto/BLIS: for each NC-wide column panel and KC-deep
// slice of k, B is packed into NR-wide micro-panels (widening half types), A into MR-high
// micro-panels, and a register-blocked micro-kernel from the ISA kit (gemm.h) computes each
// MR×NR tile of C. Special cases: m = 1 or n = 1 is a matrix–vector product (bandwidth-bound,
// no packing); x·Wᵀ with few rows of x, m = 1 included (decode), takes the kit's dot path (no
// packing of W, prefetched, see gemm_dot.h); small problems run on the calling thread only.
// linear_many runs several x·Wᵀ sharing x as one pool job.
//
// Threading: big products pack A once into a buffer shared by all threads, then split C into a
// grid of independent row × column strips, handed out dynamically so a core slowed by other work
// takes fewer. Each strip packs its own B columns. Small outputs with a long k are split over k
// instead (partial products summed at the end); batches of small matrices run one per task.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common.h"
#include "cpu.h"
#include "floatbuf.h"
#include "gemm.h"
#include "threadpool.h"

namespace st {
namespace gemm {
namespace {

// ---- kit selection -------------------------------------------------------------------------

const Kit* g_forced = nullptr;  // set by gemmIsa() (tests and benchmarks); null = best available

// The AVX-512 kit also uses the BW, VL and DQ extensions (masked 16-bit loads, among others),
// which every AVX-512 CPU since Skylake-SP has but the first (Xeon Phi) ones lack.
bool avx512_extensions() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

bool kit_supported(const std::string& name) {
  const auto& f = st::cpu();
  if (name == "generic") return true;
  if (name == "avx2") return f.avx2 && f.fma && f.f16c;
  if (name == "avx512") return f.avx512f && f.fma && f.f16c && avx512_extensions();
  return false;
}

const Kit& kit_by_name(const std::string& name) {
  if (name == "avx512") return kit_avx512();
  if (name == "avx2") return kit_avx2();
  return kit_generic();
}

const Kit& active_kit() {
  if (g_forced) return *g_forced;
  static const Kit* best = kit_supported("avx512") ? &kit_avx512() : kit_supported("avx2") ? &kit_avx2() : &kit_generic();
  return *best;
}

// ---- scratch memory ------------------------------------------------------------------------

// Packing buffers are thread-local so pool workers keep theirs between calls.
using Buf = FloatBuf;
thread_local Buf tls_a, tls_b, tls_x;
thread_local Buf tls_shared;  // the calling thread's packed A, read by every pool thread

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// ---- one product -----------------------------------------------------------------------------

struct Problem {
  int64_t m, n, k;
  const float* a;
  bool ta;
  int64_t lda;
  const void* b;
  int bdt;
  bool tb;
  int64_t ldb;
  float* c;  // row stride n
};

const void* b_offset(const void* b, int dtype, int64_t off) {
  return dtype == F32 ? static_cast<const void*>(static_cast<const float*>(b) + off)
                      : static_cast<const void*>(static_cast<const uint16_t*>(b) + off);
}

// One MR×NR tile, or a partial one at the right/bottom edge through a scratch tile.
inline void tile(const Kit& K, int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t mr, int64_t nr, bool acc) {
  if (mr == K.mr && nr == K.nr) {
    K.ukr(kc, ap, bp, c, ldc, acc);
    return;
  }
  alignas(64) float t[16 * 64];
  K.ukr(kc, ap, bp, t, K.nr, false);
  for (int64_t i = 0; i < mr; i++)
    for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = acc ? c[i * ldc + j] + t[i * K.nr + j] : t[i * K.nr + j];
}

// The Goto loops for C[i0:i1, j0:j1]. With `packed_a`, A is already packed for all rows in
// `mpad` rows per KC slice (layout of pack_a over rows [0, m) at offset pc·mpad); i0 must then be
// a multiple of MR. Otherwise A is packed here, block by block, into thread-local memory.
void run_block(const Kit& K, const Problem& P, int64_t i0, int64_t i1, int64_t j0, int64_t j1, const float* packed_a, int64_t mpad) {
  const int64_t MR = K.mr, NR = K.nr;
  const int64_t MC = std::max<int64_t>(MR, K.mc / MR * MR);
  const int64_t KC = std::min<int64_t>(K.kc, P.k);
  const int64_t NC = std::max<int64_t>(NR, K.nc / NR * NR);
  float* bbuf = tls_b.get(KC * round_up(std::min(NC, j1 - j0), NR));
  float* abuf = packed_a ? nullptr : tls_a.get(KC * round_up(std::min(MC, i1 - i0), MR));
  for (int64_t jc = j0; jc < j1; jc += NC) {
    const int64_t nc = std::min(NC, j1 - jc);
    for (int64_t pc = 0; pc < P.k; pc += KC) {
      const int64_t kc = std::min(KC, P.k - pc);
      const bool acc = pc > 0;
      K.pack_b(P.b, P.bdt, P.tb, P.ldb, pc, kc, jc, nc, bbuf);
      for (int64_t ic = i0; ic < i1; ic += MC) {
        const int64_t mc = std::min(MC, i1 - ic);
        const float* ap;
        if (packed_a) {
          ap = packed_a + pc * mpad + ic * kc;
        } else {
          K.pack_a(P.a, P.ta, P.lda, ic, mc, pc, kc, abuf);
          ap = abuf;
        }
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = std::min(NR, nc - jr);
          const float* bp = bbuf + jr * kc;
          float* cj = P.c + jc + jr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            tile(K, kc, ap + ir * kc, bp, cj + (ic + ir) * P.n, P.n, std::min(MR, mc - ir), nr, acc);
          }
        }
      }
    }
  }
}

// Matrix–vector products (m = 1, or n = 1 by symmetry); rows [j0, j1) of the output vector.
// Returns false when the product is not one.
struct Gemv {
  bool trans;      // W is [len, k] (dot products) instead of [k, len] (axpy strips)
  const float* x;  // k floats
  const void* w;
  int wdt;
  int64_t k, len;
  float* y;
};

void run_gemv(const Kit& K, const Gemv& g, int64_t j0, int64_t j1) {
  if (g.trans) K.gemv_t(g.x, g.w, g.wdt, g.k, j0, j1, g.y);
  else K.gemv_n(g.x, g.w, g.wdt, g.k, g.len, j0, j1, g.y);
}

// Builds the matrix–vector view of P if m == 1 or n == 1. For n == 1 the vector is B's column,
// widened into `xbuf` when B is half precision, and A plays the weight matrix.
bool as_gemv(const Kit& K, const Problem& P, Buf& xbuf, Gemv& g) {
  // x·Wᵀ with one row goes to the kit's dot path when it has one (it prefetches W; see gemm_dot.h).
  if (P.m == 1 && !(P.tb && K.dot_max_m > 0)) {
    g = {P.tb, P.a, P.b, P.bdt, P.k, P.n, P.c};
    return true;
  }
  if (P.n == 1) {
    const float* x;
    if (P.bdt == F32) {
      x = static_cast<const float*>(P.b);  // B(p, 0) is b[p] in either layout
    } else {
      float* t = xbuf.get(P.k);
      const auto* h = static_cast<const uint16_t*>(P.b);
      for (int64_t p = 0; p < P.k; p++) t[p] = P.bdt == BF16 ? bf16_to_f32(h[p]) : f16_to_f32(h[p]);
      x = t;
    }
    g = {!P.ta, x, P.a, F32, P.k, P.m, P.c};
    return true;
  }
  return false;
}

// Below these sizes a product runs on the calling thread: waking the pool costs several
// microseconds, about what 2^20 multiply-adds take on one core. Matrix–vector products are
// bandwidth-bound and gain from a second core's memory traffic sooner.
constexpr int64_t kParallelMin = 1 << 20;      // m·n·k
constexpr int64_t kParallelGemvMin = 1 << 17;  // elements of the matrix

bool use_dot(const Kit& K, const Problem& P) { return P.tb && P.m <= K.dot_max_m; }

// The kit's dot path (x·Wᵀ with few rows): prepare A once, then split W's rows over tasks.
void run_dot(const Kit& K, const Problem& P, Buf& abuf, bool parallel) {
  float* ap = abuf.get(K.dot_size(P.m, P.k));
  K.dot_prep(P.a, P.ta, P.lda, P.m, P.k, P.bdt, ap);
  if (!parallel) {
    K.dot_t(ap, P.m, P.b, P.bdt, P.k, 0, P.n, P.c, P.n);
    return;
  }
  const int64_t chunk = round_up(std::max<int64_t>(32, ceil_div(P.n, 4 * int64_t(num_threads()))), 16);
  parallel_for(ceil_div(P.n, chunk), [&](int64_t t) {
    K.dot_t(ap, P.m, P.b, P.bdt, P.k, t * chunk, std::min(P.n, (t + 1) * chunk), P.c, P.n);
  });
}

void gemm_serial(const Kit& K, const Problem& P) {
  Gemv g;
  if (as_gemv(K, P, tls_x, g)) {
    run_gemv(K, g, 0, g.len);
    return;
  }
  if (use_dot(K, P)) {
    run_dot(K, P, tls_a, false);
    return;
  }
  run_block(K, P, 0, P.m, 0, P.n, nullptr, 0);
}

// Picks mt × nt ≈ tasks strips for an m×n output, at most max_mt row and max_nt column strips,
// minimising the operand traffic nt·m + mt·n (each task re-reads its rows of packed A and packs
// its own columns of B).
std::pair<int64_t, int64_t> tile_grid(int64_t tasks, int64_t m, int64_t n, int64_t max_mt, int64_t max_nt) {
  std::pair<int64_t, int64_t> best{1, std::min(tasks, max_nt)};
  double best_cost = -1;
  for (int64_t mt = 1; mt <= std::min(tasks, max_mt); mt++) {
    const int64_t nt = std::min(ceil_div(tasks, mt), max_nt);
    // Too few tasks to keep every thread busy counts as very expensive.
    const double cost = double(nt) * double(m) + double(mt) * double(n) + (mt * nt < tasks / 2 ? 1e18 / double(mt * nt) : 0.0);
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = {mt, nt};
    }
  }
  return best;
}

// Small output, long k (a weight gradient xᵀ·g, say): the output grid alone cannot keep the
// threads busy, so split k instead. Each task multiplies one KC-aligned slice of k into its own
// m×n buffer; the buffers are then summed into C, rows spread over the threads.
bool try_split_k(const Kit& K, const Problem& P, int T) {
  const int64_t KC = K.kc;
  const int64_t row_tasks = P.m / 64, col_tasks = ceil_div(P.n, K.nr) / 4;
  if (std::max<int64_t>(1, row_tasks) * std::max<int64_t>(1, col_tasks) >= 2 * int64_t(T)) return false;
  const int64_t splits = std::min<int64_t>(4 * int64_t(T), P.k / (2 * KC));
  if (splits < 2 || P.m * P.n > (int64_t(1) << 20)) return false;
  const int64_t per = ceil_div(ceil_div(P.k, splits), KC) * KC;  // k per split, KC-aligned
  const int64_t ns = ceil_div(P.k, per), mn = P.m * P.n;
  float* parts = tls_shared.get(size_t(ns * mn));
  const size_t esz = P.bdt == F32 ? 4 : 2;
  parallel_for(ns, [&](int64_t s) {
    const int64_t k0 = s * per;
    Problem Q = P;
    Q.k = std::min(per, P.k - k0);
    Q.a = P.a + (P.ta ? k0 * P.lda : k0);
    Q.b = static_cast<const char*>(P.b) + size_t(P.tb ? k0 : k0 * P.ldb) * esz;
    Q.c = parts + s * mn;
    run_block(K, Q, 0, Q.m, 0, Q.n, nullptr, 0);
  });
  const int64_t rows = std::max<int64_t>(1, ceil_div(P.m, 4 * int64_t(T)));
  parallel_for(ceil_div(P.m, rows), [&](int64_t t) {
    const int64_t e0 = t * rows * P.n, e1 = std::min(P.m, (t + 1) * rows) * P.n;
    for (int64_t e = e0; e < e1; e++) {
      float v = parts[e];
      for (int64_t s = 1; s < ns; s++) v += parts[s * mn + e];
      P.c[e] = v;
    }
  });
  return true;
}

void gemm_parallel(const Kit& K, const Problem& P) {
  const int T = num_threads();
  Gemv g;
  const bool gemv = as_gemv(K, P, tls_x, g);
  // Decode-sized x·Wᵀ on the dot path is as bandwidth-bound as a matrix–vector product.
  const bool streaming = gemv || (use_dot(K, P) && P.m <= 4);
  if (T == 1 || P.m * P.n * P.k < (streaming ? kParallelGemvMin * P.m : kParallelMin)) {
    if (gemv) run_gemv(K, g, 0, g.len);
    else gemm_serial(K, P);
    return;
  }
  if (gemv) {
    // Disjoint output strips, several per thread so a busy core does not hold the rest back.
    const int64_t align = 16;
    const int64_t chunk = round_up(std::max<int64_t>(64, ceil_div(g.len, 4 * T)), align);
    parallel_for(ceil_div(g.len, chunk), [&](int64_t t) { run_gemv(K, g, t * chunk, std::min(g.len, (t + 1) * chunk)); });
    return;
  }
  if (use_dot(K, P)) {
    run_dot(K, P, tls_shared, true);
    return;
  }
  const int64_t MR = K.mr, NR = K.nr;
  const int64_t MC = std::max<int64_t>(MR, K.mc / MR * MR);
  const int64_t KC = std::min<int64_t>(K.kc, P.k);
  if (try_split_k(K, P, T)) return;
  // Rows per super-block: keeps the shared packed A near 16 MiB however large m·k is.
  const int64_t ms_max = std::max<int64_t>(MC, (int64_t(4) << 20) / P.k / MC * MC);
  for (int64_t s0 = 0; s0 < P.m; s0 += ms_max) {
    const int64_t ms = std::min(ms_max, P.m - s0);
    const int64_t mpad = round_up(ms, MR);
    float* pa = tls_shared.get(mpad * P.k);
    const int64_t nkb = ceil_div(P.k, KC), nmb = ceil_div(ms, MC), npack = nkb * nmb;
    // Task grid over C: mt row strips × nt column strips, about 4 tasks per thread (so a core
    // slowed by other work takes fewer). Each task streams the packed A of its rows (from L3) and
    // packs its own B columns, so the grid with the least traffic, nt·m + mt·n, wins.
    const int64_t npan = ceil_div(P.n, NR), mblk = ceil_div(ms, MR);
    const auto grid = tile_grid(4 * int64_t(T), ms, P.n, std::max<int64_t>(1, ms / 64), std::max<int64_t>(1, npan / 4));
    const int64_t mt = grid.first, nt = grid.second;
    Problem Q = P;
    Q.m = ms;
    Q.a = nullptr;  // A comes packed
    Q.c = P.c + s0 * P.n;
    // One pool job: the first npack tasks pack A (one per KC slice × MC row block), the rest
    // compute. The pool hands tasks out in order, so by the time a compute task starts every
    // packing task is running or done; it only waits for the last few to finish.
    std::atomic<int64_t> packed{0};
    parallel_for(npack + nt * mt, [&](int64_t task) {
      if (task < npack) {
        const int64_t pc = (task / nmb) * KC, ic = (task % nmb) * MC;
        const int64_t kc = std::min(KC, P.k - pc);
        K.pack_a(P.a, P.ta, P.lda, s0 + ic, std::min(MC, ms - ic), pc, kc, pa + pc * mpad + ic * kc);
        packed.fetch_add(1, std::memory_order_release);
        return;
      }
      for (int spins = 0; packed.load(std::memory_order_acquire) < npack; spins++) {
        if (spins > 64) std::this_thread::yield();
      }
      const int64_t t = task - npack;
      const int64_t ti = t / nt, tj = t % nt;
      const int64_t i0 = std::min(ms, (ti * mblk / mt) * MR), i1 = std::min(ms, ((ti + 1) * mblk / mt) * MR);
      const int64_t j0 = std::min(P.n, (tj * npan / nt) * NR), j1 = std::min(P.n, ((tj + 1) * npan / nt) * NR);
      if (i0 < i1 && j0 < j1) run_block(K, Q, i0, i1, j0, j1, pa, mpad);
    });
  }
}

}  // namespace

const Kit& current_kit() { return active_kit(); }

// out [batch, m, n] = op(A) · op(B) per batch; see gemm.h for the operand layouts.
void matmul(const float* a, const void* b, int bdt, float* out, int64_t batch, int64_t m, int64_t n, int64_t k, bool ta, bool tb,
            int64_t a_stride, int64_t b_stride) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k == 0) {
    std::fill(out, out + batch * m * n, 0.f);
    return;
  }
  const Kit& K = active_kit();
  auto problem = [&](int64_t bi) {
    return Problem{m, n, k, a + bi * a_stride, ta, ta ? m : k, b_offset(b, bdt, bi * b_stride), bdt, tb, tb ? k : n, out + bi * m * n};
  };
  const int T = num_threads();
  if (batch > 1 && T > 1 && m * n * k < (int64_t(1) << 21) && batch * m * n * k >= kParallelMin) {
    // Many small matrices (attention-shaped): one whole product per task.
    parallel_for(batch, [&](int64_t bi) { gemm_serial(K, problem(bi)); });
    return;
  }
  for (int64_t bi = 0; bi < batch; bi++) gemm_parallel(K, problem(bi));
}

void linear_many(const float* x, int64_t m, int64_t k, const LinearOut* outs, int count) {
  const Kit& K = active_kit();
  const int T = num_threads();
  bool same_dt = true;
  int64_t rows = 0;
  for (int i = 0; i < count; i++) {
    same_dt = same_dt && outs[i].dtype == outs[0].dtype;
    rows += outs[i].n;
  }
  // Decode-sized x on a kit with the dot path: prepare x once, then one job over every weight's
  // rows. Anything else (longer x, mixed weight types, the generic kit) is one product each.
  if (count == 0 || k == 0 || m > 4 || K.dot_max_m < m || !same_dt) {
    for (int i = 0; i < count; i++) matmul(x, outs[i].w, outs[i].dtype, outs[i].out, 1, m, outs[i].n, k, false, true, 0, 0);
    return;
  }
  float* ap = tls_shared.get(K.dot_size(m, k));
  K.dot_prep(x, false, k, m, k, outs[0].dtype, ap);
  struct Piece {
    int w;
    int64_t j0, j1;
  };
  std::vector<Piece> pieces;
  const bool parallel = T > 1 && rows * k >= kParallelGemvMin;
  for (int i = 0; i < count; i++) {
    const int64_t n = outs[i].n;
    // The chunking of run_dot(), so each weight splits as it would alone.
    const int64_t chunk = parallel ? round_up(std::max<int64_t>(32, ceil_div(n, 4 * int64_t(T))), 16) : std::max<int64_t>(n, 1);
    for (int64_t j = 0; j < n; j += chunk) {
      pieces.push_back({i, j, std::min(n, j + chunk)});
    }
  }
  auto run = [&](int64_t t) {
    const Piece& pc = pieces[size_t(t)];
    const LinearOut& o = outs[pc.w];
    K.dot_t(ap, m, o.w, o.dtype, k, pc.j0, pc.j1, o.out, o.n);
  };
  const int64_t np = int64_t(pieces.size());
  if (parallel) parallel_for(np, run);
  else
    for (int64_t t = 0; t < np; t++) run(t);
}

}  // namespace gemm
}  // namespace st

// ---- the C interface (steerling.h) ----------------------------------------------------------

void st_matmul(const float* a, const void* b, st_dtype b_dtype, float* out, int64_t batch, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
               int64_t a_batch_stride, int64_t b_batch_stride) {
  st::gemm::matmul(a, b, b_dtype, out, batch, m, n, k, trans_a, trans_b, a_batch_stride, b_batch_stride);
}

void st_linear_many(const float* x, int64_t m, int64_t k, const st_linear_out* outs, int count) {
  if (m <= 0) return;
  if (k == 0) {
    for (int i = 0; i < count; i++) std::fill(outs[i].out, outs[i].out + m * outs[i].n, 0.f);
    return;
  }
  st::gemm::linear_many(x, m, k, outs, count);
}

const char* st_gemm_isa(void) { return st::gemm::active_kit().name; }

// Lets tests cover every path on one machine, and benchmarks compare them.
int st_force_gemm_isa(const char* name) {
  const std::string s(name);
  if (s == "auto") {
    st::gemm::g_forced = nullptr;
    return 0;
  }
  if (s != "generic" && s != "avx2" && s != "avx512") return -1;
  if (!st::gemm::kit_supported(s)) return -2;
  st::gemm::g_forced = &st::gemm::kit_by_name(s);
  return 0;
}
