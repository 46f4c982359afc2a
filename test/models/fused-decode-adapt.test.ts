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
const { fromStorage, noGrad } = await import('../../src/index.js');
const { nativeBackend } = await import('../../src/backend/registry.js');
const { fusedDecodeStats, setFusedDecode } = await import('../../src/models/fused-decode.js');

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const skip = nativeBackend() ? false : 'the native addon is not built';

test('the fused step runs on one thread and on the pool in turn, with the op-by-op bits', { skip }, async () => {
  const { model } = await loadModel(join(ROOT, 'llama-f32'));
  const threadsSeen = new Set<number>();
  const run = (fuse: boolean) => {
    const prev = setFusedDecode(fuse);
    try {
      const cache = model.newCache(1, 64);
      const out: number[] = [];
      noGrad(() => {
        let ids = fromStorage(Int32Array.from([1, 7, 9]), [1, 3], 'i32');
        for (let s = 0; s < 48; s++) {
          const f = model.forward(ids, { cache, lastOnly: true, phase: s === 0 ? 'prefill' : 'decode' }).f;
          if (fuse && s > 0) threadsSeen.add(fusedDecodeStats.lastThreads);
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
    addon.setThreads(2);
    const want = run(false);
    const got = run(true);
    assert.deepEqual(got, want);
    assert.deepEqual([...threadsSeen].sort(), [1, 2], 'both choices ran');
  } finally {
    addon.setThreads(threads);
  }
});
