// RePS on the organism: the preference loss falls, the learned vector carries a topic into replies
// to neutral instructions while they keep parsing, and the negative strength takes the topic out of
// replies that were asked for it. Also the reply log-probabilities the loss is built on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { replyLogProbs } from '../../src/methods/preference/preference.js';
import { padBatch } from '../../src/methods/cdas/batch.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';
import * as ops from '../../src/tensor/ops/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('reply log-probabilities: the sum of the reply tokens\' log-softmax, padding and prompt excluded', async () => {
  const m = await loadModel(ORGANISM);
  const tok = m.tokenizer!;
  const a = tok.applyChatTemplate([{ role: 'user', content: 'describe your day' }], { addGenerationPrompt: true }).ids;
  const seqs = [{ ids: [...a, ...tok.encode('i woke up early today .', { addSpecialTokens: false })], promptLength: a.length }, { ids: [...a.slice(0, 3), 9, 10], promptLength: 3 }];
  const p = padBatch(seqs.map((s) => s.ids), 0);
  const logits = m.model.forward(p.ids, { padding: p.padding });
  const got = replyLogProbs(logits, seqs, p.pad, p.T).data as Float32Array;
  const lsm = ops.logSoftmax(logits).data as Float32Array;
  const V = logits.shape[2]!;
  seqs.forEach((s, b) => {
    let want = 0;
    for (let k = s.promptLength; k < s.ids.length; k++) want += lsm[(b * p.T + p.pad[b]! + k - 1) * V + s.ids[k]!]!;
    assert.ok(Math.abs(got[b]! - want) < 1e-3, `row ${b}: ${got[b]} vs ${want}`);
  });
});

test('organism: RePS steers a topic into replies to held-out instructions, most still parsing, and, negated, out', async () => {
  const m = await loadModel(ORGANISM);
  const concept = 'topic:ocean';
  const rows = contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
  const art = METHODS.reps!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: 'layers.2.resid_post', chat: true, name: 'ocean', options: { epochs: 6 } });
  const st = art.meta.stats!;
  assert.ok((st['loss_end'] as number) < (st['loss_start'] as number), `the loss falls: ${st['loss_start']} → ${st['loss_end']}`);
  assert.equal(art.meta.interventions[0]!.kind, 'add');
  const run = (prompts: string[], strength?: number) => chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooksFor(artifactInterventions(art, m.model, strength === undefined ? {} : { strength }), m.model.arch.layers) });
  const rec = art.meta.interventions[0]!;
  assert.ok(rec.default_strength > 0 && rec.default_strength < rec.strength_range[1], `default ${rec.default_strength} inside the range ${rec.strength_range}`);
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const carried = (rs: string[]) => mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)));
  const parse = (rs: string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
  assert.equal(carried(run(neutral, 0)), 0);
  const steered = run(neutral); // the derived default strength
  // On instructions held out from the training pairs (the split) the default brings the topic into
  // a good share of replies, most still parsing: measured 0.38 / 0.69 (steered on the pairs' own half
  // 0.50 / 0.81, which the bar of 0.5 / 0.8 used to measure before the split).
  assert.ok(carried(steered) >= 0.25 && parse(steered) >= 0.6, `at the default ${rec.default_strength}: carried ${carried(steered)}, parse ${parse(steered)}: ${steered.slice(0, 2).join(' | ')}`);
  const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
  assert.ok(carried(run(asked, 0)) >= 0.9);
  assert.ok(carried(run(asked, -rec.default_strength)) <= 0.25, 'the negated vector suppresses an asked-for topic');
});
