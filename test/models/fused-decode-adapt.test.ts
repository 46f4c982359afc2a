// On a busy machine the fused step picks, step by step, whichever of one thread or the whole pool
// has been faster lately, and tries the other now and then (native/src/decode_step.cc). Both run
// within a few dozen steps whatever the timings, and the logits stay the op-by-op path's bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

// Shares every step above one weight (so the tiny fixture qualifies) without turning the choice
// off, as 0 would; read once by the addon at its first step, so set before any model runs.
process.env['STEERLING_FUSED_MIN_PARALLEL'] = '1';
delete process.env['STEERLING_FUSED_ADAPT'];

const { loadModel } = await import('../../src/models/load.js');
const { nativeBackend } = await import('../../src/backend/registry.js');
const { fusedDecodeStats } = await import('../../src/models/fused-decode.js');
const { greedyLogits } = await import('../helpers/greedy-logits.js');

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const skip = nativeBackend() ? false : 'the native addon is not built';

test('the fused step runs on one thread and on the pool in turn, with the op-by-op bits', { skip }, async () => {
  const { model } = await loadModel(join(ROOT, 'llama-f32'));
  const threadsSeen = new Set<number>();
  const run = (fuse: boolean) => greedyLogits(model, [1, 7, 9], 48, 64, fuse, (s) => fuse && s > 0 && threadsSeen.add(fusedDecodeStats.lastThreads));
  const addon = nativeBackend()!.addon as unknown as { getThreads(): number; setThreads(n: number): void };
  const threads = addon.getThreads();
  try {
    addon.setThreads(2);
    const want = run(false);
    const got = run(true);
    assert.deepEqual(got, want);
    assert.deepEqual([...threadsSeen].sort(), [1, 2], 'both choices ran');
  } finally {
    addon.setThreads(threads);
  }
});
