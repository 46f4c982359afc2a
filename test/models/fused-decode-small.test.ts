// Below STEERLING_FUSED_MIN_PARALLEL weights per token (default 2M) the fused step runs on one
// thread even when the pool has more: the logits are still the op-by-op path's, bit for bit, at
// every pool size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { nativeBackend } from '../../src/backend/registry.js';
import { fusedDecodeStats } from '../../src/models/fused-decode.js';
import { greedyLogits } from '../helpers/greedy-logits.js';

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const skip = nativeBackend() ? false : 'the native addon is not built';

test('a small model decodes fused on one thread with the op-by-op bits at 1, 2 and 3 pool threads', { skip }, async () => {
  assert.equal(process.env['STEERLING_FUSED_MIN_PARALLEL'], undefined, 'this test is about the default rule');
  const { model } = await loadModel(join(ROOT, 'llama-f32'));
  const run = (fuse: boolean) => greedyLogits(model, [1, 7, 9], 30, 40, fuse);
  const addon = nativeBackend()!.addon as unknown as { getThreads(): number; setThreads(n: number): void };
  const threads = addon.getThreads();
  try {
    for (const n of [1, 2, 3]) {
      addon.setThreads(n);
      const want = run(false);
      const calls = fusedDecodeStats.calls;
      const got = run(true);
      assert.ok(fusedDecodeStats.calls > calls, 'the fused path ran');
      assert.equal(fusedDecodeStats.lastThreads, 1, `one thread ran the step with ${n} in the pool`);
      assert.deepEqual(got, want, `${n} pool threads`);
    }
  } finally {
    addon.setThreads(threads);
  }
});
