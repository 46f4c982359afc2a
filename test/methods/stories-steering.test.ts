// The real-weights bar of issue 6 on stories260K: a DiffMean direction learned from contrastive
// story openings (a dog vs six other nouns, examples/stories260K/dog.jsonl) at the middle layer
// makes greedy continuations of neutral openings mention dogs at the artifact's derived default
// strength (inside its range) while the text stays fluent, and far past the range the text
// degenerates.
//
// Fluency is measured, not eyeballed (src/eval/vocab-fluency.ts): at least 80% of a continuation's
// letters are in words of normal English for this model (its own unsteered greedy continuations of
// a set of openings, plus the training data), and no word repeats more than 3 times in a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { loadConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { generate } from '../../src/generate/generate.js';
import type { Hooks } from '../../src/models/hooks.js';
import { fluent, vocabularyOf } from '../../src/eval/vocab-fluency.js';
import { NEUTRAL_OPENINGS, VOCAB_OPENINGS } from '../../src/data/story-openings.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DATA = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));
const SITE = 'layers.2.resid_post'; // the middle of the model's five blocks
const CONCEPT = /\bdog/i;
const NEUTRAL = NEUTRAL_OPENINGS;
// Openings whose unsteered continuations define the vocabulary (none of them is about dogs).
const VOCAB_PROMPTS = VOCAB_OPENINGS;

function continuations(m: LoadedModel, prompts: readonly string[], hooks: Hooks | null, maxTokens: number): string[] {
  const tok = m.tokenizer!;
  // One prompt at a time: greedy decoding of a padded batch may differ in the last float bits.
  return prompts.map((p) => generate(m.model, [tok.encode(p)], { maxTokens, hooks, eosTokenIds: [2], decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }) })[0]!.text!);
}

test('stories260K: a DiffMean dog direction at layer 2 steers neutral openings to dogs inside its range, and breaks the text far past it', async () => {
  const m = await loadModel(STORIES);
  const data = loadConceptData(DATA);
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: SITE, name: 'dog' });
  const iv = art.meta.interventions[0]!;
  const [lo, hi] = iv.strength_range;
  assert.ok(lo < iv.default_strength && iv.default_strength < hi, `default ${iv.default_strength} inside [${lo}, ${hi}]`);

  const tok = m.tokenizer!;
  const vocabRuns = generate(m.model, VOCAB_PROMPTS.map((p) => tok.encode(p)), { maxTokens: 100, eosTokenIds: [2], decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }) });
  const vocab = vocabularyOf([...vocabRuns.map((r, i) => `${VOCAB_PROMPTS[i]} ${r.text}`), ...data.examples.map((e) => e.prompt + e.completion)]);
  const steer = (s: number) => hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers);

  const plain = continuations(m, NEUTRAL, null, 40);
  assert.deepEqual(plain.filter((t) => CONCEPT.test(t)), [], 'unsteered continuations do not mention dogs');
  assert.ok(plain.filter((t) => fluent(t, vocab)).length >= 7, 'the fluency check passes the unsteered model');

  const steered = continuations(m, NEUTRAL, steer(iv.default_strength), 40);
  const good = steered.filter((t) => CONCEPT.test(t) && fluent(t, vocab));
  assert.ok(good.length >= 6, `at the default strength ${iv.default_strength.toFixed(2)}, ≥ 6 of 8 continuations mention dogs fluently; got ${good.length}:\n${steered.join('\n')}`);
  assert.ok(steered.filter((t) => fluent(t, vocab)).length >= 7, `steered text stays fluent:\n${steered.join('\n')}`);

  for (const s of [2 * hi, 4 * hi]) {
    const broken = continuations(m, NEUTRAL, steer(s), 40);
    const ok = broken.filter((t) => fluent(t, vocab));
    assert.equal(ok.length, 0, `at ${s.toFixed(2)} (range edge ${hi.toFixed(2)}) every continuation degenerates; fluent ones:\n${ok.join('\n')}`);
  }
});
