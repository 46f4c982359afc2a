// A rank-1 weight edit applied as hooks: the projection W that writes a block's attention or MLP
// output becomes W + s·u kᵀ, so its output gains s·u (kᵀx) where x is the projection's input.
//
//   o_proj     input layers.{i}.attn.z   (per-head outputs, flattened)   output layers.{i}.attn.out
//   down_proj  input layers.{i}.mlp.act  (MLP neuron activations)         output layers.{i}.mlp.out
//
// The hook reads x at the input site and adds s·u (kᵀx) at the output site, which is exactly what
// the edited weights compute (up to float rounding), at every position. That holds only where the
// output site is the projection's raw output: not in Gemma, whose post-attention and post-MLP norms
// sit between the projection and attn.out / mlp.out (weightEditTarget refuses those models).
//
// Steer2Edit (src/methods/steer2edit/) stores one such (u, k) pair per edited layer and projection.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../tensor/ops/index.js';
import { fmt } from '../tensor/shape.js';
import type { HookFn } from '../models/hooks.js';
import type { DecoderModel } from '../models/decoder.js';
import { Intervention, type InterventionOptions } from './interventions.js';

export type EditedProjection = 'o_proj' | 'down_proj';

export interface WeightEditTarget {
  layer: number;
  proj: EditedProjection;
  /** Where the projection's input is read. */
  inputSite: string;
  /** Where its output is (and the edit is added). */
  outputSite: string;
}

/** The projection an output site stands for: layers.i.attn.out → o_proj, layers.i.mlp.out → down_proj. */
export function weightEditTarget(site: string): WeightEditTarget {
  const m = /^layers\.(\d+)\.(attn\.out|mlp\.out)$/.exec(site);
  if (!m) throw new Error(`weight edit at ${site}: weight edits act on a projection's output, layers.N.attn.out (o_proj) or layers.N.mlp.out (down_proj)`);
  const layer = Number(m[1]);
  return m[2] === 'attn.out'
    ? { layer, proj: 'o_proj', inputSite: `layers.${layer}.attn.z`, outputSite: site }
    : { layer, proj: 'down_proj', inputSite: `layers.${layer}.mlp.act`, outputSite: site };
}

/** The output site of a layer's projection. */
export function weightEditSite(layer: number, proj: EditedProjection): string {
  return `layers.${layer}.${proj === 'o_proj' ? 'attn.out' : 'mlp.out'}`;
}

/**
 * Refuses models where the hook would not equal the edited weights: a norm between the projection
 * and its output site (Gemma 2/3's post-attention and post-MLP norms).
 */
export function checkWeightEditable(model: DecoderModel, t: WeightEditTarget): void {
  const L = model.weights.layers[t.layer];
  if (!L) throw new Error(`weight edit at ${t.outputSite}: layer ${t.layer} does not exist (the model has ${model.arch.layers})`);
  const norm = t.proj === 'o_proj' ? L.postAttnNorm : L.postMlpNorm;
  if (norm) throw new Error(`weight edit at ${t.outputSite}: this ${model.arch.modelType} model normalises the ${t.proj} output before ${t.outputSite} (a post-${t.proj === 'o_proj' ? 'attention' : 'MLP'} norm), so an edit of ${t.proj} is not an addition there; weight edits support llama, mistral, qwen2, qwen3 and gpt2`);
}

export class WeightEditIntervention extends Intervention {
  readonly kind = 'weight-edit';
  readonly target: WeightEditTarget;
  /** The projection's input of the current forward pass, set by the input hook, used once. */
  private input: Tensor | null = null;

  /** u: [out] (written direction), k: [in] (read direction, magnitudes included). */
  constructor(site: string, readonly u: Tensor, readonly k: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    this.target = weightEditTarget(site);
    for (const [what, t] of [['u', u], ['k', k]] as const) {
      if (t.dtype !== 'f32') throw new Error(`weight edit at ${site}: ${what} must be f32 (got ${t.dtype})`);
      if (t.rank !== 1) throw new Error(`weight edit at ${site}: ${what} must be a vector, got ${fmt(t.shape)}`);
    }
  }

  get width(): number {
    return this.u.size;
  }

  parameters(): Tensor[] {
    return [this.u, this.k].filter((t) => t.requiresGrad);
  }

  tensors(): Record<string, Tensor> {
    return { delta_u: this.u, delta_k: this.k };
  }

  /**
   * Records the projection's input. Installed after every intervention's own hook (apply.ts), so
   * it sees the input the projection really receives when other interventions edit that site.
   */
  override inputHooks(): Array<[string, HookFn]> {
    return [[this.target.inputSite, (x: Tensor) => {
      this.input = x;
    }]];
  }

  protected edit(h: Tensor): Tensor {
    const x = this.input;
    this.input = null;
    if (!x) throw new Error(`weight edit at ${this.site}: its input ${this.target.inputSite} was not read in this forward pass (install it with hooksFor / installInterventions)`);
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    const n = this.k.size;
    if (x.size !== B * T * n) throw new Error(`weight edit at ${this.site}: the input ${this.target.inputSite} has ${x.size / (B * T)} features per token, the edit reads ${n}`);
    const along = ops.linear(ops.reshape(x, [B, T, n]), ops.reshape(this.k, [1, n])); // [B, T, 1] = kᵀx
    return ops.add(h, ops.mul(ops.scale(along, this.strength), this.u));
  }
}
