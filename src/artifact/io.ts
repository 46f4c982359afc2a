// Saving and loading artifacts; loading validates the metadata and every tensor reference.
import { writeSafetensors } from '../io/safetensors-write.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { ARTIFACT_FORMAT, type Artifact, type ArtifactMeta } from './artifact.js';
import { validatePositions } from '../intervene/positions.js';

const KINDS = new Set(['add', 'ablate', 'clamp', 'affine', 'interchange', 'rotate', 'weight-edit']);

export function saveArtifact(path: string, art: Artifact): void {
  for (const iv of art.meta.interventions) {
    for (const [role, name] of Object.entries(iv.tensors)) {
      if (!art.tensors.has(name)) throw new Error(`saveArtifact: intervention at ${iv.site} names tensor ${name} (${role}) that is not in the artifact`);
    }
  }
  writeSafetensors(path, art.tensors, { steerling: JSON.stringify(art.meta) });
}

function fail(path: string, msg: string): never {
  throw new Error(`${path}: not a valid steering artifact: ${msg}`);
}

export function parseArtifactMeta(json: string, path: string): ArtifactMeta {
  let m: ArtifactMeta;
  try {
    m = JSON.parse(json) as ArtifactMeta;
  } catch (e) {
    fail(path, `metadata is not JSON (${(e as Error).message})`);
  }
  if (!m || typeof m !== 'object') fail(path, 'metadata is not an object');
  if (m.format !== ARTIFACT_FORMAT) fail(path, `format ${String(m.format)} is not supported (this steerling reads format ${ARTIFACT_FORMAT})`);
  if (typeof m.method !== 'string') fail(path, 'missing method');
  if (!m.model || typeof m.model.model_type !== 'string') fail(path, 'missing model fingerprint');
  if (!Array.isArray(m.interventions) || m.interventions.length === 0) fail(path, 'no interventions');
  m.interventions.forEach((iv, i) => {
    if (typeof iv.site !== 'string') fail(path, `intervention ${i} has no site`);
    if (!KINDS.has(iv.kind)) fail(path, `intervention ${i} has unknown kind ${JSON.stringify(iv.kind)}`);
    try {
      validatePositions(iv.positions);
    } catch (e) {
      fail(path, `intervention ${i}: ${(e as Error).message}`);
    }
    if (!Number.isFinite(iv.default_strength)) fail(path, `intervention ${i} has no default strength`);
    if (!Array.isArray(iv.strength_range) || iv.strength_range.length !== 2) fail(path, `intervention ${i} has no strength range`);
  });
  return m;
}

export function loadArtifact(path: string): Artifact {
  const f = SafetensorsFile.open(path);
  const raw = f.metadata['steerling'];
  if (raw === undefined) fail(path, 'no "steerling" metadata entry (is this a model checkpoint?)');
  const meta = parseArtifactMeta(raw, path);
  const tensors = new Map(f.keys().map((k) => [k, f.get(k)] as const));
  meta.interventions.forEach((iv, i) => {
    for (const [role, name] of Object.entries(iv.tensors)) if (!tensors.has(name)) fail(path, `intervention ${i} (${iv.site}) names missing tensor ${name} (${role})`);
  });
  return { meta, tensors };
}
