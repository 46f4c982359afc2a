// Fuzzing the artifact loader (issue 14): 1,000 generated files a run — any bytes, the valid file
// overwritten or cut short, mutated metadata, tensor tables and data — each loads or fails with one
// line naming the file. `node bench/fuzz.mjs --runs 100000` runs the same property longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadArtifact } from '../../src/artifact/io.js';
import { tempDir } from '../cli/helpers.js';
import { fuzzArtifacts, VALID } from '../helpers/fuzz-artifacts.js';
import { writeFileSync } from 'node:fs';

test('fuzz: 1,000 generated artifact files load or fail with one line naming the file', (t) => {
  const path = join(tempDir(), 'fuzz.steer.safetensors');
  writeFileSync(path, VALID);
  assert.equal(loadArtifact(path).meta.name, 'sea', 'the unmutated file is valid');
  const r = fuzzArtifacts(path, 1000);
  assert.equal(r.loaded + r.refused, 1000);
  assert.ok(r.loaded > 0 && r.refused > 0, `both outcomes are reached (${r.loaded} loaded, ${r.refused} refused)`);
  t.diagnostic(`${r.runs} files in ${r.ms.toFixed(0)} ms: ${r.loaded} loaded, ${r.refused} refused with one line`);
});
