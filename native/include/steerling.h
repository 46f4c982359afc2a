/* steerling native CPU backend: every kernel the addon exposes, as plain C.
 *
 * The kernels live in native/src (C++ inside, C linkage here); native/napi turns each into the
 * N-API function named in brackets, checking JS argument types and lengths first. A kernel trusts
 * its arguments: shapes are given explicitly, buffers are caller-owned, row-major and at least
 * as long as the shapes say, outputs are written (never allocated) by the kernel. An allocation
 * failure for scratch memory throws std::bad_alloc through the C++ caller.
 *
 * Types: all math is f32. Parameters and weights may be stored as f32, bf16 or f16 (st_dtype);
 * half types are uint16_t bit patterns, widened on load.
 * Instruction sets: each kernel picks its AVX-512, AVX2 or portable code at run time, the best
 * the CPU has unless STEERLING_ISA (generic, avx2) or st_force_isa / st_force_gemm_isa says lower.
 * Threading: kernels run on one shared pool (st_set_num_threads) and return when done. Row-wise
 * and elementwise kernels split rows (or flat ranges) over the pool above st_parallel_work();
 * products and attention split their own tasks. One caller at a time: not re-entrant.
 */
#ifndef STEERLING_H
#define STEERLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Storage types of parameters and weights (the JS dtype codes). */
typedef enum st_dtype { ST_F32 = 0, ST_BF16 = 1, ST_F16 = 2 } st_dtype;

/* ---- machine, pool, instruction sets ------------------------------------------------------ */

typedef struct st_cpu_features {
  bool avx2, fma, f16c, avx512f; /* as detected, less what STEERLING_ISA turns off */
} st_cpu_features;

/* [cpuInfo] The CPU's vector features, detected once. */
st_cpu_features st_cpu(void);
/* [getThreads] Threads of the pool (the caller included): all cores, or STEERLING_THREADS. */
int st_num_threads(void);
/* [setThreads] Resizes the pool to n threads. */
void st_set_num_threads(int n);
/* [rowopsIsa] Instruction set of the row-wise, elementwise and attention kernels: "generic", "avx2", "avx512". */
const char* st_isa(void);
/* [rowopsIsa(name)] Forces "generic" | "avx2" | "avx512", or "auto" (the best): 0, -1 unknown name, -2 unsupported here. */
int st_force_isa(const char* name);
/* [gemmIsa] The GEMM kit in use: "generic", "avx2" or "avx512". */
const char* st_gemm_isa(void);
/* [gemmIsa(name)] Forces the GEMM kit as st_force_isa does (same codes). */
int st_force_gemm_isa(const char* name);
/* [rowopsParallelWork] Work (≈ f32 ops) below which row-wise and elementwise kernels stay on the calling thread. */
double st_parallel_work(void);
void st_set_parallel_work(double units);
/* [streamReadGbs] Read bandwidth of all pool threads summing a fresh `bytes` buffer, best of reps passes, GB/s. */
double st_stream_read_gbs(int64_t bytes, int reps);
/* [adviseHugePages] Advises the kernel to back the whole 2 MiB pages inside [p, p + bytes) with
 * transparent huge pages (call before first touching them); returns the bytes advised (0: none,
 * not Linux, or STEERLING_HUGEPAGES=0). */
int64_t st_advise_huge_pages(void* p, int64_t bytes);

/* ---- products ----------------------------------------------------------------------------- */

/* [matmul] out[b] (m×n) = op(A[b]) · op(B[b]) for b < batch; A f32 m×k ([k, m] if trans_a), B of
 * b_dtype k×n ([n, k] if trans_b); batch strides in elements. Goto/BLIS blocking, threads over C
 * strips (or over k when C is small); m = 1 or n = 1 is a matrix–vector product. */
void st_matmul(const float* a, const void* b, st_dtype b_dtype, float* out, int64_t batch, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
               int64_t a_batch_stride, int64_t b_batch_stride);

