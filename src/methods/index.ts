// Steering methods, all behind one interface (fit → artifact).
//
//   const art = METHODS.diffmean.fit({ model, tokenizer, data, site: 'layers.3.resid_post', name: 'ocean' });
//   saveArtifact('ocean.steer.safetensors', art);
import type { SteeringMethod } from './types.js';
import { diffmean } from './diffmean.js';
import { pca } from './pca.js';
import { probe } from './probe.js';
import { actadd } from './actadd.js';
import { cdas } from './cdas/index.js';
import { ablation } from './ablation.js';
import { reps } from './reps.js';
import { steer2edit } from './steer2edit/index.js';
import { bipo } from './bipo.js';
import { lineas } from './lineas/index.js';
import { selective } from './selective.js';

export const METHODS: Readonly<Record<string, SteeringMethod>> = { diffmean, pca, probe, actadd, cdas, ablation, reps, bipo, lineas, steer2edit, selective };

export function method(name: string): SteeringMethod {
  const m = METHODS[name];
  if (!m) throw new Error(`unknown method "${name}" (available: ${Object.keys(METHODS).join(', ')})`);
  return m;
}

export type { SteeringMethod, FitContext } from './types.js';
export { collectActivations, type TokenizedExample, type Reduce } from '../activations/collect.js';
export { tokenizeExamples, promptIds } from '../activations/tokenize.js';
