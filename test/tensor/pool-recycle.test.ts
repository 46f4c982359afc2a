// pool.recycle: a pooled kernel output that no tensor took goes back to the pool at once; arrays
// in use by a tensor, or not from the pool, are left alone. Norms use it for their saved
// statistics when no gradient is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocF32, drainPool, poolStats, recycle } from '../../src/tensor/pool.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { ops, noGrad, tidy, withBackend } from '../../src/index.js';
import { nativeBackend } from '../../src/backend/registry.js';

test('recycle returns only unused pooled arrays', () => {
  drainPool();
  const a = allocF32(7);
  recycle(a);
  assert.equal(poolStats().pooledBytes, 28);
  assert.equal(allocF32(7), a, 'the recycled array is handed out again');
  const t = fromStorage(allocF32(5), [5], 'f32');
  recycle(t.data as Float32Array);
  recycle(new Float32Array(9));
  assert.equal(poolStats().pooledBytes, 0, 'an array in use, or not from the pool, is not recycled');
  t.dispose();
  assert.equal(poolStats().pooledBytes, 20);
  drainPool();
});

test('rmsNorm without gradients gives its statistics back: a loop allocates nothing new', { skip: nativeBackend() ? false : 'native addon not built' }, () => {
  withBackend('native', () =>
    noGrad(() => {
      const x = fromStorage(new Float32Array(3 * 40).fill(1), [3, 40], 'f32');
      tidy(() => void ops.rmsNorm(x, null, 1e-6));
      const pooled = poolStats().pooledBytes;
      for (let i = 0; i < 5; i++) tidy(() => void ops.rmsNorm(x, null, 1e-6));
      // Output and per-row statistics both come back; with the statistics lost, each call would
      // take them fresh and the pool would stay the same while the heap grew.
      assert.equal(poolStats().pooledBytes, pooled);
      assert.ok(pooled >= 4 * (3 * 40 + 3), `pool holds ${pooled} bytes`);
    }),
  );
});
