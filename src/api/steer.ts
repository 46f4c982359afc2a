// Steering for the library API: artifacts (files, `A:strength` specs or in-memory) and llama.cpp
// control vectors turned into interventions and the hooks a forward pass runs.
import { loadSteering, describeSteering, parseSteerText, checkSteering, resolveSteering, type LoadedSteer, type SteeringRequest } from '../artifact/steering.js';
import type { Artifact } from '../artifact/artifact.js';
import { hooksFor } from '../intervene/apply.js';
import type { Intervention } from '../intervene/interventions.js';
import type { Hooks } from '../models/hooks.js';
import { DecoderModel } from '../models/decoder.js';
import type { LoadedModel } from '../models/load.js';
import { loadControlVectors } from './control-vectors.js';

/**
 * One steering source: an artifact file or CLI-style spec (`'dog.steer.safetensors'`,
 * `'dog.steer.safetensors:4'`, `':x2'`, `':neg'`), an artifact in memory, or a steering request
 * whose artifact is either of those: `strength` absolute, `multiple` × its default, `target` the
 * clamp mean (CDAS).
 */
export type SteerInput = string | Artifact | (Omit<SteeringRequest, 'artifact'> & { artifact: string | Artifact });

export interface SteerOptions {
  /** Use artifacts (and control vectors) even when they were made for another model. */
  force?: boolean;
  /** llama.cpp control vectors (GGUF), `FILE` or `FILE:SCALE`, added after the artifacts. */
  controlVectors?: readonly string[];
}

/** Steering resolved against one model: what was loaded, its interventions, and the hooks to run. */
export interface Steering {
  /** Each artifact with the strengths in use (in the order given). */
  artifacts: LoadedSteer[];
  /** Every intervention, artifacts first, then control vectors. */
  interventions: Intervention[];
  /** The hooks for a forward pass, or null when there is nothing to apply. */
  hooks: Hooks | null;
}

function isArtifact(x: unknown): x is Artifact {
  return typeof x === 'object' && x !== null && 'meta' in x && 'tensors' in x;
}

function decoder(m: LoadedModel | DecoderModel): DecoderModel {
  return m instanceof DecoderModel ? m : m.model;
}

function loadOne(input: SteerInput, model: DecoderModel, force: boolean): LoadedSteer {
  if (typeof input === 'string') return loadSteering([input], model, force)[0]!;
  const { artifact, ...fields } = isArtifact(input) ? { artifact: input } : input;
  const use = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Omit<SteeringRequest, 'artifact'>;
  if (typeof artifact === 'string') {
    // The fields given override the spec's own (`{ artifact: 'A:4', multiple: 2 }` is 4 × 2).
    return loadSteering([{ ...parseSteerText(artifact), ...use }], model, force)[0]!;
  }
  const request = checkSteering({ artifact: artifact.meta.name, ...use }, `steering ${artifact.meta.name}`);
  return { request, artifact, interventions: resolveSteering(request, artifact, model, force) };
}

/**
 * Resolves steering against a model: loads each artifact, checks it was fitted on this model
 * (unless `force`), sets its strength, and builds the hooks. Several sources compose, applied in
 * the order given.
 *
 * @example
 * ```ts
 * import { loadModel, steer, generate } from 'steerling';
 * const model = await loadModel('models/stories260K');
 * const s = steer(model, ['dog.steer.safetensors:x2']);   // twice the default strength
 * console.log(s.artifacts[0]!.interventions[0]!.strength);
 * generate(model, 'Once upon a time', { steer: s });
 * ```
 */
export function steer(model: LoadedModel | DecoderModel, inputs: readonly SteerInput[], opts: SteerOptions = {}): Steering {
  const m = decoder(model);
  const force = opts.force ?? false;
  const artifacts = inputs.map((x) => loadOne(x, m, force));
  const cvs = loadControlVectors(opts.controlVectors ?? [], m, force);
  const interventions = [...artifacts.flatMap((s) => s.interventions), ...cvs];
  return { artifacts, interventions, hooks: interventions.length ? hooksFor(interventions, m.arch.layers) : null };
}

/**
 * One summary per artifact of a steering: name, method, sites and the strengths in use (what
 * `steerling generate --json` prints under `steering`).
 *
 * @example
 * ```ts
 * steeringSummary(steer(model, ['dog.steer.safetensors']));  // [{ name: 'dog', method: 'diffmean', strengths: [2.1], ... }]
 * ```
 */
export function steeringSummary(s: Steering): ReturnType<typeof describeSteering>[] {
  return s.artifacts.map(describeSteering);
}
