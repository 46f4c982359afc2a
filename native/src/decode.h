// A fused decode step: the whole per-token work of a run of llama-family decoder layers (and
// optionally the final norm and LM head) for one sequence, in one call (st_decode_step) and one pool job.
// Built for generation with a KV cache, where op-by-op execution pays a pool wake-up and a JS
// round trip per small matrix–vector product; see decode_step.cc for the schedule.
//
// A Plan holds raw pointers into the model's weight arrays (JS keeps those alive: see
// src/models/fused-decode.ts) plus the scratch a step needs; it is built once per model.
#pragma once
#include <cstdint>
#include <vector>

#include "floatbuf.h"
#include "phases.h"

namespace st {
namespace decode {

// A parameter array: data and dtype code (0 f32, 1 bf16, 2 f16); p == nullptr when absent.
struct Param {
  const void* p = nullptr;
  int dt = 0;
};

struct Layer {
  Param in_norm, q, qb, k, kb, v, vb, o, ob, q_norm, k_norm, mlp_norm, gate, gate_b, up, up_b, down, down_b;
  const double* inv_freq = nullptr;  // rotary frequencies, rd/2 of them (null: no RoPE)
  int64_t rd = 0;                    // rotary dimension
  int64_t window = 0;                // sliding window (0 = full attention)
};

// A run of rows of one weight matrix: one chunk of a matrix–vector phase.
struct Piece {
  int w;  // which matrix of the phase (q = 0, k = 1, v = 2 for the q/k/v phase)
  int64_t j0, j1;
};

// A phase's pieces, and where the second thread's range starts (phases.h).
struct Pieces {
  std::vector<Piece> v;
  int64_t split = 0;
};

struct Plan {
  int64_t d = 0, hq = 0, hkv = 0, hd = 0, inter = 0, layers = 0, vocab = 0;
  double eps = 0;
  float norm_off = 0, scale = 0;
  int act = 0;  // unary() op code of the MLP activation
  std::vector<Layer> layer;
  Param final_norm, lm_head;
  // Chunks of the matrix–vector phases, fixed by the shapes and the thread count.
  Pieces qkv, o, gate_up, down, head;
  int threads = 0;
  // The thread count's choice on a busy machine (decode_step.cc): a moving average of the seconds
  // per weight of steps run on one thread ([0]) and on the whole pool ([1]), and steps since the
  // slower one last ran.
  struct Choice {
    double per_weight[2] = {0, 0};
    int64_t since_other = 0;
  } choice;
  // The products' outputs, shared by the threads of a step: one set per layer (each phase writes
  // disjoint parts; see decode_step.cc). Each thread's own scratch is thread_local there.
  FloatBuf shared;
  std::vector<PhaseCounter> counters;
  std::vector<AtomicLine> groups;  // per layer and kv group: heads finished
  bool busy = false;
};

// One step: x [d] is the residual stream entering layer l0, updated in place to leave layer
// l1 − 1; keys/values of the new token go to row `len` of each layer's cache ([capacity, hkv,
// hd], f32) and attention reads rows [0, len]; pos is the token's rotary position. When logits
// is not null the final norm and LM head follow (l1 must be the last layer).
struct Step {
  float* x;
  int64_t l0, l1;
  std::vector<float*> kc, vc;  // one per layer of [l0, l1)
  int32_t pos;
  int64_t len;
  float* logits;
};

void run_step(Plan& plan, const Step& step);

// Per-phase wall time of the steps run while profiling is on (seconds, by phase kind), as seen by
// one thread: each product phase up to its barrier, the private work after it as K_NORM or K_PREP,
// and the attention that thread ran inside the qkv phase as K_ATTN.
enum Kind : int { K_NORM, K_QKV, K_ATTN, K_PREP, K_O, K_GATE_UP, K_DOWN, K_HEAD, K_KINDS };
void set_profiling(bool on);
void profile(double out[K_KINDS + 1]);  // and the number of steps in out[K_KINDS]; resets

}  // namespace decode
}  // namespace st
