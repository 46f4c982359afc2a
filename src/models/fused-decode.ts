// Fused decode: a llama-family decoder's per-token work for one sequence in one native call
// (native/src/decode_step.cc): every layer's norm, q/k/v, RoPE, KV-cache append, attention,
// o_proj, MLP and residual adds, then the final norm and LM head, with the thread pool kept in
// one job. Op by op, a decode step pays a pool wake-up and a JS round trip for each of a few
// hundred small kernels, which kept decode well below the memory-bandwidth bound.
//
// DecoderModel.forward uses it only where nothing can observe the difference: one sequence, one
// new token, a KV cache, no padding mask, no tape, the native backend, and no hook at any of the
// layer's sites (layers with hooks run op by op; so does the head when final_norm is hooked), and
// rotary frequencies fixed at plan time (dynamic NTK past its original length runs op by op).
// The kernels are the op-by-op path's own, so logits keep their bits (see decode_step.cc).
// STEERLING_FUSED_DECODE=0 (or setFusedDecode(false)) turns it off, for comparisons.

import type { Tensor } from '../tensor/tensor.js';
import type { Storage } from '../tensor/dtype.js';
import type { UnaryOp } from '../backend/kernels.js';
import { backendName, nativeBackend } from '../backend/registry.js';
import type { ArchConfig, Linear, ModelWeights, Norm } from './arch.js';
import type { KVCache } from './kvcache.js';

let enabled = process.env.STEERLING_FUSED_DECODE !== '0';

/** Counts of fused steps since start: calls, layers run fused, calls that included the head (tests check the path ran). */
/** Counters of fused steps run, and how many threads shared the last one. */
export const fusedDecodeStats = { calls: 0, layers: 0, heads: 0, lastThreads: 0 };

