// Directional ablation folded into the weights (Arditi et al. 2024, "weight orthogonalisation"):
// every matrix that writes into the residual stream loses its component along r̂,
//
//   embed rows  e ← e − (e·r̂) r̂          o_proj, down_proj  W ← W − r̂ (r̂ᵀ W)     biases  b ← b − (b·r̂) r̂
//
// so the residual stream never holds r̂ and the model computes what steerling's ablation hooks
// (r̂ projected out of every layer's input and every attention and MLP output, at every position)
// compute, with no hooks: a plain Hugging Face checkpoint that vLLM, llama.cpp (after its own
// conversion) or transformers serve as they are.
//
// Exact for the Llama family (llama, mistral, qwen2, qwen3), whose blocks add o_proj and down_proj
// outputs to the residual stream directly. Not for Gemma 2/3, whose post-attention and post-MLP
// norms rescale those outputs per channel after the projection. A tied LM head is untied (it keeps
// the original embedding): the final norm's per-channel weight would otherwise let the edited
// embedding change the logits. Only strength 1 is exact: the hooks ablate again at every layer, so
// a partial ablation compounds there and has no single weight edit.

import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { checkNewFolder, intoNewFolder, writeFileAtomic } from '../io/out-path.js';
import { join } from 'node:path';
import type { Artifact } from '../artifact/artifact.js';
import { ablationSites } from '../methods/ablation/sites.js';
import { Checkpoint } from '../io/checkpoint.js';
import { writeSafetensors } from '../io/safetensors-write.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';

export const ORTHOGONALISABLE = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;

/** The unit direction of an ablation artifact, after checking the weight edit is exact for it. */
export function ablationDirection(art: Artifact, layers: number, strength?: number): Float32Array {
  const name = art.meta.name;
  const recs = art.meta.interventions;
  if (recs.some((r) => r.kind !== 'ablate')) {
    throw new Error(`artifact ${name} (${art.meta.method}) is not a directional ablation; only ablation artifacts fold into the weights as an orthogonalisation`);
  }
  const want = ablationSites(layers);
  const sites = recs.map((r) => r.site);
  if (want.length !== sites.length || want.some((s) => !sites.includes(s))) {
    throw new Error(`artifact ${name}: an exact weight edit needs the ablation at every layer's input and attention and MLP output (${want.length} sites); it has ${sites.length}`);
  }
  for (const r of recs) {
    if (r.positions !== 'all' || r.excludeBos) throw new Error(`artifact ${name}: it ablates positions ${JSON.stringify(r.positions)}${r.excludeBos ? ' without BOS' : ''}; a weight edit acts on every position`);
    const s = strength ?? r.default_strength;
    if (s !== 1) throw new Error(`artifact ${name}: strength ${s}: only a full ablation (strength 1) is one weight edit (a partial one compounds from layer to layer)`);
  }
  const first = recs[0]!.tensors['direction'];
  const t = first ? art.tensors.get(first) : undefined;
  if (!t) throw new Error(`artifact ${name}: no direction tensor`);
  const u = Float32Array.from(t.toFloat('f32').data as Float32Array);
  for (const r of recs) {
    const o = art.tensors.get(r.tensors['direction'] ?? '');
    if (!o) throw new Error(`artifact ${name}: intervention at ${r.site} has no direction tensor`);
    const v = o.toFloat('f32').data as Float32Array;
    if (v.length !== u.length || v.some((x, i) => x !== u[i])) throw new Error(`artifact ${name}: its sites ablate different directions; one weight edit needs one`);
  }
  let n = 0;
  for (const x of u) n += x * x;
  n = Math.sqrt(n);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`artifact ${name}: the direction has norm ${n}`);
  for (let i = 0; i < u.length; i++) u[i]! /= n;
  return u;
}

/** W ← W − r̂ (r̂ᵀ W) for W of shape [d, in] (a projection writing d residual channels). */
export function orthogonaliseOutput(w: Float32Array, d: number, u: Float32Array): void {
  const inDim = w.length / d;
  const c = new Float64Array(inDim);
  for (let i = 0; i < d; i++) {
    const ui = u[i]!;
    if (ui === 0) continue;
    const row = i * inDim;
    for (let j = 0; j < inDim; j++) c[j]! += ui * w[row + j]!;
  }
  for (let i = 0; i < d; i++) {
    const ui = u[i]!;
    const row = i * inDim;
    for (let j = 0; j < inDim; j++) w[row + j]! -= ui * c[j]!;
  }
}

/** Each row r of [rows, d]: r ← r − (r·r̂) r̂ (embedding rows; a bias is one row). */
export function orthogonaliseRows(w: Float32Array, d: number, u: Float32Array): void {
  for (let r = 0; r < w.length / d; r++) {
    const o = r * d;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += w[o + j]! * u[j]!;
    for (let j = 0; j < d; j++) w[o + j]! -= dot * u[j]!;
  }
}

export interface MergeReport {
  out: string;
  edited: string[];
  untied: boolean;
  copied: string[];
}

/** The files besides weights and config that serving engines read (a model card is not copied: it describes the unedited model). */
const SERVING_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json', 'vocab.json', 'merges.txt', 'tokenizer.model', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json'];

const EMBED = /(^|\.)embed_tokens\.weight$/;
const WRITER = /(^|\.)layers\.\d+\.(self_attn\.o_proj|mlp\.down_proj)\.(weight|bias)$/;

