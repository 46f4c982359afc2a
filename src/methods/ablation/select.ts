// Directional ablation's automatic choice of direction (Arditi et al. 2024; methods.md §3.3).
//
// Candidates: the class-mean difference r_{i,ℓ} = mean⁺ h_i^ℓ − mean⁻ h_i^ℓ for every layer ℓ and
// every post-instruction template position i (template-positions.ts). Each is scored on a
// validation split:
//   bypass  mean refusal score of the positive (harmful) prompts with r̂ ablated everywhere
//   induce  mean refusal score of the negative (harmless) prompts with r added where it was read
//   kl      mean KL(base ‖ ablated) of the harmless prompts' next token
// and discarded when induce ≤ 0 (it does not carry the behaviour), kl > 0.1 (ablating it changes
// harmless replies) or ℓ ≥ ⌊(1 − p)·L⌋ with p = 0.2 (the last fifth of the model, whose directions
// act on the logits directly; the paper's code prunes int(0.8·L) and up). The lowest bypass score
// among the rest wins; a candidate that is zero (the same token with nothing mixed in yet) is not one.
//
// Layer ℓ is read at layers.ℓ.resid_post, the output of block ℓ, as everywhere in steerling
// (methods.md §5); the paper reads the stream entering block ℓ, so its grid has the embeddings
// (zero at template tokens: the same token in every prompt) and lacks the last block's output.
// On a model of few layers the pruning rule decides everything: on the 4-layer organism
// ⌊0.8·4⌋ = 3 prunes the last block, the only one whose direction bypasses refusal there, and
// every other candidate has induce ≤ 0, so the organism needs p = 0 (--prune-layers 0; README,
// Directional ablation, has the measured table).

import type { DecoderModel } from '../../models/decoder.js';
import type { Hooks } from '../../models/hooks.js';
import { AblateIntervention, AddIntervention } from '../../intervene/interventions.js';
import { hooksFor } from '../../intervene/apply.js';
import { fromStorage } from '../../tensor/tensor.js';
import { collectAtSites, type TokenizedExample } from '../../activations/collect.js';
import { meanDifference } from '../linalg.js';
import { nextTokenLogProbs, refusalScore, klDivergence, mean } from '../../activations/next-token.js';
import { ablationSites } from './sites.js';

export const KL_MAX = 0.1;
/** The paper's share of last layers pruned. */
export const PRUNE_LAYERS = 0.2;

export interface AblationCandidate {
  /** Layer ℓ: read at layers.ℓ.resid_post (candidateSite). */
  layer: number;
  /** Position from the end of the prompt: −K … −1. */
  position: number;
  /** Mean difference (unnormalised: the induce score adds it as it is). */
  direction: Float64Array;
  bypass: number;
  induce: number;
  kl: number;
  /** Why the candidate was set aside (empty: it stays in the running). */
  discarded: string[];
}

export interface AblationSelection {
  candidates: AblationCandidate[];
  chosen: AblationCandidate;
  /** Refusal scores without any intervention, on the validation split. */
  baseline: { positive: number; negative: number };
  /** Layers from this one up are pruned (⌊(1 − p)·L⌋; L when nothing is). */
  layerCutoff: number;
}

