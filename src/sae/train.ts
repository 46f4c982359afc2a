// Training an SAE on activations held in memory (rows of [n, d]), on the engine's autograd with
// Adam, following common practice (Gao et al. 2024 "Scaling and evaluating sparse autoencoders";
// SAELens): inputs scaled so E‖x̃‖² = d; b_dec initialised at the geometric median of a sample;
// decoder rows kept unit norm (the gradient's component along each row removed before the step,
// the row renormalised after it); encoder tied to the decoder at init. Loss per token:
//
//   topk   ‖x̃ − x̂‖² / d  +  auxCoef · AuxK       (AuxK: the k_aux largest pre-activations of the
//          dead latents reconstruct the residual x̃ − x̂, normalised by its own size; it revives
//          latents that stopped firing)
//   relu   ‖x̃ − x̂‖² / d  +  λ · Σ_i z_i / d        (ReLU + L1; decoder rows are unit norm)
//
// Dead latents: those that have not fired over the last `deadWindow` training tokens.
// Resumable: `checkpoint` is called every `checkpointEvery` steps with the whole state, and a
// state passed back as `resume` continues where it stopped, bit for bit (the batch order is a
// function of the seed and the epoch).

import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import * as ops from '../tensor/ops/index.js';
import { AdamW } from '../nn/optim.js';
import { cosineSchedule } from '../nn/schedule.js';
import { Rng } from '../util/rng.js';
import { decodeTensor, initSae, saeTensors, topkIndices, type Sae, type SaeActivation, type SaeParams } from './sae.js';

export const SAE_DEFAULTS = { width: 1024, k: 16, l1: 5, steps: 800, batch: 1024, lr: 2e-3, auxCoef: 1 / 32, deadWindow: 100_000, warmupFraction: 0.02 } as const;

export interface SaeTrainOptions {
  site: string;
  width?: number;
  /** TopK's k (the default activation); give `l1` instead for ReLU + L1. */
  k?: number;
  l1?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  auxCoef?: number;
  deadWindow?: number;
  checkpointEvery?: number;
  resume?: SaeState | null;
  onStep?: (step: number, total: number, info: StepInfo) => void;
  checkpoint?: (state: SaeState) => void;
}

export interface StepInfo {
  loss: number;
  /** Fraction of variance unexplained of this batch. */
  fvu: number;
  /** Mean active latents per token of this batch. */
  l0: number;
  /** Share of latents dead (not fired over the last deadWindow tokens). */
  dead: number;
}

/** Everything training needs to continue: the SAE, Adam's moments, the step, and each latent's last firing. */
export interface SaeState {
  sae: Sae;
  step: number;
  total: number;
  adam: { step: number; m: Float32Array[]; v: Float32Array[] };
  /** Training tokens seen when each latent last fired. */
  lastFired: Float64Array;
  tokensSeen: number;
  options: { activation: SaeActivation; k: number | null; l1: number | null; batch: number; lr: number; seed: number; auxCoef: number; deadWindow: number };
  history: StepInfo[];
}

/** Geometric median of rows (Weiszfeld's iterations from the mean). */
export function geometricMedian(x: Float32Array, n: number, d: number, iters = 30): Float32Array {
  const m = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) m[j] += x[r * d + j]! / n;
  for (let it = 0; it < iters; it++) {
    const num = new Float64Array(d);
    let den = 0;
    for (let r = 0; r < n; r++) {
      let q = 0;
      for (let j = 0; j < d; j++) q += (x[r * d + j]! - m[j]!) ** 2;
      const w = 1 / Math.max(Math.sqrt(q), 1e-8);
      den += w;
      for (let j = 0; j < d; j++) num[j] += w * x[r * d + j]!;
    }
    for (let j = 0; j < d; j++) m[j] = num[j]! / den;
  }
  return Float32Array.from(m);
}

/** c with E‖c·x‖² = d over the rows. */
export function inputScaleOf(x: Float32Array, n: number, d: number): number {
  let s = 0;
  for (let i = 0; i < n * d; i++) s += x[i]! * x[i]!;
  if (!(s > 0)) throw new Error('sae: the activations are all zero');
  return Math.sqrt((d * n) / s);
}

