// Optimisers that update parameter tensors in place from their .grad: SGD (momentum, weight
// decay) and AdamW (decoupled weight decay, bias-corrected moments), plus global-norm clipping.
//
//   const opt = new AdamW([v], { lr: 0.04 });
//   loss.backward(); clipGradNorm([v], 1.0); opt.step(); opt.zeroGrad();

import type { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';

function checkParams(params: readonly Tensor[], who: string): void {
  if (params.length === 0) throw new Error(`${who}: no parameters given`);
  for (const p of params) {
    if (p.dtype !== 'f32' && p.dtype !== 'f64') throw new Error(`${who}: parameter ${p} must be f32 or f64 (got ${p.dtype})`);
    if (!p.requiresGrad) throw new Error(`${who}: parameter ${p} does not require a gradient`);
  }
}

function gradOf(p: Tensor): FloatArray | null {
  if (!p.grad) return null;
  return p.grad.f;
}

export abstract class Optimizer {
  lr: number;
  protected stepCount = 0;
  constructor(readonly params: readonly Tensor[], lr: number, who: string) {
    checkParams(params, who);
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`${who}: learning rate must be a positive number, got ${lr}`);
    this.lr = lr;
  }

  get steps(): number {
    return this.stepCount;
  }

  /** Drops every parameter's gradient (frees it). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  abstract step(): void;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly velocity: (Float64Array | null)[];

  constructor(params: readonly Tensor[], opts: SgdOptions) {
    super(params, opts.lr, 'SGD');
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.velocity = params.map(() => null);
  }

  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      const g = gradOf(p);
      if (!g) return;
      const w = p.f;
      let v = this.velocity[i];
      if (this.momentum > 0 && !v) v = this.velocity[i] = new Float64Array(w.length);
      for (let j = 0; j < w.length; j++) {
        let d = g[j]! + this.weightDecay * w[j]!;
        if (v) d = v[j] = this.momentum * v[j]! + d;
        w[j] = w[j]! - this.lr * d;
      }
    });
  }
}

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter): w ← w − lr·wd·w. Default 0.01 as in PyTorch. */
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(params: readonly Tensor[], opts: AdamWOptions) {
    super(params, opts.lr, 'AdamW');
    this.b1 = opts.beta1 ?? 0.9;
    this.b2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.wd = opts.weightDecay ?? 0.01;
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    this.stepCount++;
    const t = this.stepCount;
    const c1 = 1 - this.b1 ** t;
    const c2 = 1 - this.b2 ** t;
    this.params.forEach((p, i) => {
      const g = gradOf(p);
      if (!g) return;
      const w = p.f;
      const m = this.m[i]!;
      const v = this.v[i]!;
      const decay = 1 - this.lr * this.wd;
      for (let j = 0; j < w.length; j++) {
        const gj = g[j]!;
        m[j] = this.b1 * m[j]! + (1 - this.b1) * gj;
        v[j] = this.b2 * v[j]! + (1 - this.b2) * gj * gj;
        const mh = m[j]! / c1;
        const vh = v[j]! / c2;
        w[j] = w[j]! * decay - (this.lr * mh) / (Math.sqrt(vh) + this.eps);
      }
    });
  }

  /** Moment buffers, for checkpointing. */
  state(): { step: number; m: Float32Array[]; v: Float32Array[] } {
    return { step: this.stepCount, m: this.m, v: this.v };
  }

  loadState(s: { step: number; m: ArrayLike<number>[]; v: ArrayLike<number>[] }): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) throw new Error('AdamW.loadState: parameter count differs from the saved state');
    s.m.forEach((a, i) => {
      if (a.length !== this.m[i]!.length) throw new Error(`AdamW.loadState: parameter ${i} has ${this.m[i]!.length} elements, saved state has ${a.length}`);
      this.m[i]!.set(a);
      this.v[i]!.set(s.v[i]!);
    });
    this.stepCount = s.step;
  }
}

/** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  let sq = 0;
  for (const p of params) {
    const g = gradOf(p);
    if (g) for (let j = 0; j < g.length; j++) sq += g[j]! * g[j]!;
  }
  const norm = Math.sqrt(sq);
  if (norm > maxNorm && norm > 0) {
    const s = maxNorm / (norm + 1e-6);
    for (const p of params) {
      const g = gradOf(p);
      if (g) for (let j = 0; j < g.length; j++) g[j] = g[j]! * s;
    }
  }
  return norm;
}