export interface SelectionInput {
  model: DecoderModel;
  /** Prompt ids (chat-rendered where the data is chat), by class and split. */
  train: { positive: number[][]; negative: number[][] };
  val: { positive: number[][]; negative: number[][] };
  /** Post-instruction positions (template tokens at the end of every prompt). */
  positions: number;
  refusalIds: readonly number[];
  /** Share p of the last layers pruned (default PRUNE_LAYERS). */
  pruneLayers?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** Where layer ℓ's candidates are read (and added, for the induce score). */
export const candidateSite = (layer: number): string => `layers.${layer}.resid_post`;

/** Mean difference per (position, layer) at layers.ℓ.resid_post, from one pass over the training prompts. */
function candidateDirections(inp: SelectionInput): { layer: number; position: number; direction: Float64Array }[] {
  const L = inp.model.arch.layers;
  const K = inp.positions;
  const sites = Array.from({ length: L }, (_, l) => candidateSite(l));
  const read = (prompts: number[][]) => {
    const ex: TokenizedExample[] = prompts.map((ids) => ({ ids, start: ids.length - K, end: ids.length }));
    return collectAtSites(inp.model, ex, sites, { reduce: 'all', onProgress: (d, t) => inp.onProgress?.(d, t, 'activations') });
  };
  const pos = read(inp.train.positive);
  const neg = read(inp.train.negative);
  const out: { layer: number; position: number; direction: Float64Array }[] = [];
  for (let i = 0; i < K; i++) {
    for (let l = 0; l < L; l++) {
      // Rows come K per example, in position order: row e·K + i is example e at position i − K.
      const rows = (n: number) => Array.from({ length: n }, (_, e) => e * K + i);
      const diff = meanDifference(pos[l]!.data, rows(inp.train.positive.length), neg[l]!.data, rows(inp.train.negative.length), pos[l]!.width);
      if (!diff) continue;
      out.push({ layer: l, position: i - K, direction: diff });
    }
  }
  return out;
}

/** The paper's discard rules, every one that applies. */
export function discardReasons(c: { layer: number; induce: number; kl: number }, layerCutoff: number): string[] {
  const out: string[] = [];
  if (c.layer >= layerCutoff) out.push(`layer ≥ ${layerCutoff}`);
  if (!(c.induce > 0)) out.push('induce ≤ 0');
  if (!(c.kl <= KL_MAX)) out.push(`KL > ${KL_MAX}`);
  return out;
}

/** Every candidate was discarded; the table comes with the error so it can be shown. */
export class NoCandidateLeft extends Error {
  constructor(readonly candidates: AblationCandidate[], readonly baseline: AblationSelection['baseline'], readonly layerCutoff: number) {
    const pruned = candidates.filter((c) => c.discarded.length === 1 && c.layer >= layerCutoff).length;
    const hint = pruned > 0 ? `${pruned} in the pruned last layers pass the other rules: --prune-layers 0 keeps them (a model of few layers); or ` : '';
    super(`every ablation candidate was discarded (${candidates.length} candidates: ${[...new Set(candidates.flatMap((c) => c.discarded))].join('; ')}); ${hint}pass --site to read the direction at a site of your choice`);
  }
}

const scores = (model: DecoderModel, prompts: number[][], hooks: Hooks | null, refusalIds: readonly number[]) =>
  nextTokenLogProbs(model, prompts, hooks).map((lp) => refusalScore(lp, refusalIds));

export function selectAblationDirection(inp: SelectionInput): AblationSelection {
  const { model, val, refusalIds } = inp;
  const L = model.arch.layers;
  if (refusalIds.length === 0) throw new Error('ablation selection needs at least one refusal-start token');
  if (val.positive.length === 0 || val.negative.length === 0) throw new Error(`ablation selection needs validation prompts of both labels (got ${val.positive.length} positive, ${val.negative.length} negative)`);
  const cands = candidateDirections(inp);
  if (cands.length === 0) throw new Error('no candidate direction: the two classes have the same mean activation at every layer and position');
  const baseNeg = nextTokenLogProbs(model, val.negative, null);
  const baseline = { positive: mean(scores(model, val.positive, null, refusalIds)), negative: mean(baseNeg.map((lp) => refusalScore(lp, refusalIds))) };
  const p = inp.pruneLayers ?? PRUNE_LAYERS;
  if (!(p >= 0 && p < 1)) throw new Error(`the share of layers to prune must be in [0, 1), got ${p}`);
  // ε: (1 − p)·L can land a hair below a whole number ((1 − 0.9)·10 = 0.9999…).
  const layerCutoff = Math.floor((1 - p) * L + 1e-9);
  const candidates: AblationCandidate[] = cands.map((c, k) => {
    const dir = fromStorage(Float32Array.from(c.direction), [c.direction.length], 'f32');
    const ablate = hooksFor(ablationSites(L).map((s) => new AblateIntervention(s, dir)), L);
    const add = hooksFor([new AddIntervention(candidateSite(c.layer), dir, { strength: 1 })], L);
    const bypass = mean(scores(model, val.positive, ablate, refusalIds));
    const ablatedNeg = nextTokenLogProbs(model, val.negative, ablate);
    const kl = mean(baseNeg.map((b, j) => klDivergence(b, ablatedNeg[j]!)));
    const induce = mean(scores(model, val.negative, add, refusalIds));
    inp.onProgress?.(k + 1, cands.length, 'candidates');
    return { ...c, bypass, induce, kl, discarded: discardReasons({ layer: c.layer, induce, kl }, layerCutoff) };
  });
  const kept = candidates.filter((c) => c.discarded.length === 0);
  if (kept.length === 0) throw new NoCandidateLeft(candidates, baseline, layerCutoff);
  // Lowest bypass score wins; ties go to the earlier layer, then the earlier position (deterministic).
  const chosen = kept.reduce((best, c) => (c.bypass < best.bypass ? c : best));
  return { candidates, chosen, baseline, layerCutoff };
}