function checkOptions(o: SaeTrainOptions, rows: number): SaeState['options'] & { width: number; steps: number } {
  if (o.k !== undefined && o.l1 !== undefined) throw new Error('sae: give --k (TopK) or --l1 (ReLU + L1), not both');
  const activation: SaeActivation = o.l1 !== undefined ? 'relu' : 'topk';
  const width = o.width ?? SAE_DEFAULTS.width;
  const k = activation === 'topk' ? (o.k ?? SAE_DEFAULTS.k) : null;
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`sae: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int('--width', width, 1);
  if (k !== null) int('--k', k, 1);
  if (k !== null && k > width) throw new Error(`sae: --k ${k} is more than the width ${width}`);
  if (o.l1 !== undefined && !(o.l1 >= 0 && Number.isFinite(o.l1))) throw new Error(`sae: --l1 must be a number ≥ 0, got ${o.l1}`);
  const steps = o.steps ?? SAE_DEFAULTS.steps;
  int('--steps', steps, 1);
  const batch = Math.min(o.batch ?? SAE_DEFAULTS.batch, rows);
  int('--batch', batch, 1);
  const lr = o.lr ?? SAE_DEFAULTS.lr;
  if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`sae: --lr must be a positive number, got ${lr}`);
  return {
    activation, k, l1: activation === 'relu' ? o.l1! : null, batch, lr, seed: o.seed ?? 0, auxCoef: o.auxCoef ?? SAE_DEFAULTS.auxCoef,
    deadWindow: o.deadWindow ?? SAE_DEFAULTS.deadWindow, width, steps,
  };
}

/** The rows of a step's batch: epochs of a shuffle that depends only on the seed and the epoch. */
function batchRows(rows: number, batch: number, seed: number): (step: number) => Int32Array {
  const perEpoch = Math.max(1, Math.floor(rows / batch));
  let epoch = -1;
  let order: number[] = [];
  return (step) => {
    const e = Math.floor(step / perEpoch);
    if (e !== epoch) {
      epoch = e;
      order = new Rng((seed * 7919 + e * 104729 + 1) >>> 0).shuffle(Array.from({ length: rows }, (_, i) => i));
    }
    const k = step % perEpoch;
    return Int32Array.from(order.slice(k * batch, (k + 1) * batch));
  };
}

export function trainSae(x: Float32Array, rows: number, d: number, o: SaeTrainOptions): SaeState {
  if (rows < 2) throw new Error(`sae: need at least 2 activation rows, got ${rows}`);
  if (x.length !== rows * d) throw new Error(`sae: ${x.length} values are not ${rows} rows of ${d}`);
  const opt = checkOptions(o, rows);
  let state: SaeState;
  if (o.resume) {
    state = o.resume;
    const r = state.options;
    if (state.sae.d !== d || state.sae.width !== opt.width || r.activation !== opt.activation || r.k !== opt.k || r.l1 !== opt.l1 || state.sae.site !== o.site) {
      throw new Error(`sae: the checkpoint was trained with ${r.activation}${r.k !== null ? ` k ${r.k}` : ` l1 ${r.l1}`}, width ${state.sae.width} at ${state.sae.site}; these options differ`);
    }
    state.total = opt.steps;
  } else {
    const rng = new Rng(opt.seed);
    const sampleN = Math.min(rows, 4096);
    const sample = new Float32Array(sampleN * d);
    for (let r = 0; r < sampleN; r++) sample.set(x.subarray(r * d, (r + 1) * d), r * d);
    const c = inputScaleOf(x, rows, d);
    for (let i = 0; i < sample.length; i++) sample[i] = sample[i]! * c;
    const sae = initSae({ site: o.site, activation: opt.activation, k: opt.k, d, width: opt.width, inputScale: c, bDec: geometricMedian(sample, sampleN, d), normal: () => rng.normal() });
    state = {
      sae, step: 0, total: opt.steps, adam: { step: 0, m: [], v: [] }, lastFired: new Float64Array(opt.width), tokensSeen: 0,
      options: { activation: opt.activation, k: opt.k, l1: opt.l1, batch: opt.batch, lr: opt.lr, seed: opt.seed, auxCoef: opt.auxCoef, deadWindow: opt.deadWindow }, history: [],
    };
  }
  const { sae } = state;
  const p = saeTensors(sae, true);
  const params = [p.wEnc, p.bEnc, p.wDec, p.bDec];
  const adam = new AdamW(params, { lr: opt.lr, weightDecay: 0 });
  if (o.resume) adam.loadState(state.adam);
  const at = batchRows(rows, opt.batch, opt.seed);
  const warmup = Math.round(SAE_DEFAULTS.warmupFraction * opt.steps);
  const kAux = Math.min(opt.width, Math.max(1, Math.floor(d / 2)));
  const xb = new Float32Array(opt.batch * d);
  for (; state.step < opt.steps; state.step++) {
    const idx = at(state.step);
    const n = idx.length;
    for (let r = 0; r < n; r++) {
      const src = idx[r]! * d;
      for (let j = 0; j < d; j++) xb[r * d + j] = x[src + j]! * sae.inputScale;
    }
    const dead = deadMask(state);
    const info = tidy(() => {
      const xt = fromStorage(xb.subarray(0, n * d), [n, d], 'f32');
      const pre = ops.linear(ops.sub(xt, p.bDec), p.wEnc, p.bEnc);
      const code = opt.activation === 'topk' ? sparseCode(pre, topkIndices(pre.f as Float32Array, n, opt.width, opt.k!), opt.k!) : null;
      const z = code ? null : ops.relu(pre);
      const xHat = code ? ops.add(sparseDecode(p.wDec, code), p.bDec) : decodeTensor(p, z!);
      const err = ops.sub(xt, xHat);
      const sq = ops.sum(ops.square(err));
      let loss = ops.scale(sq, 1 / (n * d));
      if (z) loss = ops.add(loss, ops.scale(ops.sum(z), opt.l1! / (n * d)));
      else if (opt.auxCoef > 0 && dead.count > 0) loss = ops.add(loss, ops.scale(auxK(p, pre, err, dead, Math.min(kAux, dead.count)), opt.auxCoef));
      loss.backward();
      const fired = new Uint8Array(opt.width);
      let active = 0;
      if (code) {
        const v = code.values.f as Float32Array;
        for (let j = 0; j < v.length; j++) if (v[j]! > 0) (fired[code.latents[j]!] = 1), active++;
      } else {
        const zf = z!.f as Float32Array;
        for (let j = 0; j < zf.length; j++) if (zf[j]! > 0) (fired[j % opt.width] = 1), active++;
      }
      state.tokensSeen += n;
      for (let i = 0; i < opt.width; i++) if (fired[i]) state.lastFired[i] = state.tokensSeen;
      return { loss: loss.item(), fvu: sq.item() / totalVariance(xb, n, d), l0: active / n };
    });
    projectDecoderGrad(p.wDec, sae.width, d);
    adam.lr = cosineSchedule(state.step, opt.steps, opt.lr, warmup, opt.lr / 10);
    adam.step();
    adam.zeroGrad();
    normaliseRows(p.wDec.f as Float32Array, sae.width, d);
    const step: StepInfo = { ...info, dead: deadMask(state).count / opt.width };
    state.history.push(step);
    o.onStep?.(state.step + 1, opt.steps, step);
    if (o.checkpoint && o.checkpointEvery && (state.step + 1) % o.checkpointEvery === 0 && state.step + 1 < opt.steps) {
      syncSae(sae, p);
      state.adam = adam.state();
      o.checkpoint({ ...state, step: state.step + 1 });
    }
  }
  syncSae(sae, p);
  state.adam = adam.state();
  return state;
}

function syncSae(s: Sae, p: SaeParams): void {
  s.wEnc.set(p.wEnc.f);
  s.bEnc.set(p.bEnc.f);
  s.wDec.set(p.wDec.f);
  s.bDec.set(p.bDec.f);
}

/** Latents that have not fired over the last deadWindow tokens (none before that many were seen). */
function deadMask(s: SaeState): { mask: Float32Array; count: number } {
  const w = s.sae.width;
  const mask = new Float32Array(w);
  let count = 0;
  if (s.tokensSeen >= s.options.deadWindow) {
    for (let i = 0; i < w; i++) if (s.tokensSeen - s.lastFired[i]! >= s.options.deadWindow) (mask[i] = 1), count++;
  }
  return { mask, count };
}

/**
 * A TopK code kept sparse: per row its k latents and their values ReLU(a) gathered from the
 * pre-activations [n, width] (the gradient flows into a at those entries only), [n, k, 1].
 */
function sparseCode(pre: Tensor, latents: Int32Array, k: number): { latents: Int32Array; values: Tensor; n: number; k: number } {
  const [n, w] = [pre.shape[0]!, pre.shape[1]!];
  const flat = Int32Array.from(latents, (i, j) => Math.floor(j / k) * w + i);
  const values = ops.relu(ops.embedding(ops.reshape(pre, [n * w, 1]), fromStorage(flat, [n, k], 'i32')));
  return { latents, values, n, k };
}

/** Σ_j values_j · W_dec[latent_j] per row: the decoder on a sparse code (n·k·d work instead of n·width·d). */
function sparseDecode(wDec: Tensor, c: { latents: Int32Array; values: Tensor; n: number; k: number }): Tensor {
  const rows = ops.embedding(wDec, fromStorage(c.latents, [c.n, c.k], 'i32'));
  // [n, 1, k] · [n, k, d]: a batched product (a reduction over k would run on the reference backend).
  return ops.reshape(ops.matmul(ops.reshape(c.values, [c.n, 1, c.k]), rows), [c.n, wDec.shape[1]!]);
}

/** AuxK: ‖e − ê‖² / ‖e‖², ê decoded (no bias) from the top kAux pre-activations among the dead latents; e is the detached residual. */
function auxK(p: SaeParams, pre: Tensor, err: Tensor, dead: { mask: Float32Array }, kAux: number): Tensor {
  const [n, w] = [pre.shape[0]!, pre.shape[1]!];
  const a = pre.f as Float32Array;
  const masked = new Float32Array(n * w);
  for (let r = 0; r < n; r++) for (let i = 0; i < w; i++) masked[r * w + i] = dead.mask[i] ? a[r * w + i]! : -Infinity;
  const eHat = sparseDecode(p.wDec, sparseCode(pre, topkIndices(masked, n, w, kAux), kAux));
  const e = fromStorage(Float32Array.from(err.f as Float32Array), err.shape, 'f32');
  const denom = Math.max(ops.sum(ops.square(e)).item(), 1e-12);
  return ops.scale(ops.sum(ops.square(ops.sub(e, eHat))), 1 / denom);
}

function totalVariance(x: Float32Array, n: number, d: number): number {
  let t = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let r = 0; r < n; r++) m += x[r * d + j]!;
    m /= n;
    for (let r = 0; r < n; r++) t += (x[r * d + j]! - m) ** 2;
  }
  return t;
}

/** Removes from each decoder row's gradient its component along the row (the row stays unit norm to first order). */
function projectDecoderGrad(w: Tensor, rows: number, d: number): void {
  if (!w.grad) return;
  const g = w.grad.f;
  const v = w.f;
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += g[i * d + j]! * v[i * d + j]!;
    for (let j = 0; j < d; j++) g[i * d + j] = g[i * d + j]! - dot * v[i * d + j]!;
  }
}

function normaliseRows(v: Float32Array, rows: number, d: number): void {
  for (let i = 0; i < rows; i++) {
    let n = 0;
    for (let j = 0; j < d; j++) n += v[i * d + j]! ** 2;
    n = Math.sqrt(n);
    if (n > 0) for (let j = 0; j < d; j++) v[i * d + j] = v[i * d + j]! / n;
  }
}
