// One SAE training run end to end, what `steerling sae train` does: read the training tokens'
// activations, train (resuming from a checkpoint when given one, writing one every so often),
// measure on the held-out tokens, and package the file's metadata.

import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import { tokenActivations } from './tokens.js';
import { trainSae, SAE_DEFAULTS, type SaeState, type SaeTrainOptions, type StepInfo } from './train.js';
import { saeMetrics, type SaeMetrics } from './metrics.js';
import { saeMeta, saveSaeCheckpoint, type SaeMeta, type SaeFile } from './file.js';

export const SAE_TOKEN_BUDGET = { train: 200_000, held: 20_000 } as const;

export interface SaeRunOptions extends Omit<SaeTrainOptions, 'onStep' | 'checkpoint' | 'resume'> {
  name: string;
  hubId?: string | null;
  /** Where the texts came from, recorded. */
  corpus: string;
  maxTokens?: number;
  heldTokens?: number;
  checkpointPath?: string;
  resume?: SaeState | null;
  onProgress?: (done: number, total: number, phase: string, info?: string) => void;
}

export interface SaeRun extends SaeFile {
  metrics: SaeMetrics;
  history: StepInfo[];
}

export function runSae(model: DecoderModel, train: readonly (readonly number[])[], held: readonly (readonly number[])[], o: SaeRunOptions): SaeRun {
  const site = parseSite(o.site, model.arch.layers);
  if (site.kind === 'attn.z') throw new Error(`sae: reads one vector per token; ${o.site} is per head (use attn.out, resid_*, mlp.act or mlp.out)`);
  const A = tokenActivations(model, train, o.site, { maxTokens: o.maxTokens ?? SAE_TOKEN_BUDGET.train, onProgress: (d, t) => o.onProgress?.(d, t, 'activations') });
  const meta = (state: SaeState, stats: Record<string, number>): SaeMeta => {
    const last = state.history.slice(-Math.max(1, Math.round(state.history.length / 10)));
    return saeMeta(model, state.sae, {
      name: o.name, hubId: o.hubId ?? null,
      settings: { site: o.site, activation: state.options.activation, k: state.options.k, l1: state.options.l1, width: state.sae.width, steps: state.total, batch: state.options.batch, lr: state.options.lr, aux_coef: state.options.auxCoef, dead_window_tokens: state.options.deadWindow, input_normalisation: 'E|c x|^2 = d', b_dec_init: 'geometric median', decoder_rows: 'unit norm' },
      training: { corpus: o.corpus, tokens: A.rows, steps: state.step, seed: state.options.seed, final_loss: last.length ? last.reduce((s, h) => s + h.loss, 0) / last.length : null },
      stats,
    });
  };
  const state = trainSae(A.x, A.rows, A.d, {
    ...o,
    resume: o.resume ?? null,
    checkpointEvery: o.checkpointEvery ?? 200,
    onStep: (s, n, i) => o.onProgress?.(s, n, 'train', `fvu ${i.fvu.toFixed(3)} L0 ${i.l0.toFixed(1)} dead ${(100 * i.dead).toFixed(1)}%`),
    ...(o.checkpointPath ? { checkpoint: (st: SaeState) => saveSaeCheckpoint(o.checkpointPath!, meta(st, {}), st) } : {}),
  });
  o.onProgress?.(0, 1, 'measure');
  const H = tokenActivations(model, held, o.site, { maxTokens: o.heldTokens ?? SAE_TOKEN_BUDGET.held });
  const metrics = saeMetrics(model, state.sae, H);
  const dead = state.history.length ? state.history[state.history.length - 1]!.dead : 0;
  return {
    sae: state.sae,
    meta: meta(state, { fvu: metrics.fvu, l0: metrics.l0, dead_eval: metrics.dead, dead_train_window: dead, loss_clean: metrics.loss.clean, loss_spliced: metrics.loss.spliced, delta_loss: metrics.loss.delta, held_tokens: metrics.tokens }),
    metrics,
    history: state.history,
  };
}

export { SAE_DEFAULTS };
