// GPT-2: learned absolute positions, LayerNorm with bias, GELU (tanh) MLP, biases everywhere,
// tied output embedding. Its Conv1D weights are stored [in, out] with q/k/v fused in c_attn;
// we transpose them once at load (same dtype, no widening) into the [out, in] layout the decoder uses.

import type { ModelConfig } from '../io/config.js';
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../tensor/ops/index.js';
import type { ArchConfig, LayerWeights, Linear, ModelWeights } from './arch.js';
import { WeightReader, type WeightSource } from './weights.js';
import { baseArch, normOf } from './common.js';

export function gpt2Arch(c: ModelConfig): ArchConfig {
  // GPT-2 has no grouped heads: config parsing sets kvHeads = heads.
  return { ...baseArch(c), norm: 'layer', gatedMlp: false };
}

/** A Conv1D weight [in, out] as a Linear [out, in] (copy of the same dtype). */
function conv1d(r: WeightReader, name: string, inp: number, out: number): Linear {
  return { w: ops.transpose(r.get(`${name}.weight`, [inp, out])), b: r.get(`${name}.bias`, [out]) };
}

function rows(t: Tensor, start: number, end: number): Tensor {
  return ops.slice(t, 0, start, end);
}

export function gpt2Weights(c: ModelConfig, src: WeightSource): ModelWeights {
  const r = new WeightReader(src, ['transformer.', '']);
  const D = c.hiddenSize;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `h.${i}.`;
    const qkv = conv1d(r, p + 'attn.c_attn', D, 3 * D);
    const part = (j: number): Linear => ({ w: rows(qkv.w, j * D, (j + 1) * D), b: rows(qkv.b!, j * D, (j + 1) * D) });
    layers.push({
      inputNorm: normOf(r, p + 'ln_1', D, true),
      q: part(0),
      k: part(1),
      v: part(2),
      o: conv1d(r, p + 'attn.c_proj', D, D),
      qNorm: null,
      kNorm: null,
      postAttnNorm: null,
      mlpNorm: normOf(r, p + 'ln_2', D, true),
      gate: null,
      up: conv1d(r, p + 'mlp.c_fc', D, c.intermediateSize),
      down: conv1d(r, p + 'mlp.c_proj', c.intermediateSize, D),
      postMlpNorm: null,
    });
  }
  const embed = r.get('wte.weight', [c.vocabSize, D]);
  const head = new WeightReader(src, ['']);
  return {
    embed,
    posEmbed: r.get('wpe.weight', [c.maxPositions, D]),
    layers,
    finalNorm: normOf(r, 'ln_f', D, true),
    lmHead: head.has('lm_head.weight') ? head.get('lm_head.weight', [c.vocabSize, D]) : embed,
  };
}
