// Below STEERLING_FUSED_MIN_PARALLEL weights per token (default 2M) the fused step runs on one
// thread even when the pool has more: the logits are still the op-by-op path's, bit for bit, at
// every pool size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { fromStorage, noGrad } from '../../src/index.js';
import { nativeBackend } from '../../src/backend/registry.js';
import { fusedDecodeStats, setFusedDecode } from '../../src/models/fused-decode.js';

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const skip = nativeBackend() ? false : 'the native addon is not built';

test('a small model decodes fused on one thread with the op-by-op bits at 1, 2 and 3 pool threads', { skip }, async () => {
  assert.equal(process.env['STEERLING_FUSED_MIN_PARALLEL'], undefined, 'this test is about the default rule');
  const { model } = await loadModel(join(ROOT, 'llama-f32'));
  const run = (fuse: boolean) => {
    const prev = setFusedDecode(fuse);
    try {
      const cache = model.newCache(1, 40);
      const out: number[] = [];
      noGrad(() => {
        let ids = fromStorage(Int32Array.from([1, 7, 9]), [1, 3], 'i32');
        for (let s = 0; s < 30; s++) {
          const f = model.forward(ids, { cache, lastOnly: true, phase: s === 0 ? 'prefill' : 'decode' }).f;
          out.push(...f);
          let best = 0;
          for (let i = 1; i < f.length; i++) if (f[i]! > f[best]!) best = i;
          ids = fromStorage(Int32Array.from([best]), [1, 1], 'i32');
        }
      });
      return Float32Array.from(out);
    } finally {
      setFusedDecode(prev);
    }
  };
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
