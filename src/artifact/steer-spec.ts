// The `--steer` spec shared by generate, detect, sweep, eval and export, and by the chat session:
//
//   --steer A                 the artifact at its own default strength
//   --steer A:4  / A:-2.5     an absolute strength (same units as the artifact's range)
//   --steer A:x2 / A:x0.5     a multiple of the artifact's default strength
//   --steer A:neg[:S|:xK]     clamp artifacts (CDAS): clamp to the negative class mean μ− (suppress)
//                             instead of the recorded target μ+ (A:pos says so explicitly)
//
// Repeatable: several artifacts compose (applied in the order given), each with its own strength.
import { existsSync } from 'node:fs';
import { loadArtifact } from './io.js';
import { artifactInterventions, type UseOptions } from './apply.js';
import type { Artifact } from './artifact.js';
import type { DecoderModel } from '../models/decoder.js';
import type { Intervention } from '../intervene/interventions.js';

export interface SteerSpec {
  path: string;
  /** Absolute strength, when given. */
  strength?: number;
  /** Multiple of the default strength, when given as xK. */
  multiple?: number;
  /** Clamp artifacts (CDAS): which class mean to clamp to, pos (the default target) or neg. */
  target?: 'pos' | 'neg';
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TARGET = /^(pos|neg)$/i;

export function parseSteerSpec(spec: string): SteerSpec {
  const out: SteerSpec = { path: spec };
  let rest = spec;
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
    out.target = rest.slice(j + 1).toLowerCase() as 'pos' | 'neg';
    rest = rest.slice(0, j);
  }
  if (rest === spec && i > 0 && !existsSync(spec)) {
    // A colon that is part of the path (no strength after it) is left alone when the file exists.
    throw new Error(`--steer ${spec}: "${spec.slice(i + 1)}" is not a strength; use ARTIFACT, ARTIFACT:STRENGTH (e.g. :4, :-2.5) or ARTIFACT:xK (K times the default); clamp artifacts also take ARTIFACT:neg[:STRENGTH] to clamp to the negative class mean`);
  }
  out.path = rest;
  return out;
}

export interface LoadedSteer {
  spec: SteerSpec;
  artifact: Artifact;
  interventions: Intervention[];
}

/** How a spec asks artifactInterventions for its strength, multiple and clamp target. */
export function specUse(spec: SteerSpec, force = false): UseOptions {
  return { force, ...(spec.strength !== undefined ? { strength: spec.strength } : {}), ...(spec.multiple !== undefined ? { multiple: spec.multiple } : {}), ...(spec.target ? { target: spec.target } : {}) };
}

/** Loads each artifact, checks it fits the model (unless force), and sets its strengths. */
export function loadSteering(specs: readonly string[], model: DecoderModel, force = false): LoadedSteer[] {
  return specs.map((raw) => {
    const spec = parseSteerSpec(raw);
    if (!existsSync(spec.path)) throw new Error(`--steer: artifact file ${spec.path} does not exist`);
    const artifact = loadArtifact(spec.path);
    return { spec, artifact, interventions: artifactInterventions(artifact, model, specUse(spec, force)) };
  });
}

/** One line per artifact for logs and --json: name, method, site and the strength in use. */
export function describeSteering(s: LoadedSteer): { artifact: string; name: string; method: string; sites: string[]; strengths: number[]; default_strength: number; range: [number, number] } {
  const first = s.artifact.meta.interventions[0]!;
  return {
    artifact: s.spec.path,
    name: s.artifact.meta.name,
    method: s.artifact.meta.method,
    sites: [...new Set(s.interventions.map((iv) => iv.site))],
    strengths: s.interventions.map((iv) => iv.strength),
    default_strength: first.default_strength,
    range: first.strength_range,
  };
}
