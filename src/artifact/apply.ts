// Turning an artifact into live interventions on a model, after checking it was fitted on it.
import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import {
  AddIntervention, AblateIntervention, ClampIntervention, AffineIntervention, InterchangeIntervention, RotateIntervention, ScaleShiftIntervention,
  type Intervention,
} from '../intervene/interventions.js';
import { WeightEditIntervention, checkWeightEditable, weightEditTarget } from '../intervene/weight-edit.js';
import type { Artifact, InterventionRecord } from './artifact.js';
import { mismatch } from './fingerprint.js';

export interface UseOptions {
  /** Overrides every intervention's default strength. */
  strength?: number;
  /** Multiplies the strength (the one given, or each intervention's default): `A:xK`. */
  multiple?: number;
  /** Skip the model check (the user insists the artifact fits). */
  force?: boolean;
  /**
   * Clamp interventions: which recorded value to clamp to instead of `target` — a key of the
   * record's values, or the aliases pos / neg for mu_pos / mu_neg (CDAS: neg suppresses).
   */
  target?: string;
}

const TARGET_ALIASES: Record<string, string> = { pos: 'mu_pos', neg: 'mu_neg' };

/**
 * The clamp a record asks for: the value (its `target` by default, 0 for records without one)
 * and the origin the strength scales from (the record's `origin`, else 0). Asking for mu_neg
 * (alias neg) or mu_pos (pos) of a two-class record scales from the other class mean.
 */
export function clampTarget(art: Artifact, rec: InterventionRecord, target?: string): { value: number; origin: number } {
  const vals = rec.values ?? {};
  if (target === undefined) return { value: vals['target'] ?? 0, origin: vals['origin'] ?? 0 };
  const key = TARGET_ALIASES[target] ?? target;
  const v = vals[key];
  if (v === undefined || !Number.isFinite(v)) {
    const known = Object.keys(vals);
    throw new Error(`artifact ${art.meta.name}: its clamp at ${rec.site} has no value "${target}"${known.length ? ` (it has ${known.join(', ')})` : ''}`);
  }
  const other = key === 'mu_pos' ? vals['mu_neg'] : key === 'mu_neg' ? vals['mu_pos'] : undefined;
  return { value: v, origin: other !== undefined && 'origin' in vals ? other : 0 };
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
  if (opts.target !== undefined && !art.meta.interventions.some((r) => r.kind === 'clamp')) {
    throw new Error(`artifact ${art.meta.name}: a clamp target ("${opts.target}") only applies to clamp interventions; this ${art.meta.method} artifact has ${[...new Set(art.meta.interventions.map((r) => r.kind))].join(', ')}`);
  }
  return art.meta.interventions.map((rec) => {
    parseSite(rec.site, model.arch.layers);
    const o = { positions: rec.positions, strength: (opts.strength ?? rec.default_strength) * (opts.multiple ?? 1), excludeBos: rec.excludeBos ?? false };
    switch (rec.kind) {
      case 'add': return new AddIntervention(rec.site, tensorOf(art, rec, 'direction'), o);
      case 'ablate': return new AblateIntervention(rec.site, tensorOf(art, rec, 'direction'), o);
      case 'clamp': {
        const c = clampTarget(art, rec, opts.target);
        return new ClampIntervention(rec.site, tensorOf(art, rec, 'direction'), c.value, { ...o, origin: c.origin });
      }
      case 'rotate': {
        // Selective Steering records carry the plane's second vector and, adaptive, a threshold.
        const plane = rec.tensors['plane'] !== undefined ? tensorOf(art, rec, 'plane') : null;
        return new RotateIntervention(rec.site, tensorOf(art, rec, 'direction'), { ...o, plane, threshold: rec.values?.['threshold'] ?? null });
      }
      case 'affine':
        // Coordinate-wise (LinEAS: scale and bias) or LoReFT's low-rank form (rotation, weight, bias).
        if ('scale' in rec.tensors) return new ScaleShiftIntervention(rec.site, tensorOf(art, rec, 'scale'), tensorOf(art, rec, 'bias'), o);
        return new AffineIntervention(rec.site, tensorOf(art, rec, 'rotation'), tensorOf(art, rec, 'weight'), tensorOf(art, rec, 'bias'), o);
      case 'interchange': return new InterchangeIntervention(rec.site, tensorOf(art, rec, 'rotation'), o);
      case 'weight-edit': {
        // The hook equals the edited weights; `strength` scales the whole edit (s·λ for every component).
        checkWeightEditable(model, weightEditTarget(rec.site));
        return new WeightEditIntervention(rec.site, tensorOf(art, rec, 'delta_u'), tensorOf(art, rec, 'delta_k'), o);
      }
    }
  });
}
