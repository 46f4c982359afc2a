// The geometry of Selective Steering (methods.md §3.7; knoveleng/steering), on plain arrays:
// candidate directions, the plane (b1, b2), the discriminative-layer rule and in-plane angles.
import { dot, meanDifference, norm, normalize, dotRow, firstPrincipalComponent } from '../linalg.js';

/**
 * The unit class-mean difference of rows [n, d] (label 1 minus label 0), or null where the two
 * means agree to rounding (e.g. the embedding of a token every prompt ends with).
 */
export function candidateDirection(data: ArrayLike<number>, d: number, labels: readonly number[]): Float64Array | null {
  const rows = (l: number) => labels.flatMap((x, i) => (x === l ? [i] : []));
  const diff = meanDifference(data, rows(1), data, rows(0), d);
  return diff && normalize(diff);
}

/** Index of the candidate with the highest mean cosine to all candidates (the reference's b1). */
export function mostCentral(cands: readonly Float64Array[]): number {
  let best = 0;
  let bestScore = -Infinity;
  cands.forEach((c, i) => {
    const score = cands.reduce((s, o) => s + dot(c, o), 0) / cands.length;
    if (score > bestScore + 1e-12) [best, bestScore] = [i, score];
  });
  return best;
}

/** b2: the first principal component of the candidates, orthogonalised against b1 and normalised. */
export function secondBasis(b1: Float64Array, cands: readonly Float64Array[]): Float64Array {
  const d = b1.length;
  if (cands.length < 2) throw new Error(`selective steering needs at least 2 candidate directions for the plane's second axis (got ${cands.length})`);
  const x = new Float64Array(cands.length * d);
  cands.forEach((c, i) => x.set(c, i * d));
  const pc = firstPrincipalComponent(x, cands.length, d);
  const along = dot(pc, b1);
  const b2 = pc.map((v, j) => v - along * b1[j]!);
  if (!(norm(b2) > 1e-6)) throw new Error("the candidates' first principal component is the direction itself: no second axis for the plane");
  return normalize(b2);
}

/** Mean over the rows of one class of (h/‖h‖)·v. */
export function meanUnitProjection(data: ArrayLike<number>, d: number, labels: readonly number[], label: number, v: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  labels.forEach((l, i) => {
    if (l !== label) return;
    let q = 0;
    for (let j = 0; j < d; j++) q += data[i * d + j]! ** 2;
    s += dotRow(data, i, d, v) / Math.max(Math.sqrt(q), 1e-30);
    n++;
  });
  return s / Math.max(1, n);
}

/**
 * The discriminative-layer rule: steer a layer only if, at every one of its sites, the mean
 * projections of the L2-normalised positive and negative activations on b1 have opposite signs
 * (the reference also requires all of a layer's sites to agree).
 */
export function discriminativeLayers(perLayer: readonly (readonly { pos: number; neg: number }[])[]): boolean[] {
  return perLayer.map((sites) => sites.length > 0 && sites.every((s) => s.pos * s.neg < 0));
}

/** Mean of the L2-normalised rows of one class. */
export function meanUnitRow(data: ArrayLike<number>, d: number, labels: readonly number[], label: number): Float64Array {
  const m = new Float64Array(d);
  let n = 0;
  labels.forEach((l, i) => {
    if (l !== label) return;
    let q = 0;
    for (let j = 0; j < d; j++) q += data[i * d + j]! ** 2;
    const r = 1 / Math.max(Math.sqrt(q), 1e-30);
    for (let j = 0; j < d; j++) m[j] = m[j]! + data[i * d + j]! * r;
    n++;
  });
  return m.map((x) => x / Math.max(1, n));
}

/** Angle of v inside the plane, in degrees in (−180, 180], measured from b1 toward b2. */
export function planeAngle(v: ArrayLike<number>, b1: ArrayLike<number>, b2: ArrayLike<number>): number {
  return (Math.atan2(dot(v, b2), dot(v, b1)) * 180) / Math.PI;
}

/** a − b wrapped into (−180, 180]. */
export function angleBetween(a: number, b: number): number {
  const x = (((a - b) % 360) + 360) % 360;
  return x > 180 ? x - 360 : x;
}

/**
 * The in-plane angle Δ (degrees, in [0, 180]) from the negative class mean to the positive one
 * (means of L2-normalised rows), and b2 oriented so that this turn goes from b1 toward b2: turning
 * by +Δ in the plane (b1, plane) takes the negative mean's in-plane angle to the positive mean's.
 */
export function classTurn(data: ArrayLike<number>, d: number, labels: readonly number[], b1: Float64Array, b2: Float64Array): { delta: number; plane: Float64Array } {
  const mp = meanUnitRow(data, d, labels, 1);
  const mn = meanUnitRow(data, d, labels, 0);
  const delta = angleBetween(planeAngle(mp, b1, b2), planeAngle(mn, b1, b2));
  return { delta: Math.abs(delta), plane: delta < 0 ? b2.map((x) => -x) : b2 };
}
