// The AxBench protocol on the organism: the factor comes from the selection half only, the test
// half is scored at it, reply scores are harmonic means, and the baselines behave as the organism
// was built to (prompting carries the concept, unsteered replies do not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { topicPairs, type ConceptId } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { chatTexts } from '../../src/eval/concept-detection.js';
import { runOrganismAxBench as runAxBench } from '../../src/organism/axbench.js';
import { harmonicMean } from '../../src/eval/judges/index.js';

const ORGANISM_DIR = new URL('../../../models/organism/', import.meta.url).pathname;

test('harmonic mean of the AxBench reply score', () => {
  assert.equal(harmonicMean([2, 2, 2]), 2);
  assert.equal(harmonicMean([1, 1, 1]), 1);
  assert.equal(harmonicMean([2, 1, 2]), 1.5);
  assert.equal(harmonicMean([0, 2, 2]), 0);
});

test('organism: selection half picks the factor, test half is scored, baselines as built', async () => {
  const m = await loadModel(ORGANISM_DIR);
  const tok = m.tokenizer!;
  const site = 'layers.2.resid_post';
  const r = await runAxBench({
    model: m.model, tokenizer: tok, eosTokenIds: stopIds(m), method: 'diffmean', concepts: ['topic:ocean', 'topic:music'] as ConceptId[],
    instructions: 8, factors: [0.2, 1.0, 3.0], maxTokens: 40, temperature: 1, seed: 1, bootstrap: 200,
    fit: (concept) => {
      const rows = topicPairs(concept, { n: 32, seed: 11, split: 'train' });
      const data = parseConceptData(rows.map((x) => ({ prompt: x.prompt, positive: x.positive, negative: x.negative })), concept);
      return { artifact: METHODS.diffmean!.fit({ model: m.model, tokenizer: tok, data, site, chat: true, name: concept }), positives: chatTexts(tok, rows.map((x) => ({ prompt: x.prompt, text: x.positive }))) };
    },
  });
  for (const c of r.concepts) {
    assert.equal(c.selectionPrompts.length, 4);
    assert.deepEqual(c.steered.replies.map((x) => x.prompt), c.testPrompts, 'the steered replies are the test half');
    const best = c.selection.reduce((a, b) => (b.score > a.score ? b : a));
    assert.equal(c.factor, best.factor, 'the factor is the best on the selection half');
    for (const x of [...c.steered.replies, ...c.prompting.replies]) assert.equal(x.score, harmonicMean([x.concept, x.instruction, x.fluency]));
    assert.ok(c.scale > 0);
    // Sampled at T = 1, an unsteered reply now and then holds two stray words of the topic.
    assert.ok(c.unsteered.score <= 0.5, `${c.concept}: unsteered replies rarely carry it (${c.unsteered.score})`);
    assert.ok(c.prompting.score >= 1.5, `${c.concept}: asking for it works (${c.prompting.score})`);
    // At 3× the largest projection the replies break: the sweep has something to choose against.
    assert.ok(c.selection.find((x) => x.factor === 3.0)!.score <= best.score);
  }
  assert.ok(r.summary.prompting.lo <= r.summary.prompting.score && r.summary.prompting.score <= r.summary.prompting.hi);
  // The selection against the derived default: the paired difference of the same test replies.
  const d = r.selectedMinusDerived;
  const mean = r.concepts.reduce((t, c) => t + c.steered.score - c.derived.score, 0) / r.concepts.length;
  assert.ok(Math.abs(d.score - mean) < 1e-12 && d.lo <= d.score && d.score <= d.hi, JSON.stringify(d));
  const { renderAxBench } = await import('../../src/cli/eval.js');
  assert.match(renderAxBench(r), /selected factor − derived default: [+-]\d\.\d\d \[[+-]\d\.\d\d, [+-]\d\.\d\d\] \(paired 95% bootstrap/);
});

test('CLI: eval axbench writes JSON and an HTML report; bad flags get one clear line', async () => {
  const { cli } = await import('../cli/helpers.js');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'axbench-'));
  const r = await cli(['eval', 'axbench', '--concepts', 'topic:space', '--instructions', '4', '--factors', '0.2,0.8', '--max-tokens', '32', '--json', '--out', join(dir, 'r.json'), '--html', join(dir, 'r.html')]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { concepts: { concept: string; selection: unknown[] }[] };
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')), res);
  assert.equal(res.concepts[0]!.selection.length, 2);
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /topic:space/);
  const bad = await cli(['eval', 'axbench', '--concepts', 'topic:lava']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown concept "topic:lava"/);
  const nonAdditive = await cli(['eval', 'axbench', '--method', 'ablation']);
  assert.match(nonAdditive.stderr, /additive methods/);
});
