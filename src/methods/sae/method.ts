// `sae`: a feature of a trained SAE (steerling sae train) as a steering artifact. The feature is
// the one that separates the training texts best (sae/feature.ts: max-over-tokens pre-activation,
// as AxBench's SAE-A picks by the training data), or the one given (--feature); the artifact adds
// its decoder row (unit norm) at the SAE's site, with the strength derived as for DiffMean (the
// KL calibration, or --strength-rule rho), and records the feature and its encoder for detection.

import type { SteeringMethod, FitContext } from '../types.js';
import { requireSite } from '../types.js';
import { readOptions, type MethodOption } from '../options.js';
import { DIRECTION_OPTIONS, directionArtifact, readActivations, type DirectionOptions } from '../direction-fit.js';
import { tokenizeExamples } from '../../activations/tokenize.js';
import { loadSae, checkSaeFits } from '../../sae/file.js';
import { checkSaeSite, type Sae } from '../../sae/sae.js';
import { maxPreActivations, pickFeature, decoderDirection, type PickedFeature } from '../../sae/feature.js';
import type { Artifact } from '../../artifact/artifact.js';

export interface SaeFeatureOptions extends DirectionOptions {
  /** The SAE file (required). */
  sae?: string;
  /** Use this feature instead of picking one on the data. */
  feature?: number;
}

export const SAE_OPTION: MethodOption = { key: 'sae', flag: '--sae', value: '<file>', type: 'string', help: 'the SAE file (steerling sae train) whose latent space it works in (required)' };

export const SAE_FEATURE_OPTIONS: readonly MethodOption[] = [
  SAE_OPTION,
  { key: 'feature', flag: '--feature', value: '<i>', type: 'int', min: 0, help: 'steer with this feature (default: the one that separates the training texts best)' },
  ...DIRECTION_OPTIONS,
];

const parse = (given: object | undefined): SaeFeatureOptions => readOptions<SaeFeatureOptions>('sae', SAE_FEATURE_OPTIONS, given);

/** The SAE an option names, checked against the model and the site. */
export function saeFor(ctx: FitContext, path: string | undefined, method: string): Sae {
  if (path === undefined || path === '') throw new Error(`${method} needs an SAE: --sae FILE (train one with steerling sae train)`);
  const f = loadSae(path);
  checkSaeFits(f, ctx.model, path);
  checkSaeSite(f.sae, requireSite(ctx, method), ctx.model.arch.hidden);
  return f.sae;
}

function fit(ctx: FitContext<SaeFeatureOptions>): Artifact {
  const o = parse(ctx.options);
  const sae = saeFor(ctx, o.sae, 'sae');
  let picked: PickedFeature | null = null;
  if (o.feature === undefined) {
    const texts = tokenizeExamples(ctx.tokenizer, ctx.data.examples, { chat: ctx.chat });
    picked = pickFeature(maxPreActivations(ctx.model, sae, texts), ctx.data.examples.map((e) => e.label), sae.width);
  }
  const feature = o.feature ?? picked!.feature;
  const u = decoderDirection(sae, feature);
  const acts = readActivations(ctx, 'sae');
  return directionArtifact(ctx, 'sae', acts, u, {
    sae: o.sae, feature, feature_pick: picked ? 'best separation of the training texts (max-over-tokens pre-activation)' : 'given',
    ...(picked ? { runners_up: picked.next.map((x) => x.feature) } : {}),
  }, { calibrate: o.strengthRule !== 'rho' });
}

export const saeFeature: SteeringMethod<SaeFeatureOptions> = {
  name: 'sae',
  summary: "an SAE feature's decoder direction (the feature picked by the training texts, as AxBench's SAE-A)",
  needs: 'pairs-or-labelled',
  site: { use: 'required' },
  options: SAE_FEATURE_OPTIONS,
  parseOptions: parse,
  fit,
};
