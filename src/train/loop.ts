// Next-token training of a decoder on a packed token stream: random windows, AdamW with warmup
// and cosine decay, global-norm clipping, periodic held-out loss, checkpoint/resume hooks.
// Every step runs inside tidy(), so memory stays flat however long training runs.

import { fromStorage } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { AdamW, clipGradNorm } from '../nn/optim.js';
import { cosineSchedule } from '../nn/schedule.js';
import { Rng } from '../util/rng.js';
import type { DecoderModel } from '../models/decoder.js';

export interface TrainOptions {
  steps: number;
  batch: number;
  context: number;
  lr: number;
  minLr?: number;
  warmup?: number;
  weightDecay?: number;
  clip?: number;
  seed: number;
  evalEvery?: number;
  evalBatches?: number;
  /** First step to run (resume). */
  startStep?: number;
  /** Token id that is never a prediction target (padding). */
  ignoreId?: number;
  /**
   * Offsets where training windows may start (document starts, ascending); windows start anywhere
   * when absent. Starting at a document start means the first document of every window is seen
   * from its beginning with nothing before it, as at inference.
   */
  starts?: Int32Array;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  heldOutLoss?: number;
}

/** Samples `batch` windows of context+1 tokens from a stream; inputs and shifted targets. */
function sampleBatch(stream: Int32Array, batch: number, context: number, rng: Rng, starts?: Int32Array): { input: Tensor; target: Tensor } {
  const input = new Int32Array(batch * context);
  const target = new Int32Array(batch * context);
  const maxStart = stream.length - context - 1;
  if (maxStart < 0) throw new Error(`training stream of ${stream.length} tokens is shorter than one window (${context + 1})`);
  const nStarts = starts ? usableStarts(starts, maxStart) : 0;
  if (starts && nStarts === 0) throw new Error('training: no document starts leave room for one window');
  for (let b = 0; b < batch; b++) {
    const s = starts ? starts[rng.int(nStarts)]! : rng.int(maxStart + 1);
    input.set(stream.subarray(s, s + context), b * context);
    target.set(stream.subarray(s + 1, s + context + 1), b * context);
  }
  return { input: fromStorage(input, [batch, context], 'i32'), target: fromStorage(target, [batch * context], 'i32') };
}

/** How many of the (ascending) starts are at most maxStart. */
function usableStarts(starts: Int32Array, maxStart: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= maxStart) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function lmLoss(model: DecoderModel, input: Tensor, target: Tensor, ignoreId = -100): Tensor {
  const logits = model.forward(input);
  return ops.crossEntropy(ops.reshape(logits, [target.size, -1]), target, { ignoreIndex: ignoreId });
}

/** Mean loss over fixed held-out windows (deterministic: the same windows every call). */
export function heldOutLoss(model: DecoderModel, stream: Int32Array, batches: number, batch: number, context: number, ignoreId = -100): number {
  const rng = new Rng(12345);
  let sum = 0;
  for (let i = 0; i < batches; i++) {
    sum += tidy(() => noGrad(() => {
      const { input, target } = sampleBatch(stream, batch, context, rng);
      return lmLoss(model, input, target, ignoreId).item();
    }));
  }
  return sum / batches;
}

export function trainLM(
  model: DecoderModel,
  params: readonly Tensor[],
  train: Int32Array,
  heldOut: Int32Array | null,
  opts: TrainOptions,
  hooks: { optimizer?: AdamW; onStep?: (s: StepInfo) => void; onCheckpoint?: (step: number, opt: AdamW) => void; checkpointEvery?: number } = {},
): AdamW {
  const opt = hooks.optimizer ?? new AdamW(params, { lr: opts.lr, weightDecay: opts.weightDecay ?? 0.1, beta2: 0.95 });
  const start = opts.startStep ?? 0;
  // The data order depends on the seed and the step, so a resumed run sees what an unbroken one would.
  for (let step = start; step < opts.steps; step++) {
    const t0 = performance.now();
    const rng = new Rng(opts.seed * 1_000_003 + step);
    opt.lr = cosineSchedule(step, opts.steps, opts.lr, opts.warmup ?? 0, opts.minLr ?? opts.lr * 0.1);
    const { loss, gradNorm } = tidy(() => {
      opt.zeroGrad();
      const { input, target } = sampleBatch(train, opts.batch, opts.context, rng, opts.starts);
      const l = lmLoss(model, input, target, opts.ignoreId);
      l.backward();
      const gn = clipGradNorm(params, opts.clip ?? 1.0);
      opt.step();
      return { loss: l.item(), gradNorm: gn };
    });
    opt.zeroGrad();
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step} (loss ${loss}); lower the learning rate`);
    const info: StepInfo = { step, loss, lr: opt.lr, gradNorm, tokensPerSecond: (opts.batch * opts.context) / ((performance.now() - t0) / 1000) };
    const ev = opts.evalEvery ?? 0;
    if (heldOut && ev > 0 && ((step + 1) % ev === 0 || step === opts.steps - 1)) {
      info.heldOutLoss = heldOutLoss(model, heldOut, opts.evalBatches ?? 4, opts.batch, opts.context, opts.ignoreId);
    }
    hooks.onStep?.(info);
    const ce = hooks.checkpointEvery ?? 0;
    if (hooks.onCheckpoint && ce > 0 && (step + 1) % ce === 0) hooks.onCheckpoint(step + 1, opt);
  }
  return opt;
}
