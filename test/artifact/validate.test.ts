// Artifacts are data from strangers: every field and tensor is checked on load, and a bad one fails
// with one line naming the file and the field (issue 14, item 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { closeSync, openSync, writeSync } from 'node:fs';
import { loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { writeSafetensors } from '../../src/io/safetensors-write.js';
import { renderInspect } from '../../src/cli/inspect.js';
import type { DecoderModel } from '../../src/models/decoder.js';
import { tempDir } from '../cli/helpers.js';
import { HIDDEN, validMeta, validTensors, writeArtifactFile, type Json } from '../helpers/artifact-files.js';

const dir = tempDir();
let n = 0;

/** Writes a variant of the valid artifact and returns its path. */
function variant(edit: (meta: Json & { interventions: Json[] }) => void, tensors = validTensors()): string {
  const meta = validMeta() as Json & { interventions: Json[] };
  edit(meta);
  return writeArtifactFile(join(dir, `v${n++}.steer.safetensors`), meta, tensors);
}

function refused(path: string, re: RegExp): void {
  assert.throws(() => loadArtifact(path), (e: unknown) => {
    const m = (e as Error).message;
    assert.ok(!m.includes('\n'), `one line: ${m}`);
    assert.ok(m.startsWith(`${path}: not a valid steering artifact: `), m);
    assert.match(m, re);
    return true;
  });
}

const f32 = (xs: number[], shape = [xs.length]) => new Map([['d', fromStorage(Float32Array.from(xs), shape, 'f32')]]);

test('the valid artifact loads, and renders in inspect', () => {
  const p = variant(() => {});
  const art = loadArtifact(p);
  assert.equal(art.meta.name, 'sea');
  assert.deepEqual([...art.tensors.keys()], ['d']);
  assert.match(renderInspect(art, p), /add at layers\.1\.resid_post/);
});

test('tensors: NaN or Infinity, an integer dtype, a wrong shape are refused naming the intervention, role and tensor', () => {
  refused(variant(() => {}, f32([0, 1, 2, NaN, 0, 0, 0, 0])), /interventions\[0\]\.tensors\.direction \(d\) holds NaN at index 3; every value must be finite$/);
  refused(variant(() => {}, f32([0, 1, Infinity, 0, 0, 0, 0, 0])), /holds Infinity at index 2/);
  refused(variant(() => {}, new Map([['d', fromStorage(Int32Array.from({ length: HIDDEN }, () => 1), [HIDDEN], 'i32')]])), /interventions\[0\]\.tensors\.direction \(d\) has dtype i32; steering tensors are floating point/);
  refused(variant(() => {}, f32(Array.from({ length: 64 }, () => 0.1), [8, 8])), /direction \(d\) has shape \[8, 8\]; a add at layers\.1\.resid_post needs \[8\]$/);
  refused(variant(() => {}, f32([1, 2, 3])), /has shape \[3\]; a add at layers\.1\.resid_post needs \[8\]/);
  refused(variant((m) => ((m.interventions[0]!['tensors'] as Json)['direction'] = 'gone')), /interventions\[0\]\.tensors\.direction names tensor gone, which is not in the file/);
  refused(variant((m) => ((m.interventions[0]!['tensors'] as Json)['plane'] = 'd2'), f32([1, 0, 0, 0, 0, 0, 0, 0])), /tensors\.plane names tensor d2, which is not in the file/);
});

test('numbers: an absurd default strength, a range that is not two numbers, non-finite values', () => {
  refused(variant((m) => (m.interventions[0]!['default_strength'] = 1e300)), /interventions\[0\]\.default_strength is 1e\+300, past ±1e\+6$/);
  refused(variant((m) => (m.interventions[0]!['strength_range'] = ['a', null])), /interventions\[0\]\.strength_range\[0\] must be a finite number, got "a"$/);
  refused(variant((m) => (m.interventions[0]!['strength_range'] = [4])), /interventions\[0\]\.strength_range must be \[low, high\], got \[4\]/);
  refused(variant((m) => (m.interventions[0]!['strength_range'] = [4, -4])), /its low end is above its high end/);
  refused(variant((m) => (m.interventions[0]!['values'] = { mu_pos: 'x' })), /interventions\[0\]\.values\.mu_pos must be a finite number, got "x"/);
  refused(variant((m) => ((m['training'] as Json)['examples'] = -1)), /training\.examples must be an integer in \[0, /);
  refused(variant((m) => ((m['model'] as Json)['hidden_size'] = '8')), /model\.hidden_size must be an integer/);
  refused(variant((m) => ((m['stats'] as Json)['x'] = { y: 1 })), /stats\.x must be a number or a list of numbers/);
  // JSON has no Infinity, but 1e309 parses to it.
  const p = join(dir, 'inf.steer.safetensors');
  writeSafetensors(p, validTensors(), { steerling: JSON.stringify(validMeta()).replace('"default_strength":2', '"default_strength":1e309') });
  refused(p, /interventions\[0\]\.default_strength must be a finite number, got Infinity$/);
});

test('fields: format, kinds, sites, positions, names and nesting', () => {
  refused(variant((m) => (m['format'] = 2)), /format is 2; this steerling reads format 1/);
  refused(variant((m) => (m['name'] = 7)), /name must be a string, got 7/);
  refused(variant((m) => (m.interventions[0]!['kind'] = 'explode')), /interventions\[0\]\.kind is "explode", not one of add, /);
  refused(variant((m) => (m.interventions[0]!['site'] = 'layers.9.resid_post')), /interventions\[0\]\.site is not a site of this 2-layer model: .*layer 9 does not exist/);
  refused(variant((m) => (m.interventions[0]!['site'] = 'layers.1.resid\u001b[2J')), /interventions\[0\]\.site is not a site .*resid\\x1b\[2J/);
  refused(variant((m) => (m.interventions[0]!['positions'] = { last: -1 })), /interventions\[0\]\.positions invalid positions/);
  refused(variant((m) => (m.interventions[0]!['kind'] = 'weight-edit')), /interventions\[0\]\.site is not a weight-edit site: .*weight edits act on a projection's output/);
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  refused(variant((m) => ((m['settings'] as Json)['x'] = deep)), /settings is nested more than 32 levels deep/);
  refused(variant((m) => (m['interventions'] = [])), /interventions must be a non-empty list/);
});

test('size: the number of interventions, the metadata and the header are bounded', () => {
  refused(variant((m) => (m['interventions'] = Array.from({ length: 5000 }, () => m.interventions[0]))), /interventions has 5000 entries \(at most 4096\)/);
  refused(variant((m) => ((m['settings'] as Json)['pad'] = 'x'.repeat(5 * 1024 * 1024))), /its metadata is \d+ characters \(an artifact's is at most 4194304\)/);
  // A header that claims 9 MiB (and has them): refused before it is read.
  const p = join(dir, 'big-header.steer.safetensors');
  const fd = openSync(p, 'w');
  const len = 9 * 1024 * 1024;
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(len));
  writeSync(fd, head);
  writeSync(fd, Buffer.alloc(len, 0x20));
  closeSync(fd);
  refused(p, /its header is 9437184 bytes \(an artifact's is at most \d+\)/);
});

test('names with control characters load, and are printed escaped by inspect and in errors', () => {
  const p = variant((m) => (m['name'] = 'sea\u001b[31m\u202eevil\r'));
  const art = loadArtifact(p);
  const shown = renderInspect(art, p);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/.test(shown), shown);
  assert.match(shown, /name {7}sea\\x1b\[31m\\u\{202e\}evil\\x0d/);
  // Applied to a model of another width, the error names it escaped too.
  const model = { arch: { layers: 2, hidden: 16, heads: 2, headDim: 8, intermediate: 32 } } as unknown as DecoderModel;
  assert.throws(() => artifactInterventions(art, model, { force: true }), /^Error: artifact sea\\x1b\[31m\\u\{202e\}evil\\x0d: interventions\[0\]\.tensors\.direction \(d\) has shape \[8\]; a add at layers\.1\.resid_post needs \[16\]$/);
});
