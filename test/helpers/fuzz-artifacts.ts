// Property-based artifact files (fast-check): any bytes, a valid file with bytes overwritten or cut
// short, and well-formed safetensors whose metadata, tensor table or data are mutated. The
// property: loadArtifact gives a valid artifact (which inspect renders, escaped) or one line
// naming the file; never another exception, a crash or a hang. Shared by
// test/artifact/fuzz.test.ts (1,000 a run) and bench/fuzz.mjs.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { loadArtifact } from '../../src/artifact/io.js';
import { renderInspect } from '../../src/cli/inspect.js';
import { validMeta, HIDDEN, type Json } from './artifact-files.js';

interface Entry {
  name: string;
  dtype: string;
  shape: unknown;
  offsets?: unknown;
  bytes: Uint8Array;
}

/** A safetensors file from its parts, with the header as given (offsets computed unless given). */
function safetensors(metaText: string | null, entries: Entry[], extraHeader: Record<string, unknown> = {}): Uint8Array {
  const header: Record<string, unknown> = { ...extraHeader };
  if (metaText !== null) header['__metadata__'] = { steerling: metaText };
  let at = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: e.offsets ?? [at, at + e.bytes.length] };
    at += e.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length + pad));
  return Buffer.concat([len, json, Buffer.alloc(pad, 0x20), ...entries.map((e) => e.bytes)]);
}

const f32bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);
const DIRECTION = Array.from({ length: HIDDEN }, (_, i) => (i % 3) - 1);
const validEntry = (): Entry => ({ name: 'd', dtype: 'F32', shape: [HIDDEN], bytes: f32bytes(DIRECTION) });

/** The valid artifact's bytes. */
export const VALID = safetensors(JSON.stringify(validMeta()), [validEntry()]);

/** Paths into the valid metadata (a.b[0].c as key lists). */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
}
const META_PATHS = paths(validMeta()).filter((p) => p.length > 0);

/** JSON text of odd values, raw numbers JSON.stringify cannot write included. */
const oddJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('1e309', '-1e309', '1e300', '-0', '1e-400', '9007199254740993', '"\\u001b[2J"', '"\\u202e"', '"\\ud800"', '[]', '{}', 'null', '"layers.99.resid_post"', '"embed"', '"weight-edit"', '{"last":0}', '{"indices":[-1]}', '["a",null]', '[4,-4]'),
  fc.nat(40).map((d) => '['.repeat(d) + ']'.repeat(d)),
);

/** The valid metadata with one value replaced (as JSON text) or removed. */
const mutatedMeta: fc.Arbitrary<string> = fc.record({ path: fc.constantFrom(...META_PATHS), value: fc.option(oddJson, { freq: 5 }) }).map(({ path, value }) => {
  const meta = validMeta();
  let parent: Json | unknown[] = meta;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k] as Json;
  const last = path[path.length - 1]!;
  if (value === null) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Json)[last];
    return JSON.stringify(meta);
  }
  (parent as Record<string | number, unknown>)[last] = '\u0000HOLE\u0000';
  return JSON.stringify(meta).replace(JSON.stringify('\u0000HOLE\u0000'), () => value);
});

const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I32', 'I64', 'U8', 'BOOL', 'I8', 'F8_E4M3', 'f32', 'X', ''];

/** The tensor "d" with a mutated table entry or data (values past float32, NaN, wrong sizes). */
const mutatedTensor: fc.Arbitrary<Entry> = fc.record({
  dtype: fc.oneof(fc.constantFrom(...DTYPES), fc.constant('F32')),
  shape: fc.oneof(fc.constant<unknown>([HIDDEN]), fc.constantFrom<unknown>([8, 8], [2, 4], [], [0], [-8], [1e20], ['8'], null, [4], [HIDDEN, 1])),
  offsets: fc.option(fc.constantFrom<unknown>([0, 0], [0, 4], [4, 0], [0, 1e15], [-4, 28], null, ['0', '32'], [0, 32, 64])),
  data: fc.oneof(
    fc.constant(f32bytes(DIRECTION)),
    fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38)), { minLength: HIDDEN, maxLength: HIDDEN }).map(f32bytes),
    fc.uint8Array({ maxLength: 80 }),
  ),
}).map((t) => ({ name: 'd', dtype: t.dtype, shape: t.shape, ...(t.offsets !== null ? { offsets: t.offsets } : {}), bytes: t.data }));

export const artifactBytesArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Any bytes.
  fc.uint8Array({ maxLength: 600 }),
  // The valid file with bytes overwritten, or cut short.
  fc.array(fc.tuple(fc.nat(VALID.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
    const b = Uint8Array.from(VALID);
    for (const [i, v] of edits) b[i] = v;
    return b;
  }),
  fc.nat(VALID.length).map((n) => VALID.slice(0, n)),
  // Well-formed safetensors with mutated metadata, tensor table or data.
  mutatedMeta.map((m) => safetensors(m, [validEntry()])),
  mutatedTensor.map((e) => safetensors(JSON.stringify(validMeta()), [e])),
  fc.record({ meta: fc.option(oddJson), extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) })
    .map(({ meta, extra }) => safetensors(meta, [validEntry()], extra)),
);

export interface ArtifactFuzzResult {
  runs: number;
  ms: number;
  loaded: number;
  refused: number;
}

/** Writes and loads `runs` generated files at `path`; throws (with the shrunk counterexample) on anything but a load or a one-line error. */
export function fuzzArtifacts(path: string, runs: number, seed?: number): ArtifactFuzzResult {
  let loaded = 0;
  let refused = 0;
  const t = performance.now();
  fc.assert(fc.property(artifactBytesArbitrary, (bytes) => {
    writeFileSync(path, bytes);
    const t0 = performance.now();
    let art;
    try {
      art = loadArtifact(path);
    } catch (e) {
      if (!(e instanceof Error)) throw new Error(`threw a non-Error: ${String(e)}`);
      if (!e.message.startsWith(path) || e.message.includes('\n')) throw new Error(`not a one-line error naming the file: ${e.message}`);
      refused++;
      return;
    } finally {
      if (performance.now() - t0 > 2000) throw new Error(`loading took ${(performance.now() - t0).toFixed(0)} ms (a hang)`);
    }
    const shown = renderInspect(art, path);
    if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(shown)) throw new Error(`inspect printed a control character: ${JSON.stringify(shown)}`);
    loaded++;
  }), { numRuns: runs, ...(seed !== undefined ? { seed } : {}) });
  return { runs, ms: performance.now() - t, loaded, refused };
}
