// `organism train` with another shape (issue 19's scale study): the sizes reach config.json and the
// weights, the model loads and runs, the log's command repeats the flags, and resuming a checkpoint
// with a different shape is refused instead of loading mismatched weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOrganism } from '../../src/organism/train.js';
import { loadModel } from '../../src/models/load.js';
import { checkShape, ORGANISM_SHAPE } from '../../src/organism/spec.js';

const TINY = { layers: 2, hidden: 64, heads: 4, kvHeads: 2, intermediate: 96 };

test('organism train: a smaller shape is trained, saved and loaded; a resume with another shape is refused', async () => {
  const out = mkdtempSync(join(tmpdir(), 'steerling-shape-'));
  const o = { seed: 3, out, steps: 2, batch: 2, context: 32, trainExamples: 40, heldOutExamples: 8, checkpointEvery: 1, evalEvery: 1000, shape: TINY };
  const log = await trainOrganism(o);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual([cfg.num_hidden_layers, cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads, cfg.intermediate_size, cfg.head_dim], [2, 64, 4, 2, 96, 16]);
  assert.match(log.command, / --layers 2 --hidden 64 --heads 4 --intermediate 96$/);
  const m = await loadModel(out);
  assert.equal(m.model.arch.layers, 2);
  assert.equal(m.model.arch.hidden, 64);
  await assert.rejects(() => trainOrganism({ ...o, steps: 3, resume: true, shape: { ...TINY, hidden: 128 } }), /--resume: the checkpoint .* has shape .*"hidden":64.* asks for .*"hidden":128/);
});

test('organism shape: sizes that do not make a Llama are named', () => {
  assert.throws(() => checkShape({ ...ORGANISM_SHAPE, hidden: 250 }), /6 heads do not divide the width 250/);
  assert.throws(() => checkShape({ ...ORGANISM_SHAPE, kvHeads: 4 }), /4 KV heads do not divide 6 heads/);
  assert.throws(() => checkShape({ ...ORGANISM_SHAPE, layers: 0 }), /layers must be a whole number ≥ 1, got 0/);
});
