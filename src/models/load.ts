// Loading a model end to end: resolve (local folder, HF cache, or download when allowed), parse
// config.json, open the safetensors checkpoint (weights stay in their stored dtype), build the
// architecture, and load the tokenizer and generation defaults when the folder has them.
//
//   const { model, tokenizer } = await loadModel('models/stories260K');

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelConfig, type ModelConfig } from '../io/config.js';
import { Checkpoint } from '../io/checkpoint.js';
import { loadGenerationConfig, type GenerationDefaults } from '../io/generation.js';
import { resolveModel, type ResolveOptions } from '../io/resolve.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { nativeBackend } from '../backend/registry.js';
import { buildModel } from './registry.js';
import type { DecoderModel } from './decoder.js';

export interface LoadedModel {
  model: DecoderModel;
  config: ModelConfig;
  tokenizer: Tokenizer | null;
  generationConfig: GenerationDefaults | null;
  dir: string;
  /** The hub id, when the model came from the cache or a download. */
  repoId: string | null;
}

export interface LoadOptions extends ResolveOptions {
  /** A Jinja chat template to use instead of the model's (or where it has none). */
  chatTemplate?: string;
}

export async function loadModel(ref: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const resolved = await resolveModel(ref, opts);
  const dir = resolved.dir;
  const config = loadModelConfig(dir);
  const ckpt = Checkpoint.open(dir, { prepare: adviseHugePages });
  const model = buildModel(config, ckpt);
  const tokenizer = existsSync(join(dir, 'tokenizer.json')) ? loadTokenizer(dir, opts.chatTemplate !== undefined ? { chatTemplate: opts.chatTemplate } : {}) : null;
  const generationConfig = loadGenerationConfig(dir);
  return { model, config, tokenizer, generationConfig, dir, repoId: resolved.repoId };
}

/**
 * Asks for huge pages behind a checkpoint's data buffer before it is read (native backend, Linux):
 * decode streams every weight once per token, and on 4 KiB pages the hardware prefetcher stops at
 * every page (native/src/hugepages.cc). A no-op without the addon.
 */
function adviseHugePages(data: ArrayBuffer): void {
  const advise = nativeBackend()?.addon['adviseHugePages'];
  if (typeof advise === 'function') advise(data);
}

/** EOS ids to stop on: generation_config.json's when present, else config.json's. */
export function stopIds(m: LoadedModel): number[] {
  const ids = m.generationConfig?.eosTokenIds.length ? m.generationConfig.eosTokenIds : m.config.eosTokenIds;
  return [...new Set(ids)];
}
