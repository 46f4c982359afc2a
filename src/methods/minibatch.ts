// The step plan of a method trained on rows (RePS, BiPO, LinEAS): how many steps --steps or
// --epochs × ⌈rows / batch⌉ imply, minibatches drawn epoch by epoch from a fresh shuffle, the loop
// that runs them, and the loss at the start and end of training (means of the first and last
// tenth, so one noisy step does not speak for the run).

import type { TrainingOptions } from './training-options.js';
import type { Rng } from '../util/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { clipGradNorm, type Optimizer } from '../nn/optim.js';

export interface StepPlan {
  batchSize: number;
  perEpoch: number;
  total: number;
}

export function stepPlan(method: string, rows: number, o: TrainingOptions, defaults: { epochs: number; batchSize: number; lr: number }): StepPlan & { lr: number } {
  const batchSize = o.batchSize ?? defaults.batchSize;
  const lr = o.lr ?? defaults.lr;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`${method}: learning rate must be a positive number, got ${lr}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`${method}: batch size must be a positive integer, got ${batchSize}`);
  const perEpoch = Math.ceil(rows / batchSize);
  const total = o.steps ?? (o.epochs ?? defaults.epochs) * perEpoch;
  if (!(Number.isInteger(total) && total >= 1)) throw new Error(`${method}: steps must be a positive integer, got ${total}`);
  return { batchSize, perEpoch, total, lr };
}

/**
 * batchAt(step): the row indices of that step's minibatch (steps must be asked for in order). A
 * batch that holds every row keeps them in data order: shuffling would change nothing but the
 * rounding, and a fixed order keeps full-batch training bit-reproducible against precomputed
 * activations (LinEAS with source = target stays exactly at the identity).
 */
export function epochBatches(plan: StepPlan, rows: number, rng: Rng): (step: number) => number[] {
  if (plan.perEpoch === 1) return () => Array.from({ length: rows }, (_, i) => i);
  let order: number[] = [];
  return (step) => {
    if (step % plan.perEpoch === 0) order = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
    const k = step % plan.perEpoch;
    return order.slice(k * plan.batchSize, (k + 1) * plan.batchSize);
  };
}

export interface StepLoop {
  plan: StepPlan;
  rows: number;
  rng: Rng;
  opt: Optimizer;
  /** The learning rate of a step (a schedule). */
  lrAt: (step: number) => number;
  /** Global gradient-norm clip, if any. */
  clip?: number;
  /** Runs after each optimiser step (e.g. a proximal step). */
  afterStep?: () => void;
  onStep?: (step: number, total: number, loss: number) => void;
}

/**
 * Runs the plan: per step, lossOf(batch) builds the loss of that minibatch's row indices (inside a
 * tidy scope); backward, clip, schedule, optimiser step. Returns the loss per step.
 */
export function runSteps(o: StepLoop, lossOf: (batch: number[]) => Tensor): number[] {
  const batchAt = epochBatches(o.plan, o.rows, o.rng);
  const losses: number[] = [];
  for (let step = 0; step < o.plan.total; step++) {
    const batch = batchAt(step);
    const loss = tidy(() => {
      const l = lossOf(batch);
      l.backward();
      return l.item();
    });
    if (o.clip !== undefined) clipGradNorm(o.opt.params, o.clip);
    o.opt.lr = o.lrAt(step);
    o.opt.step();
    o.opt.zeroGrad();
    o.afterStep?.();
    losses.push(loss);
    o.onStep?.(step + 1, o.plan.total, loss);
  }
  return losses;
}

/** Mean loss over the first and the last tenth of the steps. */
export function lossEnds(losses: readonly number[]): { start: number; end: number } {
  const tail = Math.max(1, Math.round(losses.length / 10));
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return { start: mean(losses.slice(0, tail)), end: mean(losses.slice(-tail)) };
}
