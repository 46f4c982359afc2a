// Reference attention: one query row at a time, scores for every key, then softmax and the
// weighted sum of values; the backward recomputes the probabilities from the saved lse.
//
// Semantics (the specification every other backend follows):
//   s_j = scale·(q_i·k_j);  s_j ← cap·tanh(s_j/cap) when softcap > 0;  s_j ← s_j + mask[i, j];
//   keys outside the visible range [lo(i), hi(i)) (causal / sliding window) get s_j = −∞;
//   lse_i = log Σ_j exp(s_j);  out_i = Σ_j exp(s_j − lse_i)·v_j.
// A row where every s_j is −∞ gives out_i = 0 and lse_i = −∞, and no gradient.
import type { AttentionDims, Kernels } from '../kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { allocLike } from './util.js';

/** Keys j in [lo, hi) are visible to query row i (absolute position i + qOffset). */
export function visibleKeys(i: number, dims: AttentionDims): [number, number] {
  const p = i + dims.qOffset;
  const hi = dims.causal ? Math.min(dims.tk, p + 1) : dims.tk;
  const lo = dims.window > 0 ? Math.max(0, p - dims.window + 1) : 0;
  return [lo, Math.max(lo, hi)];
}

/** Element offsets of the row vectors that one (batch, query head, query row) touches. */
interface RowIndex {
  qRow: number; // q[b, i, h, :] and dq
  oRow: number; // out[b, i, h, :] and gOut
  kBase: number; // k[b, 0, kvh, :]
  vBase: number; // v[b, 0, kvh, :]
  kStride: number; // between consecutive keys in k
  vStride: number;
  maskRow: number; // mask[mb, i, :] (or −1 without a mask)
  lse: number; // lse[b, h, i]
}

function rowIndex(b: number, h: number, i: number, dims: AttentionDims, hasMask: boolean, maskBatch: number): RowIndex {
  const { tq, tk, hq, hkv, d, dv } = dims;
  const kvh = Math.floor(h / (hq / hkv));
  return {
    qRow: ((b * tq + i) * hq + h) * d,
    oRow: ((b * tq + i) * hq + h) * dv,
    kBase: b * tk * hkv * d + kvh * d,
    vBase: b * tk * hkv * dv + kvh * dv,
    kStride: hkv * d,
    vStride: hkv * dv,
    maskRow: hasMask ? ((maskBatch === 1 ? 0 : b) * tq + i) * tk : -1,
    lse: (b * hq + h) * tq + i,
  };
}

/**
 * Fills s[j] with the final score of every key for one row (−∞ where hidden) and, when softcap is
 * on, t[j] = tanh(raw/cap) for the backward. Returns the row maximum.
 */
function scores(q: FloatArray, k: FloatArray, mask: FloatArray | null, r: RowIndex, i: number, dims: AttentionDims, s: Float64Array, t: Float64Array): number {
  const [lo, hi] = visibleKeys(i, dims);
  let m = -Infinity;
  for (let j = 0; j < dims.tk; j++) {
    if (j < lo || j >= hi) {
      s[j] = -Infinity;
      continue;
    }
    let dot = 0;
    const kr = r.kBase + j * r.kStride;
    for (let c = 0; c < dims.d; c++) dot += q[r.qRow + c]! * k[kr + c]!;
    let x = dims.scale * dot;
    if (dims.softcap > 0) {
      t[j] = Math.tanh(x / dims.softcap);
      x = dims.softcap * t[j]!;
    }
    if (mask) x += mask[r.maskRow + j]!;
    s[j] = x;
    if (x > m) m = x;
  }
  return m;
}

export const attention: Kernels['attention'] = (q, k, v, mask, maskBatch, dims) => {
  const { batch, tq, tk, hq, dv } = dims;
  const out = allocLike(q, batch * tq * hq * dv);
  const lse = allocLike(q, batch * hq * tq);
  const s = new Float64Array(tk);
  const t = new Float64Array(tk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < hq; h++) {
      for (let i = 0; i < tq; i++) {
        const r = rowIndex(b, h, i, dims, mask !== null, maskBatch);
        const m = scores(q, k, mask, r, i, dims, s, t);
        if (m === -Infinity) {
          lse[r.lse] = -Infinity; // out row stays zero
          continue;
        }
        let sum = 0;
        for (let j = 0; j < tk; j++) sum += Math.exp(s[j]! - m);
        const l = m + Math.log(sum);
        lse[r.lse] = l;
        const acc = new Float64Array(dv);
        for (let j = 0; j < tk; j++) {
          const p = Math.exp(s[j]! - l);
          if (p === 0) continue;
          const vr = r.vBase + j * r.vStride;
          for (let c = 0; c < dv; c++) acc[c] += p * v[vr + c]!;
        }
        for (let c = 0; c < dv; c++) out[r.oRow + c] = acc[c]!;
      }
    }
  }
  return { out, lse };
};

export const attentionBackward: Kernels['attentionBackward'] = (q, k, v, mask, maskBatch, out, lse, gOut, dims) => {
  const { batch, tq, tk, hq, d, dv, scale, softcap } = dims;
  // Accumulate in f64 whatever the input type, so the f32 result is the rounded exact sum.
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dvOut = new Float64Array(v.length);
  const s = new Float64Array(tk);
  const t = new Float64Array(tk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < hq; h++) {
      for (let i = 0; i < tq; i++) {
        const r = rowIndex(b, h, i, dims, mask !== null, maskBatch);
        const l = lse[r.lse]!;
        if (l === -Infinity) continue; // fully masked row: no gradient anywhere
        scores(q, k, mask, r, i, dims, s, t);
        // D = Σ_j P_j dP_j = gOut_i · out_i (FlashAttention-2's row term).
        let D = 0;
        for (let c = 0; c < dv; c++) D += gOut[r.oRow + c]! * out[r.oRow + c]!;
        for (let j = 0; j < tk; j++) {
          const p = Math.exp(s[j]! - l);
          if (p === 0) continue;
          const vr = r.vBase + j * r.vStride;
          const kr = r.kBase + j * r.kStride;
          let dp = 0;
          for (let c = 0; c < dv; c++) {
            dp += gOut[r.oRow + c]! * v[vr + c]!;
            dvOut[vr + c] += p * gOut[r.oRow + c]!;
          }
          let ds = p * (dp - D);
          if (softcap > 0) ds *= 1 - t[j]! * t[j]!; // d/dx cap·tanh(x/cap)
          ds *= scale;
          for (let c = 0; c < d; c++) {
            dq[r.qRow + c] += ds * k[kr + c]!;
            dk[kr + c] += ds * q[r.qRow + c]!;
          }
        }
      }
    }
  }
  const cast = (a: Float64Array): FloatArray => {
    if (q instanceof Float64Array) return a;
    const o = allocLike(q, a.length);
    o.set(a);
    return o;
  };
  return { dq: cast(dq), dk: cast(dk), dv: cast(dvOut) };
};

export const attentionKernels: Partial<Kernels> = { attention, attentionBackward };
