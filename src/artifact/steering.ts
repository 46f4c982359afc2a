// A request to steer with one artifact: the one shape behind the CLI's `--steer` and chat's
// `/steer` (text), the server's `steering` entries and the playground that sends them (JSON), and
// the library's objects. Parsed and checked here, then resolved against the artifact into
// interventions at their final strength; nothing rescales them afterwards.
//
//   text                 JSON                                  meaning
//   A                    {"artifact": "A"}                     the artifact at its own default strength
//   A:4  / A:-2.5        {"artifact": "A", "strength": 4}      an absolute strength (the artifact's units)
//   A:x2 / A:x0.5        {"artifact": "A", "multiple": 2}      a multiple of the default strength
//   A:neg[:S|:xK]        {"artifact": "A", "target": "neg"}    clamp artifacts (CDAS): clamp to the negative
//                                                              class mean μ− instead of the recorded target
//                                                              μ+ (pos says so explicitly)
//
// In text, A is an artifact file; in JSON it is a name the server registered, never a path.
// Several requests compose, applied in the order given.
import { existsSync } from 'node:fs';
import { loadArtifact } from './io.js';
import { artifactInterventions } from './apply.js';
import { MAX_STRENGTH, type Artifact } from './artifact.js';
import { shownValue } from '../util/escape.js';
import type { DecoderModel } from '../models/decoder.js';
import type { Intervention } from '../intervene/interventions.js';

export const CLAMP_TARGETS = ['pos', 'neg'] as const;
export type ClampTarget = (typeof CLAMP_TARGETS)[number];

export interface SteeringRequest {
  /** The artifact: a file (text, library) or a name the server registered (JSON). */
  artifact: string;
  /** Absolute strength for every intervention, in the artifact's own units. */
  strength?: number;
  /** Multiplies the strength: the one given, else each intervention's default. */
  multiple?: number;
  /** Clamp artifacts (CDAS): which class mean to clamp to, pos (the recorded target) or neg. */
  target?: ClampTarget;
}

const FIELDS = ['artifact', 'strength', 'multiple', 'target'] as const;


/** A bad request, naming the field at fault (null: the request as a whole). */
export class SteeringError extends Error {
  constructor(message: string, readonly field: string | null) {
    super(message);
  }
}

/** The JSON form's schema (the server checks request bodies with it before parseSteeringJson). */
export const steeringRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['artifact'],
  properties: {
    artifact: { type: 'string', minLength: 1, maxLength: 128 },
    strength: { type: 'number', minimum: -MAX_STRENGTH, maximum: MAX_STRENGTH },
    multiple: { type: 'number', minimum: -MAX_STRENGTH, maximum: MAX_STRENGTH },
    target: { type: 'string', enum: CLAMP_TARGETS },
  },
} as const;

/**
 * Checks a request's values (`where` names it in messages: `--steer A:4`, `steering[0]`) and
 * returns a copy with only the fields given.
 */