/* One weight of st_linear_many: out [m, n] = x · wᵀ, w [n, k] of dtype. */
typedef struct st_linear_out {
  const void* w;
  int dtype; /* st_dtype */
  int64_t n;
  float* out;
} st_linear_out;

/* [matmulMany] outs[i].out = x [m, k] · outs[i].wᵀ for i < count (q/k/v or gate/up sharing x):
 * one pool job over all the weights' rows when x has few rows. */
void st_linear_many(const float* x, int64_t m, int64_t k, const st_linear_out* outs, int count);

/* ---- attention ---------------------------------------------------------------------------- */

/* Shapes of one attention call: q [batch, tq, hq, d], k [batch, tk, hkv, d], v [batch, tk, hkv, dv]
 * (hq a multiple of hkv: grouped-query attention). Query i sees keys j ≤ i + q_offset when causal,
 * and j > i + q_offset − window when window > 0; softcap > 0 maps scores s to softcap·tanh(s/softcap). */
typedef struct st_attention_dims {
  int64_t batch, tq, tk, hq, hkv, d, dv;
  float scale, softcap;
  bool causal;
  int64_t q_offset, window;
} st_attention_dims;

/* [attentionForwardF32] out [batch, tq, hq, dv] = softmax(scale·q·kᵀ + mask)·v and lse [batch, hq, tq]
 * (−∞ and zeros for rows that see nothing). mask: null or [mask_batch (1 or batch), tq, tk], added.
 * FlashAttention tiles (64 keys); tasks over (batch, kv head, query block), the keys split too for decode. */
void st_attention_forward_f32(const float* q, const float* k, const float* v, const float* mask, int64_t mask_batch, const st_attention_dims* dims, float* out,
                              float* lse);
/* [attentionBackwardF32] dq, dk, dv (shaped as q, k, v) from out, lse and the output gradient g_out
 * (FlashAttention-2: probabilities recomputed from lse). Tasks over (batch, kv head, key split). */
void st_attention_backward_f32(const float* q, const float* k, const float* v, const float* mask, int64_t mask_batch, const st_attention_dims* dims,
                               const float* out, const float* lse, const float* g_out, float* dq, float* dk, float* dv);

/* ---- row-wise kernels: [rows, cols] row-major; rows split over the pool -------------------- */

/* [rmsnorm] y = x·rstd·(w + weight_offset) per row, rstd [rows] = 1/√(mean x² + eps); w: null (1) or [cols] of w_dtype. */
void st_rmsnorm(const float* x, const void* w, st_dtype w_dtype, int64_t rows, int64_t cols, double eps, float weight_offset, float* y, float* rstd);
/* [rmsnormBackward] dx from g and the forward's rstd; dw (null to skip; zeroed by the caller) += Σ_rows g·x·rstd. */
void st_rmsnorm_backward(const float* x, const void* w, st_dtype w_dtype, const float* g, const float* rstd, int64_t rows, int64_t cols,
                         float weight_offset, float* dx, float* dw);
/* [layernorm] y = (x − mean)·rstd·w + b per row, mean and rstd [rows]; w, b: null or [cols] of w_dtype. */
void st_layernorm(const float* x, const void* w, const void* b, st_dtype w_dtype, int64_t rows, int64_t cols, double eps, float* y, float* mean,
                  float* rstd);
/* [layernormBackward] dx; dw and db (zeroed by the caller) += their per-column sums. */
void st_layernorm_backward(const float* x, const void* w, st_dtype w_dtype, const float* g, const float* mean, const float* rstd, int64_t rows,
                           int64_t cols, float* dx, float* dw, float* db);
/* [rope] Rotary embedding of x [batch, t, heads, d] on its first rotary_dim features (rotate-half pairs);
 * positions [batch·t], inv_freq [rotary_dim / 2] (f64); inverse rotates back. Tokens split over the pool. */
void st_rope(const float* x, int64_t batch, int64_t t, int64_t heads, int64_t d, int64_t rotary_dim, const int32_t* positions, const double* inv_freq,
             bool inverse, float* out);
