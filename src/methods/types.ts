// One interface for every steering method: fit(context) → artifact. The context holds what every
// method shares; each method's own settings come as its typed `options`, which it declares
// (`options`, see options.ts) and checks itself (`parseOptions`).
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { ConceptData } from '../data/concept-data.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import type { Reduce } from '../activations/collect.js';
import type { ContrastRow } from './cdas/data.js';
import type { MethodOption, OptionContext } from './options.js';

export interface FitContext<O extends object = object> {
  model: DecoderModel;
  tokenizer: Tokenizer;
  data: ConceptData;
  /** The same data as rows of (x, y, x_c, y_c), for methods whose `needs` is 'contrast' (CDAS; methods/cdas/data.ts). */
  contrast?: readonly ContrastRow[];
  /**
   * Hook site to read and steer, e.g. layers.3.resid_post; how a method takes it is its `site`
   * (LinEAS maps several at once: a comma-separated list, or "all").
   */
  site?: string;
  /** Where the fitted intervention acts at use time (default: all positions; CDAS: where it trained). */
  positions?: PositionSpec;
  /** How examples are summarised when reading activations (default: mean over completion tokens). */
  reduce?: Reduce;
  /** Render prompts with the chat template. */
  chat?: boolean;
  seed?: number;
  name: string;
  hubId?: string | null;
  /** The method's own options (its `options` declare them; unknown keys are refused). */
  options?: O;
  /** info: a short live reading such as the current loss. */
  onProgress?: (done: number, total: number, phase: string, info?: string) => void;
}

/** How a method takes the hook site. */
export interface SiteUse {
  /** required: it reads and steers there; optional: it chooses its own, or takes `default`; none: it acts everywhere. */
  use: 'required' | 'optional' | 'none';
  /** What it does without a site (optional) or instead of one (none): for help and errors. */
  note?: string;
  /** The site it takes when none is given. */
  default?: string;
  /** Checks a given site against the model's layers (default: one hook site). */
  check?: (site: string, layers: number) => void;
}

export interface SteeringMethod<O extends object = object> {
  name: string;
  summary: string;
  /** What the data must look like. */
  needs: 'pairs' | 'pairs-or-labelled' | 'contrast';
  site: SiteUse;
  /** The reductions it reads activations with (default mean, last). */
  reduces?: readonly Reduce[];
  /** Its own options: what `steerling train` offers for it and `parseOptions` checks. */
  options: readonly MethodOption[];
  /** Checks given options (values by key) against the declarations and each other; one-line errors. */
  parseOptions(given: object | undefined, context?: OptionContext): O;
  fit(ctx: FitContext<O>): Artifact;
}

/** The site a method that cannot choose one needs. */
export function requireSite(ctx: FitContext, method: string): string {
  if (ctx.site === undefined || ctx.site === '') throw new Error(`${method} needs a hook site to read and steer (--site), e.g. layers.2.resid_post`);
  return ctx.site;
}
