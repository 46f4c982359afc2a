// Issue 19's bar on the shipped organism, for one topic (the whole bar, 8 topics, is
// bench/organism-steering/steerable.mjs, ~8 min): CDAS read at the instruction's concept clause,
// rank 8, 200 steps, at layer 1 (where the trace shows the reply reading the topic word through
// attention) steers both ways at its data-derived ×1 — the μ+ clamp brings the topic into greedy
// replies to neutral instructions, the μ− clamp takes it out of replies that ask for it — and the
// replies still parse. Measured on organism v6: animals 1.00/0.94 add, 1.00/0.94 removed (16 + 16
// replies); the thresholds are the issue's. The paper's setting (header, rank 1) does neither at ×1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { METHODS } from '../../src/methods/index.js';
import { parseContrastRows, contrastAsConceptData } from '../../src/methods/cdas/index.js';
import { artifactInterventions, type UseOptions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const CONCEPT = 'topic:animals';

test('organism: CDAS (clause source, rank 8) at layer 1 steers a topic in and out at its derived ×1, replies parsing', async () => {
  const m = await loadModel(ORGANISM);
  const rows = parseContrastRows(contrastivePairs(CONCEPT, { n: 32, seed: 21, split: 'train' }), CONCEPT);
  const art = METHODS.cdas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: contrastAsConceptData(rows), contrast: rows, site: 'layers.1.resid_post', name: 'animals', seed: 1, options: { steps: 200, sourcePosition: 'clause', basePositions: 'all', rank: 8 } });
  assert.equal(art.meta.interventions.length, 8);
  const neutral = steeringInstructions(CONCEPT, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const asking = contrastivePairs(CONCEPT, { n: 16, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);
  const replies = (prompts: string[], o: UseOptions | null) =>
    chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: o ? hooksFor(artifactInterventions(art, m.model, o), m.model.arch.layers) : null });
  const share = (rs: string[], f: (r: string) => boolean) => rs.filter(f).length / rs.length;
  const carried = (r: string) => conceptScore(r, CONCEPT) === 2;
  const parses = (r: string) => fluency(r).parses;
  assert.equal(share(replies(neutral, null), carried), 0, 'unsteered neutral replies do not carry the topic');
  assert.equal(share(replies(asking, null), carried), 1, 'unsteered asking replies carry it');
  const add = replies(neutral, { strength: 1 });
  const rem = replies(asking, { strength: 1, target: 'neg' });
  console.log(`animals ×1: add ${share(add, carried)}/${share(add, parses)}, removed ${1 - share(rem, carried)}/${share(rem, parses)}`);
  assert.ok(share(add, carried) >= 0.5 && share(add, parses) >= 0.9, `add: ${share(add, carried)} carried, ${share(add, parses)} parse`);
  assert.ok(1 - share(rem, carried) >= 0.8 && share(rem, parses) >= 0.9, `remove: ${1 - share(rem, carried)} removed, ${share(rem, parses)} parse`);
});
