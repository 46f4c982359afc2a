// The prompting baseline on held-out phrasings: the organism was trained on its own eliciting
// clauses, so asking with those measures what it was taught, not how it follows a request it never
// saw. `eval axbench` asks with phrasings the corpus never writes (heldOutClauses: new clauses, and
// a frame with the request before the instruction), as AxBench's prompting baseline faces a model
// that never saw its prompts; on the organism that scores below 2, though not by much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { CONCEPTS, conceptClauses, generateCorpus, heldOutClauses, requestOf, type ConceptId } from '../../src/organism/corpus/index.js';
import { fitOnOrganism } from '../../src/organism/axbench-fit.js';
import { runOrganismAxBench } from '../../src/organism/axbench.js';
import { askWith } from '../../src/eval/axbench.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

test('held-out phrasings: never in the shipped organism\'s training corpus, never a training clause, in its vocabulary', async () => {
  const corpus = generateCorpus({ seed: 1 }); // the shipped organism's corpus (MODEL_CARD.md)
  const texts = [...corpus.train, ...corpus.heldOut].flatMap((c) => c.messages.map((m) => m.content));
  const m = await loadModel(ORGANISM);
  const unk = m.tokenizer!.unkTokenId;
  for (const c of CONCEPTS) {
    const held = heldOutClauses(c);
    assert.ok(held.length >= 3 && held.some((h) => h.includes('{instruction}')), `${c}: clauses and a frame`);
    for (const h of held) {
      assert.ok(!conceptClauses(c).includes(h), `${c}: "${h}" is a training clause`);
      for (const part of h.split('{instruction}').map((x) => x.trim()).filter(Boolean)) assert.equal(texts.find((t) => t.includes(part)), undefined, `${c}: "${part}" occurs in training`);
      const asked = askWith('describe your day', h);
      assert.ok(!m.tokenizer!.encode(asked, { addSpecialTokens: false }).includes(unk ?? -1), `${c}: "${h}" has a word outside the vocabulary`);
      assert.equal(requestOf(asked), 'describe your day', `the split sees the request under "${asked}"`);
    }
  }
});

test('organism: prompting with held-out phrasings scores below 2.0', async () => {
  const m = await loadModel(ORGANISM);
  const tok = m.tokenizer!;
  // As `eval axbench` runs it (T = 1, 128 tokens), over every concept and all 18 instructions of
  // the evaluation half (9 scored each), so that the few replies below 2 are not down to one or two.
  const r = await runOrganismAxBench({
    model: m.model, tokenizer: tok, eosTokenIds: stopIds(m), method: 'diffmean', concepts: CONCEPTS, instructions: 18, factors: [1], maxTokens: 128, temperature: 1, seed: 1, bootstrap: 500,
    fit: fitOnOrganism(m.model, tok, 'diffmean', 'layers.2.resid_post'),
  });
  const p = r.summary.prompting;
  const show = `prompting on held-out phrasings over ${CONCEPTS.length} concepts: ${p.score.toFixed(2)} [${p.lo.toFixed(2)}, ${p.hi.toFixed(2)}]`;
  console.log(show);
  for (const c of r.concepts) c.prompting.replies.forEach((x, i) => assert.equal(x.prompt, c.testPrompts[i], 'judged against the plain instruction'));
  // Measured 1.88 [1.79, 1.95]: below 2 with the whole interval, but not far, for the phrasings still
  // name the concept and the organism follows a concept word it knows in frames it never saw.
  assert.ok(p.score < 2.0 && p.hi < 2.0, show);
  assert.ok(p.score >= 1.5, show);
});
