// Weight-edit artifacts (Steer2Edit) folded into a checkpoint: each edited projection becomes
// W + Σ_i s_i·u_i k_iᵀ, summed over the artifacts given (each at its own strength s_i), which is
// what the artifacts' hooks compute (intervene/weight-edit.ts), with no hooks: an ordinary
// checkpoint for transformers, vLLM or llama.cpp's converter. The same terms make the PEFT/LoRA
// adapter (peft.ts).
//
// Checkpoint names: the Llama family (llama, mistral, qwen2, qwen3) stores
// `model.layers.N.self_attn.o_proj.weight` and `model.layers.N.mlp.down_proj.weight` as [out, in];
// GPT-2 stores `transformer.h.N.attn.c_proj.weight` and `transformer.h.N.mlp.c_proj.weight` as
// Conv1D [in, out]. Gemma is refused where the artifact is used (its post-norms; weight-edit.ts).
// Edited matrices keep their stored dtype: a bf16 checkpoint rounds W + ΔW to bf16 like any weight.

import { recordStrength } from '../artifact/apply.js';
import type { Artifact } from '../artifact/artifact.js';
import { Checkpoint } from '../io/checkpoint.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { weightEditTarget, type EditedProjection } from '../intervene/weight-edit.js';
import { writeCheckpoint, type MergeReport } from './merged.js';
import { checkNewFolder } from '../io/out-path.js';

export const WEIGHT_EDITABLE = ['llama', 'mistral', 'qwen2', 'qwen3', 'gpt2'] as const;

export interface WeightEditSource {
  artifact: Artifact;
  /** Absolute strength (default: each intervention's default). */
  strength?: number;
  /** Multiple of the default strength. */
  multiple?: number;
}

export interface EditTerm {
  u: Float32Array;
  k: Float32Array;
  strength: number;
  artifact: string;
}

/** The rank-1 terms of one projection. */
export interface EditedMatrix {
  layer: number;
  proj: EditedProjection;
  terms: EditTerm[];
}

function vector(art: Artifact, name: string | undefined, site: string, role: string): Float32Array {
  const t = name ? art.tensors.get(name) : undefined;
  if (!t) throw new Error(`artifact ${art.meta.name}: its weight edit at ${site} has no ${role} tensor`);
  return Float32Array.from(t.toFloat('f32').data as Float32Array);
}

/** The artifacts' weight edits grouped by projection (key `N.o_proj` / `N.down_proj`), strengths resolved. */
export function weightEditTerms(sources: readonly WeightEditSource[]): Map<string, EditedMatrix> {
  if (sources.length === 0) throw new Error('no artifacts given');
  const first = sources[0]!.artifact.meta.model;
  const out = new Map<string, EditedMatrix>();
  for (const s of sources) {
    const a = s.artifact;
    const fp = a.meta.model;
    if (fp.model_type !== first.model_type || fp.hidden_size !== first.hidden_size || fp.num_layers !== first.num_layers || fp.config_hash !== first.config_hash) {
      throw new Error(`artifact ${a.meta.name} was fitted on a different model (${fp.model_type}, config ${fp.config_hash}) than ${sources[0]!.artifact.meta.name} (${first.model_type}, config ${first.config_hash})`);
    }
    for (const rec of a.meta.interventions) {
      if (rec.kind !== 'weight-edit') throw new Error(`artifact ${a.meta.name}: its ${rec.kind} intervention at ${rec.site} is not a weight edit; fold weight edits (steer2edit) and other steering in separate exports`);
      if (rec.positions !== 'all' || rec.excludeBos) throw new Error(`artifact ${a.meta.name}: its weight edit at ${rec.site} acts on positions ${JSON.stringify(rec.positions)}${rec.excludeBos ? ' without BOS' : ''}; edited weights act at every position`);
      const t = weightEditTarget(rec.site);
      const strength = recordStrength(rec, s);
      if (!Number.isFinite(strength)) throw new Error(`artifact ${a.meta.name}: strength ${strength} at ${rec.site} is not finite`);
      const key = `${t.layer}.${t.proj}`;
      const m = out.get(key) ?? { layer: t.layer, proj: t.proj, terms: [] };
      m.terms.push({ u: vector(a, rec.tensors['delta_u'], rec.site, 'delta_u'), k: vector(a, rec.tensors['delta_k'], rec.site, 'delta_k'), strength, artifact: a.meta.name });
      out.set(key, m);
    }
  }
  return out;
}

