// One interface for every steering method: fit(context) → artifact.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { ConceptData } from '../data/concept-data.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import type { Reduce } from '../activations/collect.js';
import type { ContrastRow } from './cdas/data.js';
import type { Steer2EditOptions } from './steer2edit/options.js';
import type { CdasVariant } from './cdas/variants.js';

/** Directional ablation's automatic choice of layer and position. */
export interface AblationSelectionOptions {
  /** Token ids that start a refusal: the refusal score's set R. */
  refusalTokens: readonly number[];
  /** Share of the last layers whose candidates are discarded (the paper: 0.2, i.e. ℓ ≥ ⌊0.8·L⌋). */
  pruneLayers?: number;
}

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
   * comma-separated list, or "all" for every block's resid_post. Methods that choose their own
   * sites from the data (selective; ablation's automatic selection) take it as an override; the
   * others need it.
   */
  site?: string;
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
  /** CDAS: source position, base positions and rank (cdas/variants.ts; default the paper's header, all, 1). */
  cdas?: Partial<CdasVariant>;
  training?: TrainingOptions;
  /** Steer2Edit's ρ_attn, ρ_mlp, α and layers (methods/steer2edit/options.ts). */
  steer2edit?: Steer2EditOptions;
  /** Ablation without a site: how the direction is chosen (methods/ablation-select.ts). */
  selection?: AblationSelectionOptions;
  /** Selective steering, adaptive: rotate only tokens whose projection on b1 exceeds this. */
  threshold?: number;
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
  /** The method picks its sites from the data when no site is given. */
  choosesSite?: boolean;
  fit(ctx: FitContext): Artifact;
}

/** The site a method that cannot choose one needs. */
export function requireSite(ctx: FitContext, method: string): string {
  if (ctx.site === undefined || ctx.site === '') throw new Error(`${method} needs a hook site to read and steer (--site), e.g. layers.2.resid_post`);
  return ctx.site;
}
