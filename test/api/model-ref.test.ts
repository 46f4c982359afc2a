// The names `--model` and loadModel() take besides paths: "organism" (the default) and
// "stories260K", both shipped in the package; a folder of that name where the program runs wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelRef, ORGANISM_DIR, STORIES_DIR } from '../../src/api/model-ref.js';
import { loadModel } from '../../src/api/model.js';

test('modelRef: organism and stories260K name the shipped models; other refs pass through', async () => {
  assert.equal(modelRef(undefined), ORGANISM_DIR);
  assert.equal(modelRef('organism'), ORGANISM_DIR);
  assert.equal(modelRef('stories260K'), STORIES_DIR);
  assert.equal(modelRef('HuggingFaceTB/SmolLM2-135M'), 'HuggingFaceTB/SmolLM2-135M');
  const m = await loadModel('stories260K');
  assert.equal(m.model.arch.layers, 5);
});

test('modelRef: a local folder named stories260K is taken over the shipped copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steerling-ref-'));
  mkdirSync(join(dir, 'stories260K'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.equal(modelRef('stories260K'), 'stories260K');
  } finally {
    process.chdir(cwd);
  }
});