/** Writes the edited checkpoint: one model.safetensors, the config with its patch, the serving files. */
export function writeCheckpoint(dir: string, out: string, tensors: Map<string, Tensor>, configPatch: Record<string, unknown>, provenance: Record<string, unknown>): string[] {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  return intoNewFolder(out, () => {
    writeSafetensors(join(out, 'model.safetensors'), tensors, { format: 'pt', steerling_edit: JSON.stringify(provenance) });
    writeFileAtomic(join(out, 'config.json'), JSON.stringify({ ...config, ...configPatch }, null, 2) + '\n');
    const copied: string[] = [];
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (!SERVING_FILES.includes(f) || !statSync(p).isFile()) continue;
      copyFileSync(p, join(out, f));
      copied.push(f);
    }
    return copied;
  });
}

/**
 * Writes `out`: the model folder `dir` with the ablation folded in (one model.safetensors, the
 * edited tensors in their original dtype), its config (tie_word_embeddings false when the head
 * was tied) and the serving files (tokenizer, chat template, generation config).
 */
export function writeOrthogonalised(dir: string, modelType: string, hidden: number, u: Float32Array, out: string, provenance: Record<string, unknown>): MergeReport {
  if (!(ORTHOGONALISABLE as readonly string[]).includes(modelType)) {
    throw new Error(`model_type ${modelType}: the orthogonalisation is exact only for ${ORTHOGONALISABLE.join(', ')} (Gemma's post-norms rescale what the projections write)`);
  }
  if (u.length !== hidden) throw new Error(`the direction has ${u.length} values, the model's hidden size is ${hidden}`);
  checkNewFolder(out);
  const ckpt = Checkpoint.open(dir);
  try {
    const names = ckpt.keys();
    const embedName = names.find((n) => EMBED.test(n));
    if (!embedName) throw new Error(`${dir}: no embed_tokens.weight tensor`);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const tied = !names.includes('lm_head.weight') && (config['tie_word_embeddings'] ?? true) !== false;
    const tensors = new Map<string, Tensor>();
    const edited: string[] = [];
    for (const n of names) {
      const t = ckpt.get(n);
      const isEmbed = n === embedName;
      if (!isEmbed && !WRITER.test(n)) {
        tensors.set(n, t);
        continue;
      }
      if (t.shape[0] !== hidden && !isEmbed) throw new Error(`${n}: shape [${t.shape.join(', ')}] does not write ${hidden} residual channels`);
      const w = Float32Array.from(t.toFloat('f32').data as Float32Array);
      if (isEmbed || n.endsWith('.bias')) orthogonaliseRows(w, hidden, u);
      else orthogonaliseOutput(w, hidden, u);
      const e = fromStorage(w, [...t.shape], 'f32');
      tensors.set(n, t.dtype === 'f32' ? e : e.cast(t.dtype));
      edited.push(n);
      if (isEmbed && tied) tensors.set('lm_head.weight', t);
    }
    const copied = writeCheckpoint(dir, out, tensors, tied ? { tie_word_embeddings: false } : {}, provenance);
    return { out, edited, untied: tied, copied };
  } finally {
    ckpt.close();
  }
}

/**
 * Writes `out` with additive steering folded into MLP biases: the vector for block N becomes
 * `layers.N.mlp.down_proj.bias`, which the block adds to its residual output at every position,
 * exactly what an add at layers.N.resid_post does. Only Llama's config can switch MLP biases on
 * (`mlp_bias`, which gives gate_proj, up_proj and down_proj a bias each: the others are zero).
 */
export function writeBiasFolded(dir: string, modelType: string, hidden: number, intermediate: number, layers: number, vectors: ReadonlyMap<number, Float32Array>, out: string, provenance: Record<string, unknown>): MergeReport {
  if (modelType !== 'llama') throw new Error(`model_type ${modelType}: additive steering folds into MLP biases only where the config can switch them on (llama's mlp_bias); export a llama.cpp control vector instead (steerling export gguf)`);
  checkNewFolder(out);
  const ckpt = Checkpoint.open(dir);
  try {
    const names = ckpt.keys();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const tensors = new Map<string, Tensor>();
    for (const n of names) tensors.set(n, ckpt.get(n));
    const down = names.find((n) => /(^|\.)layers\.0\.mlp\.down_proj\.weight$/.test(n));
    if (!down) throw new Error(`${dir}: no layers.0.mlp.down_proj.weight tensor`);
    const prefix = down.slice(0, down.indexOf('layers.0.'));
    const dtype = ckpt.get(down).dtype;
    const edited: string[] = [];
    const bias = (name: string, size: number, add?: Float32Array) => {
      const had = tensors.get(name);
      const b = had ? Float32Array.from(had.toFloat('f32').data as Float32Array) : new Float32Array(size);
      if (b.length !== size) throw new Error(`${name}: ${b.length} values, expected ${size}`);
      if (add) for (let j = 0; j < size; j++) b[j]! += add[j]!;
      const t = fromStorage(b, [size], 'f32');
      tensors.set(name, dtype === 'f32' ? t : t.cast(dtype));
      if (add) edited.push(name);
    };
    for (const [l, v] of vectors) {
      if (!(l >= 0 && l < layers)) throw new Error(`layer ${l} is outside the model's ${layers} layers`);
      if (v.length !== hidden) throw new Error(`the vector for layer ${l} has ${v.length} values, the hidden size is ${hidden}`);
    }
    for (let l = 0; l < layers; l++) {
      const p = `${prefix}layers.${l}.mlp.`;
      bias(`${p}gate_proj.bias`, intermediate);
      bias(`${p}up_proj.bias`, intermediate);
      bias(`${p}down_proj.bias`, hidden, vectors.get(l));
    }
    const copied = writeCheckpoint(dir, out, tensors, { mlp_bias: true }, provenance);
    return { out, edited, untied: false, copied };
  } finally {
    ckpt.close();
  }
}
