// Linear probe: logistic regression p(concept | h) = σ(w·h + b), fitted with AdamW on our own
// engine (L2 via weight decay); the steering direction is w / ‖w‖.
import { tensor, fromStorage } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import * as ops from '../tensor/ops/index.js';
import { AdamW } from '../nn/optim.js';
import { directionMethod } from './direction-fit.js';
import { meanRows, normalize } from './linalg.js';

/** Rows centred on their mean and divided by the RMS row norm, so one learning rate (or one λ grid) fits every model scale. */
export function standardise(data: ArrayLike<number>, n: number, d: number): Float64Array {
  const mu = meanRows(data, [...Array(n).keys()], d);
  let sq = 0;
  for (let i = 0; i < n * d; i++) sq += (data[i]! - mu[i % d]!) ** 2;
  const scale = Math.sqrt(sq / n) || 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = (data[i]! - mu[i % d]!) / scale;
  return x;
}

/** The plain probe's unit direction from rows [n, d] and 0/1 labels. */
export function probeDirection(data: ArrayLike<number>, labels: readonly number[], d: number, onStep?: (done: number, total: number) => void): { u: Float64Array; steps: number; loss: number } {
  const n = labels.length;
  const X = fromStorage(Float32Array.from(standardise(data, n, d)), [n, d], 'f32');
  const y = fromStorage(Int32Array.from(labels), [n], 'i32');
  const w = tensor(new Float32Array(d), [d, 1], { requiresGrad: true });
  const b = tensor([0], { requiresGrad: true });
  const opt = new AdamW([w, b], { lr: 0.05, weightDecay: 0.01 });
  const steps = 300;
  let loss = NaN;
  for (let s = 0; s < steps; s++) {
    loss = tidy(() => {
      opt.zeroGrad();
      const z = ops.add(ops.matmul(X, w), b);
      const logits = ops.concat([ops.scale(z, 0), z], 1);
      const l = ops.crossEntropy(logits, y);
      l.backward();
      opt.step();
      return l.item();
    });
    onStep?.(s + 1, steps);
  }
  return { u: normalize(Float64Array.from(w.f)), steps, loss };
}

export const probe = directionMethod('probe', 'logistic-regression probe direction', (ctx, acts) => {
  const r = probeDirection(acts.data, acts.labels, acts.width, (d, t) => ctx.onProgress?.(d, t, 'probe'));
  return { u: r.u, settings: { steps: r.steps, weight_decay: 0.01, lr: 0.05 }, steps: r.steps, finalLoss: r.loss };
});
