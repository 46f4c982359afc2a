// `steerling eval claims`: the CDAS paper's claims (and Steer2Edit's) checked on the organism in one
// run, each with its 95% intervals, on evaluation sets disjoint from every training set.

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { ConceptId } from '../corpus/index.js';
import { hooksFor } from '../../intervene/index.js';
import { artifactInterventions } from '../../artifact/apply.js';
import { axbenchClaim } from './axbench-claim.js';
import { backdoorSection, refusalSection, steer2editSection, type SafetyContext } from './safety-claims.js';
import { specificitySection, type MeasuredSteering } from './specificity-claim.js';
import { backdoorRows, refusalRows, safetyEvalPrompts } from './safety-data.js';
import { measureFigures } from './figures.js';
import { PAPER_SETTING, oursSetting } from './safety.js';
import type { ClaimsResult, ClaimSection } from './types.js';

export const CLAIM_TOPICS: readonly ConceptId[] = ['topic:ocean', 'topic:sports', 'topic:weather', 'topic:food'];

export interface ClaimsOptions {
  model: DecoderModel;
  tokenizer: Tokenizer;
  eosTokenIds: readonly number[];
  /** Name of the model in the report. */
  modelName: string;
  concepts?: readonly ConceptId[];
  /** Block whose output the topic steering acts on (default 1: where `steerling trace` finds the topic's path). */
  topicLayer?: number;
  /** Block for refusal and the backdoor (default: the middle one, as the paper's configs). */
  safetyLayer?: number;
  instructions?: number;
  maxTokens?: number;
  /** Card sets' size and seed (the safety and specificity measurements). */
  n?: number;
  seed?: number;
  /** Training steps of our CDAS variant (default 200). */
  oursSteps?: number;
  /** Candidate pairs drawn for each safety training set (before dropping overlaps). */
  trainPairs?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export async function runClaims(o: ClaimsOptions): Promise<ClaimsResult> {
  const t0 = Date.now();
  const layers = o.model.arch.layers;
  const topicLayer = o.topicLayer ?? 1;
  const safetyLayer = o.safetyLayer ?? Math.floor(layers / 2);
  for (const [flag, l] of [['topic layer', topicLayer], ['safety layer', safetyLayer]] as const) {
    if (!(Number.isInteger(l) && l >= 0 && l < layers)) throw new Error(`claims: the ${flag} must be a block index 0–${layers - 1}, got ${l}`);
  }
  const concepts = o.concepts ?? CLAIM_TOPICS;
  const n = o.n ?? 200;
  const seed = o.seed ?? 7;
  const cdas = [PAPER_SETTING, oursSetting(o.oursSteps ?? 200)];
  const settings = { cdas: cdas.map((x) => x.label), concepts, topicLayer, safetyLayer, instructions: o.instructions ?? 10, maxTokens: o.maxTokens ?? 128, n, seed, trainPairs: o.trainPairs ?? 96 };
  const sections: ClaimSection[] = [];

  const ax = await axbenchClaim({ model: o.model, tokenizer: o.tokenizer, eosTokenIds: o.eosTokenIds, concepts, site: `layers.${topicLayer}.resid_post`, instructions: settings.instructions, maxTokens: settings.maxTokens, seed: 0, cdas, onProgress: o.onProgress });
  sections.push(ax.section);

  const measure = { eosTokenIds: o.eosTokenIds, n, seed, onProgress: o.onProgress };
  const base = measureFigures(o.model, o.tokenizer, null, { ...measure, onProgress: (p, d, t) => o.onProgress?.(`unsteered: ${p}`, d, t) });
  const c: SafetyContext = { model: o.model, tokenizer: o.tokenizer, measure, base, site: `layers.${safetyLayer}.resid_post` };
  // Training pairs come from another seed, and any that share a prompt with the sets measured are dropped.
  const draw = { n: settings.trainPairs, seed: 31, eosTokenIds: o.eosTokenIds, exclude: safetyEvalPrompts(n, seed) };
  const refusal = refusalRows(o.model, o.tokenizer, draw);
  const backdoor = backdoorRows(o.model, o.tokenizer, draw);
  for (const [what, d] of [['refusal', refusal], ['backdoor', backdoor]] as const) {
    if (d.rows.length < 8) throw new Error(`claims: only ${d.rows.length} ${what} training rows survived (${d.overlap} overlapped the evaluation sets, ${d.unfit} lacked the behaviour); the model does not show the behaviour the study needs`);
  }
  const measured: MeasuredSteering[] = [];
  for (const s of cdas) {
    const r = refusalSection(c, refusal, s);
    sections.push(r.section);
    measured.push({ label: `refusal override, CDAS ${s.id} (μ− at ×1)`, figures: r.steered, targets: ['harmful_refusal'] });
  }
  for (const s of cdas) {
    const b = backdoorSection(c, backdoor, s);
    sections.push(b.section);
    measured.push({ label: `backdoor neutralisation, CDAS ${s.id} (μ− at ×1)`, figures: b.steered, targets: ['backdoor_rate_clean'] });
  }
  const s2e = steer2editSection(c, refusal);
  sections.push(s2e.section);
  measured.push({ label: `Steer2Edit refusal edit ×${s2e.editStrength}`, figures: s2e.edit, targets: ['harmful_refusal'] });
  measured.push({ label: `its source steering ×${s2e.sourceStrength}`, figures: s2e.source, targets: ['harmful_refusal'] });
  const topic = ax.artifacts.get(`cdas-ours:${concepts[0]}`);
  if (topic) {
    const hooks = hooksFor(artifactInterventions(topic, o.model, { strength: 1 }), layers);
    measured.push({ label: `${concepts[0]} steering, CDAS ours ×1`, figures: measureFigures(o.model, o.tokenizer, hooks, { ...measure, onProgress: (p, d, t) => o.onProgress?.(`${concepts[0]}: ${p}`, d, t) }), targets: [] });
  }
  sections.push(specificitySection(base, measured, n));
  return { model: o.modelName, sections, settings, seconds: (Date.now() - t0) / 1000 };
}
