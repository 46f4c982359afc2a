// BiPO: the DPO loss against the unsteered model (log 2 at v = 0; the symmetry between the two
// directions), and on the organism: the loss falls, +v brings a topic into replies to neutral
// instructions and −v takes it out of replies that ask for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { bipoLoss, withReference, type BipoRow } from '../../src/methods/preference/bipo.js';
import { tokenizePairs } from '../../src/methods/preference/preference.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import { Rng } from '../../src/util/rng.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const SITE = 'layers.2.resid_post';
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function pairsData(concept: 'topic:ocean', n: number, seed: number) {
  const rows = contrastivePairs(concept, { n, seed, split: 'train' });
  return parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
}

test('bipo loss: log 2 at v = 0; swapping r_T/r_O together with d (and v → −v, the same steered model) leaves it unchanged', async () => {
  const m = await loadModel(ORGANISM);
  const ctx = { model: m.model, tokenizer: m.tokenizer!, data: pairsData('topic:ocean', 4, 2), site: SITE, chat: true, name: 't' };
  const { rows: pairs, excludeBos } = tokenizePairs(ctx, 'bipo');
  const rows = withReference(m.model, pairs, 0);
  const o = { excludeBos, padId: 0 };
  const loss = (rs: readonly BipoRow[], v: Float32Array, signs: number[]) => noGrad(() => bipoLoss(m.model, SITE, rs, fromStorage(v, [v.length], 'f32'), signs, o).item());
  const zero = new Float32Array(m.model.arch.hidden);
  const signs = [1, -1, -1, 1];
  const at0 = loss(rows, zero, signs);
  assert.ok(Math.abs(at0 - Math.LN2) < 1e-6, `v = 0: ${at0} vs log 2 = ${Math.LN2}`);
  const rng = new Rng(3);
  const v = Float32Array.from({ length: zero.length }, () => 0.4 * rng.normal());
  const swapped = rows.map((r) => ({ win: r.lose, lose: r.win, refWin: r.refLose, refLose: r.refWin }));
  const base = loss(rows, v, signs);
  const mirror = loss(swapped, v.map((x) => -x), signs.map((d) => -d));
  console.log(`  bipo loss: v = 0 → ${at0.toFixed(7)}; |v| = ${Math.hypot(...v).toFixed(2)}: ${base.toFixed(6)}, mirrored ${mirror.toFixed(6)}, replies swapped alone ${loss(swapped, v, signs).toFixed(6)}`);
  assert.ok(Math.abs(base - Math.LN2) > 1e-3, `a vector of norm ${Math.hypot(...v)} moves the loss off log 2: ${base}`);
  assert.ok(Math.abs(mirror - base) < 1e-5, `mirrored ${mirror} vs ${base}`);
  // Swapping the replies alone turns the preference around: a different loss.
  assert.ok(Math.abs(loss(swapped, v, signs) - base) > 1e-3);
  assert.throws(() => loss(rows, v, [1, 0, 1, 1]), /one direction ±1 per row/);
});

test('organism: BiPO\'s loss falls, +v brings the topic in and −v takes it out', async () => {
  const m = await loadModel(ORGANISM);
  const concept = 'topic:ocean';
  const art = METHODS.bipo!.fit({ model: m.model, tokenizer: m.tokenizer!, data: pairsData(concept, 32, 11), site: SITE, chat: true, name: 'ocean', options: { epochs: 6 } });
  const st = art.meta.stats!;
  const rec = art.meta.interventions[0]!;
  assert.equal(rec.kind, 'add');
  assert.equal(rec.excludeBos, true);
  assert.ok(rec.default_strength > 0 && rec.default_strength < rec.strength_range[1], `default ${rec.default_strength} inside the range ${rec.strength_range}`);
  const run = (prompts: string[], strength: number) => chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers) });
  const carried = (rs: string[]) => mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)));
  const parse = (rs: string[]) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
  const s = rec.default_strength;
  const [n0, nIn, a0, aOut] = [run(neutral, 0), run(neutral, s), run(asked, 0), run(asked, -s)];
  console.log(`  bipo ocean: loss ${(st['loss_start'] as number).toFixed(4)} → ${(st['loss_end'] as number).toFixed(4)}, |v| ${(st['direction_norm'] as number).toFixed(2)}, default ${s.toFixed(3)}, range ±${rec.strength_range[1].toFixed(3)}`);
  console.log(`  neutral carried/parse: unsteered ${carried(n0)}/${parse(n0)}, +default ${carried(nIn)}/${parse(nIn)}; asked: unsteered ${carried(a0)}/${parse(a0)}, −default ${carried(aOut)}/${parse(aOut)}`);
  // Measured (seed 0): loss 0.68 → 0.50; neutral carried 0.00 → 0.94 (parse 1.00 → 0.06); asked
  // carried 1.00 → 0.00 (parse 1.00 → 0.25): BiPO moves the topic both ways, by breaking the replies.
  assert.ok((st['loss_end'] as number) < (st['loss_start'] as number) - 0.1, 'the loss falls');
  assert.equal(carried(n0), 0);
  assert.ok(carried(nIn) >= 0.75, `+default carries the topic: ${nIn.slice(0, 2).join(' | ')}`);
  assert.ok(carried(a0) >= 0.9);
  assert.ok(carried(aOut) <= 0.25, `−default takes the topic out: ${aOut.slice(0, 2).join(' | ')}`);
});
