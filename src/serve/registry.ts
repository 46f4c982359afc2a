// The artifacts a server may apply: loaded once at startup from NAME=PATH pairs or a folder of
// *.steer.safetensors files, each checked against the served model. Requests name artifacts only
// by these names; no request ever reaches the file system.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadArtifact } from '../artifact/io.js';
import { checkArtifactFits } from '../artifact/apply.js';
import { parseSteeringJson, resolveSteering, SteeringError, type SteeringRequest } from '../artifact/steering.js';
import type { Artifact } from '../artifact/artifact.js';
import { escapeControl } from '../util/escape.js';
import type { DecoderModel } from '../models/decoder.js';
import type { Intervention } from '../intervene/interventions.js';

export const ARTIFACT_SUFFIX = '.steer.safetensors';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface RegisteredArtifact {
  name: string;
  path: string;
  artifact: Artifact;
}

/** The steering in use for one request, as reported back to the client. */
export interface AppliedSteering {
  artifact: string;
  method: string;
  sites: string[];
  strengths: number[];
}

export interface ArtifactInfo {
  name: string;
  method: string;
  concept: string;
  sites: string[];
  kinds: string[];
  default_strength: number;
  range: [number, number];
}

/** A request error that names the field at fault (turned into a 400 by the app). */
export class RequestError extends Error {
  constructor(message: string, readonly param: string | null, readonly code: string | null = null, readonly status = 400) {
    super(message);
  }
}

/** Parses a `--steer NAME=PATH` value. */
export function parseNamedPath(spec: string): { name: string; path: string } {
  const i = spec.indexOf('=');
  if (i <= 0 || i === spec.length - 1) throw new Error(`--steer ${spec}: expected NAME=PATH (e.g. formal=./formal.steer.safetensors)`);
  return { name: spec.slice(0, i), path: spec.slice(i + 1) };
}

export class ArtifactRegistry {
  private readonly byName = new Map<string, RegisteredArtifact>();

  constructor(private readonly model: DecoderModel, private readonly force = false) {}

  /** Loads one artifact under a name, after checking the name is free and the artifact fits. */
  add(name: string, path: string): RegisteredArtifact {
    if (!NAME.test(name)) throw new Error(`artifact name "${name}" is not allowed: use letters, digits and . _ : - (at most 128, not starting with a symbol)`);
    const prev = this.byName.get(name);
    if (prev) throw new Error(`two artifacts are named "${name}" (${prev.path} and ${path}); give one another name with --steer NAME=PATH`);
    if (!existsSync(path)) throw new Error(`artifact file ${path} (for "${name}") does not exist`);
    const artifact = loadArtifact(path);
    if (!this.force) checkArtifactFits(artifact, this.model);
    // Builds the interventions once, so that a broken artifact fails at startup, not per request.
    resolveSteering({ artifact: name }, artifact, this.model, true);
    const reg = { name, path, artifact };
    this.byName.set(name, reg);
    return reg;
  }

  /** Loads every *.steer.safetensors in a folder, named by the file stem. */
  addFolder(dir: string): RegisteredArtifact[] {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--artifacts ${dir} is not a folder`);
    const files = readdirSync(dir).filter((f) => f.endsWith(ARTIFACT_SUFFIX)).sort();
    if (files.length === 0) throw new Error(`--artifacts ${dir} has no *${ARTIFACT_SUFFIX} files`);
    return files.map((f) => this.add(basename(f, ARTIFACT_SUFFIX), join(dir, f)));
  }

  get size(): number {
    return this.byName.size;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): RegisteredArtifact | undefined {
    return this.byName.get(name);
  }

  list(): ArtifactInfo[] {
    return [...this.byName.values()].map(({ name, artifact }) => {
      const recs = artifact.meta.interventions;
      const first = recs[0]!;
      return {
        name,
        method: artifact.meta.method,
        concept: escapeControl(artifact.meta.name),
        sites: [...new Set(recs.map((r) => r.site))],
        kinds: [...new Set(recs.map((r) => r.kind))],
        default_strength: first.default_strength,
        range: first.strength_range,
      };
    });
  }

  /** Live interventions for a request's steering list (in order; they compose). */
  interventions(reqs: readonly SteeringRequest[]): { interventions: Intervention[]; applied: AppliedSteering[] } {
    const interventions: Intervention[] = [];
    const applied: AppliedSteering[] = [];
    reqs.forEach((raw, i) => {
      const where = `steering[${i}]`;
      let r: SteeringRequest;
      try {
        r = parseSteeringJson(raw, where);
      } catch (e) {
        if (e instanceof SteeringError) throw new RequestError(e.message, e.field === null ? where : `${where}.${e.field}`);
        throw e;
      }
      const reg = this.byName.get(r.artifact);
      if (!reg) {
        const known = this.names();
        throw new RequestError(`${where}.artifact: no artifact named "${r.artifact}" is loaded (${known.length ? `loaded: ${known.join(', ')}` : 'this server has none; start it with --steer NAME=PATH or --artifacts DIR'})`, `${where}.artifact`, 'unknown_artifact');
      }
      let ivs: Intervention[];
      try {
        ivs = resolveSteering(r, reg.artifact, this.model, true);
      } catch (e) {
        throw new RequestError(`${where}: ${(e as Error).message}`, where);
      }
      interventions.push(...ivs);
      applied.push({ artifact: r.artifact, method: reg.artifact.meta.method, sites: [...new Set(ivs.map((iv) => iv.site))], strengths: ivs.map((iv) => iv.strength) });
    });
    return { interventions, applied };
  }
}
