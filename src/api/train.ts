// Fitting steering methods for the library API: a method by name, a model, data, a site → an artifact.
import { basename } from 'node:path';
import { METHODS, method as methodByName, type SteeringMethod, type FitContext } from '../methods/index.js';
import { loadConceptData, parseConceptData, type ConceptData } from '../data/concept-data.js';
import { loadContrastRows, parseContrastRows, contrastAsConceptData, type ContrastRow } from '../methods/cdas/data.js';
import { checkedSite } from '../methods/common-settings.js';
import { parsePositions, type PositionSpec } from '../intervene/positions.js';
import { saveArtifact } from '../artifact/io.js';
import type { Artifact } from '../artifact/artifact.js';
import type { LoadedModel } from '../models/load.js';
import { requireTokenizer } from './model.js';

export { METHODS };
export type { SteeringMethod, FitContext };

/** The file name every steering artifact ends with. */
import { checkOutFile } from '../io/out-path.js';
import { checkContextFits } from '../activations/tokenize.js';

export const ARTIFACT_SUFFIX = '.steer.safetensors';

/**
 * An artifact's file name: the suffix added when missing (other extensions are refused).
 *
 * @example
 * ```ts
 * artifactPath('out/dog'); // 'out/dog.steer.safetensors'
 * ```
 */
export function artifactPath(out: string): string {
  checkOutFile(out);
  if (out.endsWith(ARTIFACT_SUFFIX)) return out;
  if (out.endsWith('.safetensors')) throw new Error(`--out ${out}: steering artifacts are named NAME${ARTIFACT_SUFFIX}`);
  return out + ARTIFACT_SUFFIX;
}

/**
 * Training data: a JSONL file, the records themselves (`{prompt?, positive, negative}` pairs or
 * `{prompt?, text, label}` texts; CDAS: `{negative_input, negative_output, positive_input,
 * positive_output}` rows), or data already parsed.
 */
export type TrainData = string | ConceptData | readonly Record<string, unknown>[];

/** Data ready for a method: the examples, and for contrast methods (CDAS) the rows too. */
export interface TrainingData {
  data: ConceptData;
  contrast: ContrastRow[] | null;
  /** Where it came from, for messages (the file, or "data"). */
  source: string;
}

function isConceptData(d: TrainData): d is ConceptData {
  return !Array.isArray(d) && typeof d === 'object' && 'kind' in d && 'examples' in d;
}

/**
 * Reads training data in the shape a method needs (contrast rows for CDAS, else pairs or labelled
 * texts), failing with the file and line of a bad record.
 *
 * @example
 * ```ts
 * const { data } = trainingData('diffmean', 'dog.jsonl');
 * console.log(data.kind, data.examples.length); // pairs 96
 * ```
 */
export function trainingData(method: string | SteeringMethod, data: TrainData): TrainingData {
  const m = typeof method === 'string' ? methodByName(method) : method;
  if (typeof data === 'string') {
    const contrast = m.needs === 'contrast' ? loadContrastRows(data) : null;
    return { data: contrast ? contrastAsConceptData(contrast) : loadConceptData(data), contrast, source: data };
  }
  if (isConceptData(data)) {
    if (m.needs === 'contrast') throw new Error(`${m.name} needs contrast rows (a file or records), not parsed concept data`);
    return { data, contrast: null, source: 'data' };
  }
  const records = data as readonly unknown[];
  const contrast = m.needs === 'contrast' ? parseContrastRows(records, 'data') : null;
  return { data: contrast ? contrastAsConceptData(contrast) : parseConceptData(records, 'data'), contrast, source: 'data' };
}

/**
 * Fails when a method needs contrastive pairs and the data has labelled texts (`train` checks
 * this itself; call it to fail before loading a model).
 *
 * @example
 * ```ts
 * checkTrainingData(METHODS.actadd!, trainingData('actadd', 'labelled.jsonl')); // throws: actadd needs contrastive pairs
 * ```
 */
