// generation_config.json → GenerationDefaults (what the model's authors suggest for decoding).
//
//   const gen = loadGenerationConfig(dir);   // null when the folder has none
//   gen?.eosTokenIds;                        // always an array (the file may hold a number or a list)

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigReader, asObject, type Json } from './config-fields.js';

export interface GenerationDefaults {
  bosTokenId: number | null;
  /** Stop ids; `eos_token_id` may be one id or a list in the file. */
  eosTokenIds: number[];
  padTokenId: number | null;
  doSample: boolean | null;
  temperature: number | null;
  topK: number | null;
  topP: number | null;
  repetitionPenalty: number | null;
  maxLength: number | null;
  maxNewTokens: number | null;
  source: string;
  raw: Json;
}

export function parseGenerationConfig(json: unknown, source = 'generation_config.json'): GenerationDefaults {
  const raw = asObject(json, source);
  const r = new ConfigReader(raw, source);
  const doSample = r.has('do_sample') ? r.bool('do_sample', false) : null;
  return {
    bosTokenId: r.optTokenId('bos_token_id'),
    eosTokenIds: r.tokenIds('eos_token_id'),
    padTokenId: r.optTokenId('pad_token_id'),
    doSample,
    // temperature 0 is legal in some files (meaning greedy): accept any finite number ≥ 0.
    temperature: nonNeg(r, 'temperature'),
    topK: r.has('top_k') ? intNonNeg(r, 'top_k') : null,
    topP: nonNeg(r, 'top_p'),
    repetitionPenalty: r.optPosNum('repetition_penalty'),
    maxLength: r.optPosInt('max_length'),
    maxNewTokens: r.optPosInt('max_new_tokens'),
    source,
    raw,
  };
}

function nonNeg(r: ConfigReader, key: string): number | null {
  const v = r.optNum(key);
  if (v !== null && v < 0) throw new Error(`${r.source}: field "${key}" must be ≥ 0, got ${v}`);
  return v;
}

function intNonNeg(r: ConfigReader, key: string): number {
  const v = r.optNum(key);
  if (v === null || !Number.isSafeInteger(v) || v < 0) throw new Error(`${r.source}: field "${key}" must be a non-negative integer, got ${JSON.stringify(r.raw[key])}`);
  return v;
}

/** Reads `generation_config.json` from a model folder; null when it has none. */
export function loadGenerationConfig(dir: string): GenerationDefaults | null {
  const file = join(dir, 'generation_config.json');
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseGenerationConfig(json, file);
}
