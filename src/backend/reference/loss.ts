// Reference losses over rows of logits: cross-entropy against integer targets, and the KL and
// Jensen–Shannon divergences between the softmax distributions of two logit arrays.
//
// Stability: everything is computed from log-softmaxes. For JSD, log M = logaddexp(log P, log Q)
// − ln 2 is never formed on its own: with d = log Q − log P and l = log1p(e^−|d|),
//   log P − log M = ln 2 − (max(d, 0) + l),   log Q − log M = ln 2 − (max(−d, 0) + l),
// which are finite even when P or Q underflows, exactly 0 when d = 0, and terms whose
// probability is 0 are skipped (0·log 0 = 0), so extreme logits give no NaN.
import type { Kernels } from '../kernels.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { allocLike } from './util.js';

/** log Σ exp over x[o, o+n). */
export function rowLse(x: FloatArray, o: number, n: number): number {
  let mx = -Infinity;
  for (let c = 0; c < n; c++) if (x[o + c]! > mx) mx = x[o + c]!;
  if (mx === -Infinity) return -Infinity;
  let s = 0;
  for (let c = 0; c < n; c++) s += Math.exp(x[o + c]! - mx);
  return mx + Math.log(s);
}

function checkTarget(t: number, vocab: number, ignoreIndex: number, r: number): boolean {
  if (t === ignoreIndex) return false;
  if (!(t >= 0 && t < vocab)) throw new Error(`crossEntropy: target ${t} at row ${r} is out of range for ${vocab} classes (ignoreIndex is ${ignoreIndex})`);
  return true;
}

export const crossEntropy: Kernels['crossEntropy'] = (logits, targets, rows, vocab, ignoreIndex) => {
  const loss = allocLike(logits, rows);
  const lse = allocLike(logits, rows);
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (!checkTarget(t, vocab, ignoreIndex, r)) continue;
    const l = rowLse(logits, r * vocab, vocab);
    lse[r] = l;
    loss[r] = l - logits[r * vocab + t]!;
  }
  return { loss, lse };
};

export const crossEntropyBackward: Kernels['crossEntropyBackward'] = (logits, targets, lse, gRow, rows, vocab, ignoreIndex) => {
  const out = allocLike(logits, rows * vocab);
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (!checkTarget(t, vocab, ignoreIndex, r)) continue;
    const o = r * vocab;
    const g = gRow[r]!;
    const l = lse[r]!;
    for (let c = 0; c < vocab; c++) out[o + c] = g * Math.exp(logits[o + c]! - l);
    out[o + t] = out[o + t]! - g;
  }
  return out;
};

/** Per element of one JSD row: log P − log M and log Q − log M (see the header). */
function jsdLogRatios(lp: number, lq: number): [number, number] {
  const d = lq - lp;
  if (d === 0) return [0, 0];
  const l = Math.log1p(Math.exp(-Math.abs(d)));
  return [Math.LN2 - (Math.max(d, 0) + l), Math.LN2 - (Math.max(-d, 0) + l)];
}

/** Row sums needed by both passes: KL(P‖Q), or KL(P‖M) and KL(Q‖M) for JSD. */
function rowStats(kind: 'kl' | 'jsd', p: FloatArray, q: FloatArray, o: number, vocab: number) {
  const lseP = rowLse(p, o, vocab);
  const lseQ = rowLse(q, o, vocab);
  let s1 = 0;
  let s2 = 0;
  for (let c = 0; c < vocab; c++) {
    const lp = p[o + c]! - lseP;
    const lq = q[o + c]! - lseQ;
    const P = Math.exp(lp);
    if (kind === 'kl') {
      if (P > 0) s1 += P * (lp - lq);
    } else {
      const Q = Math.exp(lq);
      const [a, b] = jsdLogRatios(lp, lq);
      if (P > 0) s1 += P * a;
      if (Q > 0) s2 += Q * b;
    }
  }
  return { lseP, lseQ, s1, s2 };
}

/** The largest f32 value ≤ ln 2 (f32's nearest to ln 2 lies above it). */
export const LN2_F32_BELOW = 0.6931471228599548;

export const divergence: Kernels['divergence'] = (kind, p, q, rows, vocab) => {
  const out = allocLike(p, rows);
  const top = p instanceof Float32Array ? LN2_F32_BELOW : Math.LN2;
  for (let r = 0; r < rows; r++) {
    const { s1, s2 } = rowStats(kind, p, q, r * vocab, vocab);
    // Rounding can push a divergence a hair outside its range; the true value never is.
    out[r] = kind === 'kl' ? Math.max(0, s1) : Math.min(top, Math.max(0, 0.5 * (s1 + s2)));
  }
  return out;
};

// KL:  dp = g·P·(log P − log Q − KL),  dq = g·(Q − P).
// JSD: dp = ½g·P·(log P − log M − KL(P‖M)),  dq = ½g·Q·(log Q − log M − KL(Q‖M)).
export const divergenceBackward: Kernels['divergenceBackward'] = (kind, p, q, gRow, rows, vocab) => {
  const dp = allocLike(p, rows * vocab);
  const dq = allocLike(p, rows * vocab);
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const g = gRow[r]!;
    const { lseP, lseQ, s1, s2 } = rowStats(kind, p, q, o, vocab);
    for (let c = 0; c < vocab; c++) {
      const lp = p[o + c]! - lseP;
      const lq = q[o + c]! - lseQ;
      const P = Math.exp(lp);
      const Q = Math.exp(lq);
      if (kind === 'kl') {
        dp[o + c] = P > 0 ? g * P * (lp - lq - s1) : 0;
        dq[o + c] = g * (Q - P);
      } else {
        const [a, b] = jsdLogRatios(lp, lq);
        dp[o + c] = P > 0 ? 0.5 * g * P * (a - s1) : 0;
        dq[o + c] = Q > 0 ? 0.5 * g * Q * (b - s2) : 0;
      }
    }
  }
  return { dp, dq };
};

export const lossKernels: Partial<Kernels> = { crossEntropy, crossEntropyBackward, divergence, divergenceBackward };
