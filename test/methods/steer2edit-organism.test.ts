// Steer2Edit on the organism: an edit of MLP neurons fitted on topic pairs (a plain reply vs the
// same reply drifting into the topic), applied with negative strength, takes a topic the prompt asks
// for out of the replies while they keep parsing; replies to neutral instructions stay fluent.
//
// Measured first (bench/organism-steering/steer2edit.mjs): with the paper's default ρ_attn 0.18,
// ρ_mlp 0.55, α 0.8 the attention edits are far too strong for this 4-layer, 6-head model (the
// measured range ends below strength 0.6 and replies break first), so the test uses MLP neurons
// only, ρ_mlp 0.5, α 0.5 (a component is edited when |g| > 0.25). The positive direction does not
// bring the topic into neutral replies on this organism (it reads the topic from the prompt's topic
// word through attention, as the CDAS notes found), so nothing is asserted about it; it is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions, topicPairs } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('organism: a Steer2Edit MLP edit at negative strength takes an asked-for topic out of replies, which keep parsing', async () => {
  const m = await loadModel(ORGANISM);
  const concept = 'topic:ocean';
  const rows = topicPairs(concept, { n: 32, seed: 11, split: 'train' });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
  const t0 = Date.now();
  const art = METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: '', chat: true, name: 'ocean-edit', options: { rhoAttn: -1, rhoMlp: 0.5, alpha: 0.5 } });
  const st = art.meta.stats!;
  const range = art.meta.interventions[0]!.strength_range;
  console.log(`fit ${Date.now() - t0} ms: ${st['neurons_edited']}/${st['neurons_total']} neurons in ${art.meta.interventions.length} layers, range [${range.map((x) => x.toFixed(2)).join(', ')}], KL at 1: ${(st['kl_default'] as number).toFixed(4)}`);
  assert.ok((st['neurons_edited'] as number) > 0 && (st['neurons_edited'] as number) < 0.1 * (st['neurons_total'] as number), 'a sparse edit: under a tenth of the neurons');
  assert.equal(st['heads_edited'], 0);

  const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const run = (prompts: string[], s: number) => chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: s === 0 ? null : hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers) });
  const carried = (rs: string[]) => mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)));
  const parse = (rs: string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
  const rowsOut: Record<number, { asked: string[]; neutral: string[] }> = {};
  for (const s of [0, -2, 1]) rowsOut[s] = { asked: run(asked, s), neutral: run(neutral, s) };
  for (const [s, r] of Object.entries(rowsOut)) {
    console.log(`strength ${s}: asked for ocean: carried ${carried(r.asked).toFixed(2)}, parse ${parse(r.asked).toFixed(2)} | neutral: carried ${carried(r.neutral).toFixed(2)}, parse ${parse(r.neutral).toFixed(2)} | "${r.asked[0]}"`);
  }
  assert.ok(range[0] < -2, `strength −2 lies inside the measured range ${range}`);
  assert.ok(carried(rowsOut[0]!.asked) >= 0.9, 'unedited, asked-for ocean replies carry the topic');
  assert.ok(carried(rowsOut[-2]!.asked) <= 0.25, `at −2 the topic is gone: ${rowsOut[-2]!.asked.slice(0, 2).join(' | ')}`);
  assert.ok(parse(rowsOut[-2]!.asked) >= 0.8 && parse(rowsOut[-2]!.neutral) >= 0.8, 'and the replies still parse');
});
