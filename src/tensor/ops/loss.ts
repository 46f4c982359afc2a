// Losses over the last axis of logits: cross-entropy against integer targets, and the KL and
// Jensen–Shannon divergences between two softmax distributions (both inputs are logits; either
// may be frozen). Reductions: 'mean' (over counted rows), 'sum', or 'none' (one value per row).
import { kernel } from '../../backend/registry.js';
import type { FloatArray } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt, shapesEqual } from '../shape.js';
import { computeType, floats, wrap, assertTensor, type ComputeType } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Rows whose target equals this count for nothing (default −100, as in PyTorch). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface DivergenceOptions {
  reduction?: Reduction;
}

function checkReduction(r: Reduction, what: string): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`${what}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
}

function logitRows(x: Tensor, what: string): { rows: number; vocab: number } {
  assertTensor(x, what);
  if (x.rank === 0) throw new Error(`${what} must have a class axis, got a scalar`);
  if (x.dtype === 'i32') throw new Error(`${what} must be a float tensor, got i32`);
  const vocab = x.shape[x.rank - 1]!;
  if (vocab === 0) throw new Error(`${what} has an empty class axis ${fmt(x.shape)}`);
  return { rows: x.size / vocab, vocab };
}

/**
 * Applies a reduction to per-row values and returns the output tensor plus the per-row gradient
 * scale for a given output gradient. `counted` marks the rows that enter a mean.
 */
function reduceRows(perRow: FloatArray, rowShape: readonly number[], reduction: Reduction, counted: number, ct: ComputeType) {
  const n = perRow.length;
  if (reduction === 'none') {
    return { out: wrap(perRow, rowShape), gRow: (g: Tensor) => floats(g, ct) };
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += perRow[i]!;
  // A mean over zero counted rows is 0 (with zero gradient) rather than NaN, so a batch that
  // happens to be fully masked does not poison a training run.
  const div = reduction === 'mean' ? counted : 1;
  const scale = div === 0 ? 0 : 1 / div;
  const val = new (perRow.constructor as new (n: number) => FloatArray)(1);
  val[0] = s * scale;
  return {
    out: wrap(val, []),
    gRow: (g: Tensor) => {
      const gr = new (perRow.constructor as new (n: number) => FloatArray)(n);
      gr.fill(g.item() * scale);
      return gr;
    },
  };
}

/** Cross-entropy of logits [..., V] against i32 targets [...]; mean over non-ignored rows by default. */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const { rows, vocab } = logitRows(logits, 'crossEntropy: logits');
  assertTensor(targets, 'crossEntropy: targets');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, 'crossEntropy');
  if (targets.dtype !== 'i32') throw new Error(`crossEntropy: targets must be an i32 tensor, got ${targets.dtype}`);
  const rowShape = logits.shape.slice(0, -1);
  if (!shapesEqual(targets.shape, rowShape)) throw new Error(`crossEntropy: targets ${fmt(targets.shape)} must have the logits' shape without the class axis, ${fmt(rowShape)}`);
  const t = targets.data as Int32Array;
  let counted = 0;
  for (let i = 0; i < rows; i++) {
    const id = t[i]!;
    if (id === ignoreIndex) continue;
    if (id < 0 || id >= vocab) throw new Error(`crossEntropy: target ${id} at row ${i} is out of range for ${vocab} classes (ignoreIndex is ${ignoreIndex})`);
    counted++;
  }
  const ct = computeType(logits);
  const f64 = ct === 'f64';
  const lf = floats(logits, ct);
  const { loss, lse } = kernel('crossEntropy', f64)(lf, t, rows, vocab, ignoreIndex);
  const { out, gRow } = reduceRows(loss, rowShape, reduction, counted, ct);
  return record(out, 'crossEntropy', [logits], (g) => [
    wrap(kernel('crossEntropyBackward', f64)(lf, t, lse, gRow(g), rows, vocab, ignoreIndex), logits.shape),
  ]);
}

function divergenceOp(kind: 'kl' | 'jsd', p: Tensor, q: Tensor, opts: DivergenceOptions): Tensor {
  const name = kind === 'kl' ? 'klDiv' : 'jsDiv';
  const { rows, vocab } = logitRows(p, `${name}: p`);
  logitRows(q, `${name}: q`);
  if (!shapesEqual(p.shape, q.shape)) throw new Error(`${name}: p ${fmt(p.shape)} and q ${fmt(q.shape)} must have the same shape`);
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, name);
  const ct = computeType(p, q);
  const f64 = ct === 'f64';
  const pf = floats(p, ct);
  const qf = floats(q, ct);
  const perRow = kernel('divergence', f64)(kind, pf, qf, rows, vocab);
  const { out, gRow } = reduceRows(perRow, p.shape.slice(0, -1), reduction, rows, ct);
  return record(out, name, [p, q], (g) => {
    const { dp, dq } = kernel('divergenceBackward', f64)(kind, pf, qf, gRow(g), rows, vocab);
    return [wrap(dp, p.shape), wrap(dq, q.shape)];
  });
}

/** KL(softmax(p) ‖ softmax(q)) per row over the last axis (natural log); p and q are logits. */
export const klDiv = (p: Tensor, q: Tensor, opts: DivergenceOptions = {}): Tensor => divergenceOp('kl', p, q, opts);

/** Jensen–Shannon divergence ½KL(P‖M) + ½KL(Q‖M), M = ½(P+Q), of softmax(p) and softmax(q); in [0, ln 2]. */
export const jsDiv = (p: Tensor, q: Tensor, opts: DivergenceOptions = {}): Tensor => divergenceOp('jsd', p, q, opts);
