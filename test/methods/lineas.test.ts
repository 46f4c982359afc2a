// LinEAS on the organism: maps fitted from replies to plain instructions (source) to replies to
// instructions that ask for a topic (target) shift the model toward the topic at λ = 1: the
// per-token log-probability margin of topic replies over plain replies rises on held-out pairs.
// Greedy replies carry the topic only past the range (λ = 2), where they stop parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { rowLogProbs, replyLength, tokenizePairs } from '../../src/methods/preference/preference.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('organism: LinEAS from plain to topic replies raises the topic reply\'s margin at λ = 1', async () => {
  const m = await loadModel(ORGANISM);
  const concept = 'topic:ocean';
  const rows = contrastivePairs(concept, { n: 16, seed: 11, split: 'train' });
  const data = parseConceptData(rows.flatMap((r) => [{ prompt: r.prompt, text: r.negative, label: 0 }, { prompt: r.concept_prompt, text: r.positive, label: 1 }]), concept);
  const art = METHODS.lineas!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: 'all', chat: true, name: 'ocean', options: { steps: 30 } });
  const st = art.meta.stats!;
  assert.deepEqual(art.meta.interventions.map((r) => r.site), [0, 1, 2, 3].map((l) => `layers.${l}.resid_post`));
  const hooks = (strength: number) => hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers);
  // Held-out pairs: a plain instruction, its topic reply (winner) and plain reply.
  const held = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' });
  const heldData = parseConceptData(held.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), 'held out');
  const pairs = tokenizePairs({ model: m.model, tokenizer: m.tokenizer!, data: heldData, site: 'all', chat: true, name: 'h' }, 'lineas test').rows;
  const margin = (strength: number) => {
    const lp = rowLogProbs(m.model, pairs, 0, hooks(strength));
    return mean(pairs.map((r, k) => lp.win[k]! / replyLength(r.win) - lp.lose[k]! / replyLength(r.lose)));
  };
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const run = (strength: number) => chatReplies(m.model, m.tokenizer!, neutral, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooks(strength) });
  const carried = (rs: string[]) => mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)));
  const parse = (rs: string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
  const [m0, m1, m2] = [0, 1, 2].map(margin);
  const [r0, r1, r2] = [0, 1, 2].map(run);
  console.log(`  lineas ocean: loss ${(st['loss_start'] as number).toFixed(1)} → ${(st['loss_end'] as number).toFixed(1)}, moved ω per site ${st['moved_scales']}, b ${st['moved_biases']} (of ${m.model.arch.hidden})`);
  console.log(`  held-out margin (topic − plain reply, nats/token): λ=0 ${m0.toFixed(3)}, λ=1 ${m1.toFixed(3)}, λ=2 ${m2.toFixed(3)}`);
  console.log(`  neutral replies carried/parse: λ=0 ${carried(r0)}/${parse(r0)}, λ=1 ${carried(r1)}/${parse(r1)}, λ=2 ${carried(r2)}/${parse(r2)}`);
  // Measured (seed 0): loss 172 → 27; margin −0.78 → −0.61 → −0.38; carried/parse 0/1, 0/0.94, 1/0.
  assert.ok((st['loss_end'] as number) < 0.5 * (st['loss_start'] as number), 'the transport loss falls');
  assert.ok(m1 > m0 + 0.1, `λ = 1 moves the margin toward the topic: ${m0} → ${m1}`);
  assert.ok(m2 > m1 + 0.1, 'and λ = 2 further');
  assert.equal(carried(r0), 0);
  assert.ok(parse(r1) >= 0.75, 'λ = 1 keeps the replies parsing');
  assert.ok(carried(r2) >= 0.5, `λ = 2 carries the topic: ${r2.slice(0, 2).join(' | ')}`);
});
