// One interface for every steering method: fit(context) → artifact.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { ConceptData } from '../data/concept-data.js';
import type { PositionSpec } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import type { Reduce } from './collect.js';

export interface FitContext {
  model: DecoderModel;
  tokenizer: Tokenizer;
  data: ConceptData;
  /** Hook site to read and steer, e.g. layers.3.resid_post. */
  site: string;
  /** Where the fitted intervention acts at use time (default: all positions). */
  positions?: PositionSpec;
  /** How examples are summarised when reading activations (default: mean over completion tokens). */
  reduce?: Reduce;
  /** Render prompts with the chat template. */
  chat?: boolean;
  seed?: number;
  name: string;
  hubId?: string | null;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface SteeringMethod {
  name: string;
  summary: string;
  /** What the data must look like. */
  needs: 'pairs' | 'pairs-or-labelled';
  fit(ctx: FitContext): Artifact;
}
