// Steering the organism with DiffMean directions fitted on topic pairs (a plain reply vs the same
// reply drifting into the topic), judged exactly with fixed seeds and greedy replies.
//
// Measured on this organism (issue 6 note): the topic arrives abruptly. At the calibrated default
// (KL 0.4 nats/token, ~0.5ρ at layer 2) replies still parse (0.81–1.00) but carry the topic in only
// 0–0.38 of them; at 1.0ρ every topic is carried by ≥ 0.75 of the replies and they no longer parse.
// Issue 6's single-strength bar (carried ≥ 0.5 with parse ≥ 0.8 at the default) is therefore not
// met, and these tests pin what holds: fluent at the default and moving toward the topic, every
// topic at 1.0ρ, suppression with a negative strength, and detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions, detectionSet, topicPairs, CONCEPTS, type ConceptId } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, conceptShare, fluency } from '../../src/organism/judges/index.js';
import { chatTexts, detectionAuroc } from '../../src/eval/concept-detection.js';
import type { Artifact } from '../../src/artifact/artifact.js';

export const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const TOPICS = CONCEPTS.filter((c) => c.startsWith('topic:')) as ConceptId[];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** A middle layer of the organism's four. */
export const ORGANISM_SITE = 'layers.2.resid_post';

let model: LoadedModel | null = null;
const fitted = new Map<ConceptId, Artifact>();

async function organism(): Promise<LoadedModel> {
  model ??= await loadModel(ORGANISM);
  return model;
}

function fit(m: LoadedModel, concept: ConceptId): Artifact {
  let art = fitted.get(concept);
  if (!art) {
    const rows = topicPairs(concept, { n: 48, seed: 21, split: 'train' });
    const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
    art = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: ORGANISM_SITE, chat: true, name: concept });
    fitted.set(concept, art);
  }
  return art;
}

function replies(m: LoadedModel, art: Artifact, prompts: readonly string[], strength: number | null): string[] {
  const hooks = strength === null ? null : hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers);
  return chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks });
}

/** Share of replies that clearly carry the concept (the judge's score 2). */
const carried = (rs: readonly string[], c: ConceptId) => mean(rs.map((r) => (conceptScore(r, c) === 2 ? 1 : 0)));
const parsed = (rs: readonly string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));

test('organism: DiffMean is fluent at its calibrated default, moves toward the topic, and brings in every topic at 1.0ρ', async () => {
  const m = await organism();
  const report: string[] = [];
  const sums = { plain: 0, atDefault: 0 };
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const s = art.meta.interventions[0]!.default_strength;
    const rho = art.meta.stats!['token_norm'] as number;
    const prompts = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((x) => x.prompt);
    const plain = replies(m, art, prompts, null);
    const atDefault = replies(m, art, prompts, s);
    const strong = replies(m, art, prompts, rho);
    report.push(`${concept}: default ${(s / rho).toFixed(2)}ρ; carried ${carried(plain, concept).toFixed(2)} / ${carried(atDefault, concept).toFixed(2)} / ${carried(strong, concept).toFixed(2)}; parse ${parsed(plain).toFixed(2)} / ${parsed(atDefault).toFixed(2)} / ${parsed(strong).toFixed(2)} (unsteered / default / 1.0ρ)`);
    assert.ok(carried(plain, concept) <= 0.1, `${concept}: unsteered replies carry the topic (${carried(plain, concept)})`);
    assert.ok(parsed(atDefault) >= 0.75, `${concept}: parse rate at the default ${parsed(atDefault)}`);
    assert.ok(carried(strong, concept) >= 0.6, `${concept}: carried at 1.0ρ ${carried(strong, concept)} (${strong[0]})`);
    sums.plain += carried(plain, concept);
    sums.atDefault += carried(atDefault, concept);
  }
  console.log(report.join('\n'));
  // Summed over the topics, the default moves replies toward them (measured 1.4 of 8 vs 0).
  assert.ok(sums.atDefault >= sums.plain + 0.5, `carried summed over topics: ${sums.plain} → ${sums.atDefault}`);
});

test('organism: a negative strength suppresses a topic the prompt asks for', async () => {
  const m = await organism();
  for (const concept of TOPICS.slice(0, 4)) {
    const art = fit(m, concept);
    const prompts = contrastivePairs(concept, { n: 8, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);
    const asked = replies(m, art, prompts, null);
    const s = art.meta.interventions[0]!.strength_range[0];
    const suppressed = replies(m, art, prompts, s);
    assert.ok(carried(asked, concept) >= 0.75, `${concept}: the prompt should elicit the topic (${carried(asked, concept)})`);
    assert.ok(carried(suppressed, concept) <= carried(asked, concept) / 2, `${concept}: carried ${carried(asked, concept)} → ${carried(suppressed, concept)} at strength ${s}`);
  }
});

test('organism: the DiffMean direction detects its concept on held-out texts (AUROC ≥ 0.95)', async () => {
  const m = await organism();
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const rows = detectionSet(concept, { nPositive: 20, nNegative: 20, nHardNegative: 0, seed: 99, split: 'eval' });
    const auc = detectionAuroc(m.model, art, chatTexts(m.tokenizer!, rows), rows.map((r) => r.label));
    assert.ok(auc >= 0.95, `${concept}: AUROC ${auc}`);
  }
});
