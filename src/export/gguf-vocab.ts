// The tokenizer metadata of a llama.cpp model file (tokenizer.ggml.*), from a model folder's
// tokenizer.json. llama.cpp's "llama" tokenizer is SentencePiece's: it merges the adjacent pair
// whose joined text has the highest score, where Hugging Face's BPE merges the pair of lowest rank.
// So a merge's rank becomes its result's score (the first merge that makes a token counts), which
// orders the merges as tokenizer.json does. Folders without a tokenizer (random benchmark
// checkpoints that feed token ids) get placeholder tokens: llama.cpp needs a vocabulary to load.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../io/config.js';
import type { GGUFValue } from './gguf.js';

/** llama_token_type values (llama.cpp's vocabulary). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

const BYTE_TOKEN = /^<0x[0-9A-F]{2}>$/;

interface TokenizerJson {
  model?: { type?: string; byte_fallback?: boolean; unk_token?: string | null; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Whether the tokenizer puts "▁" before the text, as SentencePiece's add_dummy_prefix does. */
function addsSpacePrefix(tj: TokenizerJson): boolean {
  const text = JSON.stringify([tj.normalizer ?? null, tj.pre_tokenizer ?? null]);
  return /"type":"Prepend","prepend":"▁"/.test(text) || /"type":"Metaspace"[^}]*"(add_prefix_space":true|prepend_scheme":"(always|first)")/.test(text);
}

function vocabFromTokenizer(file: string, cfg: ModelConfig): Map<string, GGUFValue> {
  const tj = readJson(file) as TokenizerJson;
  const m = tj.model;
  if (!m || m.type !== 'BPE' || m.byte_fallback !== true || !m.vocab) {
    throw new Error(`${file}: a ${m?.type ?? 'unknown'} tokenizer${m?.byte_fallback ? '' : ' without byte fallback'}; the GGUF model writer takes SentencePiece-style BPE vocabularies (Llama 1/2, stories260K) or none`);
  }
  const n = cfg.vocabSize;
  const tokens: (string | undefined)[] = new Array(n);
  const types = new Int32Array(n);
  const place = (text: string, id: number, type: number) => {
    if (!(Number.isInteger(id) && id >= 0 && id < n)) throw new Error(`${file}: token "${text}" has id ${id}, outside the model's vocabulary of ${n}`);
    tokens[id] = text;
    types[id] = type;
  };
  for (const [text, id] of Object.entries(m.vocab)) place(text, id, BYTE_TOKEN.test(text) ? TOKEN_TYPE.byte : TOKEN_TYPE.normal);
  for (const a of tj.added_tokens ?? []) {
    const type = a.content === m.unk_token ? TOKEN_TYPE.unknown : a.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
    place(a.content, a.id, type);
  }
  // Ids the tokenizer leaves unnamed (a vocabulary padded for the matrix shapes), as
  // convert_hf_to_gguf.py names them.
  for (let i = 0; i < n; i++) if (tokens[i] === undefined) place(`[PAD${i}]`, i, TOKEN_TYPE.unused);

  const ids = new Map(tokens.map((t, i) => [t!, i] as const));
  const scores = new Float32Array(n);
  const scored = new Uint8Array(n);
  (m.merges ?? []).forEach((merge, rank) => {
    const [a, b] = typeof merge === 'string' ? merge.split(' ') : merge;
    const id = ids.get(`${a ?? ''}${b ?? ''}`);
    if (id === undefined) throw new Error(`${file}: merge ${rank} ("${a} ${b}") makes a token the vocabulary lacks`);
    if (!scored[id]) {
      scores[id] = -(rank + 1);
      scored[id] = 1;
    }
  });
  const unk = m.unk_token ? ids.get(m.unk_token) : undefined;
  return vocabEntries(tokens as string[], scores, types, cfg, unk, addsSpacePrefix(tj), readAddBos(file));
}

/** tokenizer_config.json's add_bos_token beside tokenizer.json (SentencePiece Llama adds BOS). */
function readAddBos(tokenizerFile: string): boolean {
  const cfgFile = join(tokenizerFile, '..', 'tokenizer_config.json');
  if (!existsSync(cfgFile)) return true;
  const v = (readJson(cfgFile) as { add_bos_token?: unknown }).add_bos_token;
  return typeof v === 'boolean' ? v : true;
}

/** Placeholder tokens for a checkpoint without a tokenizer: its special ids, the 256 bytes, then names. */
function placeholderVocab(cfg: ModelConfig): Map<string, GGUFValue> {
  const n = cfg.vocabSize;
  const tokens = Array.from({ length: n }, (_, i) => `[tok${i}]`);
  const types = new Int32Array(n).fill(TOKEN_TYPE.normal);
  const special = new Set([0, cfg.bosTokenId, ...cfg.eosTokenIds].filter((x): x is number => x !== null && x < n));
  let next = 0;
  if (n >= special.size + 256) {
    for (let b = 0; b < 256; b++) {
      while (special.has(next)) next++;
      tokens[next] = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      types[next++] = TOKEN_TYPE.byte;
    }
  }
  for (const id of special) {
    tokens[id] = id === 0 ? '<unk>' : id === cfg.bosTokenId ? '<s>' : id === cfg.eosTokenIds[0] ? '</s>' : `<special${id}>`;
    types[id] = id === 0 ? TOKEN_TYPE.unknown : TOKEN_TYPE.control;
  }
  return vocabEntries(tokens, new Float32Array(n), types, cfg, 0, true, true);
}

function vocabEntries(tokens: string[], scores: Float32Array, types: Int32Array, cfg: ModelConfig, unk: number | undefined, spacePrefix: boolean, addBos: boolean): Map<string, GGUFValue> {
  const md = new Map<string, GGUFValue>([
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'float32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: types }],
  ]);
  if (cfg.bosTokenId !== null) md.set('tokenizer.ggml.bos_token_id', { type: 'uint32', value: cfg.bosTokenId });
  if (cfg.eosTokenIds.length) md.set('tokenizer.ggml.eos_token_id', { type: 'uint32', value: cfg.eosTokenIds[0]! });
  if (unk !== undefined) md.set('tokenizer.ggml.unknown_token_id', { type: 'uint32', value: unk });
  if (cfg.padTokenId !== null) md.set('tokenizer.ggml.padding_token_id', { type: 'uint32', value: cfg.padTokenId });
  md.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: addBos });
  md.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: false });
  md.set('tokenizer.ggml.add_space_prefix', { type: 'bool', value: spacePrefix });
  return md;
}

/** tokenizer.ggml.* for a model folder: from its tokenizer.json, or placeholders when it has none. */
export function llamaVocabMetadata(dir: string, cfg: ModelConfig): Map<string, GGUFValue> {
  const file = join(dir, 'tokenizer.json');
  return existsSync(file) ? vocabFromTokenizer(file, cfg) : placeholderVocab(cfg);
}
