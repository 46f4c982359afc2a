// DiffMean (CAA on contrastive pairs): the normalised difference of the class means of activations,
//   v = (mean h⁺ − mean h⁻) / ‖mean h⁺ − mean h⁻‖.
import type { SteeringMethod } from './types.js';
import { readActivations, directionArtifact } from './direction-fit.js';
import { meanRows, normalize } from './linalg.js';

export const diffmean: SteeringMethod = {
  name: 'diffmean',
  summary: 'difference of class means (CAA on contrastive pairs)',
  needs: 'pairs-or-labelled',
  fit(ctx) {
    const acts = readActivations(ctx);
    const idx = (l: number) => acts.labels.flatMap((x, i) => (x === l ? [i] : []));
    const mp = meanRows(acts.data, idx(1), acts.width);
    const mn = meanRows(acts.data, idx(0), acts.width);
    const u = normalize(mp.map((x, j) => x - mn[j]!));
    return directionArtifact(ctx, 'diffmean', acts, u, {});
  },
};
