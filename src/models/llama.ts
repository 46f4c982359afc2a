// The Llama family: llama, mistral, qwen2 (q/k/v biases), qwen3 (per-head q/k RMSNorm).
// Pre-norm blocks: x += o(attn(rope(q), rope(k), v)); x += down(silu(gate(x̂))·up(x̂)).

import type { ModelConfig } from '../io/config.js';
import { rotaryOf } from './rotary.js';
import type { ArchConfig, LayerWeights, ModelWeights } from './arch.js';
import { WeightReader, type WeightSource } from './weights.js';
import { baseArch, linearOf, normOf, ropeScalingOf } from './common.js';

export function llamaArch(c: ModelConfig): ArchConfig {
  const rot = rotaryOf(c, c.ropeTheta ?? 10000, ropeScalingOf(c));
  const window = (i: number) => (c.slidingWindow && c.layerTypes[i] === 'sliding_attention' ? c.slidingWindow : 0);
  return {
    ...baseArch(c),
    maxPositions: rot.context,
    ropeInvFreq: (_, seqLen) => rot.invFreq(seqLen),
    ropeAttentionFactor: () => rot.attentionFactor,
    ropeStaticUpTo: rot.staticUpTo,
    window,
  };
}

export function llamaWeights(c: ModelConfig, src: WeightSource): ModelWeights {
  const r = new WeightReader(src, ['model.', '']);
  const D = c.hiddenSize;
  const qkv = c.attentionBias;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `layers.${i}.`;
    layers.push({
      inputNorm: normOf(r, p + 'input_layernorm', D, false),
      q: linearOf(r, p + 'self_attn.q_proj', c.numHeads * c.headDim, D, qkv),
      k: linearOf(r, p + 'self_attn.k_proj', c.numKvHeads * c.headDim, D, qkv),
      v: linearOf(r, p + 'self_attn.v_proj', c.numKvHeads * c.headDim, D, qkv),
      o: linearOf(r, p + 'self_attn.o_proj', D, c.numHeads * c.headDim, c.attentionOutBias),
      qNorm: c.qkNorm ? normOf(r, p + 'self_attn.q_norm', c.headDim, false) : null,
      kNorm: c.qkNorm ? normOf(r, p + 'self_attn.k_norm', c.headDim, false) : null,
      postAttnNorm: null,
      mlpNorm: normOf(r, p + 'post_attention_layernorm', D, false),
      gate: linearOf(r, p + 'mlp.gate_proj', c.intermediateSize, D, c.mlpBias),
      up: linearOf(r, p + 'mlp.up_proj', c.intermediateSize, D, c.mlpBias),
      down: linearOf(r, p + 'mlp.down_proj', D, c.intermediateSize, c.mlpBias),
      postMlpNorm: null,
    });
  }
  const embed = r.get('embed_tokens.weight', [c.vocabSize, D]);
  const head = new WeightReader(src, ['']);
  const lmHead = !c.tieWordEmbeddings || head.has('lm_head.weight') ? head.get('lm_head.weight', [c.vocabSize, D]) : embed;
  return { embed, posEmbed: null, layers, finalNorm: normOf(r, 'norm', D, false), lmHead };
}
