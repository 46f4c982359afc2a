// DiffMean (CAA on contrastive pairs): the normalised difference of the class means of activations,
//   v = (mean h⁺ − mean h⁻) / ‖mean h⁺ − mean h⁻‖.
import { directionMethod, classMeanDifference } from './direction-fit.js';
import { normalize } from './linalg.js';

export const diffmean = directionMethod('diffmean', 'difference of class means (CAA on contrastive pairs)', (_ctx, acts) => ({ u: normalize(classMeanDifference(acts)), settings: {} }));
