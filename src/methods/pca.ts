// PCA of paired differences (repeng's pca_diff): the first principal component of
// (h⁺ᵢ − h⁻ᵢ) over pairs, centred as sklearn's PCA does, oriented toward the positives.
// Labelled (unpaired) data falls back to the first component of the centred activations.
import { directionMethod } from './direction-fit.js';
import { firstPrincipalComponent } from './linalg.js';

export const pca = directionMethod('pca', 'first principal component of paired activation differences (repeng)', (ctx, acts) => {
  const d = acts.width;
  let x: Float64Array;
  let n: number;
  if (ctx.data.kind === 'pairs') {
    const byPair = new Map<number, { pos?: number; neg?: number }>();
    acts.pairs.forEach((p, i) => {
      const e = byPair.get(p!) ?? {};
      if (acts.labels[i] === 1) e.pos = i;
      else e.neg = i;
      byPair.set(p!, e);
    });
    const pairs = [...byPair.values()].filter((e) => e.pos !== undefined && e.neg !== undefined);
    n = pairs.length;
    x = new Float64Array(n * d);
    pairs.forEach((e, k) => {
      for (let j = 0; j < d; j++) x[k * d + j] = acts.data[e.pos! * d + j]! - acts.data[e.neg! * d + j]!;
    });
  } else {
    n = acts.labels.length;
    x = Float64Array.from(acts.data);
  }
  if (n < 2) throw new Error('pca needs at least two pairs (or two labelled texts)');
  return { u: firstPrincipalComponent(x, n, d), settings: { centred: true } };
});
