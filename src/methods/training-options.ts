// The options every method trained by gradient steps takes (CDAS, RePS, BiPO, LinEAS): how long it
// trains, how fast, and on how many rows per step. Each declares them with its own defaults.
import type { MethodOption } from './options.js';

export interface TrainingOptions {
  /** Optimiser steps (default: `epochs` passes over the data). */
  steps?: number;
  /** Passes over the data when `steps` is not given. */
  epochs?: number;
  /** Peak learning rate, decayed to 0. */
  lr?: number;
  /** Training rows per step. */
  batchSize?: number;
}

const oneTrainingPass = (m: { name: string }, owners: readonly string[]) =>
  `--steps, --epochs, --lr and --batch apply to trained methods (${owners.join(', ')}); ${m.name} is fitted in one pass`;

/** The declarations of TrainingOptions with a method's defaults. */
export function trainingOptions(defaults: { epochs: number; lr: number; batchSize: number }): MethodOption[] {
  return [
    { key: 'steps', flag: '--steps', value: '<n>', type: 'int', min: 1, help: 'optimiser steps (default: --epochs passes over the data)', elsewhere: oneTrainingPass },
    { key: 'epochs', flag: '--epochs', value: '<n>', type: 'int', min: 1, default: defaults.epochs, help: 'passes over the data when --steps is not given', elsewhere: oneTrainingPass },
    { key: 'lr', flag: '--lr', value: '<lr>', type: 'number', min: 0, default: defaults.lr, help: 'peak learning rate, decayed to 0', elsewhere: oneTrainingPass },
    { key: 'batchSize', flag: '--batch', value: '<b>', type: 'int', min: 1, default: defaults.batchSize, help: 'training rows per step: pairs, or LinEAS source texts', elsewhere: oneTrainingPass },
  ];
}
