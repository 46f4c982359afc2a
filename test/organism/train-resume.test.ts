// Resuming `organism train` (issue 14, item 6): a checkpoint records its run's settings, and a
// resume that asks for another seed, batch, context, learning rate or corpus is refused instead of
// silently continuing on another data order; so is --steps before the checkpoint's own step. The
// same settings resume and extend the run; --save-every sets the checkpoint interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOrganism } from '../../src/organism/train.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { cli } from '../cli/helpers.js';

const TINY = { layers: 1, hidden: 32, heads: 2, kvHeads: 1, intermediate: 48 };

test('organism train --resume: other settings are refused, --steps before the checkpoint is refused, the same settings continue', async () => {
  const out = mkdtempSync(join(tmpdir(), 'steerling-resume-'));
  const o = { seed: 3, out, steps: 4, batch: 2, context: 32, trainExamples: 30, heldOutExamples: 6, checkpointEvery: 2, evalEvery: 1000, shape: TINY };
  await trainOrganism(o);
  const step = () => Number(SafetensorsFile.open(join(out, 'checkpoint', 'state.safetensors')).metadata['step']);
  assert.equal(step(), 4);
  for (const [change, flag] of [[{ seed: 4 }, '--seed'], [{ batch: 3 }, '--batch'], [{ context: 48 }, '--context'], [{ lr: 1e-3 }, '--lr'], [{ trainExamples: 31 }, '--train-examples'], [{ windows: 'any' as const }, '--windows']] as const) {
    await assert.rejects(() => trainOrganism({ ...o, ...change, steps: 6, resume: true }), new RegExp(`^Error: --resume: the checkpoint in .* has ${flag} .*, this run asks for`), flag);
  }
  await assert.rejects(() => trainOrganism({ ...o, steps: 2, resume: true }), /--resume: the checkpoint in .* is at step 4; --steps 2 would end before it \(pass --steps 4 or more\)/);
  const log = await trainOrganism({ ...o, steps: 6, resume: true });
  assert.equal(step(), 6);
  assert.deepEqual(log.history?.map((h) => h.until_step), [4]);
  assert.match(log.command, /--steps 6 .*--resume$/);
});

test('organism train --save-every N: a checkpoint every N steps', async () => {
  const out = mkdtempSync(join(tmpdir(), 'steerling-save-every-'));
  const r = await cli(['organism', 'train', '--seed', '3', '--out', out, '--steps', '5', '--batch', '2', '--context', '32', '--train-examples', '30', '--layers', '1', '--hidden', '32', '--heads', '2', '--kv-heads', '1', '--intermediate', '48', '--save-every', '3'], { timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  // Steps 1–5 with --save-every 3: the last checkpoint is the one at step 3.
  assert.equal(Number(SafetensorsFile.open(join(out, 'checkpoint', 'state.safetensors')).metadata['step']), 3);
  const bad = await cli(['organism', 'train', '--out', out, '--save-every', '0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--save-every/);
});