export function checkTrainingData(method: SteeringMethod, d: TrainingData): void {
  if (method.needs === 'pairs' && d.data.kind !== 'pairs') throw new Error(`${d.source}: ${method.name} needs contrastive pairs {"positive", "negative"}, ${d.source === 'data' ? 'these records are' : 'this file has'} labelled texts`);
}

export interface TrainOptions<O extends object = object> extends Omit<FitContext<O>, 'model' | 'tokenizer' | 'data' | 'contrast' | 'positions' | 'name' | 'hubId'> {
  model: LoadedModel;
  /** A JSONL file, records, or parsed data (see `TrainData`), or what `trainingData` returned. */
  data: TrainData | TrainingData;
  /** Where the artifact steers: `'all'` (default), `'prompt'`, `'generated'`, `'last:K'`, `'i,j'` or a spec. */
  positions?: PositionSpec | string;
  /** Artifact name (default: the `out` file's stem, else the method's name). */
  name?: string;
  /** Save the artifact here too (`NAME.steer.safetensors`; the suffix is added when missing). */
  out?: string;
  /** Recorded in the artifact (default: the model's hub id when it has one). */
  hubId?: string | null;
}

function isTrainingData(d: TrainData | TrainingData): d is TrainingData {
  return !Array.isArray(d) && typeof d === 'object' && 'data' in d && 'contrast' in d && 'source' in d;
}

/**
 * Fits a steering method by name (`'diffmean'`, `'pca'`, `'probe'`, `'actadd'`, `'cdas'`,
 * `'ablation'`, `'reps'`, `'bipo'`, `'lineas'`, `'steer2edit'`, `'selective'`: see `METHODS`) on
 * a model and returns the artifact; with `out` it is saved too. The settings are `FitContext`'s
 * (site, positions, reduce, chat, seed, ...) and the method's own `options` (by key, as its
 * `options` declare them: `{ steps: 50 }`, `{ rhoAttn: 0.2 }`, ...), as `steerling train` takes them.
 *
 * @example
 * ```ts
 * import { loadModel, train, saveArtifact } from 'steerling';
 * const model = await loadModel('models/stories260K');
 * const dog = train('diffmean', { model, data: 'dog.jsonl', site: 'layers.2.resid_post' });
 * console.log(dog.meta.interventions[0]!.default_strength);
 * saveArtifact('dog.steer.safetensors', dog);
 * const reps = train('reps', { model, data: 'dog.jsonl', site: 'layers.2.resid_post', options: { steps: 50 }, out: 'dog-reps' });
 * ```
 */
export function train<O extends object = object>(method: string | SteeringMethod<O>, o: TrainOptions<O>): Artifact {
  const m = (typeof method === 'string' ? methodByName(method) : method) as SteeringMethod<O>;
  const tokenizer = requireTokenizer(o.model, 'train');
  const d = isTrainingData(o.data) ? o.data : trainingData(m, o.data);
  checkTrainingData(m, d);
  // CDAS rows are checked by CDAS itself, on the sequences it builds from them.
  if (!d.contrast) checkContextFits(tokenizer, d.data.examples, o.model.model.arch.maxPositions, { chat: o.chat ?? false });
  // The site as the method takes it (its default where it has one), checked against the model.
  const site = checkedSite(m, o.site, o.model.model.arch.layers);
  const out = o.out === undefined ? undefined : artifactPath(o.out);
  const { model, data: _data, site: _site, positions, name, out: _out, hubId, ...rest } = o;
  const art = m.fit({
    ...rest,
    model: model.model,
    tokenizer,
    data: d.data,
    ...(d.contrast ? { contrast: d.contrast } : {}),
    ...(site !== undefined ? { site } : {}),
    ...(positions !== undefined ? { positions: typeof positions === 'string' ? parsePositions(positions) : positions } : {}),
    name: name ?? (out ? basename(out).slice(0, -ARTIFACT_SUFFIX.length) : m.name),
    hubId: hubId === undefined ? model.repoId : hubId,
  });
  if (out) saveArtifact(out, art);
  return art;
}
