// Detection with a steering artifact on real weights (stories260K): per-token scores are the
// projections onto the artifact's direction at its site (checked against the activations read
// directly), the verdict separates held-out dog and dog-free texts, and the max-over-tokens score
// ranks them with a high AUROC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/models/load.js';
import { loadConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { collectActivations } from '../../src/activations/collect.js';
import { detect, classMeans, detectionDirection } from '../../src/eval/detect.js';
import { auroc } from '../../src/eval/auroc.js';
import { heat, renderColour, renderPlain, useColour } from '../../src/cli/detect.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DATA = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));

// Held out: none of these sentences is in the training data.
const DOG = ['The dog ran to the park.', 'Ben played ball with his dog all day.', 'A big dog barked at the cat.', 'Mia gave the dog a bone.', 'The little dog was happy.'];
const OTHER = ['Lily had a box. The box was big.', 'Tom went to the park with his mom.', 'The cat sat on the mat.', 'She saw a big bird in the tree.', 'The sun was shining and the sky was blue.'];

test('detect: per-token projections at the site, a mean-vs-midpoint verdict, and AUROC on held-out texts', async () => {
  const m = await loadModel(STORIES);
  const tok = m.tokenizer!;
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: tok, data: loadConceptData(DATA), site: 'layers.2.resid_post', name: 'dog' });

  const text = 'Lily had a dog.';
  const d = detect(m.model, tok, art, text);
  assert.equal(d.site, 'layers.2.resid_post');
  assert.equal(d.tokens.join(''), tok.decode(tok.encode(text), { skipSpecialTokens: true }), 'the pieces spell the text');
  assert.equal(d.tokens.length, d.scores.length);
  assert.ok(!d.ids.includes(tok.bosTokenId!), 'BOS is not listed');
  // Scores are h·v̂ at the site: recompute them from the activations directly.
  const ids = tok.encode(text);
  const acts = collectActivations(m.model, [{ ids, start: 0, end: ids.length }], 'layers.2.resid_post', { reduce: 'all' });
  const { direction } = detectionDirection(art);
  const want = ids.slice(1).map((_, t) => direction.reduce((s, v, j) => s + v * acts.data[(t + 1) * acts.width + j]!, 0));
  d.scores.forEach((s, i) => assert.ok(Math.abs(s - want[i]!) < 1e-4, `token ${i}: ${s} vs ${want[i]}`));
  const means = classMeans(art)!;
  assert.equal(d.threshold, (means.mu_pos + means.mu_neg) / 2);
  assert.equal(d.max, Math.max(...d.scores));

  const runs = [...DOG, ...OTHER].map((t) => detect(m.model, tok, art, t));
  const labels = [...DOG.map(() => 1), ...OTHER.map(() => 0)];
  assert.deepEqual(runs.map((r) => r.detected), labels.map((l) => l === 1), `verdicts: ${runs.map((r) => r.mean.toFixed(2)).join(' ')} vs threshold ${d.threshold}`);
  const a = auroc(runs.map((r) => r.max), labels);
  assert.ok(a >= 0.95, `AUROC of the max score ${a}`);
});

test('detect refuses an artifact without a direction, and a model it was not fitted on', async () => {
  const m = await loadModel(STORIES);
  const tok = m.tokenizer!;
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: tok, data: loadConceptData(DATA), site: 'layers.1.resid_post', name: 'dog' });
  const noDir = { ...art, meta: { ...art.meta, interventions: art.meta.interventions.map((iv) => ({ ...iv, tensors: { rotation: iv.tensors['direction']! } })) } };
  assert.throws(() => detect(m.model, tok, noDir, 'a dog'), /has no direction to detect with/);
  const other = { ...art, meta: { ...art.meta, model: { ...art.meta.model, weights_hash: '0000' } } };
  assert.throws(() => detect(m.model, tok, other, 'a dog'), /does not fit this model/);
  assert.doesNotThrow(() => detect(m.model, tok, other, 'a dog', { force: true }));
});

test('heatmap: colour scaled from μ− to μ+, plain text marks tokens over the threshold, NO_COLOR and pipes turn colour off', () => {
  assert.equal(heat(0, 0, 2), 0);
  assert.equal(heat(1, 0, 2), 0.5);
  assert.equal(heat(5, 0, 2), 1);
  assert.equal(heat(-3, 0, 2), 0);
  const d = { site: 's', tokens: ['a', ' dog', '\n'], ids: [1, 2, 3], scores: [0, 2, 1], max: 2, mean: 1, threshold: 1, mu_pos: 2, mu_neg: 0, detected: true };
  const c = renderColour(d);
  assert.match(c, /\x1b\[48;5;231m\x1b\[30ma\x1b\[0m/, 'μ− is white');
  assert.match(c, /\x1b\[48;5;196m\x1b\[30m dog\x1b\[0m/, 'μ+ is red');
  const p = renderPlain(d);
  assert.doesNotMatch(p, /\x1b/);
  assert.deepEqual(p.split('\n').map((l) => l.endsWith('*')), [false, true, true]);
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.equal(useColour(tty, {}), true);
  assert.equal(useColour(tty, { NO_COLOR: '1' }), false);
  assert.equal(useColour(pipe, {}), false);
  assert.equal(useColour(pipe, { FORCE_COLOR: '1' }), true);
});
