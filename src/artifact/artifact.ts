// The steering artifact: one format for every method (see design/delivery.md).
//
// NAME.steer.safetensors holds tensors named after their hook site
// (`layers.6.resid_post.direction`, `layers.6.resid_post.rotation`, ...) and a `steerling`
// metadata entry with JSON: format version, method and settings, the model fingerprint, the list
// of interventions (site, positions, kind, tensor names, default strength and the range derived
// from data) and training facts.

import type { Tensor } from '../tensor/tensor.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { InterventionKind } from '../intervene/interventions.js';
import type { ModelFingerprint } from './fingerprint.js';

export const ARTIFACT_FORMAT = 1;

/**
 * The largest strength (either sign) an artifact may record or a request may give, and the largest
 * multiple. Far past any useful steering; what it bounds is garbage (1e300 overflows the
 * activations to Infinity and the text to noise).
 */
export const MAX_STRENGTH = 1e6;

export interface InterventionRecord {
  site: string;
  kind: InterventionKind;
  positions: PositionSpec;
  excludeBos?: boolean;
  /** Role → full tensor name in the file, e.g. { direction: 'layers.6.resid_post.direction' }. */
  tensors: Record<string, string>;
  /** Strength used when the user gives none (derived from the data). */
  default_strength: number;
  /** [low, high]: strengths the data supports; past this, expect degenerate text. */
  strength_range: [number, number];
  /** clamp: target projection(s) before the strength multiplier (e.g. class means). */
  values?: Record<string, number>;
}

export interface TrainingFacts {
  data_hash: string | null;
  examples: number;
  steps: number;
  seed: number | null;
  final_loss: number | null;
}

export interface ArtifactMeta {
  format: number;
  name: string;
  method: string;
  settings: Record<string, unknown>;
  model: ModelFingerprint;
  interventions: InterventionRecord[];
  training: TrainingFacts;
  /** Free-form numbers a method reports (e.g. class means, separation). */
  stats?: Record<string, number | number[]>;
  created: string;
}

export interface Artifact {
  meta: ArtifactMeta;
  tensors: Map<string, Tensor>;
}
