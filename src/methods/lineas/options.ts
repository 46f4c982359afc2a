// LinEAS's options: training length and rate (training-options.ts) and the sparse-group-lasso
// weights (prox.ts) that return maps to the identity and drop whole sites.
import { readOptions, type MethodOption } from '../options.js';
import { trainingOptions, type TrainingOptions } from '../training-options.js';
import { LINEAS_DEFAULTS } from './train.js';
import type { Sparsity } from './prox.js';

export interface LineasOptions extends TrainingOptions, Partial<Sparsity> {}

export const LINEAS_OPTIONS: readonly MethodOption[] = [
  ...trainingOptions(LINEAS_DEFAULTS),
  { key: 'l1', flag: '--l1', value: '<w>', type: 'number', min: 0, default: LINEAS_DEFAULTS.l1, help: 'ℓ1 weight on each map\'s ω − 1 and b; 0 turns it off' },
  { key: 'group', flag: '--group', value: '<w>', type: 'number', min: 0, default: LINEAS_DEFAULTS.group, help: 'group-lasso weight on each site\'s ω − 1 and b; large values drop whole sites' },
];

export const parseLineasOptions = (given: object | undefined): LineasOptions => readOptions<LineasOptions>('lineas', LINEAS_OPTIONS, given);
