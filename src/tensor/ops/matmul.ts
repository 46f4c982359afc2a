// Matrix products. a [..., m, k] · b [..., k, n] with optional transposes of either operand,
// batch dims matching or b shared (rank 2). b may hold bf16/f16 weights, read by the kernel.
// linear(x, W, bias) = x · Wᵀ + bias, the Hugging Face layout of weights ([out, in]).
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { needsGrad, record } from '../tape.js';
import { fmt, shapesEqual, sizeOf } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';
import { add, mul, sumTo, unary } from './elementwise.js';
import type { UnaryOp } from '../../backend/kernels.js';
import { reshape } from './shape.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: operands need rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const ct = computeType(a, b);
  const [ar, ac] = [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [br, bc] = [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} · ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const bShared = b.rank === 2;
  const aShared = a.rank === 2 && b.rank > 2;
  if (!bShared && !aShared && !shapesEqual(aBatch, bBatch)) throw new Error(`matmul: batch dims ${fmt(aBatch)} and ${fmt(bBatch)} differ (either operand may also be a shared matrix of rank 2)`);
  const outBatch = aShared ? bBatch : aBatch;
  const batch = sizeOf(outBatch);
  const bData = b.dtype === 'bf16' || b.dtype === 'f16' ? b.data : floats(b, ct);
  const aData = floats(a, ct);
  const run = kernel('matmul', ct === 'f64');
  let data;
  if (bShared && !transA) {
    // Fold a's batch into its rows: one large product instead of many small ones.
    data = run(aData, bData, { batch: 1, m: batch * m, n, k, transA: false, transB, aBatchStride: 0, bBatchStride: 0, bDtype: b.dtype === 'f64' || b.dtype === 'f32' ? ct : b.dtype });
  } else {
    data = run(aData, bData, { batch, m, n, k, transA, transB, aBatchStride: aShared ? 0 : m * k, bBatchStride: bShared ? 0 : k * n, bDtype: b.dtype === 'f64' || b.dtype === 'f32' ? ct : b.dtype });
  }
  return wrap(data, [...outBatch, m, n]);
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  assertTensor(a, 'matmul: a');
  assertTensor(b, 'matmul: b');
  if (a.rank === 2 && b.rank > 2) throw new Error(`matmul: a shared left operand ${fmt(a.shape)} with a batched right operand ${fmt(b.shape)} is not supported; put the batch on the left`);
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const out = mm(a, b, transA, transB);
  return record(out, 'matmul', [a, b], (g, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) da = transA ? mm(b, g, transB, true) : mm(g, b, false, !transB);
    if (needs[1]) {
      if (b.dtype === 'bf16' || b.dtype === 'f16') throw new Error('matmul: gradients for bf16/f16 weights are not supported; keep trainable tensors in f32');
      if (b.rank === 2 && a.rank > 2) {
        // b was shared across a's batch: fold the batch so the product sums over it.
        const a2 = transA ? null : reshape(a, [-1, a.shape[a.rank - 1]!]);
        const g2 = reshape(g, [-1, g.shape[g.rank - 1]!]);
        if (a2) db = transB ? mm(g2, a2, true, false) : mm(a2, g2, true, false);
        else db = sumTo(transB ? mm(g, a, true, true) : mm(a, g, !transA, false), b.shape);
      } else {
        db = transB ? mm(g, a, true, transA) : mm(a, g, !transA, false);
      }
    }
    return [da, db];
  });
}

/** x [..., in] · Wᵀ (+ bias) with W [out, in] as stored by Hugging Face checkpoints. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertTensor(x, 'linear: x');
  assertTensor(weight, 'linear: weight');
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
  if (x.shape[x.rank - 1] !== weight.shape[1]) throw new Error(`linear: input features ${x.shape[x.rank - 1]} do not match weight ${fmt(weight.shape)} (expects ${weight.shape[1]})`);
  const y = matmul(x, weight, { transB: true });
  if (!bias) return y;
  if (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]) throw new Error(`linear: bias ${fmt(bias.shape)} does not match ${weight.shape[0]} outputs`);
  return add(y, bias.dtype === 'bf16' || bias.dtype === 'f16' ? bias.toFloat(computeType(x)) : bias);
}

/**
 * linear(x, weights[i], biases[i]) for several weights at once: the q/k/v (or gate/up)
 * projections of one input. Without gradients to record it is one kernel call, which the native
 * backend runs as one threaded job; with them, plain linear() per weight (same values either way).
 */
