// Turning an artifact into live interventions on a model, after checking it was fitted on it. Each
// record's kind is built by the intervention registry (src/intervene/registry.ts).
import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import type { Intervention } from '../intervene/interventions.js';
import { interventionBuilder } from '../intervene/registry.js';
import type { Artifact, InterventionRecord } from './artifact.js';
import type { SteeringRequest } from './steering.js';
import { mismatch } from './fingerprint.js';
import { checkRecordTensors, siteDims } from './validate.js';
import { escapeControl } from '../util/escape.js';

/** A steering request's strength fields, for an artifact already in hand. */
export interface UseOptions extends Omit<SteeringRequest, 'artifact' | 'target'> {
  /** Skip the model check (the user insists the artifact fits). */
  force?: boolean;
  /**
   * Clamp interventions: which recorded value to clamp to instead of `target` — a key of the
   * record's values, or the aliases pos / neg for mu_pos / mu_neg (CDAS: neg suppresses).
   */
  target?: string;
}

/** The strength a record is applied at: the one given (else its default), times the multiple. */
export function recordStrength(rec: InterventionRecord, o: Pick<UseOptions, 'strength' | 'multiple'>): number {
  return (o.strength ?? rec.default_strength) * (o.multiple ?? 1);
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
  const dims = siteDims(model);
  return art.meta.interventions.map((rec, i) => {
    parseSite(rec.site, model.arch.layers);
    const build = interventionBuilder(rec.kind, `artifact ${art.meta.name}: intervention at ${rec.site}`);
    const iv = build({
      site: rec.site,
      options: { positions: rec.positions, strength: recordStrength(rec, opts), excludeBos: rec.excludeBos ?? false },
      model,
      tensor: (role) => tensorOf(art, rec, role),
      has: (role) => rec.tensors[role] !== undefined,
      value: (key) => rec.values?.[key],
      clamp: () => clampTarget(art, rec, opts.target),
    });
    // Widths the file cannot tell (heads, MLP size) are checked on this model, even with force:
    // a wrong one could never run.
    try {
      checkRecordTensors(rec, `interventions[${i}]`, (role) => (rec.tensors[role] === undefined ? undefined : art.tensors.get(rec.tensors[role]!)), dims);
    } catch (e) {
      throw new Error(`artifact ${escapeControl(art.meta.name)}: ${(e as Error).message}`);
    }
    return iv;
  });
}
