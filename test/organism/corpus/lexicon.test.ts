// The organism's word lists: disjoint where the judges rely on it, and a small, deterministic vocabulary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexicon, vocabulary, corpusWords, SPECIAL_TOKENS, CONCEPTS, conceptWords, FACTS } from '../../../src/organism/corpus/index.js';

const { TOPIC_NAMES, TOPICS, POSITIVE_WORDS, NEGATIVE_WORDS, FORMAL_WORDS, NEUTRAL_ADJS, NEUTRAL_NOUNS, FUNCTION_WORDS } = lexicon;

test('concept word lists are pairwise disjoint and disjoint from neutral and function words', () => {
  const owner = new Map<string, string>();
  for (const c of CONCEPTS) {
    for (const w of conceptWords(c)) {
      assert.equal(owner.get(w), undefined, `"${w}" belongs to both ${owner.get(w)} and ${c}`);
      owner.set(w, c);
    }
  }
  for (const w of [...NEUTRAL_ADJS, ...NEUTRAL_NOUNS, ...FUNCTION_WORDS]) assert.equal(owner.get(w), undefined, `neutral/function word "${w}" is a concept word of ${owner.get(w)}`);
});

test('each topic has 25-40 distinct content words and 8 topics exist', () => {
  assert.ok(TOPIC_NAMES.length >= 8);
  for (const t of TOPIC_NAMES) {
    const l = TOPICS[t];
    const all = [...l.nouns, ...l.adjs, ...l.verbs];
    assert.equal(new Set(all).size, all.length, `${t} repeats a word`);
    assert.ok(all.length >= 25 && all.length <= 40, `${t} has ${all.length} words`);
  }
  assert.ok(POSITIVE_WORDS.length >= 8 && NEGATIVE_WORDS.length >= 8 && FORMAL_WORDS.length >= 8);
});

test('vocabulary: specials first, digits single tokens, no whitespace, no duplicates, deterministic', () => {
  const v = vocabulary();
  assert.deepEqual(v.slice(0, 8), [...SPECIAL_TOKENS]);
  assert.deepEqual(v.slice(0, 4), ['<pad>', '<s>', '</s>', '<unk>']);
  for (let d = 0; d <= 9; d++) assert.ok(v.includes(String(d)));
  assert.equal(new Set(v).size, v.length);
  for (const w of v) assert.ok(w.length > 0 && !/\s/.test(w), `bad token ${JSON.stringify(w)}`);
  assert.ok(v.length >= 500 && v.length <= 1500, `vocabulary size ${v.length}`);
  assert.deepEqual(corpusWords(), corpusWords());
});

test('the fact world has 50 facts with distinct (relation, subject)', () => {
  assert.equal(FACTS.length, 50);
  assert.equal(new Set(FACTS.map((f) => `${f.relation}/${f.subject}`)).size, 50);
  for (const f of FACTS) assert.ok(vocabulary().includes(f.subject) && (typeof f.value === 'number' || vocabulary().includes(f.value)));
});
