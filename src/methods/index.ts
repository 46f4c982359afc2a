// Steering methods, all behind one interface (fit → artifact); each declares its own options.
//
//   const art = METHODS.diffmean.fit({ model, tokenizer, data, site: 'layers.3.resid_post', name: 'ocean' });
//   const reps = METHODS.reps.fit({ model, tokenizer, data, site: 'layers.3.resid_post', name: 'ocean', options: { epochs: 6 } });
//   saveArtifact('ocean.steer.safetensors', art);
import type { SteeringMethod } from './types.js';
import { diffmean } from './diffmean.js';
import { pca } from './pca.js';
import { probe } from './probe.js';
import { actadd } from './actadd.js';
import { cdas } from './cdas/index.js';
import { ablation } from './ablation/index.js';
import { reps, bipo } from './preference/index.js';
import { steer2edit } from './steer2edit/index.js';
import { lineas } from './lineas/index.js';
import { selective } from './selective/index.js';
import { raptor } from './raptor/index.js';
import { grains } from './grains/index.js';
import { saeFeature } from './sae/index.js';
import { yapo } from './yapo/index.js';

export const METHODS: Readonly<Record<string, SteeringMethod>> = { diffmean, pca, probe, actadd, cdas, ablation, reps, bipo, lineas, steer2edit, selective, raptor, grains, sae: saeFeature, yapo };

export function method(name: string): SteeringMethod {
  const m = METHODS[name];
  if (!m) throw new Error(`unknown method "${name}" (available: ${Object.keys(METHODS).join(', ')})`);
  return m;
}

export type { SteeringMethod, FitContext, SiteUse } from './types.js';
export { readOptions, optionName, type MethodOption, type OptionType, type OptionContext } from './options.js';
export { checkReduce, reducesOf, siteFor, checkedSite } from './common-settings.js';
export type { TrainingOptions } from './training-options.js';
export type { DirectionOptions } from './direction-fit.js';
export type { AblationOptions } from './ablation/index.js';
export type { CdasOptions } from './cdas/index.js';
export type { LineasOptions } from './lineas/index.js';
export type { RepsOptions, BipoOptions } from './preference/index.js';
export type { Steer2EditOptions } from './steer2edit/index.js';
export type { SelectiveOptions } from './selective/index.js';
export type { RaptorOptions } from './raptor/index.js';
export type { GrainsOptions } from './grains/index.js';
export type { SaeFeatureOptions } from './sae/index.js';
export type { YapoOptions } from './yapo/index.js';