export interface MatrixName {
  /** The checkpoint tensor, e.g. model.layers.3.self_attn.o_proj.weight. */
  tensor: string;
  /** The module path PEFT targets (the tensor name without `.weight`). */
  module: string;
  /** 'out-in' (nn.Linear) or 'in-out' (GPT-2's Conv1D). */
  layout: 'out-in' | 'in-out';
}

/** Where a projection's weight lives in a checkpoint of this model type. */
export function matrixName(names: readonly string[], modelType: string, layer: number, proj: EditedProjection): MatrixName {
  if (!(WEIGHT_EDITABLE as readonly string[]).includes(modelType)) {
    throw new Error(`model_type ${modelType}: weight edits export for ${WEIGHT_EDITABLE.join(', ')} (Gemma's post-norms sit between o_proj/down_proj and the residual stream)`);
  }
  const gpt2 = modelType === 'gpt2';
  const tail = gpt2 ? (proj === 'o_proj' ? 'attn\\.c_proj' : 'mlp\\.c_proj') : proj === 'o_proj' ? 'self_attn\\.o_proj' : 'mlp\\.down_proj';
  const re = new RegExp(`(^|\\.)${gpt2 ? 'h' : 'layers'}\\.${layer}\\.${tail}\\.weight$`);
  const found = names.filter((n) => re.test(n));
  if (found.length !== 1) throw new Error(`the checkpoint has ${found.length === 0 ? 'no' : 'several'} tensor${found.length === 1 ? '' : 's'} matching ${re.source} for the ${proj} of layer ${layer}`);
  const tensor = found[0]!;
  return { tensor, module: tensor.slice(0, -'.weight'.length), layout: gpt2 ? 'in-out' : 'out-in' };
}

/** [out, in] of a stored weight in its layout. */
export function outIn(t: Tensor, layout: MatrixName['layout']): [number, number] {
  if (t.rank !== 2) throw new Error(`expected a matrix, got shape [${t.shape.join(', ')}]`);
  return layout === 'out-in' ? [t.shape[0]!, t.shape[1]!] : [t.shape[1]!, t.shape[0]!];
}

export function checkTerms(m: EditedMatrix, name: string, out: number, inDim: number): void {
  for (const t of m.terms) {
    if (t.u.length !== out || t.k.length !== inDim) throw new Error(`artifact ${t.artifact}: its edit of ${name} is ${t.u.length}×${t.k.length}, the tensor is ${out}×${inDim} (out × in)`);
  }
}

/** W + Σ s·u kᵀ of a stored weight, in f32, in the stored layout. */
export function editedMatrix(t: Tensor, layout: MatrixName['layout'], m: EditedMatrix, name: string): Float32Array {
  const [out, inDim] = outIn(t, layout);
  checkTerms(m, name, out, inDim);
  const w = Float32Array.from(t.toFloat('f32').data as Float32Array);
  for (const term of m.terms) {
    for (let i = 0; i < out; i++) {
      const a = term.strength * term.u[i]!;
      if (a === 0) continue;
      for (let j = 0; j < inDim; j++) {
        const at = layout === 'out-in' ? i * inDim + j : j * out + i;
        w[at] = w[at]! + a * term.k[j]!;
      }
    }
  }
  return w;
}

/** Writes `out`: the model folder `dir` with every edited projection replaced by W + Σ s·u kᵀ (stored dtype kept). */
export function writeWeightEdited(dir: string, modelType: string, edits: ReadonlyMap<string, EditedMatrix>, out: string, provenance: Record<string, unknown>): MergeReport {
  checkNewFolder(out);
  const ckpt = Checkpoint.open(dir);
  try {
    const names = ckpt.keys();
    // Resolve every name before writing anything, so a bad edit leaves no folder behind.
    const plan = [...edits.values()].map((m) => ({ m, at: matrixName(names, modelType, m.layer, m.proj) }));
    const tensors = new Map<string, Tensor>();
    for (const n of names) tensors.set(n, ckpt.get(n));
    const edited: string[] = [];
    for (const { m, at } of plan) {
      const t = ckpt.get(at.tensor);
      const w = fromStorage(editedMatrix(t, at.layout, m, at.tensor), [...t.shape], 'f32');
      tensors.set(at.tensor, t.dtype === 'f32' ? w : w.cast(t.dtype));
      edited.push(at.tensor);
    }
    const copied = writeCheckpoint(dir, out, tensors, {}, provenance);
    return { out, edited, untied: false, copied };
  } finally {
    ckpt.close();
  }
}