export function linearMany(x: Tensor, weights: readonly Tensor[], biases: readonly (Tensor | null)[] = []): Tensor[] {
  assertTensor(x, 'linearMany: x');
  const bs = weights.map((_, i) => biases[i] ?? null);
  const ct = computeType(x, ...weights);
  if (needsGrad([x, ...weights]) || ct === 'f64' || weights.length < 2) return weights.map((w, i) => linear(x, w, bs[i]));
  const k = x.shape[x.rank - 1]!;
  for (const [i, w] of weights.entries()) {
    assertTensor(w, `linearMany: weight ${i}`);
    if (w.rank !== 2) throw new Error(`linearMany: weight ${i} must be [out, in], got ${fmt(w.shape)}`);
    if (w.shape[1] !== k) throw new Error(`linearMany: input features ${k} do not match weight ${i} ${fmt(w.shape)} (expects ${w.shape[1]})`);
  }
  const lead = x.shape.slice(0, -1);
  const m = sizeOf(lead);
  const ns = weights.map((w) => w.shape[0]!);
  const data = weights.map((w) => (w.dtype === 'bf16' || w.dtype === 'f16' ? w.data : floats(w, ct)));
  const outs = kernel('linearMany')(floats(x, ct), data, { m, k, ns, bDtypes: weights.map((w) => (w.dtype === 'bf16' || w.dtype === 'f16' ? w.dtype : ct)) });
  return outs.map((o, i) => {
    const y = wrap(o, [...lead, ns[i]!]);
    const b = bs[i];
    if (!b) return y;
    if (b.rank !== 1 || b.shape[0] !== ns[i]) throw new Error(`linearMany: bias ${i} ${fmt(b.shape)} does not match ${ns[i]} outputs`);
    return add(y, b.dtype === 'bf16' || b.dtype === 'f16' ? b.toFloat(ct) : b);
  });
}

/**
 * A gated MLP's hidden activation, act(x · gateᵀ + gateBias) ⊙ (x · upᵀ + upBias). Without
 * gradients to record (and without biases) it is one kernel call; otherwise the separate ops,
 * which give the same values.
 */
export function gatedLinear(x: Tensor, gate: Tensor, up: Tensor, act: UnaryOp, gateBias: Tensor | null = null, upBias: Tensor | null = null): Tensor {
  assertTensor(x, 'gatedLinear: x');
  assertTensor(gate, 'gatedLinear: gate weight');
  assertTensor(up, 'gatedLinear: up weight');
  const ct = computeType(x, gate, up);
  if (needsGrad([x, gate, up]) || ct === 'f64' || gateBias || upBias) {
    const [g, u] = linearMany(x, [gate, up], [gateBias, upBias]) as [Tensor, Tensor];
    return mul(unary(act, g), u);
  }
  const k = x.shape[x.rank - 1]!;
  for (const [name, w] of [['gate', gate], ['up', up]] as const) {
    if (w.rank !== 2) throw new Error(`gatedLinear: ${name} weight must be [out, in], got ${fmt(w.shape)}`);
    if (w.shape[1] !== k) throw new Error(`gatedLinear: input features ${k} do not match the ${name} weight ${fmt(w.shape)}`);
  }
  if (gate.shape[0] !== up.shape[0]) throw new Error(`gatedLinear: gate ${fmt(gate.shape)} and up ${fmt(up.shape)} weights differ in outputs`);
  const lead = x.shape.slice(0, -1);
  const n = gate.shape[0]!;
  const half = (w: Tensor) => w.dtype === 'bf16' || w.dtype === 'f16';
  const data = kernel('gatedLinear')(floats(x, ct), half(gate) ? gate.data : floats(gate, ct), half(up) ? up.data : floats(up, ct), {
    m: sizeOf(lead), k, n, gDtype: half(gate) ? gate.dtype : ct, uDtype: half(up) ? up.dtype : ct, act,
  });
  return wrap(data, [...lead, n]);
}
