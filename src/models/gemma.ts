// Gemma 2 and Gemma 3 (text): RMSNorm with (1 + w), embeddings scaled by √d, sandwich norms
// around attention and MLP, attention scale from query_pre_attn_scalar, logit soft-capping
// (Gemma 2), sliding-window layers (Gemma 2: every even layer; Gemma 3: by layer_types or the
// sliding-window pattern, with their own RoPE base), per-head q/k norms (Gemma 3).

import type { ModelConfig } from '../io/config.js';
import { rotaryOf } from './rotary.js';
import type { ArchConfig, LayerWeights, ModelWeights } from './arch.js';
import { WeightReader, type WeightSource } from './weights.js';
import { baseArch, linearOf, normOf, ropeScalingOf } from './common.js';

function isSliding(c: ModelConfig, i: number): boolean {
  return c.layerTypes[i] === 'sliding_attention';
}

export function gemmaArch(c: ModelConfig): ArchConfig {
  const isGemma3 = c.modelType !== 'gemma2';
  const global = rotaryOf(c, c.ropeTheta ?? 10000, ropeScalingOf(c));
  const local = isGemma3 ? rotaryOf(c, c.ropeLocalBaseFreq ?? 10000, null) : global;
  const rot = (i: number) => (isSliding(c, i) ? local : global);
  const window = c.slidingWindow ?? 0;
  return {
    ...baseArch(c),
    normOffset: 1,
    // HF casts √d to the hidden dtype; we compute in f32, so round it to f32 as HF does for f32 models.
    embedScale: Math.fround(c.embeddingScale),
    maxPositions: global.context,
    ropeInvFreq: (i, seqLen) => rot(i).invFreq(seqLen),
    ropeAttentionFactor: (i) => rot(i).attentionFactor,
    ropeStaticUpTo: Math.min(global.staticUpTo, local.staticUpTo),
    attnScale: 1 / Math.sqrt(c.queryPreAttnScalar ?? c.headDim),
    attnSoftcap: c.attnLogitSoftcapping ?? 0,
    finalSoftcap: c.finalLogitSoftcapping ?? 0,
    window: (i) => (window && isSliding(c, i) ? window : 0),
  };
}

export function gemmaWeights(c: ModelConfig, src: WeightSource): ModelWeights {
  const r = new WeightReader(src, ['model.', 'model.language_model.', 'language_model.model.', '']);
  const D = c.hiddenSize;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `layers.${i}.`;
    layers.push({
      inputNorm: normOf(r, p + 'input_layernorm', D, false),
      q: linearOf(r, p + 'self_attn.q_proj', c.numHeads * c.headDim, D, c.attentionBias),
      k: linearOf(r, p + 'self_attn.k_proj', c.numKvHeads * c.headDim, D, c.attentionBias),
      v: linearOf(r, p + 'self_attn.v_proj', c.numKvHeads * c.headDim, D, c.attentionBias),
      o: linearOf(r, p + 'self_attn.o_proj', D, c.numHeads * c.headDim, c.attentionOutBias),
      qNorm: c.qkNorm ? normOf(r, p + 'self_attn.q_norm', c.headDim, false) : null,
      kNorm: c.qkNorm ? normOf(r, p + 'self_attn.k_norm', c.headDim, false) : null,
      postAttnNorm: normOf(r, p + 'post_attention_layernorm', D, false),
      mlpNorm: normOf(r, p + 'pre_feedforward_layernorm', D, false),
      gate: linearOf(r, p + 'mlp.gate_proj', c.intermediateSize, D, false),
      up: linearOf(r, p + 'mlp.up_proj', c.intermediateSize, D, false),
      down: linearOf(r, p + 'mlp.down_proj', D, c.intermediateSize, false),
      postMlpNorm: normOf(r, p + 'post_feedforward_layernorm', D, false),
    });
  }
  const embed = r.get('embed_tokens.weight', [c.vocabSize, D]);
  const head = new WeightReader(src, ['']);
  const lmHead = !c.tieWordEmbeddings && head.has('lm_head.weight') ? head.get('lm_head.weight', [c.vocabSize, D]) : embed;
  return { embed, posEmbed: null, layers, finalNorm: normOf(r, 'norm', D, false), lmHead };
}