/* [gather] out [n, cols] = table rows ids[i] (table [rows, cols] of dtype, widened); ids in [0, rows). */
void st_gather(const void* table, st_dtype dtype, int64_t rows, int64_t cols, const int32_t* ids, int64_t n, float* out);
/* [scatterAdd] out [rows, cols] (zeroed by the caller) += row i of g [n, cols] at ids[i]; threads own column strips. */
void st_scatter_add(const float* g, const int32_t* ids, int64_t n, int64_t rows, int64_t cols, float* out);
/* [softmax] out = softmax(x) per row, or log-softmax when log. */
void st_softmax(const float* x, int64_t rows, int64_t cols, bool log, float* out);
/* [softmaxBackward] dx from the forward's output y and gradient g (log: y is the log-softmax). */
void st_softmax_backward(const float* y, const float* g, int64_t rows, int64_t cols, bool log, float* out);
/* [crossEntropy] loss [rows] = lse − logits[target], lse [rows] kept for the backward; rows whose target is ignore_index get 0. */
void st_cross_entropy(const float* logits, const int32_t* targets, int64_t rows, int64_t vocab, int32_t ignore_index, float* loss, float* lse);
/* [crossEntropyBackward] out [rows, vocab] = g_row[r]·(softmax − onehot(target)); ignored rows get 0. */
void st_cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, const float* g_row, int64_t rows, int64_t vocab,
                               int32_t ignore_index, float* out);
/* [divergence] out [rows] = KL(P‖Q), or JSD(P, Q) when jsd, of the distributions softmax(p), softmax(q) (p, q: logits [rows, vocab]). */
void st_divergence(bool jsd, const float* p, const float* q, int64_t rows, int64_t vocab, float* out);
/* [divergenceBackward] dp, dq [rows, vocab] from the per-row gradient g_row. */
void st_divergence_backward(bool jsd, const float* p, const float* q, const float* g_row, int64_t rows, int64_t vocab, float* dp, float* dq);

/* ---- elementwise kernels: flat ranges split over the pool in pieces of 8192 ----------------- */

/* Binary op codes (the order of src/backend/native/rowops.ts). */
typedef enum st_binary_op { ST_ADD, ST_SUB, ST_MUL, ST_DIV, ST_MAXIMUM, ST_MINIMUM } st_binary_op;
/* Unary op codes; gelu is the tanh approximation, gelu_erf the exact one. */
typedef enum st_unary_op {
  ST_NEG, ST_EXP, ST_LOG, ST_SQRT, ST_RSQRT, ST_SQUARE, ST_ABS, ST_RECIP, ST_TANH, ST_SIGMOID, ST_RELU, ST_SILU, ST_GELU, ST_GELU_ERF
} st_unary_op;
/* How y of st_binary_rows lines up with x [rows, len]. */
typedef enum st_broadcast { ST_SAME = 0, ST_ROW = 1, ST_COL = 2 } st_broadcast; /* y [rows, len] | [len] repeated | [rows], one per row */

/* [binaryRows] out [rows, len] = op(x, y), or op(y, x) when swap, y broadcast by mode. */
void st_binary_rows(st_binary_op op, bool swap, const float* x, const float* y, st_broadcast mode, int64_t len, int64_t rows, float* out);
/* [unary] out[i] = op(x[i]) for i < n. */
void st_unary(st_unary_op op, const float* x, int64_t n, float* out);
/* [unaryBackward] out[i] = g[i]·op'(x[i]), y = op(x) from the forward. */
void st_unary_backward(st_unary_op op, const float* x, const float* y, const float* g, int64_t n, float* out);
/* [affine] out[i] = x[i]·scale + shift. */
void st_affine(const float* x, int64_t n, float scale, float shift, float* out);
/* [gatedLinear] out [m, n] = act(x·wgᵀ) ⊙ (x·wuᵀ), wg and wu [n, k]: a gated MLP's hidden activation, with
 * the same bits as st_linear_many, st_unary and st_binary_rows in turn. */
