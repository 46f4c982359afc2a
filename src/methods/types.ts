// One interface for every steering method: fit(context) → artifact.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { ConceptData } from '../data/concept-data.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import type { Reduce } from './collect.js';
import type { ContrastRow } from './cdas/data.js';
import type { Steer2EditOptions } from './steer2edit/options.js';

/** Settings for methods that learn by gradient descent (CDAS, RePS, BiPO, LinEAS). */
export interface TrainingOptions {
  steps?: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  /** BiPO: the DPO temperature β. */
  beta?: number;
  /** LinEAS: weight of the ℓ1 penalty on each map's ω − 1 and b. */
  l1?: number;
  /** LinEAS: weight of the group-lasso penalty on each map's ω − 1 and b (selects layers). */
  group?: number;
}

export interface FitContext {
  model: DecoderModel;
  tokenizer: Tokenizer;
  data: ConceptData;
  /**
   * Hook site to read and steer, e.g. layers.3.resid_post. LinEAS maps several at once: a
   * comma-separated list, or "all" for every block's resid_post.
   */
  site: string;
  /** Where the fitted intervention acts at use time (default: all positions). */
  positions?: PositionSpec;
  /** How examples are summarised when reading activations (default: mean over completion tokens). */
  reduce?: Reduce;
  /** Render prompts with the chat template. */
  chat?: boolean;
  /**
   * Calibrate the default strength and range on the model's response to the concept-absent texts
   * (calibrate.ts; default true). false: the ρ rule of strength.ts, no extra forward passes.
   */
  calibrate?: boolean;
  seed?: number;
  /** Rows of (x, y, x_c, y_c) for methods that need 'contrast' (CDAS); see methods/cdas/data.ts. */
  contrast?: readonly ContrastRow[];
  /** Assistant-turn header whose last token is CDAS's source position (default: from the chat template). */
  sourceTokens?: string;
  training?: TrainingOptions;
  /** Steer2Edit's ρ_attn, ρ_mlp, α and layers (methods/steer2edit/options.ts). */
  steer2edit?: Steer2EditOptions;
  name: string;
  hubId?: string | null;
  /** info: a short live reading such as the current loss. */
  onProgress?: (done: number, total: number, phase: string, info?: string) => void;
}

export interface SteeringMethod {
  name: string;
  summary: string;
  /** What the data must look like. */
  needs: 'pairs' | 'pairs-or-labelled' | 'contrast';
  fit(ctx: FitContext): Artifact;
}
