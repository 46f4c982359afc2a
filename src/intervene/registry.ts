// Intervention kinds keyed by the `kind` an artifact records: how each builds its intervention
// from what was stored (tensors by role, recorded values) and the strength already resolved.
import type { Tensor } from '../tensor/tensor.js';
import type { DecoderModel } from '../models/decoder.js';
import {
  AddIntervention, RenormAddIntervention, AblateIntervention, ClampIntervention, AffineIntervention, InterchangeIntervention, RotateIntervention, ScaleShiftIntervention,
  type Intervention, type InterventionKind, type InterventionOptions,
} from './interventions.js';
import { WeightEditIntervention, checkWeightEditable, weightEditTarget } from './weight-edit.js';
import { SaeLatentIntervention } from './sae-latent.js';

/** One stored intervention, as a builder sees it. */
export interface StoredIntervention {
  readonly site: string;
  /** Positions, BOS handling and the final strength. */
  readonly options: InterventionOptions;
  readonly model: DecoderModel;
  /** The tensor stored under a role (direction, rotation, ...); throws, naming the role, when there is none. */
  tensor(role: string): Tensor;
  has(role: string): boolean;
  /** A recorded number (rotate: threshold), if any. */
  value(key: string): number | undefined;
  /** Clamps: the projection to clamp to and the origin the strength scales from. */
  clamp(): { value: number; origin: number };
}

export type InterventionBuilder = (s: StoredIntervention) => Intervention;

export const INTERVENTION_KINDS: Readonly<Record<InterventionKind, InterventionBuilder>> = {
  add: (s) => new AddIntervention(s.site, s.tensor('direction'), s.options),
  'add-renorm': (s) => new RenormAddIntervention(s.site, s.tensor('direction'), s.options),
  ablate: (s) => new AblateIntervention(s.site, s.tensor('direction'), s.options),
  clamp: (s) => {
    const c = s.clamp();
    return new ClampIntervention(s.site, s.tensor('direction'), c.value, { ...s.options, origin: c.origin });
  },
  // Selective Steering records carry the plane's second vector and, adaptive, a threshold.
  rotate: (s) => new RotateIntervention(s.site, s.tensor('direction'), { ...s.options, plane: s.has('plane') ? s.tensor('plane') : null, threshold: s.value('threshold') ?? null }),
  // Coordinate-wise (LinEAS: scale and bias) or LoReFT's low-rank form (rotation, weight, bias).
  affine: (s) => (s.has('scale')
    ? new ScaleShiftIntervention(s.site, s.tensor('scale'), s.tensor('bias'), s.options)
    : new AffineIntervention(s.site, s.tensor('rotation'), s.tensor('weight'), s.tensor('bias'), s.options)),
  interchange: (s) => new InterchangeIntervention(s.site, s.tensor('rotation'), s.options),
  // The hook equals the edited weights; the strength scales the whole edit (s·λ for every component).
  'weight-edit': (s) => {
    checkWeightEditable(s.model, weightEditTarget(s.site));
    return new WeightEditIntervention(s.site, s.tensor('delta_u'), s.tensor('delta_k'), s.options);
  },
  // The SAE travels with the vector: its encoder finds the code z that λ shifts.
  'sae-latent': (s) => {
    const k = s.value('k') ?? 0;
    const wide = (t: Tensor) => (t.dtype === 'f32' ? t : t.toFloat('f32'));
    const sae = { wEnc: wide(s.tensor('w_enc')), bEnc: wide(s.tensor('b_enc')), wDec: wide(s.tensor('w_dec')), bDec: wide(s.tensor('b_dec')), inputScale: s.value('input_scale') ?? 1, k: k > 0 ? k : null };
    return new SaeLatentIntervention(s.site, sae, wide(s.tensor('latent')), s.options);
  },
};

/**
 * The builder for a kind; a record may come from any file, so an unknown kind is an error naming
 * the kinds there are (`what` says whose intervention it is).
 */
export function interventionBuilder(kind: string, what = 'an intervention'): InterventionBuilder {
  if (!Object.hasOwn(INTERVENTION_KINDS, kind)) throw new Error(`${what} has kind "${kind}", which steerling cannot build (known kinds: ${Object.keys(INTERVENTION_KINDS).join(', ')})`);
  return INTERVENTION_KINDS[kind as InterventionKind];
}
