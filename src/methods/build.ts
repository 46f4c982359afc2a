// Assembling an artifact from a method's result (every method returns the same artifact type).
import { createHash } from 'node:crypto';
import { fromStorage } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import { ARTIFACT_FORMAT, type Artifact, type InterventionRecord, type TrainingFacts } from '../artifact/artifact.js';
import { fingerprint } from '../artifact/fingerprint.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { InterventionKind } from '../intervene/interventions.js';
import type { ConceptExample } from '../data/concept-data.js';

export interface FittedIntervention {
  site: string;
  kind: InterventionKind;
  positions: PositionSpec;
  excludeBos?: boolean;
  /**
   * Tensors are named `${tensorPrefix}.${role}` (default: the site). Weight edits name the edited
   * matrix instead (`layers.6.attn.o_proj.delta_u`) while acting at its output site.
   */
  tensorPrefix?: string;
  /** Role → values; shapes default to [length] (rank-1) unless given. */
  tensors: Record<string, { data: Float32Array; shape?: number[] }>;
  defaultStrength: number;
  range: [number, number];
  values?: Record<string, number>;
}

export interface BuildArtifactInput {
  name: string;
  method: string;
  settings: Record<string, unknown>;
  model: DecoderModel;
  hubId?: string | null;
  interventions: FittedIntervention[];
  training: TrainingFacts;
  stats?: Record<string, number | number[]>;
}

export function dataHash(examples: readonly ConceptExample[]): string {
  const h = createHash('sha256');
  for (const e of examples) h.update(`${e.label}\u0000${e.prompt}\u0000${e.completion}\u0001`);
  return h.digest('hex').slice(0, 16);
}

export function buildArtifact(inp: BuildArtifactInput): Artifact {
  const tensors = new Map<string, Tensor>();
  let deepest = 0;
  const records: InterventionRecord[] = inp.interventions.map((iv, i) => {
    const s = parseSite(iv.site, inp.model.arch.layers);
    deepest = Math.max(deepest, s.layer ?? (s.kind === 'final_norm' ? inp.model.arch.layers - 1 : 0));
    const names: Record<string, string> = {};
    for (const [role, t] of Object.entries(iv.tensors)) {
      // Several interventions may share a site (ActAdd positions): suffix all but the first.
      let name = `${iv.tensorPrefix ?? iv.site}.${role}`;
      if (tensors.has(name)) name = `${iv.tensorPrefix ?? iv.site}.${role}.${i}`;
      tensors.set(name, fromStorage(t.data, t.shape ?? [t.data.length], 'f32'));
      names[role] = name;
    }
    return {
      site: iv.site,
      kind: iv.kind,
      positions: iv.positions,
      excludeBos: iv.excludeBos ?? false,
      tensors: names,
      default_strength: iv.defaultStrength,
      strength_range: iv.range,
      ...(iv.values ? { values: iv.values } : {}),
    };
  });
  return {
    meta: {
      format: ARTIFACT_FORMAT,
      name: inp.name,
      method: inp.method,
      settings: inp.settings,
      model: fingerprint(inp.model, deepest, inp.hubId ?? null),
      interventions: records,
      training: inp.training,
      ...(inp.stats ? { stats: inp.stats } : {}),
      created: new Date().toISOString(),
    },
    tensors,
  };
}
