// Linear probe: logistic regression p(concept | h) = σ(w·h + b), fitted with AdamW on our own
// engine (L2 via weight decay); the steering direction is w / ‖w‖.
import { tensor, fromStorage } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import * as ops from '../tensor/ops/index.js';
import { AdamW } from '../nn/optim.js';
import { directionMethod } from './direction-fit.js';
import { meanRows, normalize } from './linalg.js';

export const probe = directionMethod('probe', 'logistic-regression probe direction', (ctx, acts) => {
  const n = acts.labels.length;
  const d = acts.width;
  // Standardise inputs by their mean norm so one learning rate fits every model scale.
  const mu = meanRows(acts.data, [...Array(n).keys()], d);
  let sq = 0;
  for (let i = 0; i < n * d; i++) sq += (acts.data[i]! - mu[i % d]!) ** 2;
  const scale = Math.sqrt(sq / n) || 1;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = (acts.data[i]! - mu[i % d]!) / scale;
  const X = fromStorage(x, [n, d], 'f32');
  const y = fromStorage(Int32Array.from(acts.labels), [n], 'i32');
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
    ctx.onProgress?.(s + 1, steps, 'probe');
  }
  return { u: normalize(Float64Array.from(w.f)), settings: { steps, weight_decay: 0.01, lr: 0.05 }, steps, finalLoss: loss };
});
