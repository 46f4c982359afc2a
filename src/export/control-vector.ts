// Steering artifacts as llama.cpp control vectors (`llama-cli --control-vector FILE.gguf`), and
// back. What llama.cpp does with the file (design/delivery.md appendix, from its source): it reads
// tensors only, each named `direction.N` (N ≥ 1), F32, 1-D of length n_embd, and adds
// `direction.N` to the output of block N (0-based) at every position, summing several tensors or
// files for one layer. Block 0 cannot be steered. So an additive intervention at
// `layers.N.resid_post` (N ≥ 1), or at `layers.N+1.resid_pre`, acting on all positions, is
// exactly a control vector; its strength is baked into the data (llama.cpp's own scale then
// multiplies it, 1 by default).

import { recordStrength } from '../artifact/apply.js';
import type { Artifact, InterventionRecord } from '../artifact/artifact.js';
import type { GGUFFile, GGUFTensor, GGUFValue } from './gguf.js';

/** llama.cpp's `general.architecture` for each Hugging Face model_type (its converter's choice). */
export const LLAMA_CPP_ARCH: Readonly<Record<string, string>> = {
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma2: 'gemma2',
  gemma3_text: 'gemma3',
  gpt2: 'gpt2',
};

export interface ControlVectorSource {
  artifact: Artifact;
  /** Absolute strength for every intervention (overrides the default). */
  strength?: number;
  /** Multiple of each intervention's default strength (applied after `strength`, as --steer A:xK). */
  multiple?: number;
}

export interface ControlVector {
  file: GGUFFile;
  /** Block index → the strengths that went into it, per artifact (for the CLI's report). */
  layers: { layer: number; from: { artifact: string; site: string; strength: number }[] }[];
  /** Things that differ from the artifact's own behaviour but do not stop the export. */
  notes: string[];
}

/** The llama.cpp block whose output a site is, or an error saying why the site has none. */
export function controlVectorLayer(site: string): number {
  return blockOfSite(site, 1);
}

/**
 * The block whose output a residual site is (layers.N.resid_post → N, layers.N.resid_pre → N−1),
 * at least `minBlock`; otherwise an error naming why.
 */
export function blockOfSite(site: string, minBlock: number): number {
  const m = /^layers\.(\d+)\.(resid_post|resid_pre)$/.exec(site);
  if (!m) throw new Error(`site ${site}: additive exports add to the residual stream between blocks only (layers.N.resid_post or layers.N.resid_pre)`);
  const n = Number(m[1]);
  const block = m[2] === 'resid_post' ? n : n - 1;
  if (block < minBlock) {
    if (minBlock === 1) throw new Error(`site ${site}: llama.cpp cannot steer ${m[2] === 'resid_post' ? 'the output of block 0' : 'the input of blocks 0 and 1'} (its control vectors start at direction.1, the output of block 1)`);
    throw new Error(`site ${site}: the input of block 0 is the embedding, not a block's output`);
  }
  return block;
}

function checkRecord(name: string, rec: InterventionRecord): void {
  if (rec.kind === 'weight-edit') throw new Error(`artifact ${name}: its weight edit at ${rec.site} changes a projection's weights, not a fixed vector; write it with steerling export merged (edited checkpoint) or steerling export peft (LoRA adapter)`);
  if (rec.kind !== 'add') {
    throw new Error(`artifact ${name}: its ${rec.kind} intervention at ${rec.site} is not additive; control vectors and bias folds only add a fixed vector (export a directional ablation with steerling export merged)`);
  }
  if (rec.positions !== 'all') {
    throw new Error(`artifact ${name}: it steers positions ${JSON.stringify(rec.positions)} at ${rec.site}; an exported vector acts at every position, so only artifacts that steer "all" positions export faithfully`);
  }
}

export interface AdditiveBlocks {
  /** Model facts of the first artifact (all must agree). */
  model: Artifact['meta']['model'];
  /** Block → the summed vector (strengths multiplied in), ascending. */
  vectors: Map<number, Float32Array>;
  layers: ControlVector['layers'];
  notes: string[];
}

