// Installing interventions on a model's hook sites; several compose in the order given.
import { Hooks } from '../models/hooks.js';
import { parseSite } from '../models/hooks.js';
import type { Intervention } from './interventions.js';

/** Adds hooks for the interventions (validating their sites against the layer count); returns an uninstaller. */
export function installInterventions(hooks: Hooks, interventions: readonly Intervention[], numLayers: number): () => void {
  const removers = interventions.map((iv) => {
    parseSite(iv.site, numLayers);
    return hooks.add(iv.site, (h, ctx) => iv.apply(h, ctx));
  });
  // Readers last: hooks on one site run in the order added, so they see the final activation.
  for (const iv of interventions) {
    for (const [site, fn] of iv.inputHooks()) {
      parseSite(site, numLayers);
      removers.push(hooks.add(site, fn));
    }
  }
  return () => removers.forEach((r) => r());
}

export function hooksFor(interventions: readonly Intervention[], numLayers: number): Hooks {
  const hooks = new Hooks();
  installInterventions(hooks, interventions, numLayers);
  return hooks;
}
