// Architectures keyed by config.json's model_type.
import type { ModelConfig } from '../io/config.js';
import type { ArchConfig, ModelWeights } from './arch.js';
import type { WeightSource } from './weights.js';
import { llamaArch, llamaWeights } from './llama.js';
import { gemmaArch, gemmaWeights } from './gemma.js';
import { gpt2Arch, gpt2Weights } from './gpt2.js';
import { DecoderModel } from './decoder.js';

interface Family {
  arch(c: ModelConfig): ArchConfig;
  weights(c: ModelConfig, src: WeightSource): ModelWeights;
}

const llama: Family = { arch: llamaArch, weights: llamaWeights };
const gemma: Family = { arch: gemmaArch, weights: gemmaWeights };

export const ARCHITECTURES: Readonly<Record<string, Family>> = {
  llama,
  mistral: llama,
  qwen2: llama,
  qwen3: llama,
  gemma2: gemma,
  gemma3_text: gemma,
  gpt2: { arch: gpt2Arch, weights: gpt2Weights },
};

export function buildModel(config: ModelConfig, src: WeightSource): DecoderModel {
  const fam = ARCHITECTURES[config.modelType];
  if (!fam) throw new Error(`model_type "${config.modelType}" is not supported (supported: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return new DecoderModel(fam.arch(config), fam.weights(config, src));
}
