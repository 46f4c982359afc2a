// The kernel contract: every backend implements some of these; the registry falls back to the
// reference backend (the specification) for kernels a backend lacks, and for f64 data.
//
// Conventions: buffers are row-major and contiguous; shapes are passed explicitly; kernels never
// mutate their inputs and allocate their outputs with the float type of their first float input
// (`Float32Array` or `Float64Array`). Half-precision operands (`Uint16Array`) appear only where a
// `*Dtype` argument says how to read them (weights in matmul and gather).

import type { DType, FloatArray, Storage } from '../tensor/dtype.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'abs' | 'recip'
  | 'tanh' | 'sigmoid' | 'relu' | 'silu'
  | 'gelu'      // tanh approximation (GPT-2 "gelu_new", Gemma "gelu_pytorch_tanh")
  | 'gelu_erf'; // exact erf form ("gelu")

export interface MatmulArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored [k, m] per batch instead of [m, k]. */
  transA: boolean;
  /** B is stored [n, k] per batch instead of [k, n] (HF linear weights: x · Wᵀ). */
  transB: boolean;
  /** Element strides between batches (0 broadcasts one matrix to every batch). */
  aBatchStride: number;
  bBatchStride: number;
  /** How to read B: f32/f64 arrays, or bf16/f16 bits in a Uint16Array. */
  bDtype: DType;
}

/** Several x · Wᵢᵀ products sharing x [m, k]; weight i is [ns[i], k], read per bDtypes[i]. */
export interface LinearManyArgs {
  m: number;
  k: number;
  ns: readonly number[];
  bDtypes: readonly DType[];
}

/** gatedLinear: x [m, k]; gate and up weights [n, k], read per gDtype / uDtype. */
export interface GatedLinearArgs {
  m: number;
  k: number;
  n: number;
  gDtype: DType;
  uDtype: DType;
  act: UnaryOp;
}

export interface AttentionDims {
  batch: number;
  /** Query length and key length (keys include any cached prefix). */
  tq: number;
  tk: number;
  hq: number;
  hkv: number;
  d: number;
  /** Value head size (usually = d). */
  dv: number;
  scale: number;
  causal: boolean;
  /** Absolute position of query 0 minus position of key 0 (tk - tq when appending to a cache). */
  qOffset: number;
  /** Sliding window: a query at position p sees keys at positions > p - window (0 = no window). */
  window: number;
  /** Gemma-2 logit soft-capping: s ← cap·tanh(s/cap) before masking (0 = off). */
  softcap: number;
}

export interface Kernels {
  /** out[b] = op(A[b]) · op(B[b]) of shape [m, n]; out has A's float type. */
  matmul(a: FloatArray, b: Storage, args: MatmulArgs): FloatArray;
  /**
   * One output [m, ns[i]] per weight: the same values as matmul(x, ws[i], transB) each, computed
   * in one call (decode's q/k/v and gate/up projections read one x, and a backend can share the
   * work of starting threads and preparing x among them).
   */
  linearMany(x: FloatArray, ws: readonly Storage[], args: LinearManyArgs): FloatArray[];
  /**
   * A gated MLP's hidden activation act(x · Wgᵀ) ⊙ (x · Wuᵀ), [m, n], in one call: the values
   * of matmul, unary and binary mul in turn. Inference only (no backward: ops fall back to the
   * separate ops when recording gradients).
   */
  gatedLinear(x: FloatArray, wg: Storage, wu: Storage, args: GatedLinearArgs): FloatArray;

  /** Elementwise with NumPy broadcasting; aShape/bShape are already right-aligned to outShape's rank. */
  binary(op: BinaryOp, a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[], outShape: readonly number[]): FloatArray;
  unary(op: UnaryOp, x: FloatArray): FloatArray;
  /** dx = g · f'(x); y = f(x) is given because several derivatives are cheapest from it. */
  unaryBackward(op: UnaryOp, x: FloatArray, y: FloatArray, g: FloatArray): FloatArray;
  /** out = x·scale + shift elementwise. */
  affine(x: FloatArray, scale: number, shift: number): FloatArray;

  /** Reduces the middle axis of x viewed as [outer, dim, inner] → [outer, inner]. */
  reduce(op: 'sum' | 'max', x: FloatArray, outer: number, dim: number, inner: number): FloatArray;
  /** Gradient of max over the middle axis: g goes to the first arg-max, zero elsewhere. */
  reduceMaxBackward(x: FloatArray, g: FloatArray, outer: number, dim: number, inner: number): FloatArray;
  /** Repeats x (shape xShape, right-aligned to outShape's rank, with 1s where broadcast) to outShape. */
  expand(x: FloatArray, xShape: readonly number[], outShape: readonly number[]): FloatArray;

