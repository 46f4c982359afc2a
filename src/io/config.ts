// config.json → a typed, normalised ModelConfig.
//
//   const cfg = loadModelConfig('/path/to/model');   // or parseModelConfig(json, 'config.json')
//   cfg.numKvHeads; cfg.headDim; cfg.layerTypes[3];   // 'sliding_attention' | 'full_attention'
//
// Every architecture's spelling of the same idea is mapped to one field (GPT-2's n_embd →
// hiddenSize, Gemma's hidden_activation → hiddenAct, ...). Where a field is absent, the default of
// the matching `transformers` config class is used, so a config behaves as it does in Python.
// Structural sizes (hidden size, layers, heads, vocabulary, MLP width) are required: transformers
// always writes them at top level. The exception is Gemma 3's nested `text_config`, which
// transformers writes as a diff against Gemma3TextConfig's defaults, so those defaults fill it.
// Facts that are fixed by an architecture rather than configured (Qwen2's q/k/v bias, Gemma's
// embedding scale and q/k norms) are also stated here so model code has a single place to look.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigReader, asObject, type Json } from './config-fields.js';

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'gemma3_text', 'gpt2'] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];
export type LayerType = 'full_attention' | 'sliding_attention';

export interface ModelConfig {
  /** Normalised: a multimodal `gemma3` config becomes `gemma3_text` (its text_config). */
  modelType: ModelType;
  architectures: string[];
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  norm: 'rmsnorm' | 'layernorm';
  /** Epsilon of the norms (rms_norm_eps or layer_norm_epsilon). */
  normEps: number;
  rmsNormEps: number | null;
  layerNormEps: number | null;
  /** Rotary base; null for learned absolute positions (GPT-2). */
  ropeTheta: number | null;
  /** rope_scaling as written (null when absent or of type "default"). */
  ropeScaling: Json | null;
  /** rope_scaling.rope_type (or legacy .type), e.g. "llama3", "linear", "yarn". */
  ropeType: string | null;
  /** Gemma 3: rotary base of sliding-window layers (full layers use ropeTheta and ropeScaling). */
  ropeLocalBaseFreq: number | null;
  tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections. */
  attentionBias: boolean;
  /** Bias on the attention output projection (differs from attentionBias for Qwen2). */
  attentionOutBias: boolean;
  mlpBias: boolean;
  /** Activation as named by transformers: silu, gelu_pytorch_tanh, gelu_new, gelu, ... */
  hiddenAct: string;
  /** RMSNorm on per-head q and k (Qwen3, Gemma 3). */
  qkNorm: boolean;
  /** Window of sliding-attention layers, null when no layer slides. */
  slidingWindow: number | null;
  /** One entry per layer. */
  layerTypes: LayerType[];
  /** Gemma: attention scale is queryPreAttnScalar^-0.5 instead of headDim^-0.5. */
  queryPreAttnScalar: number | null;
  attnLogitSoftcapping: number | null;
  finalLogitSoftcapping: number | null;
  /** Factor applied to token embeddings (Gemma: sqrt(hiddenSize)), else 1. */
  embeddingScale: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** torch_dtype (or dtype) as written, e.g. "bfloat16". */
  torchDtype: string | null;
  /** Where the config came from (for messages). */
  source: string;
  /** The object the fields were read from (text_config for gemma3), untouched. */
  raw: Json;
  /** The whole file, when it differs from raw (gemma3). */
  rawFile: Json;
}

/** transformers' Gemma3TextConfig defaults: used to fill a gemma3 model's sparse text_config. */
const GEMMA3_TEXT_DEFAULTS: Json = {
  vocab_size: 262208, hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26,
  num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256,
};

