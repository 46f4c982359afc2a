// Fused multi-head attention with grouped-query heads, causal / sliding-window masking, an
// optional additive mask, Gemma-2 soft-capping and a KV-cache offset. One kernel call forward
// (saving only the per-row log-sum-exp) and one backward; the [tq, tk] score matrix is never a
// tensor, so training through long contexts costs memory linear in the length.
import { kernel } from '../../backend/registry.js';
import type { AttentionDims } from '../../backend/kernels.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';
import { recycle } from '../pool.js';

export interface AttentionOptions {
  /** Each query sees only keys at positions ≤ its own (default true). */
  causal?: boolean;
  /**
   * Additive mask, [tq, tk], [1 or batch, tq, tk] or [1 or batch, 1, tq, tk], added to the scores
   * after soft-capping; −Infinity hides a key (padding). Treated as a constant: no gradient.
   */
  mask?: Tensor | null;
  /** Score scale (default 1/√d). */
  scale?: number;
  /** Absolute position of query 0 minus that of key 0 (default tk − tq: queries are the last tokens). */
  qOffset?: number;
  /** Sliding window: a query at position p sees keys at positions > p − window (0 or absent = none). */
  window?: number;
  /** Gemma-2 logit soft-capping, s ← cap·tanh(s/cap) (0 or absent = off). */
  softcap?: number;
}

function checkInt(v: number, what: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`attention: ${what} must be an integer ≥ ${min}, got ${v}`);
}

/** Validates the mask and returns how many batches it holds (1 broadcasts to all). */
function maskBatchOf(mask: Tensor, batch: number, tq: number, tk: number): number {
  const s = mask.shape;
  const bad = (why: string): never => {
    throw new Error(`attention: mask ${fmt(s)} ${why}; expected [${tq}, ${tk}], [1 or ${batch}, ${tq}, ${tk}] or [1 or ${batch}, 1, ${tq}, ${tk}]`);
  };
  if (mask.dtype === 'i32') bad('must be a float tensor (additive: 0 = visible, −Infinity = hidden)');
  if (s.length < 2 || s.length > 4) bad('has the wrong rank');
  if (s[s.length - 2] !== tq || s[s.length - 1] !== tk) bad('does not match the query and key lengths');
  if (s.length === 4 && s[1] !== 1) bad('has a head axis other than 1 (per-head masks are not supported)');
  const mb = s.length === 2 ? 1 : s[0]!;
  if (mb !== 1 && mb !== batch) bad(`has batch ${mb}`);
  return mb;
}

/**
 * Attention of q [b, tq, hq, d] over k [b, tk, hkv, d] and v [b, tk, hkv, dv] → [b, tq, hq, dv].
 * Query head h reads kv head ⌊h / (hq/hkv)⌋ (grouped-query attention). Rows that see no key give
 * zeros. Gradients flow to q, k and v.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  assertTensor(q, 'attention: q');
  assertTensor(k, 'attention: k');
  assertTensor(v, 'attention: v');
  for (const [t, name, layout] of [[q, 'q', '[batch, tq, hq, d]'], [k, 'k', '[batch, tk, hkv, d]'], [v, 'v', '[batch, tk, hkv, dv]']] as const) {
    if (t.rank !== 4) throw new Error(`attention: ${name} must be ${layout}, got ${fmt(t.shape)}`);
    if (t.dtype === 'i32') throw new Error(`attention: ${name} must be a float tensor, got i32`);
  }
  const [batch, tq, hq, d] = q.shape as [number, number, number, number];
  const [kb, tk, hkv, kd] = k.shape as [number, number, number, number];
  const [vb, vt, vh, dv] = v.shape as [number, number, number, number];
  if (kb !== batch || vb !== batch) throw new Error(`attention: batch sizes differ: q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`);
  if (vt !== tk) throw new Error(`attention: k and v lengths differ: k ${fmt(k.shape)}, v ${fmt(v.shape)}`);
  if (vh !== hkv) throw new Error(`attention: k and v head counts differ: k ${fmt(k.shape)}, v ${fmt(v.shape)}`);
  if (kd !== d) throw new Error(`attention: q and k head sizes differ: q ${fmt(q.shape)}, k ${fmt(k.shape)}`);
  if (hkv === 0 || hq % hkv !== 0) throw new Error(`attention: query heads (${hq}) must be a multiple of kv heads (${hkv})`);

  const causal = opts.causal ?? true;
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  const qOffset = opts.qOffset ?? tk - tq;
  const window = opts.window ?? 0;
  const softcap = opts.softcap ?? 0;
  if (!Number.isFinite(scale)) throw new Error(`attention: scale must be finite, got ${scale}`);
  if (!Number.isInteger(qOffset)) throw new Error(`attention: qOffset must be an integer, got ${qOffset}`);
  checkInt(window, 'window', 0);
  if (!(softcap >= 0 && Number.isFinite(softcap))) throw new Error(`attention: softcap must be a finite number ≥ 0, got ${softcap}`);

  const mask = opts.mask ?? null;
  if (mask) assertTensor(mask, 'attention: mask');
  const maskBatch = mask ? maskBatchOf(mask, batch, tq, tk) : 1;

  const ct = computeType(q, k, v);
  const dims: AttentionDims = { batch, tq, tk, hq, hkv, d, dv, scale, causal, qOffset, window, softcap };
  const qf = floats(q, ct);
  const kf = floats(k, ct);
  const vf = floats(v, ct);
  const mf = mask ? floats(mask, ct) : null;
  const f64 = ct === 'f64';
  const { out, lse } = kernel('attention', f64)(qf, kf, vf, mf, maskBatch, dims);
  const result = wrap(out, [batch, tq, hq, dv]);
  record(result, 'attention', [q, k, v], (g, needs) => {
    const r = kernel('attentionBackward', f64)(qf, kf, vf, mf, maskBatch, out, lse, floats(g, ct), dims);
    return [needs[0] ? wrap(r.dq, q.shape) : null, needs[1] ? wrap(r.dk, k.shape) : null, needs[2] ? wrap(r.dv, v.shape) : null];
  });
  if (!result.node) recycle(lse);  // no backward rule will read it
  return result;
}
