// Saving and loading artifacts. Loading treats the file as data from strangers: the header is
// bounded before it is read, and the metadata and every tensor an intervention names are checked
// (validate.ts) before anything uses them; only those tensors are read.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeSafetensors } from '../io/safetensors-write.js';
import { SafetensorsFile } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';
import { escapeControl } from '../util/escape.js';
import type { Artifact, ArtifactMeta } from './artifact.js';
import { ArtifactFieldError, checkArtifactMeta, checkRecordTensors, MAX_META_BYTES } from './validate.js';

/** Largest safetensors header an artifact may have: its metadata plus a table of its tensors. */
const MAX_HEADER_BYTES = MAX_META_BYTES + 4 * 1024 * 1024;

export function saveArtifact(path: string, art: Artifact): void {
  for (const iv of art.meta.interventions) {
    for (const [role, name] of Object.entries(iv.tensors)) {
      if (!art.tensors.has(name)) throw new Error(`saveArtifact: intervention at ${iv.site} names tensor ${name} (${role}) that is not in the artifact`);
    }
  }
  writeSafetensors(path, art.tensors, { steerling: JSON.stringify(art.meta) });
}

function fail(path: string, msg: string): never {
  throw new Error(`${escapeControl(path)}: not a valid steering artifact: ${escapeControl(msg)}`);
}

export function parseArtifactMeta(json: string, path: string): ArtifactMeta {
  if (json.length > MAX_META_BYTES) fail(path, `its metadata is ${json.length} characters (an artifact's is at most ${MAX_META_BYTES})`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    fail(path, `metadata is not JSON (${(e as Error).message})`);
  }
  try {
    return checkArtifactMeta(raw);
  } catch (e) {
    if (e instanceof ArtifactFieldError) fail(path, e.message);
    throw e;
  }
}

/** Refuses a header past MAX_HEADER_BYTES before it is read (other problems are SafetensorsFile's to name). */
function checkHeaderSize(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    if (!fstatSync(fd).isFile()) return;
    const first8 = Buffer.alloc(8);
    if (readSync(fd, first8, 0, 8, 0) < 8) return;
    const n = first8.readBigUInt64LE(0);
    // A length past the end of the file (or a GGUF magic read as one) is SafetensorsFile's to name.
    if (n > BigInt(MAX_HEADER_BYTES) && n <= BigInt(fstatSync(fd).size - 8)) fail(path, `its header is ${n} bytes (an artifact's is at most ${MAX_HEADER_BYTES})`);
  } finally {
    closeSync(fd);
  }
}

export function loadArtifact(path: string): Artifact {
  checkHeaderSize(path);
  const f = SafetensorsFile.open(path, { lazy: true });
  try {
    const raw = f.metadata['steerling'];
    if (raw === undefined) fail(path, 'no "steerling" metadata entry (is this a model checkpoint?)');
    const meta = parseArtifactMeta(raw, path);
    const tensors = new Map<string, Tensor>();
    meta.interventions.forEach((iv, i) => {
      for (const [role, name] of Object.entries(iv.tensors)) {
        if (tensors.has(name)) continue;
        if (!f.has(name)) fail(path, `interventions[${i}].tensors.${role} names tensor ${name}, which is not in the file`);
        try {
          tensors.set(name, f.get(name));
        } catch (e) {
          fail(path, `interventions[${i}].tensors.${role} (${name}): ${(e as Error).message.replace(`${path}: `, '')}`);
        }
      }
    });
    const dims = { hidden: meta.model.hidden_size, heads: null, headDim: null, intermediate: null };
    try {
      meta.interventions.forEach((iv, i) => checkRecordTensors(iv, `interventions[${i}]`, (role) => tensors.get(iv.tensors[role]!), dims, true));
    } catch (e) {
      if (e instanceof ArtifactFieldError) fail(path, e.message);
      throw e;
    }
    return { meta, tensors };
  } finally {
    f.close();
  }
}
