// Uniform random values in [-1, 1) from a seeded stream, for kernel-agreement tests.
import type { Rng } from '../../src/util/rng.js';

export function uniform(rng: Rng, n: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * rng.next() - 1;
  return v;
}
