// Exports for the library API: steering as a llama.cpp control vector, a checkpoint with the
// steering folded into its weights, or a PEFT LoRA adapter.
import { resolve } from 'node:path';
import { parseSteerText, checkSteering, loadRequestedArtifact, type SteeringRequest } from '../artifact/steering.js';
import { checkArtifactFits } from '../artifact/apply.js';
import type { Artifact } from '../artifact/artifact.js';
import { additiveBlocks, toControlVector, type ControlVector } from '../export/control-vector.js';
import { writeGGUF } from '../export/gguf.js';
import { ablationDirection, writeBiasFolded, writeOrthogonalised, type MergeReport } from '../export/merged.js';
import { weightEditTerms, writeWeightEdited } from '../export/weight-edits.js';
import { peftAdapter, writePeftAdapter, type PeftReport } from '../export/peft.js';
import type { LoadedModel } from '../models/load.js';

export type { MergeReport, PeftReport, ControlVector };

/** An artifact to export: a file or spec (`'A'`, `'A:4'`, `'A:x2'`), an artifact, or one with its strength. */
export type ExportInput = string | Artifact | (Omit<SteeringRequest, 'artifact' | 'target'> & { artifact: string | Artifact });

/** An export source, resolved: the artifact and its strength. */
export interface ExportSource {
  /** As given (the spec, or the artifact's name). */
  raw: string;
  request: SteeringRequest;
  artifact: Artifact;
}

/**
 * Loads the artifacts an export folds (`what` names the export in messages); clamp targets
 * (`A:neg`) are refused since exports only add or edit.
 *
 * @example
 * ```ts
 * const sources = exportSources(['ocean-edit.steer.safetensors:-2']);
 * ```
 */
export function exportSources(inputs: readonly ExportInput[], what = 'does not fold into weights'): ExportSource[] {
  return inputs.map((x) => {
    if (typeof x === 'string') {
      const request = parseSteerText(x);
      if (request.target) throw new Error(`--steer ${x}: a clamp target ${what}`);
      return { raw: x, request, artifact: loadRequestedArtifact(request) };
    }
    const o = 'meta' in x ? { artifact: x as Artifact } : (x as Exclude<ExportInput, string | Artifact>);
    const base = typeof o.artifact === 'string' ? exportSources([o.artifact], what)[0]! : { raw: o.artifact.meta.name, request: { artifact: o.artifact.meta.name }, artifact: o.artifact };
    const request = checkSteering({ ...base.request, ...(o.strength !== undefined ? { strength: o.strength } : {}), ...(o.multiple !== undefined ? { multiple: o.multiple } : {}) }, `export ${base.raw}`);
    return { ...base, request };
  });
}

const strengths = (s: ExportSource) => ({ artifact: s.artifact, ...(s.request.strength !== undefined ? { strength: s.request.strength } : {}), ...(s.request.multiple !== undefined ? { multiple: s.request.multiple } : {}) });

/**
 * Writes a llama.cpp control vector (GGUF) from additive artifacts at `layers.N.resid_post`,
 * strengths baked in; several artifacts are summed. Use it with
 * `llama-cli -m MODEL.gguf --control-vector FILE.gguf`.
 *
 * @example
 * ```ts
 * import { exportGguf } from 'steerling';
 * const cv = exportGguf(['dog.steer.safetensors:x1.5'], 'dog.gguf');
 * console.log(cv.layers.map((l) => l.layer), cv.notes);
 * ```
 */
export function exportGguf(inputs: readonly ExportInput[] | readonly ExportSource[], out: string): ControlVector {
  const sources = isSources(inputs) ? inputs : exportSources(inputs as readonly ExportInput[], 'does not apply to control vectors (they only add)');
  const cv = toControlVector(sources.map(strengths));
  writeGGUF(out, cv.file);
  return cv;
}

function isSources(x: readonly ExportInput[] | readonly ExportSource[]): x is readonly ExportSource[] {
  return x.length > 0 && x.every((s) => typeof s === 'object' && 'raw' in s && 'request' in s && 'artifact' in s);
}

export interface FoldOptions {
  /** Skip the check that the artifacts were fitted on this model. */
  force?: boolean;
  /** Notes about what was (not) folded, as they come (default: ignored). */
  onNote?: (note: string) => void;
}

