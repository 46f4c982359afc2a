// Everything a model folder holds, opened together: resolve the reference, parse config.json and
// generation_config.json, validate every safetensors header, load the tokenizer. No weight data
// is read until a tensor is requested from `checkpoint`.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint } from './checkpoint.js';
import { loadModelConfig, type ModelConfig } from './config.js';
import { loadGenerationConfig, type GenerationDefaults } from './generation.js';
import { resolveModel, type ResolveOptions, type ResolvedModel } from './resolve.js';
import type { OpenOptions } from './safetensors.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/tokenizer.js';

export interface ModelFiles {
  dir: string;
  resolved: ResolvedModel;
  config: ModelConfig;
  generation: GenerationDefaults | null;
  checkpoint: Checkpoint;
  /** null when the folder has no tokenizer.json. */
  tokenizer: Tokenizer | null;
  /**
   * Ids that end generation: generation_config's eos ids, else config.json's, else the
   * tokenizer's eos token.
   */
  eosTokenIds: number[];
}

export async function openModelFiles(ref: string, opts: ResolveOptions & OpenOptions = {}): Promise<ModelFiles> {
  const resolved = await resolveModel(ref, opts);
  const dir = resolved.dir;
  const config = loadModelConfig(dir);
  const generation = loadGenerationConfig(dir);
  const checkpoint = Checkpoint.open(dir, opts.lazy !== undefined ? { lazy: opts.lazy } : {});
  const fallbackIds = { bos: generation?.bosTokenId ?? config.bosTokenId, eos: generation?.eosTokenIds[0] ?? config.eosTokenIds[0] ?? null, pad: generation?.padTokenId ?? config.padTokenId };
  const tokenizer = existsSync(join(dir, 'tokenizer.json')) ? loadTokenizer(dir, { fallbackIds }) : null;
  let eosTokenIds = generation?.eosTokenIds ?? [];
  if (eosTokenIds.length === 0) eosTokenIds = config.eosTokenIds;
  if (eosTokenIds.length === 0 && tokenizer?.eosTokenId != null) eosTokenIds = [tokenizer.eosTokenId];
  return { dir, resolved, config, generation, checkpoint, tokenizer, eosTokenIds };
}
