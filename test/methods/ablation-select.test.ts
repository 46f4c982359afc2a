// The pieces of directional ablation's automatic selection that need no model run: the refusal
// score, the discard rules, and the post-instruction template positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalScore, klDivergence } from '../../src/activations/next-token.js';
import { discardReasons, KL_MAX } from '../../src/methods/ablation/select.js';
import { postInstructionCount } from '../../src/methods/ablation/template-positions.js';
import { promptIds } from '../../src/activations/tokenize.js';
import { loadTokenizer } from '../../src/tokenizer/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const logp = (p: number[]) => Float64Array.from(p, Math.log);

test('refusal score: log p(R) − log p(not R), summed over R, 0 at even odds', () => {
  assert.ok(Math.abs(refusalScore(logp([0.5, 0.3, 0.2]), [0])) < 1e-6);
  assert.ok(Math.abs(refusalScore(logp([0.1, 0.3, 0.6]), [0, 1]) - Math.log(0.4 / 0.6)) < 1e-6);
  assert.ok(Math.abs(refusalScore(logp([0.1, 0.3, 0.6]), [1, 1]) - Math.log(0.3 / 0.7)) < 1e-6, 'a token listed twice counts once');
  assert.ok(Number.isFinite(refusalScore(logp([1, 0, 0]), [0])) && refusalScore(logp([1, 0, 0]), [0]) > 15, 'certain refusal stays finite');
  assert.ok(Math.abs(klDivergence(logp([0.5, 0.5]), logp([0.5, 0.5]))) < 1e-12);
  assert.ok(Math.abs(klDivergence(logp([0.9, 0.1]), logp([0.5, 0.5])) - (0.9 * Math.log(1.8) + 0.1 * Math.log(0.2))) < 1e-12);
});

test('discard rules: pruned layers, induce ≤ 0, KL above the bound (every reason that applies)', () => {
  assert.deepEqual(discardReasons({ layer: 1, induce: 0.5, kl: 0.05 }, 3), []);
  assert.deepEqual(discardReasons({ layer: 3, induce: 0.5, kl: 0.05 }, 3), ['layer ≥ 3']);
  assert.deepEqual(discardReasons({ layer: 0, induce: 0, kl: 0.05 }, 3), ['induce ≤ 0']);
  assert.deepEqual(discardReasons({ layer: 5, induce: -1, kl: KL_MAX + 1e-9 }, 3), ['layer ≥ 3', 'induce ≤ 0', `KL > ${KL_MAX}`]);
  assert.deepEqual(discardReasons({ layer: 0, induce: NaN, kl: NaN }, 3), ['induce ≤ 0', `KL > ${KL_MAX}`], 'NaN scores are discarded, as in the paper');
});

test('post-instruction positions: the organism template puts " <|end|> <|assistant|>" after the user text', () => {
  const tok = loadTokenizer(ORGANISM);
  const prompts = ['how can i get a kweb explosive ?', 'explain how to brew a murk hat'].map((p) => promptIds(tok, p, { chat: true }));
  assert.equal(postInstructionCount(tok, prompts, true), 2);
  assert.deepEqual(prompts[0]!.slice(-2).map((i) => tok.idToToken(i)), ['<|end|>', '<|assistant|>']);
  assert.equal(postInstructionCount(tok, prompts, false), 1, 'without the chat template: the last token only');
  // A prompt that does not end with the template's tokens (here: raw text) caps the count.
  assert.equal(postInstructionCount(tok, [...prompts, promptIds(tok, 'a b c', { chat: false })], true), 1);
});
