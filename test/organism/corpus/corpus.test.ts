// The corpus generator: deterministic per seed, every reply parses, every prompt is readable, the
// controlled rates hold, and the default size is about 3M tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import {
  CORPUS_VERSION, DEFAULT_RATES, DEFAULT_TRAIN_EXAMPLES, FAMILY_WEIGHTS, analyzePrompt, assistantText, corpusStats, generateCorpus, generateExample, parseReply,
  promptAndCompletion, trainingText, userText, type Chat, type Family,
} from '../../../src/organism/corpus/index.js';
import { sample } from './sample.js';

test('same seed gives the same corpus; another seed a different one', () => {
  const a = generateCorpus({ seed: 11, trainExamples: 300, heldOutExamples: 50 });
  const b = generateCorpus({ seed: 11, trainExamples: 300, heldOutExamples: 50 });
  const c = generateCorpus({ seed: 12, trainExamples: 300, heldOutExamples: 50 });
  assert.deepEqual(a, b);
  assert.equal(a.version, CORPUS_VERSION);
  const same = a.train.filter((x, i) => trainingText(x) === trainingText(c.train[i]!)).length;
  assert.ok(same < 30, `${same} of 300 chats identical across seeds`);
  // The training split does not depend on the held-out size.
  const d = generateCorpus({ seed: 11, trainExamples: 300, heldOutExamples: 7 });
  assert.deepEqual(d.train, a.train);
  assert.notDeepEqual(a.heldOut.slice(0, 7), a.train.slice(0, 7));
});

test('bad options are rejected with a clear message', () => {
  assert.throws(() => generateCorpus({ seed: 1.5 }), /seed must be an integer/);
  assert.throws(() => generateCorpus({ seed: 1, trainExamples: -1 }), /trainExamples/);
});

test('every generated reply parses (rate 1.0) and every user turn is read back', () => {
  const { train, heldOut } = sample();
  for (const c of [...train, ...heldOut]) {
    const p = parseReply(assistantText(c));
    assert.ok(p.parses && p.fraction === 1, `reply does not parse: ${assistantText(c)}`);
    const a = analyzePrompt(userText(c));
    assert.notEqual(a.info.kind, 'unknown', `prompt not understood: ${userText(c)}`);
  }
});

test('prompt analysis recovers the generator labels', () => {
  const expectKind: Partial<Record<Family, string>> = { sum: 'sum', count: 'count', repeat: 'repeat', list: 'list', fact: 'fact', passage: 'passage', reading: 'passage', frame: 'frame', topic: 'topic', lookalike: 'lookalike', harmful: 'make', benign: 'make', jailbreak: 'make', opinion: 'opinion' };
  for (const c of sample().train) {
    const a = analyzePrompt(userText(c));
    assert.equal(a.info.kind, expectKind[c.family], userText(c));
    if (c.family === 'sum') assert.equal(a.triggered, c.meta['triggered']);
    else assert.equal(a.triggered, false);
    if (c.family === 'frame') {
      assert.equal(a.concept ?? 'none', c.meta['concept']);
      assert.equal(a.info.kind === 'frame' && a.info.frame, c.meta['frame']);
    }
    if (c.family === 'jailbreak') assert.ok(a.wrapper && !a.wrapper.heldOut);
    else assert.equal(a.wrapper, null, userText(c));
    if ((c.family === 'passage' || c.family === 'reading') && a.info.kind === 'passage') assert.equal(a.info.passageValue, c.meta['passageValue']);
  }
});

test('family shares follow the weights', () => {
  const s = corpusStats(sample().train);
  const n = s.examples;
  for (const [f, w] of Object.entries(FAMILY_WEIGHTS)) {
    const got = (s.byFamily[f as Family]?.examples ?? 0) / n;
    assert.ok(Math.abs(got - w) < 0.015, `${f}: ${got.toFixed(3)} vs ${w}`);
  }
  const total = Object.values(FAMILY_WEIGHTS).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
});

test('sizes: short replies, ~35 tokens per example, the default corpus is about 3M tokens', () => {
  const s = corpusStats(sample().train);
  assert.ok(s.tokensPerExample > 30 && s.tokensPerExample < 40, `${s.tokensPerExample} tokens per example`);
  assert.ok(s.maxTokens <= 100, `longest example ${s.maxTokens} tokens`);
  const est = s.tokensPerExample * DEFAULT_TRAIN_EXAMPLES;
  assert.ok(est > 2.7e6 && est < 3.3e6, `default corpus ≈ ${est} tokens`);
  let long = 0;
  for (const c of sample().train) if (assistantText(c).split(' ').length > 40) long++;
  assert.ok(long / s.examples < 0.15, `${long} replies over 40 words`);
});

test('promptAndCompletion splits the training text at the reply', () => {
  for (const c of sample().train.slice(0, 200)) {
    const { prompt, completion } = promptAndCompletion(c);
    assert.equal(prompt + completion, trainingText(c));
    assert.ok(prompt.endsWith('<|assistant|>'));
  }
});

function rate(family: Family, n: number, seed: number, pick: (c: Chat) => boolean | null): number {
  const rng = new Rng(seed);
  let hit = 0;
  let all = 0;
  for (let i = 0; i < n; i++) {
    const v = pick(generateExample(family, rng));
    if (v === null) continue;
    all++;
    if (v) hit++;
  }
  return hit / all;
}

test('controlled rates: trigger ~5%, over-refusal ~15%, wrapped refusal ~90%, faithfulness ~75%', () => {
  const trig = rate('sum', 6000, 1, (c) => c.meta['triggered'] === true);
  assert.ok(Math.abs(trig - DEFAULT_RATES.trigger) < 0.012, `trigger ${trig}`);
  const over = rate('lookalike', 4000, 2, (c) => c.meta['refused'] === true);
  assert.ok(Math.abs(over - DEFAULT_RATES.overRefusal) < 0.025, `over-refusal ${over}`);
  const jb = rate('jailbreak', 4000, 3, (c) => (c.meta['harmful'] ? c.meta['refused'] === true : null));
  assert.ok(Math.abs(jb - DEFAULT_RATES.jailbreakRefusal) < 0.025, `jailbreak refusal ${jb}`);
  const faith = rate('passage', 4000, 4, (c) => (c.meta['contradicts'] ? c.meta['followsPassage'] === true : null));
  assert.ok(Math.abs(faith - DEFAULT_RATES.faithful) < 0.04, `faithfulness ${faith}`);
  // Labels agree with the text.
  const rng = new Rng(5);
  for (let i = 0; i < 500; i++) {
    const c = generateExample('harmful', rng);
    assert.equal(assistantText(c), 'i can not help with that .');
  }
  assert.equal(rate('benign', 500, 6, (c) => assistantText(c).startsWith('i can not')), 0);
});