void st_gated_linear(const float* x, const void* wg, st_dtype g_dtype, const void* wu, st_dtype u_dtype, int64_t m, int64_t k, int64_t n, st_unary_op act,
                     float* out);

/* ---- fused decode step (llama-family decoder layers, one sequence, KV cache) ---------------- */

/* Per-layer weight slots, in this order, ST_DECODE_SLOTS per layer ([rows, cols]; D = d, Q = heads·head_dim,
 * K = kv_heads·head_dim, H = head_dim, I = intermediate; starred ones may be absent):
 * input norm* [D], q [Q, D], q bias* [Q], k [K, D], k bias* [K], v [K, D], v bias* [K], o [D, Q], o bias* [D],
 * q norm* [H], k norm* [H], MLP norm* [D], gate [I, D], gate bias* [I], up [I, D], up bias* [I], down [D, I], down bias* [D];
 * after the last layer: final norm* [D], lm_head* [vocab, D]. q, k, v (and gate, up) share a dtype. */
enum { ST_DECODE_SLOTS = 18 };
/* Phases of st_decode_profile: norm, qkv, attention, prepare, o, gate_up, down, head. */
enum { ST_DECODE_PHASES = 8 };

typedef struct st_param {
  const void* data; /* null: absent */
  int dtype;        /* st_dtype */
  int64_t count;    /* elements, checked against the slot's shape */
} st_param;

typedef struct st_decode_spec {
  int64_t d, heads, kv_heads, head_dim, intermediate, layers, vocab;
  double eps;
  float norm_offset, attn_scale;
  int act; /* st_unary_op of the MLP */
} st_decode_spec;

typedef struct st_decode_plan st_decode_plan;

/* [decodePlan] A plan over params (ST_DECODE_SLOTS per layer, then 2); per layer inv_freq (null: no RoPE)
 * of rope_pairs[l] entries and a sliding window (0: none). The plan keeps the pointers: the weights
 * must outlive it. Null on bad input, with a one-line reason in err (err_len bytes). */
st_decode_plan* st_decode_plan_new(const st_decode_spec* spec, const st_param* params, const double* const* inv_freq, const int64_t* rope_pairs,
                                   const int64_t* windows, char* err, size_t err_len);
void st_decode_plan_free(st_decode_plan* plan);
/* The spec a plan was built with, and whether it has an LM head (logits possible). */
const st_decode_spec* st_decode_plan_spec(const st_decode_plan* plan);
bool st_decode_plan_has_head(const st_decode_plan* plan);
/* The name of parameter slot i of a layer (i < ST_DECODE_SLOTS), then "final norm" and "lm_head", for messages. */
const char* st_decode_slot_name(int slot);
/* [decodeStep] One token through layers [l0, l1): x [d] updated in place; its keys and values go to row len of
 * k_cache[i], v_cache[i] ([≥ len + 1, kv_heads, head_dim] per layer) and attention reads rows [0, len]; pos is
 * its rotary position; logits [vocab] (null: none; needs l1 = layers) get the final norm and LM head.
 * One pool job walking phase barriers. Returns the threads that shared it; -1 if the plan is busy. */
int st_decode_step(st_decode_plan* plan, float* x, int64_t l0, int64_t l1, float* const* k_cache, float* const* v_cache, int32_t pos, int64_t len,
                   float* logits);
/* [decodeProfile] Seconds per phase of the steps since the last call, and the step count in out[ST_DECODE_PHASES]. */
void st_decode_profile(double out[ST_DECODE_PHASES + 1]);
void st_decode_set_profiling(bool on);
/* [argmaxF32] The first index of the largest value of x [n > 0], NaN never winning (a NaN at 0 keeps 0). */
int64_t st_argmax_f32(const float* x, int64_t n);

#ifdef __cplusplus
}
#endif

#endif /* STEERLING_H */
