// A model's rotary embedding as the decoder uses it: the inverse frequencies (for dynamic NTK,
// per sequence length), YaRN's attention factor, and how far the scaling stretches the context.
//
// Dynamic NTK at decode time, as transformers does it: every forward call computes its frequencies
// from its own longest position + 1 (over the whole batch) and rotates only that call's new
// queries and keys with them; keys already in the KV cache keep the rotation they were stored
// with. So a cached decode past the original length differs from re-running the whole sequence,
// in transformers and here alike. (transformers also remembers the largest length seen until a
// call falls back below the original length; a freshly loaded model, and every generation whose
// positions only grow, behave as here.)

import type { ModelConfig } from '../io/config.js';
import { ropeParameters, ropeTypeOf, type RopeScaling } from '../tensor/ops/rope-freq.js';

export interface Rotary {
  /** Frequencies for a forward whose longest position + 1 is seqLen (only dynamic NTK looks at it). */
  invFreq(seqLen?: number): Float64Array;
  /** transformers' attention_scaling: multiplies rotated q and k (YaRN), else 1. */
  attentionFactor: number;
  /** Sequence lengths up to which invFreq() is the same array whatever seqLen is (Infinity unless dynamic). */
  staticUpTo: number;
  /** The context the model runs at. */
  context: number;
}

/** How messages name the config's scaling block. */
function labelOf(c: ModelConfig): string {
  const prefix = c.raw !== c.rawFile ? 'text_config.' : '';
  const key = c.raw['rope_parameters'] ? 'rope_parameters' : 'rope_scaling';
  return `${c.source}: field "${prefix}${key}"`;
}

/**
 * The context a scaled model runs at, by vLLM's rule: YaRN reaches original × factor (Qwen2.5's
 * card adds yarn ×4 over an original 32768 and keeps max_position_embeddings at 32768), dynamic
 * NTK max_position_embeddings × factor. Other types keep max_position_embeddings (Llama 3.1 and
 * Gemma 3 already state the stretched length there).
 */
function contextOf(s: RopeScaling | null, maxPositions: number): number {
  const type = ropeTypeOf(s);
  const factor = s?.factor ?? 1;
  if (type === 'yarn') return Math.max(maxPositions, Math.floor((s?.original_max_position_embeddings ?? maxPositions) * factor));
  if (type === 'dynamic') return Math.floor(maxPositions * factor);
  return maxPositions;
}

export function rotaryOf(c: ModelConfig, theta: number, scaling: RopeScaling | null): Rotary {
  const opts = { headDim: c.headDim, theta, scaling, maxPositions: c.maxPositions, label: labelOf(c) };
  const fixed = ropeParameters(opts);
  if (ropeTypeOf(scaling) !== 'dynamic') {
    return { invFreq: () => fixed.invFreq, attentionFactor: fixed.attentionFactor, staticUpTo: Infinity, context: contextOf(scaling, c.maxPositions) };
  }
  // One forward call asks once per layer for the same length: keep the last one.
  let last = { seqLen: c.maxPositions, invFreq: fixed.invFreq };
  const invFreq = (seqLen?: number): Float64Array => {
    if (seqLen === undefined || seqLen <= c.maxPositions) return fixed.invFreq;
    if (seqLen !== last.seqLen) last = { seqLen, invFreq: ropeParameters({ ...opts, seqLen }).invFreq };
    return last.invFreq;
  };
  return { invFreq, attentionFactor: 1, staticUpTo: c.maxPositions, context: contextOf(scaling, c.maxPositions) };
}
