// DiffMean (CAA on contrastive pairs): the normalised difference of the class means of activations,
//   v = (mean h⁺ − mean h⁻) / ‖mean h⁺ − mean h⁻‖.
import type { SteeringMethod } from './types.js';
import { readActivations, directionArtifact, classMeanDifference } from './direction-fit.js';
import { normalize } from './linalg.js';

export const diffmean: SteeringMethod = {
  name: 'diffmean',
  summary: 'difference of class means (CAA on contrastive pairs)',
  needs: 'pairs-or-labelled',
  fit(ctx) {
    const acts = readActivations(ctx, 'diffmean');
    const u = normalize(classMeanDifference(acts));
    return directionArtifact(ctx, 'diffmean', acts, u, {});
  },
};
