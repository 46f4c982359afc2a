// Alignment by role (src/trace/align.ts): prefix window, source-only tokens paired 1:1 or
// substituted at the base's last token before the suffix, suffix and reply keyed so that rows
// line up across pairs, and the full patch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignPair, fullPatch } from '../../src/trace/align.js';
import { parseLayers, parseSiteKinds } from '../../src/trace/sites.js';

test('a clause the base lacks: prefix window, tokens substituted at the last instruction token, suffix from the end, reply 1:1', () => {
  // <s> <|user|> w1 w2 [c1 c2 c3] <|end|> <|assistant|> | r0 r1
  const src = [1, 15, 40, 41, 50, 51, 52, 17, 16];
  const base = [1, 15, 40, 41, 17, 16];
  const al = alignPair(src, base, [90, 91]);
  assert.equal(al.prefix, 4);
  assert.equal(al.suffix, 2);
  assert.deepEqual([al.sourceSpan, al.baseSpan], [3, 0]);
  const byKey = Object.fromEntries(al.rows.map((r) => [r.key, r]));
  assert.deepEqual(al.rows.map((r) => r.key), ['prefix', 'source[-3]', 'source[-2]', 'source[-1]', 'suffix[-2]', 'suffix[-1]', 'reply[0]', 'reply[1]', 'reply[all]']);
  assert.deepEqual(byKey['prefix']!.base, [0, 1, 2, 3]);
  // Every clause token goes onto the base's last instruction token (position 3, id 41).
  for (const [k, s] of [['source[-3]', 4], ['source[-2]', 5], ['source[-1]', 6]] as const) {
    assert.deepEqual([byKey[k]!.base, byKey[k]!.source, byKey[k]!.baseId], [[3], [s], 41]);
  }
  assert.deepEqual([byKey['suffix[-2]']!.base, byKey['suffix[-2]']!.source], [[4], [7]]);
  assert.deepEqual([byKey['reply[1]']!.base, byKey['reply[1]']!.source, byKey['reply[1]']!.sourceId], [[7], [10], 91]);
  assert.deepEqual([byKey['reply[all]']!.base, byKey['reply[all]']!.source], [[6, 7], [9, 10]]);
  // The full patch leaves the substitutions out (no counterpart) and holds each position once.
  assert.deepEqual(fullPatch(al), { base: [0, 1, 2, 3, 4, 5, 6, 7], source: [0, 1, 2, 3, 7, 8, 9, 10] });
});

test('a word swapped for a word of the same length pairs 1:1; a different length substitutes at the base span end', () => {
  const al = alignPair([1, 5, 6, 70, 71, 8], [1, 5, 6, 80, 81, 8], []);
  assert.deepEqual(al.rows.map((r) => [r.key, r.base, r.source]), [['prefix', [0, 1, 2], [0, 1, 2]], ['source[-2]', [3], [3]], ['source[-1]', [4], [4]], ['suffix[-1]', [5], [5]]]);
  assert.deepEqual(fullPatch(al).base, [0, 1, 2, 3, 4, 5]);
  const uneven = alignPair([1, 5, 70, 71, 8], [1, 5, 80, 8], []);
  assert.deepEqual(uneven.rows.filter((r) => r.role === 'source').map((r) => [r.key, r.base, r.source]), [['source[-2]', [2], [2]], ['source[-1]', [2], [3]]]);
});

test('the suffix never overlaps the prefix, and identical prompts are refused', () => {
  // Source repeats the base's last token: "a b" vs "a b b".
  const al = alignPair([1, 2, 2], [1, 2], []);
  assert.equal(al.prefix + al.suffix <= 2, true);
  assert.deepEqual([al.prefix, al.suffix, al.sourceSpan, al.baseSpan], [2, 0, 1, 0]);
  assert.throws(() => alignPair([1, 2, 3], [1, 2, 3], [4]), /the same tokens/);
});

test('site kinds and layers: aliases, full names, errors that name the bad value', () => {
  assert.deepEqual(parseSiteKinds('resid,attn,mlp'), ['resid_post', 'attn.out', 'mlp.out']);
  assert.deepEqual(parseSiteKinds('resid_pre, attn.out,resid_pre'), ['resid_pre', 'attn.out']);
  assert.throws(() => parseSiteKinds('resid,heads'), /unknown site kind "heads"/);
  assert.deepEqual(parseLayers(undefined, 3), [0, 1, 2]);
  assert.deepEqual(parseLayers('2,0', 3), [0, 2]);
  assert.throws(() => parseLayers('3', 3), /layer "3" does not exist \(the model has layers 0\.\.2\)/);
});

test('replyRows traces the first reply tokens one by one; reply[all] and the full patch still cover every reply position', () => {
  const al = alignPair([1, 5, 7, 9], [1, 5, 9], [20, 21, 22, 23], { replyRows: 2 });
  assert.deepEqual(al.rows.filter((r) => r.role === 'reply').map((r) => [r.key, r.base]), [['reply[0]', [3]], ['reply[1]', [4]], ['reply[all]', [3, 4, 5, 6]]]);
  assert.deepEqual(fullPatch(al), { base: [0, 1, 2, 3, 4, 5, 6], source: [0, 1, 3, 4, 5, 6, 7] });
  const one = alignPair([1, 5, 7, 9], [1, 5, 9], [20]);
  assert.deepEqual(one.rows.filter((r) => r.role === 'reply').map((r) => r.key), ['reply[0]']);
  assert.deepEqual(fullPatch(one).base, [0, 1, 2, 3]);
});