/** Additive artifacts as one vector per block output, each with its strength, summed. */
export function additiveBlocks(sources: readonly ControlVectorSource[], minBlock: number): AdditiveBlocks {
  if (sources.length === 0) throw new Error('no artifacts given');
  const first = sources[0]!.artifact.meta.model;
  const d = first.hidden_size;
  const sums = new Map<number, Float32Array>();
  const from = new Map<number, ControlVector['layers'][number]['from']>();
  const notes: string[] = [];
  for (const s of sources) {
    const a = s.artifact;
    const fp = a.meta.model;
    if (fp.model_type !== first.model_type || fp.hidden_size !== d || fp.num_layers !== first.num_layers || fp.config_hash !== first.config_hash) {
      throw new Error(`artifact ${a.meta.name} was fitted on a different model (${fp.model_type}, hidden ${fp.hidden_size}, config ${fp.config_hash}) than ${sources[0]!.artifact.meta.name} (${first.model_type}, hidden ${d}, config ${first.config_hash})`);
    }
    for (const rec of a.meta.interventions) {
      checkRecord(a.meta.name, rec);
      const block = blockOfSite(rec.site, minBlock);
      const tname = rec.tensors['direction'];
      const t = tname ? a.tensors.get(tname) : undefined;
      if (!t) throw new Error(`artifact ${a.meta.name}: intervention at ${rec.site} has no direction tensor`);
      const v = t.toFloat('f32').data as Float32Array;
      if (v.length !== d) throw new Error(`artifact ${a.meta.name}: direction at ${rec.site} has ${v.length} values, the model's hidden size is ${d}`);
      const strength = recordStrength(rec, s);
      if (!Number.isFinite(strength)) throw new Error(`artifact ${a.meta.name}: strength ${strength} at ${rec.site} is not finite`);
      const acc = sums.get(block) ?? new Float32Array(d);
      for (let j = 0; j < d; j++) acc[j]! += strength * v[j]!;
      sums.set(block, acc);
      from.set(block, [...(from.get(block) ?? []), { artifact: a.meta.name, site: rec.site, strength }]);
      if (rec.excludeBos) notes.push(`${a.meta.name} at ${rec.site}: steerling skips the BOS position there; the exported vector acts at BOS too`);
    }
  }
  const order = [...sums.keys()].sort((x, y) => x - y);
  return { model: first, vectors: new Map(order.map((l) => [l, sums.get(l)!])), layers: order.map((l) => ({ layer: l, from: from.get(l)! })), notes };
}

/** Builds the control vector of one or more artifacts (summed per layer, as llama.cpp sums them). */
export function toControlVector(sources: readonly ControlVectorSource[]): ControlVector {
  if (sources.length === 0) throw new Error('control vector: no artifacts given');
  const mt = sources[0]!.artifact.meta.model.model_type;
  const hint = LLAMA_CPP_ARCH[mt];
  if (!hint) throw new Error(`control vector: llama.cpp architecture of model_type "${mt}" is not known (known: ${Object.keys(LLAMA_CPP_ARCH).join(', ')})`);
  const b = additiveBlocks(sources, 1);
  const tensors: GGUFTensor[] = [...b.vectors].map(([l, v]) => ({ name: `direction.${l}`, dims: [v.length], data: v }));
  const metadata = new Map<string, GGUFValue>([
    ['general.architecture', { type: 'string', value: 'controlvector' }],
    ['controlvector.model_hint', { type: 'string', value: hint }],
    ['controlvector.layer_count', { type: 'int32', value: b.model.num_layers - 1 }],
    ['steerling.site', { type: 'string', value: 'block_output' }],
    ['steerling.artifacts', { type: 'string', value: sources.map((s) => s.artifact.meta.name).join(',') }],
    ['steerling.methods', { type: 'string', value: sources.map((s) => s.artifact.meta.method).join(',') }],
    ['steerling.strength_baked', { type: 'bool', value: true }],
  ]);
  return { file: { metadata, tensors }, layers: b.layers, notes: b.notes };
}

/**
 * A control vector as additive steps per steerling site: direction.N → layers.N.resid_post, with
 * the vector times `scale` (llama.cpp's --control-vector-scaled). For applying files made by
 * llama.cpp, repeng or steerling to a model here.
 */
export function controlVectorSites(file: GGUFFile, hidden: number, layers: number, scale = 1): { site: string; vector: Float32Array }[] {
  const out = new Map<number, Float32Array>();
  for (const t of file.tensors) {
    const m = /^direction\.(\d+)$/.exec(t.name);
    if (!m) throw new Error(`control vector: tensor "${t.name}" is not named direction.N`);
    const n = Number(m[1]);
    if (n === 0) throw new Error('control vector: invalid (zero) direction tensor layer index');
    // llama.cpp loads f32 direction tensors only; so do we.
    if (t.type !== undefined && t.type !== 'f32') throw new Error(`control vector: ${t.name} is ${t.type}; direction tensors must be f32`);
    if (t.dims.length !== 1 || t.data.length !== hidden) throw new Error(`control vector: ${t.name} has shape [${t.dims.join(', ')}], the model's hidden size is ${hidden}`);
    if (n >= layers) continue; // llama.cpp ignores layers beyond the model
    const acc = out.get(n) ?? new Float32Array(hidden);
    for (let j = 0; j < hidden; j++) acc[j]! += scale * t.data[j]!;
    out.set(n, acc);
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([n, vector]) => ({ site: `layers.${n}.resid_post`, vector }));
}