  transpose(x: Storage, shape: readonly number[], perm: readonly number[]): Storage;
  /** Copies x[..., start:end, ...] along `axis`. */
  slice(x: Storage, shape: readonly number[], axis: number, start: number, end: number): Storage;
  /** Inverse of slice: places g into zeros of shape `full` at [start, start+g's extent) on `axis`. */
  sliceBackward(g: FloatArray, full: readonly number[], axis: number, start: number): FloatArray;
  concat(xs: readonly Storage[], shapes: readonly (readonly number[])[], axis: number): Storage;

  /** Softmax (or log-softmax) over the last axis of x viewed as [rows, cols]. */
  softmax(x: FloatArray, rows: number, cols: number, log: boolean): FloatArray;
  /** Backward from the forward output y: softmax dx = y⊙(g − Σg⊙y); log: dx = g − exp(y)·Σg. */
  softmaxBackward(y: FloatArray, g: FloatArray, rows: number, cols: number, log: boolean): FloatArray;

  /** RMSNorm over rows: y = x / rms(x) · (w + weightOffset); w may be null (no weight). rstd is per row. */
  rmsnorm(x: FloatArray, w: Storage | null, wDtype: DType, rows: number, cols: number, eps: number, weightOffset: number): { y: FloatArray; rstd: FloatArray };
  rmsnormBackward(x: FloatArray, w: Storage | null, wDtype: DType, g: FloatArray, rstd: FloatArray, rows: number, cols: number, weightOffset: number): { dx: FloatArray; dw: FloatArray | null };
  /** LayerNorm over rows: y = (x − mean)·rstd·w + b (w, b may be null). */
  layernorm(x: FloatArray, w: Storage | null, b: Storage | null, wDtype: DType, rows: number, cols: number, eps: number): { y: FloatArray; mean: FloatArray; rstd: FloatArray };
  layernormBackward(x: FloatArray, w: Storage | null, wDtype: DType, g: FloatArray, mean: FloatArray, rstd: FloatArray, rows: number, cols: number): { dx: FloatArray; dw: FloatArray; db: FloatArray };

  /**
   * Rotary embedding, rotate-half convention (HF), on x [batch, t, heads, d], rotating the first
   * `rotaryDim` features of each head: pairs (i, i + rotaryDim/2) turn by angle pos·invFreq[i].
   * positions has batch·t entries. inverse = rotate by −angle (the backward pass).
   */
  rope(x: FloatArray, batch: number, t: number, heads: number, d: number, rotaryDim: number, positions: Int32Array, invFreq: Float64Array, inverse: boolean): FloatArray;

  /** Rows of table [rows, cols] (any float storage, read per tableDtype) picked by ids → [ids.length, cols] in `out` type. */
  gather(table: Storage, tableDtype: DType, rows: number, cols: number, ids: Int32Array, out: 'f32' | 'f64'): FloatArray;
  /** Gradient of gather: sums g rows into a [rows, cols] zero table. */
  scatterAdd(g: FloatArray, ids: Int32Array, rows: number, cols: number): FloatArray;

  /**
   * Causal / masked multi-head attention with grouped-query heads. q [b, tq, hq, d],
   * k [b, tk, hkv, d], v [b, tk, hkv, dv]; mask (optional) additive, [b or 1, tq, tk] flattened;
   * out [b, tq, hq, dv]; lse [b, hq, tq] (log-sum-exp of the scaled scores, kept for backward).
   * A row with no visible key gives zeros and lse = −Infinity.
   */
  attention(q: FloatArray, k: FloatArray, v: FloatArray, mask: FloatArray | null, maskBatch: number, dims: AttentionDims): { out: FloatArray; lse: FloatArray };
  attentionBackward(q: FloatArray, k: FloatArray, v: FloatArray, mask: FloatArray | null, maskBatch: number, out: FloatArray, lse: FloatArray, gOut: FloatArray, dims: AttentionDims): { dq: FloatArray; dk: FloatArray; dv: FloatArray };

  /** Per-row cross-entropy of logits [rows, vocab] against targets (rows whose target = ignoreIndex give 0). */
  crossEntropy(logits: FloatArray, targets: Int32Array, rows: number, vocab: number, ignoreIndex: number): { loss: FloatArray; lse: FloatArray };
  /** dlogits = gRow·(softmax − onehot), zero for ignored rows. */
  crossEntropyBackward(logits: FloatArray, targets: Int32Array, lse: FloatArray, gRow: FloatArray, rows: number, vocab: number, ignoreIndex: number): FloatArray;

  /**
   * Per-row divergence between the distributions softmax(p) and softmax(q), natural log:
   * 'kl' = KL(P‖Q); 'jsd' = ½KL(P‖M) + ½KL(Q‖M), M = ½(P+Q).
   */
  divergence(kind: 'kl' | 'jsd', p: FloatArray, q: FloatArray, rows: number, vocab: number): FloatArray;
  divergenceBackward(kind: 'kl' | 'jsd', p: FloatArray, q: FloatArray, gRow: FloatArray, rows: number, vocab: number): { dp: FloatArray; dq: FloatArray };
}

export type KernelName = keyof Kernels;
