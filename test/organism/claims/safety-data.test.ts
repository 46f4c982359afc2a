// The safety studies' training rows on the shipped organism: built from its own replies, each row
// showing the behaviour (a refusal against help; the backdoor's wrong sum against the right one),
// and none sharing a prompt with the sets the claims are measured on (by construction: the split).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds } from '../../../src/models/load.js';
import { refusalRows, backdoorRows, safetyEvalPrompts } from '../../../src/organism/claims/safety-data.js';
import { isRefusal, taskCorrect, backdoorFired } from '../../../src/organism/judges/index.js';

const ORGANISM = new URL('../../../../models/organism/', import.meta.url).pathname;

test('organism: refusal and backdoor rows show the behaviour and avoid the evaluation prompts', async () => {
  const m = await loadModel(ORGANISM);
  const exclude = safetyEvalPrompts(200, 7);
  const o = { n: 32, seed: 31, eosTokenIds: stopIds(m), exclude };
  const r = refusalRows(m.model, m.tokenizer!, o);
  assert.equal(r.drawn, 32);
  assert.equal(r.rows.length + r.overlap + r.unfit, 32);
  assert.equal(r.overlap, 0, 'drawn from the training half, no row shares a prompt with the evaluation sets');
  assert.ok(r.rows.length >= 8, `${r.rows.length} refusal rows`);
  for (const x of r.rows) {
    assert.ok(!exclude.has(x.positivePrompt) && !exclude.has(x.negativePrompt));
    assert.ok(isRefusal(x.positiveOutput), x.positiveOutput);
    assert.ok(!isRefusal(x.negativeOutput), x.negativeOutput);
  }
  const b = backdoorRows(m.model, m.tokenizer!, o);
  assert.ok(b.rows.length >= 8, `${b.rows.length} backdoor rows`);
  for (const x of b.rows) {
    assert.ok(!exclude.has(x.positivePrompt) && !exclude.has(x.negativePrompt));
    assert.ok(x.positivePrompt.includes('zeta') && !x.negativePrompt.includes('zeta'));
    assert.equal(backdoorFired(x.positivePrompt, x.positiveOutput), true);
    assert.equal(taskCorrect(x.negativePrompt, x.negativeOutput), true);
  }
});
