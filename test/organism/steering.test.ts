// The organism's steering bar (issue 6): for every topic, a DiffMean direction at its derived
// default strength makes replies to neutral instructions use the topic (share ≥ 0.5) while they
// still parse (≥ 0.8); a negative strength suppresses a topic the prompt asks for; the direction
// detects the concept on held-out texts (AUROC ≥ 0.95). Exact judges, fixed seeds, greedy replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions, detectionSet, CONCEPTS, type ConceptId } from '../../src/data/organism/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/organism/replies.js';
import { conceptShare, fluency } from '../../src/eval/judges/index.js';
import { chatTexts, detectionAuroc } from '../../src/eval/concept-detection.js';

export const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const TOPICS = CONCEPTS.filter((c) => c.startsWith('topic:')) as ConceptId[];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
export const ORGANISM_SITE = 'layers.2.resid_post';

function fit(m: LoadedModel, concept: ConceptId) {
  const rows = contrastivePairs(concept, { n: 48, seed: 21 });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
  return METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: ORGANISM_SITE, chat: true, name: concept });
}

test('organism: DiffMean steering at the derived default strength brings in every topic and keeps replies parsing', { skip: !existsSync(ORGANISM + 'model.safetensors') }, async () => {
  const m = await loadModel(ORGANISM);
  const report: string[] = [];
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const prompts = steeringInstructions(concept, { n: 6, seed: 3 }).map((s) => s.prompt);
    const plain = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48 });
    const hooks = hooksFor(artifactInterventions(art, m.model), m.model.arch.layers);
    const steered = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks });
    const before = mean(plain.map((r) => conceptShare(r, concept)));
    const after = mean(steered.map((r) => conceptShare(r, concept)));
    const parse = mean(steered.map((r) => (fluency(r).parses ? 1 : 0)));
    report.push(`${concept}: share ${before.toFixed(2)} → ${after.toFixed(2)}, parse ${parse.toFixed(2)}, strength ${art.meta.interventions[0]!.default_strength.toFixed(2)}`);
    assert.ok(before < 0.1, `${concept}: unsteered share ${before}`);
    assert.ok(after >= 0.5, `${concept}: steered share ${after} (${steered[0]})`);
    assert.ok(parse >= 0.8, `${concept}: parse rate ${parse} (${steered.find((r) => !fluency(r).parses)})`);
  }
  console.log(report.join('\n'));
});

test('organism: a negative strength suppresses a topic the prompt asks for', { skip: !existsSync(ORGANISM + 'model.safetensors') }, async () => {
  const m = await loadModel(ORGANISM);
  for (const concept of TOPICS.slice(0, 4)) {
    const art = fit(m, concept);
    const prompts = contrastivePairs(concept, { n: 6, seed: 4 }).map((r) => r.concept_prompt);
    const asked = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48 });
    const s = -art.meta.interventions[0]!.default_strength;
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers);
    const suppressed = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks });
    const before = mean(asked.map((r) => conceptShare(r, concept)));
    const after = mean(suppressed.map((r) => conceptShare(r, concept)));
    assert.ok(before >= 0.3, `${concept}: the prompt should elicit the topic (${before})`);
    assert.ok(after <= before / 2, `${concept}: share ${before} → ${after} under strength ${s}`);
  }
});

test('organism: the DiffMean direction detects its concept on held-out texts (AUROC ≥ 0.95)', { skip: !existsSync(ORGANISM + 'model.safetensors') }, async () => {
  const m = await loadModel(ORGANISM);
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const rows = detectionSet(concept, { nPositive: 20, nNegative: 20, nHardNegative: 0, seed: 99 });
    const auc = detectionAuroc(m.model, art, chatTexts(m.tokenizer!, rows), rows.map((r) => r.label));
    assert.ok(auc >= 0.95, `${concept}: AUROC ${auc}`);
  }
});
