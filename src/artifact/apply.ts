// Turning an artifact into live interventions on a model, after checking it was fitted on it.
import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import {
  AddIntervention, AblateIntervention, ClampIntervention, AffineIntervention, InterchangeIntervention, RotateIntervention,
  type Intervention,
} from '../intervene/interventions.js';
import type { Artifact, InterventionRecord } from './artifact.js';
import { mismatch } from './fingerprint.js';

export interface UseOptions {
  /** Overrides every intervention's default strength. */
  strength?: number;
  /** Skip the model check (the user insists the artifact fits). */
  force?: boolean;
}

function tensorOf(art: Artifact, rec: InterventionRecord, role: string) {
  const name = rec.tensors[role];
  const t = name ? art.tensors.get(name) : undefined;
  if (!t) throw new Error(`artifact ${art.meta.name}: intervention at ${rec.site} has no "${role}" tensor`);
  return t.toFloat('f32');
}

export function checkArtifactFits(art: Artifact, model: DecoderModel): void {
  const why = mismatch(art.meta.model, model);
  if (why) throw new Error(`artifact "${art.meta.name}" (${art.meta.method}) does not fit this model: ${why}. Refit it on this model, or pass --force if you know better.`);
}

export function artifactInterventions(art: Artifact, model: DecoderModel, opts: UseOptions = {}): Intervention[] {
  if (!opts.force) checkArtifactFits(art, model);
  return art.meta.interventions.map((rec) => {
    parseSite(rec.site, model.arch.layers);
    const o = { positions: rec.positions, strength: opts.strength ?? rec.default_strength, excludeBos: rec.excludeBos ?? false };
    switch (rec.kind) {
      case 'add': return new AddIntervention(rec.site, tensorOf(art, rec, 'direction'), o);
      case 'ablate': return new AblateIntervention(rec.site, tensorOf(art, rec, 'direction'), o);
      case 'clamp': return new ClampIntervention(rec.site, tensorOf(art, rec, 'direction'), rec.values?.['target'] ?? 0, o);
      case 'rotate': return new RotateIntervention(rec.site, tensorOf(art, rec, 'direction'), o);
      case 'affine': return new AffineIntervention(rec.site, tensorOf(art, rec, 'rotation'), tensorOf(art, rec, 'weight'), tensorOf(art, rec, 'bias'), o);
      case 'interchange': return new InterchangeIntervention(rec.site, tensorOf(art, rec, 'rotation'), o);
      case 'weight-edit': throw new Error(`artifact ${art.meta.name}: weight edits are applied by merging (steerling edit/export), not as hooks`);
    }
  });
}
