// Activation patching on stories260K (src/trace/patch.ts): the concept measure of a multi-token
// word against a brute-force forward, and the properties a trace rests on — the full patch at the
// last layer's output gives the source's measure exactly (fraction 1), no patch gives the base's
// (fraction 0), and a patch at a reply position changes nothing before it (causality) and, at the
// last layer, only the prediction made there.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import { conceptFromWords, logSumExp, type Concept } from '../../src/trace/concept.js';
import { preparePairs, type PreparedPair } from '../../src/trace/prepare.js';
import { scoreRuns, type Activations, type Run } from '../../src/trace/patch.js';
import { fullPatch } from '../../src/trace/align.js';
import { runMeasure } from '../../src/trace/trace.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
let m: LoadedModel;
let dog: Concept;
let names: Concept;
let p: PreparedPair;
const L = 5; // stories260K's blocks
const allSites = ['layers.0.resid_pre', ...Array.from({ length: L }, (_, i) => `layers.${i}.resid_post`)];

before(async () => {
  m = await loadModel(STORIES);
  dog = conceptFromWords(m.tokenizer!, ['dog', 'dogs', 'puppy']);
  names = conceptFromWords(m.tokenizer!, ['Lily', 'Tim']);
  [p] = preparePairs(m.model, m.tokenizer!, [{ source: 'Once upon a time, there was a dog.', base: 'Once upon a time, there was a cat.' }], {
    chat: false, replyTokens: 12, eosTokenIds: stopIds(m), maxWordTokens: 4,
  });
});

function source(concept: Concept): { scores: Float64Array; acts: Activations } {
  const s = scoreRuns(m.model, p.sourceIds, p.sourcePromptLength - 1, concept, [[]], null, { read: allSites });
  return { scores: s.scores[0]!, acts: s.read };
}

function base(concept: Concept, runs: Run[], acts: Activations | null): Float64Array[] {
  return scoreRuns(m.model, p.baseIds, p.basePromptLength - 1, concept, runs, acts, { branchChunk: 7 }).scores;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}: index ${i}: ${a[i]} vs ${b[i]}`);
}

function fraction(patched: ArrayLike<number>, b: ArrayLike<number>, s: ArrayLike<number>): number {
  const [mp, mb, ms] = [patched, b, s].map((x) => runMeasure(x, 'prob'));
  return (mp! - mb!) / (ms! - mb!);
}

test('concept words: "dog" is ▁do g on stories260K, "dogs" is counted inside it, and the measure equals a brute-force forward', () => {
  assert.deepEqual(dog.sequences.map((s) => [s.tokens, s.words]), [[['▁do', 'g'], ['dog', 'dogs']], [['▁p', 'u', 'pp', 'y'], ['puppy']]]);
  const [scores] = base(dog, [[]], null);
  // log Σ_w Π_i P(w_i | ids ≤ t, w_<i) by running each continuation in full.
  for (const i of [0, 3, scores!.length - 1]) {
    const t = p.basePromptLength - 1 + i;
    const terms = dog.sequences.map((s) => {
      const ids = [...p.baseIds.slice(0, t + 1), ...s.ids.slice(0, -1)];
      const lg = noGrad(() => m.model.forward(fromStorage(Int32Array.from(ids), [1, ids.length], 'i32'))).toFloat('f32').data as Float32Array;
      const V = lg.length / ids.length;
      return s.ids.reduce((acc, id, j) => {
        const row = lg.subarray((t + j) * V, (t + j + 1) * V);
        return acc + row[id]! - logSumExp(row);
      }, 0);
    });
    assert.ok(Math.abs(scores![i]! - logSumExp(terms)) < 1e-4, `position ${t}: ${scores![i]} vs ${logSumExp(terms)}`);
  }
});

test('no patch gives the base exactly, in a batch beside patched runs (fraction 0)', () => {
  const s = source(dog);
  const [alone] = base(dog, [[]], null);
  const last = `layers.${L - 1}.resid_post`;
  const [, empty] = base(dog, [[{ site: last, ...fullPatch(p.alignment) }], [], [{ site: 'layers.1.resid_post', base: [3], source: [3] }]], s.acts);
  close(empty!, alone!, 1e-6, 'empty run');
  assert.equal(fraction(empty!, alone!, s.scores), 0);
});

test('the full patch at the last layer output restores the source exactly (fraction 1); at every layer, multi-token words too', () => {
  // A one-token concept: the last layer's output alone decides every prediction.
  const sn = source(names);
  const [bn, fn] = base(names, [[], [{ site: `layers.${L - 1}.resid_post`, ...fullPatch(p.alignment) }]], sn.acts);
  assert.ok(Math.abs(runMeasure(sn.scores, 'prob') - runMeasure(bn!, 'prob')) > 1e-6, 'the source and base differ');
  close(fn!, sn.scores, 1e-5, 'last-layer full patch');
  assert.ok(Math.abs(fraction(fn!, bn!, sn.scores) - 1) < 1e-4);
  // dog = ▁do g: its second token is read on a branch that attends to every layer's keys, so the
  // source comes back only when the whole stream is the source's (a 1:1 swap aligns every position).
  const sd = source(dog);
  const everywhere: Run = allSites.map((site) => ({ site, ...fullPatch(p.alignment) }));
  const [bd, lastOnly, all] = base(dog, [[], [{ site: `layers.${L - 1}.resid_post`, ...fullPatch(p.alignment) }], everywhere], sd.acts);
  close(all!, sd.scores, 1e-5, 'full patch at every layer');
  assert.ok(Math.abs(fraction(all!, bd!, sd.scores) - 1) < 1e-4);
  assert.ok(Math.abs(fraction(lastOnly!, bd!, sd.scores) - 1) > 1e-3, 'the last layer alone does not restore the second token of "dog"');
});

test('causality: a patch at reply position k leaves the predictions before it as they were; at the last layer it sets only its own', () => {
  const s = source(dog);
  const k = 4; // the reply token at base position P + k; its prediction is scored index k + 1
  const row = p.alignment.rows.find((r) => r.key === `reply[${k}]`)!;
  const [b, early, late] = base(dog, [[], [{ site: 'layers.0.resid_post', base: row.base, source: row.source }], [{ site: `layers.${L - 1}.resid_post`, base: row.base, source: row.source }]], s.acts);
  close(early!.subarray(0, k + 1), b!.subarray(0, k + 1), 1e-6, 'before the patched position (layer 0)');
  assert.ok([...early!.subarray(k + 1)].some((x, i) => Math.abs(x - b![k + 1 + i]!) > 1e-4), 'the layer-0 patch changes later predictions');
  // At the last layer only the prediction at the patched position moves (its keys and values, read
  // by later positions and by the branches of "dog", come from the layer's unpatched input). To an
  // f32 ulp of these log-probabilities (~1e-6 at 12): a branch may run in a batch of one in one run
  // and beside others in another, and the AVX2 kit sums one row of x in another order than several.
  late!.forEach((x, i) => assert.ok(i === k + 1 || Math.abs(x - b![i]!) < 1e-5, `last layer: index ${i} unchanged`));
  assert.ok(Math.abs(late![k + 1]! - b![k + 1]!) > 1e-4, 'last layer: the patched position moves');
  // With a one-token concept that position takes exactly the source's value.
  const sn = source(names);
  const [bn, ln] = base(names, [[], [{ site: `layers.${L - 1}.resid_post`, base: row.base, source: row.source }]], sn.acts);
  ln!.forEach((x, i) => assert.ok(Math.abs(x - (i === k + 1 ? sn.scores[i]! : bn![i]!)) < 1e-5, `index ${i}`));
});