/** What `exportMerged` folded: weight edits, one ablation, or additive directions (MLP biases). */
export interface MergedExport {
  kind: 'weight-edit' | 'ablation' | 'additive';
  report: MergeReport;
}

function checked(model: LoadedModel, inputs: readonly ExportInput[] | readonly ExportSource[], force: boolean): { sources: readonly ExportSource[]; provenance: Record<string, unknown> } {
  const sources = isSources(inputs) ? inputs : exportSources(inputs as readonly ExportInput[]);
  if (!force) for (const s of sources) checkArtifactFits(s.artifact, model.model);
  return { sources, provenance: { artifacts: sources.map((s) => s.raw), methods: sources.map((s) => s.artifact.meta.method), created: new Date().toISOString() } };
}

/**
 * Writes a Hugging Face checkpoint (a new folder) with the steering folded into the weights:
 * Steer2Edit weight edits, a directional ablation (orthogonalised writers), or additive
 * directions (as MLP biases, Llama).
 *
 * @example
 * ```ts
 * import { loadModel, exportMerged } from 'steerling';
 * const model = await loadModel('organism');
 * const { report } = exportMerged(model, ['ocean-edit.steer.safetensors:-2'], 'organism-no-ocean');
 * console.log(report.edited);
 * ```
 */
export function exportMerged(model: LoadedModel, inputs: readonly ExportInput[] | readonly ExportSource[], out: string, opts: FoldOptions = {}): MergedExport {
  const { sources, provenance } = checked(model, inputs, opts.force ?? false);
  const kinds = new Set(sources.flatMap((s) => s.artifact.meta.interventions.map((r) => r.kind)));
  if (kinds.has('weight-edit')) {
    const edits = weightEditTerms(sources.map(strengths));
    return { kind: 'weight-edit', report: writeWeightEdited(model.dir, model.config.modelType, edits, out, { ...provenance, edit: 'steer2edit rank-1 weight edits' }) };
  }
  if (kinds.has('ablate')) {
    if (sources.length !== 1) throw new Error('export merged: fold one ablation at a time (several ablations are not one orthogonalisation)');
    const s = sources[0]!;
    if (s.request.multiple !== undefined) throw new Error(`--steer ${s.raw}: an ablation folds into the weights at strength 1 only`);
    const u = ablationDirection(s.artifact, model.model.arch.layers, s.request.strength);
    return { kind: 'ablation', report: writeOrthogonalised(model.dir, model.config.modelType, model.model.arch.hidden, u, out, { ...provenance, edit: 'orthogonalised residual writers' }) };
  }
  const b = additiveBlocks(sources.map(strengths), 0);
  for (const n of b.notes) opts.onNote?.(n);
  const report = writeBiasFolded(model.dir, model.config.modelType, model.model.arch.hidden, model.config.intermediateSize, model.model.arch.layers, b.vectors, out, { ...provenance, edit: 'additive directions as MLP down_proj biases', layers: b.layers });
  return { kind: 'additive', report };
}

/**
 * Writes Steer2Edit weight edits as a PEFT LoRA adapter (`adapter_config.json`,
 * `adapter_model.safetensors`) for `PeftModel.from_pretrained` or vLLM's LoRA serving.
 *
 * @example
 * ```ts
 * import { loadModel, exportPeft } from 'steerling';
 * const rep = exportPeft(await loadModel('organism'), ['ocean-edit.steer.safetensors:-2'], 'ocean-lora');
 * console.log(rep.r, rep.modules.length);
 * ```
 */
export function exportPeft(model: LoadedModel, inputs: readonly ExportInput[] | readonly ExportSource[], out: string, opts: Omit<FoldOptions, 'onNote'> = {}): PeftReport {
  const { sources, provenance } = checked(model, inputs, opts.force ?? false);
  const adapter = peftAdapter(model.dir, model.config.modelType, weightEditTerms(sources.map(strengths)), model.repoId ?? resolve(model.dir));
  return writePeftAdapter(out, adapter, { ...provenance, edit: 'steer2edit weight edits as LoRA (scale lora_alpha/r = 1)' });
}