export function checkSteering(req: SteeringRequest, where: string): SteeringRequest {
  if (typeof req.artifact !== 'string' || req.artifact === '') throw new SteeringError(`${where}: "artifact" must name an artifact (a non-empty string)`, 'artifact');
  const out: SteeringRequest = { artifact: req.artifact };
  for (const k of ['strength', 'multiple'] as const) {
    const v = req[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SteeringError(`${where}: ${k} must be a finite number, got ${typeof v === 'number' ? v : shownValue(v)}`, k);
    if (Math.abs(v) > MAX_STRENGTH) throw new SteeringError(`${where}: ${k} is ${v}; a ${k} must lie within ±${MAX_STRENGTH.toExponential()}`, k);
    out[k] = v;
  }
  if (req.target !== undefined) {
    if (!CLAMP_TARGETS.includes(req.target)) throw new SteeringError(`${where}: clamp target ${shownValue(req.target)} is not one of ${CLAMP_TARGETS.join(', ')}`, 'target');
    out.target = req.target;
  }
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TARGET = /^(pos|neg)$/i;

/** The text form (`--steer`, chat's `/steer`): A, A:S, A:xK, A:neg[:S|:xK]; A is a file. */
export function parseSteerText(text: string): SteeringRequest {
  const out: SteeringRequest = { artifact: text };
  let rest = text;
  const i = rest.lastIndexOf(':');
  if (i > 0) {
    const tail = rest.slice(i + 1);
    if (NUMBER.test(tail)) out.strength = Number(tail);
    else if (/^x/i.test(tail) && NUMBER.test(tail.slice(1))) out.multiple = Number(tail.slice(1));
    if (out.strength !== undefined || out.multiple !== undefined) rest = rest.slice(0, i);
  }
  // A:neg, A:neg:x2, A:pos:1.5 — the clamp target sits before the strength.
  const j = rest.lastIndexOf(':');
  if (j > 0 && TARGET.test(rest.slice(j + 1)) && !existsSync(rest)) {
    out.target = rest.slice(j + 1).toLowerCase() as ClampTarget;
    rest = rest.slice(0, j);
  }
  if (rest === text && i > 0 && !existsSync(text)) {
    // A colon that is part of the path (no strength after it) is left alone when the file exists.
    throw new SteeringError(`--steer ${text}: "${text.slice(i + 1)}" is not a strength; use ARTIFACT, ARTIFACT:STRENGTH (e.g. :4, :-2.5) or ARTIFACT:xK (K times the default); clamp artifacts also take ARTIFACT:neg[:STRENGTH] to clamp to the negative class mean`, null);
  }
  out.artifact = rest;
  return checkSteering(out, `--steer ${text}`);
}

/** The JSON form (a server request's `steering` entry, `where` e.g. `steering[0]`). */
export function parseSteeringJson(value: unknown, where = 'steering'): SteeringRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SteeringError(`${where}: expected an object {"artifact": NAME, "strength" | "multiple": NUMBER, "target": "pos" | "neg"}`, null);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new SteeringError(`${where}: unknown field "${unknown}" (a steering entry takes ${FIELDS.join(', ')})`, unknown);
  if (o['strength'] !== undefined && o['multiple'] !== undefined) throw new SteeringError(`${where}: give "strength" or "multiple", not both`, null);
  return checkSteering(o as unknown as SteeringRequest, where);
}

/** The same request at an absolute strength (a sweep's cells). */
export function atStrength(req: SteeringRequest, strength: number): SteeringRequest {
  const { multiple: _, ...rest } = req;
  return { ...rest, strength };
}

/** The same request with its strength times k (a curve over multiples of the strengths asked for). */
export function timesMultiple(req: SteeringRequest, k: number): SteeringRequest {
  return { ...req, multiple: (req.multiple ?? 1) * k };
}

/** The request's interventions on a model, at their final strengths (`force`: skip the fit check). */
export function resolveSteering(req: SteeringRequest, artifact: Artifact, model: DecoderModel, force = false): Intervention[] {
  const { artifact: _, ...use } = req;
  return artifactInterventions(artifact, model, { ...use, force });
}

/** A request resolved: the artifact it named and its interventions. */
export interface LoadedSteer {
  request: SteeringRequest;
  artifact: Artifact;
  interventions: Intervention[];
}

/** Loads the artifact file a request names. */
export function loadRequestedArtifact(req: SteeringRequest): Artifact {
  if (!existsSync(req.artifact)) throw new SteeringError(`--steer: artifact file ${req.artifact} does not exist`, 'artifact');
  return loadArtifact(req.artifact);
}

/** Loads each artifact file (text or requests), checks it fits the model (unless force), and sets its strengths. */
export function loadSteering(inputs: readonly (string | SteeringRequest)[], model: DecoderModel, force = false): LoadedSteer[] {
  return inputs.map((x) => {
    const request = typeof x === 'string' ? parseSteerText(x) : checkSteering(x, `steering ${x.artifact}`);
    const artifact = loadRequestedArtifact(request);
    return { request, artifact, interventions: resolveSteering(request, artifact, model, force) };
  });
}

/** One line per artifact for logs and --json: name, method, site and the strength in use. */
export function describeSteering(s: LoadedSteer): { artifact: string; name: string; method: string; sites: string[]; strengths: number[]; default_strength: number; range: [number, number] } {
  const first = s.artifact.meta.interventions[0]!;
  return {
    artifact: s.request.artifact,
    name: s.artifact.meta.name,
    method: s.artifact.meta.method,
    sites: [...new Set(s.interventions.map((iv) => iv.site))],
    strengths: s.interventions.map((iv) => iv.strength),
    default_strength: first.default_strength,
    range: first.strength_range,
  };
}
