// Steering the organism with DiffMean directions, judged exactly (fixed seeds, greedy replies):
// dose-dependent topic steering, suppression of an elicited topic, and detection on held-out texts
// (AUROC ≥ 0.95).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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

// Measured on this organism (see the issue note): the topic appears abruptly, between 0.5ρ and
// 0.8ρ (ρ = the per-token activation norm at the site), and replies stop parsing at about the same
// point; at the derived default (0.35ρ) replies still parse but carry no topic yet. So the tests pin
// what holds — fluent at the default, the topic at 1.0ρ for every topic, suppression with a
// negative strength — and the single-strength bar stays open.
test('organism: DiffMean steering is fluent at the derived default and brings in every topic at 1.0ρ', async () => {
  const m = await loadModel(ORGANISM);
  const report: string[] = [];
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const rho = art.meta.stats!['token_norm'] as number;
    const prompts = steeringInstructions(concept, { n: 6, seed: 3 }).map((s) => s.prompt);
    const replies = (strength: number | null) =>
      chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: strength === null ? null : hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers) });
    const plain = replies(null);
    const atDefault = replies(art.meta.interventions[0]!.default_strength);
    const strong = replies(rho);
    const share = (rs: string[]) => mean(rs.map((r) => conceptShare(r, concept)));
    const parse = (rs: string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
    report.push(`${concept}: share ${share(plain).toFixed(2)} / ${share(atDefault).toFixed(2)} / ${share(strong).toFixed(2)}; parse ${parse(plain).toFixed(2)} / ${parse(atDefault).toFixed(2)} / ${parse(strong).toFixed(2)}`);
    assert.ok(share(plain) < 0.1, `${concept}: unsteered share ${share(plain)}`);
    assert.ok(parse(atDefault) >= 0.8, `${concept}: parse rate at the default ${parse(atDefault)}`);
    assert.ok(share(strong) >= 0.5, `${concept}: share at 1.0ρ ${share(strong)} (${strong[0]})`);
  }
  console.log(report.join('\n'));
});

test('organism: a negative strength suppresses a topic the prompt asks for', async () => {
  const m = await loadModel(ORGANISM);
  for (const concept of TOPICS.slice(0, 4)) {
    const art = fit(m, concept);
    const prompts = contrastivePairs(concept, { n: 6, seed: 4 }).map((r) => r.concept_prompt);
    const asked = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48 });
    const s = -(art.meta.stats!['token_norm'] as number) * 0.5;
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers);
    const suppressed = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks });
    const before = mean(asked.map((r) => conceptShare(r, concept)));
    const after = mean(suppressed.map((r) => conceptShare(r, concept)));
    assert.ok(before >= 0.3, `${concept}: the prompt should elicit the topic (${before})`);
    assert.ok(after <= before / 2, `${concept}: share ${before} → ${after} under strength ${s}`);
  }
});

test('organism: the DiffMean direction detects its concept on held-out texts (AUROC ≥ 0.95)', async () => {
  const m = await loadModel(ORGANISM);
  for (const concept of TOPICS) {
    const art = fit(m, concept);
    const rows = detectionSet(concept, { nPositive: 20, nNegative: 20, nHardNegative: 0, seed: 99 });
    const auc = detectionAuroc(m.model, art, chatTexts(m.tokenizer!, rows), rows.map((r) => r.label));
    assert.ok(auc >= 0.95, `${concept}: AUROC ${auc}`);
  }
});
