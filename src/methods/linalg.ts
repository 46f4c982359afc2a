// Small dense helpers on row-major Float32Array/Float64Array data [n, d] for the fitting methods.

export function meanRows(data: ArrayLike<number>, rows: readonly number[], d: number): Float64Array {
  const m = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) m[j] = m[j]! + data[r * d + j]!;
  for (let j = 0; j < d; j++) m[j] = m[j]! / Math.max(1, rows.length);
  return m;
}

/**
 * Mean of rows `posRows` of posData minus the mean of rows `negRows` of negData ([n, d] each), or
 * null where the two means agree to rounding (e.g. the same token in every prompt, with nothing
 * mixed into it yet).
 */
export function meanDifference(posData: ArrayLike<number>, posRows: readonly number[], negData: ArrayLike<number>, negRows: readonly number[], d: number): Float64Array | null {
  const mp = meanRows(posData, posRows, d);
  const mn = meanRows(negData, negRows, d);
  const diff = mp.map((x, j) => x - mn[j]!);
  return norm(diff) <= 1e-6 * Math.max(norm(mp), norm(mn), 1e-30) ? null : diff;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export function normalize(v: Float64Array): Float64Array {
  const n = norm(v);
  if (!(n > 0)) throw new Error('cannot normalise a zero vector (the two classes have the same mean activation)');
  return v.map((x) => x / n);
}

export function dotRow(data: ArrayLike<number>, r: number, d: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += data[r * d + j]! * v[j]!;
  return s;
}

/**
 * First principal component of rows (centred), by power iteration on Xᵀ X without forming it.
 * Deterministic: starts from the mean-free row with the largest norm.
 */
export function firstPrincipalComponent(x: Float64Array, n: number, d: number, iters = 200): Float64Array {
  const c = new Float64Array(x);
  const mu = meanRows(x, [...Array(n).keys()], d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) c[i * d + j] = c[i * d + j]! - mu[j]!;
  let best = 0;
  let bestNorm = -1;
  for (let i = 0; i < n; i++) {
    const nn = norm(c.subarray(i * d, (i + 1) * d));
    if (nn > bestNorm) [best, bestNorm] = [i, nn];
  }
  if (!(bestNorm > 0)) throw new Error('PCA: all differences are identical (no variance to find)');
  let v = normalize(c.slice(best * d, (best + 1) * d));
  for (let it = 0; it < iters; it++) {
    const next = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const p = dotRow(c, i, d, v);
      for (let j = 0; j < d; j++) next[j] = next[j]! + p * c[i * d + j]!;
    }
    const nv = normalize(next);
    let delta = 0;
    for (let j = 0; j < d; j++) delta = Math.max(delta, Math.abs(nv[j]! - v[j]!));
    v = nv;
    if (delta < 1e-10) break;
  }
  return v;
}