/** Reads and parses `config.json` from a model folder (or a direct path to the file). */
export function loadModelConfig(pathOrDir: string): ModelConfig {
  const file = existsSync(pathOrDir) && statSync(pathOrDir).isDirectory() ? join(pathOrDir, 'config.json') : pathOrDir;
  if (!existsSync(file)) throw new Error(`${file}: not found (a model folder needs a config.json)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseModelConfig(json, file);
}

export function parseModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  const file = asObject(json, source);
  const mt = file['model_type'];
  if (typeof mt !== 'string') {
    throw new Error(`${source}: field "model_type" is missing; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  let raw = file;
  let modelType = mt;
  let prefix = '';
  if (mt === 'gemma3') {
    const tc = file['text_config'];
    if (tc === undefined || tc === null) throw new Error(`${source}: gemma3 config has no "text_config"`);
    raw = { ...GEMMA3_TEXT_DEFAULTS, ...asObject(tc, source, 'text_config to be an object') };
    modelType = 'gemma3_text';
    prefix = 'text_config.';
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new Error(`${source}: model_type "${mt}" is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}, gemma3`);
  }
  const r = new ConfigReader(raw, source, prefix);
  const top = new ConfigReader(file, source);
  const cfg = modelType === 'gpt2' ? gpt2(r) : decoder(r, modelType as Exclude<ModelType, 'gpt2'>);

  // Token ids and dtype: gemma3 may keep them at top level, outside text_config.
  const pick = <T>(f: (c: ConfigReader) => T, empty: (v: T) => boolean): T => {
    const v = f(r);
    return empty(v) && raw !== file ? f(top) : v;
  };
  const eos = pick((c) => c.tokenIds('eos_token_id'), (v) => v.length === 0);
  return {
    ...cfg,
    architectures: top.stringArray('architectures') ?? [],
    bosTokenId: pick((c) => c.optTokenId('bos_token_id'), (v) => v === null),
    eosTokenIds: eos,
    padTokenId: pick((c) => c.optTokenId('pad_token_id'), (v) => v === null),
    torchDtype: pick((c) => c.optString('torch_dtype') ?? c.optString('dtype'), (v) => v === null),
    source,
    raw,
    rawFile: file,
  };
}

type Core = Omit<ModelConfig, 'architectures' | 'bosTokenId' | 'eosTokenIds' | 'padTokenId' | 'torchDtype' | 'source' | 'raw' | 'rawFile'>;

interface ArchDefaults {
  maxPositions: number;
  ropeTheta: number;
  hiddenAct: string;
  tie: boolean;
  headDim: number | null; // null: hidden / heads
}

const DEFAULTS: Record<Exclude<ModelType, 'gpt2'>, ArchDefaults> = {
  llama: { maxPositions: 2048, ropeTheta: 10000, hiddenAct: 'silu', tie: false, headDim: null },
  mistral: { maxPositions: 4096 * 32, ropeTheta: 10000, hiddenAct: 'silu', tie: false, headDim: null },
  qwen2: { maxPositions: 32768, ropeTheta: 10000, hiddenAct: 'silu', tie: false, headDim: null },
  qwen3: { maxPositions: 32768, ropeTheta: 10000, hiddenAct: 'silu', tie: false, headDim: 128 },
  gemma2: { maxPositions: 8192, ropeTheta: 10000, hiddenAct: 'gelu_pytorch_tanh', tie: true, headDim: 256 },
  gemma3_text: { maxPositions: 131072, ropeTheta: 1_000_000, hiddenAct: 'gelu_pytorch_tanh', tie: true, headDim: 256 },
};

/** The Llama family and its relatives (pre-norm, RMSNorm, RoPE, gated MLP). */
function decoder(r: ConfigReader, type: Exclude<ModelType, 'gpt2'>): Core {
  const d = DEFAULTS[type];
  const hiddenSize = r.posInt('hidden_size');
  const intermediateSize = r.posInt('intermediate_size');
  const numLayers = r.posInt('num_hidden_layers');
  const numHeads = r.posInt('num_attention_heads');
  const vocabSize = r.posInt('vocab_size');
  const numKvHeads = r.posInt('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new Error(`${r.source}: num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`);
  }
  const headDim = r.posInt('head_dim', d.headDim ?? divide(r, hiddenSize, numHeads));
  const gemma = type === 'gemma2' || type === 'gemma3_text';
  const rope = ropeOf(r, d.ropeTheta);
  const bias = r.bool('attention_bias', false);
  const eps = r.posNum('rms_norm_eps', 1e-6);

  // Which layers slide, following each transformers config class's rule.
  let window: number | null = null;
  let defaultSliding: (i: number) => boolean = () => false;
  if (type === 'mistral') {
    window = r.optPosInt('sliding_window');
    defaultSliding = () => window !== null;
  } else if (type === 'qwen2' || type === 'qwen3') {
    window = r.bool('use_sliding_window', false) ? r.optPosInt('sliding_window', 4096) : null;
    const maxWindowLayers = r.posInt('max_window_layers', 28);
    defaultSliding = (i) => window !== null && i >= maxWindowLayers;
  } else if (type === 'gemma2') {
    window = r.posInt('sliding_window', 4096);
    defaultSliding = (i) => (i + 1) % 2 !== 0;
  } else if (type === 'gemma3_text') {
    window = r.posInt('sliding_window', 4096);
    const pattern = r.posInt('sliding_window_pattern', 6);
    defaultSliding = (i) => (i + 1) % pattern !== 0;
  }
  const layerTypes = layerTypesOf(r, numLayers, defaultSliding);
  const slides = layerTypes.includes('sliding_attention');
  if (slides && window === null) {
    throw new Error(`${r.source}: field "${r.prefix}layer_types" has sliding_attention layers but "${r.prefix}sliding_window" is not set`);
  }
  // An explicit null softcap disables it; an absent one takes the class default (Gemma 2: 50 / 30).
  const cap = (key: string, dflt: number | null): number | null => (key in r.raw ? r.optPosNum(key) : dflt);

  return {
    modelType: type,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    vocabSize,
    maxPositions: r.posInt('max_position_embeddings', d.maxPositions),
    norm: 'rmsnorm',
    normEps: eps,
    rmsNormEps: eps,
    layerNormEps: null,
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    ropeType: rope.type,
    ropeLocalBaseFreq: type === 'gemma3_text' ? (rope.localTheta ?? r.posNum('rope_local_base_freq', 10000)) : null,
    tieWordEmbeddings: r.bool('tie_word_embeddings', d.tie),
    // Qwen2 hard-codes bias on q/k/v (not o); the others follow attention_bias.
    attentionBias: type === 'qwen2' ? true : bias,
    attentionOutBias: type === 'qwen2' ? false : bias,
    mlpBias: type === 'llama' ? r.bool('mlp_bias', false) : false,
    hiddenAct: (gemma ? (r.optString('hidden_activation') ?? r.optString('hidden_act')) : r.optString('hidden_act')) ?? d.hiddenAct,
    qkNorm: type === 'qwen3' || type === 'gemma3_text',
    slidingWindow: slides ? window : null,
    layerTypes,
    queryPreAttnScalar: gemma ? r.posNum('query_pre_attn_scalar', 256) : null,
    attnLogitSoftcapping: gemma ? cap('attn_logit_softcapping', type === 'gemma2' ? 50 : null) : null,
    finalLogitSoftcapping: gemma ? cap('final_logit_softcapping', type === 'gemma2' ? 30 : null) : null,
    embeddingScale: gemma ? Math.sqrt(hiddenSize) : 1,
  };
}

/** GPT-2: learned positions, LayerNorm, biased Conv1D projections, tied embeddings. */
function gpt2(r: ConfigReader): Core {
  const hiddenSize = r.posInt('n_embd');
  const numHeads = r.posInt('n_head');
  const eps = r.posNum('layer_norm_epsilon', 1e-5);
  const numLayers = r.posInt('n_layer');
  return {
    modelType: 'gpt2',
    hiddenSize,
    intermediateSize: r.posInt('n_inner', 4 * hiddenSize),
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim: divide(r, hiddenSize, numHeads, 'n_embd', 'n_head'),
    vocabSize: r.posInt('vocab_size'),
    maxPositions: r.posInt('n_positions', 1024),
    norm: 'layernorm',
    normEps: eps,
    rmsNormEps: null,
    layerNormEps: eps,
    ropeTheta: null,
    ropeScaling: null,
    ropeType: null,
    ropeLocalBaseFreq: null,
    tieWordEmbeddings: r.bool('tie_word_embeddings', true),
    attentionBias: true,
    attentionOutBias: true,
    mlpBias: true,
    hiddenAct: r.optString('activation_function') ?? 'gelu_new',
    qkNorm: false,
    slidingWindow: null,
    layerTypes: new Array<LayerType>(numLayers).fill('full_attention'),
    queryPreAttnScalar: null,
    attnLogitSoftcapping: null,
    finalLogitSoftcapping: null,
    embeddingScale: 1,
  };
}

function divide(r: ConfigReader, hidden: number, heads: number, hk = 'hidden_size', nk = 'num_attention_heads'): number {
  if (hidden % heads !== 0) throw new Error(`${r.source}: ${hk} (${hidden}) is not divisible by ${nk} (${heads}); set head_dim explicitly`);
  return hidden / heads;
}

function layerTypesOf(r: ConfigReader, numLayers: number, sliding: (i: number) => boolean): LayerType[] {
  const given = r.stringArray('layer_types');
  if (given) {
    if (given.length !== numLayers) throw new Error(`${r.source}: field "${r.prefix}layer_types" has ${given.length} entries for ${numLayers} layers`);
    for (const t of given) {
      if (t !== 'full_attention' && t !== 'sliding_attention') {
        throw new Error(`${r.source}: field "${r.prefix}layer_types" has "${t}" (expected full_attention or sliding_attention)`);
      }
    }
    return given as LayerType[];
  }
  return Array.from({ length: numLayers }, (_, i) => (sliding(i) ? 'sliding_attention' : 'full_attention'));
}

interface Rope {
  theta: number;
  scaling: Json | null;
  type: string | null;
  localTheta: number | null;
}

/**
 * RoPE settings from either spelling: rope_theta + rope_scaling (transformers 4.x) or
 * rope_parameters (5.x; for Gemma 3 keyed by layer type).
 */
function ropeOf(r: ConfigReader, defaultTheta: number): Rope {
  const params = r.optObject('rope_parameters');
  if (params) {
    const full = asObjectOr(params['full_attention']) ?? params;
    const local = asObjectOr(params['sliding_attention']);
    const pr = new ConfigReader(full, r.source, `${r.prefix}rope_parameters.`);
    const type = pr.optString('rope_type') ?? pr.optString('type');
    const localTheta = local ? new ConfigReader(local, r.source, `${r.prefix}rope_parameters.sliding_attention.`).posNum('rope_theta', 10000) : null;
    return { theta: pr.posNum('rope_theta', defaultTheta), scaling: type && type !== 'default' ? full : null, type: type && type !== 'default' ? type : null, localTheta };
  }
  const scaling = r.optObject('rope_scaling');
  let type: string | null = null;
  if (scaling) {
    const sr = new ConfigReader(scaling, r.source, `${r.prefix}rope_scaling.`);
    type = sr.optString('rope_type') ?? sr.optString('type');
    if (type === null) throw new Error(`${r.source}: field "${r.prefix}rope_scaling" has no "rope_type" (or "type")`);
  }
  const useful = scaling !== null && type !== 'default';
  return { theta: r.posNum('rope_theta', defaultTheta), scaling: useful ? scaling : null, type: useful ? type : null, localTheta: null };
}

function asObjectOr(x: unknown): Json | null {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : null;
}