/** Turns the fused decode path on or off (tests compare both); returns the previous setting. */
export function setFusedDecode(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

export function fusedDecodeEnabled(): boolean {
  return enabled && backendName() === 'native';
}

// The addon's unary op codes (eltwise.cc) for the MLP activations.
const ACT_CODES: Partial<Record<UnaryOp, number>> = { relu: 10, silu: 11, gelu: 12, gelu_erf: 13 };
const DTYPE_CODES: Record<string, number> = { f32: 0, bf16: 1, f16: 2 };

type DecodePlanFn = (spec: Float64Array, params: (Storage | null)[], dtypes: Int32Array, invFreqs: (Float64Array | null)[], windows: Float64Array) => unknown;
type DecodeStepFn = (plan: unknown, x: Float32Array, l0: number, l1: number, ks: Float32Array[], vs: Float32Array[], pos: number, len: number, logits: Float32Array | null) => number;

/** Why a layer cannot be fused (null: it can), from the architecture and its weights alone. */
function layerProblem(a: ArchConfig, w: ModelWeights, i: number): string | null {
  const L = w.layers[i]!;
  if (L.postAttnNorm || L.postMlpNorm) return 'sandwich norms';
  if (!L.gate) return 'ungated MLP';
  if (a.window(i) < 0) return 'negative window';
  const inv = a.ropeInvFreq(i);
  if (inv && inv.length * 2 !== a.headDim) return 'partial rotary';
  // The plan has one attention scale: layer 0's, attention factor included.
  if (a.ropeAttentionFactor(i) !== a.ropeAttentionFactor(0)) return 'rope attention factor differs from layer 0';
  const dt = (t: Tensor) => t.dtype;
  if (dt(L.q.w) !== dt(L.k.w) || dt(L.q.w) !== dt(L.v.w) || dt(L.gate.w) !== dt(L.up.w)) return 'mixed weight dtypes';
  return null;
}

function archProblem(a: ArchConfig): string | null {
  if (a.norm !== 'rms') return 'LayerNorm';
  if (!a.gatedMlp) return 'ungated MLP';
  if (ACT_CODES[a.act] === undefined) return `activation ${a.act}`;
  if (a.attnSoftcap !== 0) return 'attention soft-capping';
  if (a.heads % a.kvHeads !== 0) return 'heads not a multiple of kv heads';
  return null;
}

export class FusedDecode {
  /** Which layers the native step supports. */
  readonly layerOk: boolean[];
  /** Whether the final norm and LM head can follow in the same call. */
  readonly headOk: boolean;
  private readonly plan: unknown;
  // The tensors whose arrays the plan points into, and those arrays: the plan is stale (and is
  // rebuilt) if a tensor's storage was replaced, and holding the arrays keeps the memory alive.
  private readonly tensors: (Tensor | null)[];
  private readonly arrays: (Storage | null)[];

  private constructor(private readonly step: DecodeStepFn, plan: DecodePlanFn, readonly arch: ArchConfig, weights: ModelWeights) {
    const a = arch;
    this.layerOk = weights.layers.map((_, i) => layerProblem(a, weights, i) === null);
    const ts: (Tensor | null)[] = [];
    const lin = (l: Linear | null) => ts.push(l?.w ?? null, l?.b ?? null);
    const nrm = (n: Norm | null) => ts.push(n?.w ?? null);
    for (const L of weights.layers) {
      nrm(L.inputNorm);
      lin(L.q);
      lin(L.k);
      lin(L.v);
      lin(L.o);
      nrm(L.qNorm);
      nrm(L.kNorm);
      nrm(L.mlpNorm);
      lin(L.gate);
      lin(L.up);
      lin(L.down);
    }
    nrm(weights.finalNorm);
    ts.push(weights.lmHead);
    this.tensors = ts;
    this.arrays = ts.map((t) => t?.data ?? null);
    this.headOk = weights.lmHead.shape[0] === a.vocab;
    const spec = Float64Array.from([a.hidden, a.heads, a.kvHeads, a.headDim, a.intermediate, a.layers, a.vocab, a.normEps, a.normOffset, a.attnScale * a.ropeAttentionFactor(0) ** 2, ACT_CODES[a.act]!]);
    const dtypes = Int32Array.from(ts, (t) => (t ? DTYPE_CODES[t.dtype] ?? -1 : 0));
    const inv = weights.layers.map((_, i) => a.ropeInvFreq(i));
    const windows = Float64Array.from(weights.layers, (_, i) => a.window(i));
    this.plan = plan(spec, this.arrays, dtypes, inv, windows);
  }

  /** The fused decoder for a model, or null when the native addon lacks it or the architecture is unsupported. */
  static build(arch: ArchConfig, weights: ModelWeights): FusedDecode | null {
    const addon = nativeBackend()?.addon;
    const plan = addon?.['decodePlan'];
    const step = addon?.['decodeStep'];
    if (typeof plan !== 'function' || typeof step !== 'function') return null;
    if (archProblem(arch) !== null) return null;
    return new FusedDecode(step as DecodeStepFn, plan as DecodePlanFn, arch, weights);
  }

  /** True when every weight tensor still has the storage the plan points into. */
  current(): boolean {
    for (let i = 0; i < this.tensors.length; i++) {
      const t = this.tensors[i];
      if (t && (t.disposed || t.data !== this.arrays[i])) return false;
    }
    return true;
  }

  /**
   * Runs layers [l0, l1) for one token whose residual stream is x (updated in place), appending
   * its keys and values at the cache's current length (the cache must have room: reserve()),
   * and, with `logits`, the final norm and LM head.
   */
  run(x: Float32Array, l0: number, l1: number, cache: KVCache, pos: number, logits: Float32Array | null): void {
    const ks: Float32Array[] = [];
    const vs: Float32Array[] = [];
    for (let l = l0; l < l1; l++) {
      const s = cache.layerStorage(l);
      ks.push(s.k);
      vs.push(s.v);
    }
    fusedDecodeStats.lastThreads = this.step(this.plan, x, l0, l1, ks, vs, pos, cache.length, logits);
    fusedDecodeStats.calls++;
    fusedDecodeStats.layers += l1 - l0;
    if (logits) fusedDecodeStats.heads++;
  }
}
