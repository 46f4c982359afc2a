// The normalised description of a decoder-only transformer that decoder.ts runs. Each family
// file (llama.ts, gemma.ts, gpt2.ts) turns a Hugging Face config and checkpoint into this.

import type { Tensor } from '../tensor/tensor.js';
import type { UnaryOp } from '../backend/kernels.js';

export interface Linear {
  /** [out, in], as Hugging Face stores nn.Linear weights; any float dtype. */
  w: Tensor;
  b: Tensor | null;
}

export interface Norm {
  w: Tensor | null;
  b: Tensor | null;
}

export interface LayerWeights {
  inputNorm: Norm;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  /** Per-head RMSNorm of queries and keys (Qwen3, Gemma 3). */
  qNorm: Norm | null;
  kNorm: Norm | null;
  /** Gemma's norm of the attention output before the residual add. */
  postAttnNorm: Norm | null;
  /** Norm before the MLP (Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm). */
  mlpNorm: Norm;
  gate: Linear | null;
  up: Linear;
  down: Linear;
  /** Gemma's norm of the MLP output before the residual add. */
  postMlpNorm: Norm | null;
}

export interface ModelWeights {
  embed: Tensor;
  /** Learned absolute positions (GPT-2). */
  posEmbed: Tensor | null;
  layers: LayerWeights[];
  finalNorm: Norm;
  lmHead: Tensor;
}

export interface ArchConfig {
  modelType: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  /** The context: max_position_embeddings, or the length YaRN / dynamic NTK scaling stretches it to. */
  maxPositions: number;
  norm: 'rms' | 'layer';
  normEps: number;
  /** RMSNorm computes x̂·(w + normOffset): 1 for Gemma. */
  normOffset: number;
  embedScale: number;
  act: UnaryOp;
  gatedMlp: boolean;
  /**
   * Rotary frequencies per layer (null for learned positions); Gemma 3 differs for local layers.
   * seqLen is the forward call's longest position + 1: dynamic NTK scaling depends on it, and
   * without it gives the frequencies of sequences up to ropeStaticUpTo.
   */
  ropeInvFreq: (layer: number, seqLen?: number) => Float64Array | null;
  /** Factor on rotated q and k per layer (YaRN's attention_factor; 1 otherwise): scores scale by its square. */
  ropeAttentionFactor: (layer: number) => number;
  /** Sequence lengths up to which ropeInvFreq does not depend on seqLen (Infinity unless dynamic NTK). */
  ropeStaticUpTo: number;
  attnScale: number;
  attnSoftcap: number;
  finalSoftcap: number;
  /** Sliding-window size of a layer (0 = full attention). */
  window: (layer: number) => number;
  bosTokenId: number | null;
  eosTokenIds: number[];
}
