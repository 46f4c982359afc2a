// Random initialisation of a Llama-format checkpoint (HF tensor names, f32, trainable), so our
// own engine can train a model that then loads through the same path as any real checkpoint.

import { parseModelConfig, type ModelConfig } from '../io/config.js';
import { Tensor, fromStorage } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import type { WeightSource } from '../models/weights.js';

/** A weight source over an in-memory map of tensors. */
export class MapWeights implements WeightSource {
  constructor(readonly map: Map<string, Tensor>) {}
  has(name: string): boolean {
    return this.map.has(name);
  }
  get(name: string): Tensor {
    const t = this.map.get(name);
    if (!t) throw new Error(`no tensor named ${name}`);
    return t;
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

function normal(rng: Rng, shape: number[], std: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
  return fromStorage(data, shape, 'f32', true);
}

function onesParam(n: number): Tensor {
  return fromStorage(new Float32Array(n).fill(1), [n], 'f32', true);
}

/**
 * GPT-2-style init: N(0, std) everywhere, residual output projections (o_proj, down_proj) scaled
 * by 1/√(2·layers) so the residual stream does not grow with depth; norms at 1.
 */
export function initLlamaWeights(configJson: Record<string, unknown>, seed: number, std = 0.02): { config: ModelConfig; weights: Map<string, Tensor> } {
  const c = parseModelConfig(configJson, 'organism config');
  if (c.modelType !== 'llama') throw new Error(`initLlamaWeights: model_type must be llama, got ${c.modelType}`);
  const rng = new Rng(seed);
  const D = c.hiddenSize;
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  const resid = std / Math.sqrt(2 * c.numLayers);
  const w = new Map<string, Tensor>();
  w.set('model.embed_tokens.weight', normal(rng, [c.vocabSize, D], std));
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}.`;
    w.set(p + 'input_layernorm.weight', onesParam(D));
    w.set(p + 'self_attn.q_proj.weight', normal(rng, [qd, D], std));
    w.set(p + 'self_attn.k_proj.weight', normal(rng, [kvd, D], std));
    w.set(p + 'self_attn.v_proj.weight', normal(rng, [kvd, D], std));
    w.set(p + 'self_attn.o_proj.weight', normal(rng, [D, qd], resid));
    w.set(p + 'post_attention_layernorm.weight', onesParam(D));
    w.set(p + 'mlp.gate_proj.weight', normal(rng, [c.intermediateSize, D], std));
    w.set(p + 'mlp.up_proj.weight', normal(rng, [c.intermediateSize, D], std));
    w.set(p + 'mlp.down_proj.weight', normal(rng, [D, c.intermediateSize], resid));
  }
  w.set('model.norm.weight', onesParam(D));
  if (!c.tieWordEmbeddings) w.set('lm_head.weight', normal(rng, [c.vocabSize, D], std));
  return { config: c, weights: w };
}
