// Reading a judge model's rating and the rubric prompts it answers: the rating after the LAST
// "Rating:", "[[n]]" or a bare n, anything missing or outside 0–2 is 0 and marked unparsed; the
// three rubrics carry AxBench's intent (one aspect, explain, 0/1/2 anchors, the exact format).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASPECTS, parseRating, rubricPrompt, RUBRIC_VERSION, type JudgeItem } from '../../src/eval/judges/index.js';

test('parseRating: [[n]], bare n, and the last "Rating:" wins', () => {
  assert.deepEqual(parseRating('The ocean is named twice.\nRating: [[2]]'), { score: 2, parsed: true });
  assert.deepEqual(parseRating('Rating: 1'), { score: 1, parsed: true });
  assert.deepEqual(parseRating('Rating: [[0]]'), { score: 0, parsed: true });
  // A judge that quotes the format, or changes its mind, is read at its last verdict.
  assert.deepEqual(parseRating('I must answer as "Rating: [[score]]". First guess Rating: [[2]]; on reflection\nRating: [[1]]'), { score: 1, parsed: true });
  assert.deepEqual(parseRating('Rating: [[2]] ... Rating: [[score]]'), { score: 0, parsed: false }, 'the last one is read even when it is the unfilled template');
  // Markdown emphasis, a trailing period, the number on the next line, single brackets.
  assert.deepEqual(parseRating('**Rating:** [[2]].'), { score: 2, parsed: true });
  assert.deepEqual(parseRating('Rating:\n[[1]]'), { score: 1, parsed: true });
  assert.deepEqual(parseRating('Rating: [2]'), { score: 2, parsed: true });
  // A decimal in range is kept, as AxBench's parser keeps it.
  assert.deepEqual(parseRating('Rating: [[1.5]]'), { score: 1.5, parsed: true });
});

test('parseRating: missing, not a number, or out of range is 0 and unparsed', () => {
  for (const t of ['', 'The fragment is fluent. Score: 2', 'rating: [[2]]', 'Rating: [[3]]', 'Rating: 10', 'Rating: [[-1]]', 'Rating: two', 'Rating: [[score]]', 'Rating: 2.5']) {
    assert.deepEqual(parseRating(t), { score: 0, parsed: false }, JSON.stringify(t));
  }
});

const ITEM: JudgeItem = { instruction: 'describe your day', reply: 'the whale swam by the boat . {concept}', concept: { id: 'topic:ocean', description: 'the topic ocean' } };

test('rubric prompts: one aspect each, the 0/1/2 anchors and the exact rating format, the item filled in verbatim', () => {
  const ps = Object.fromEntries(ASPECTS.map((a) => [a, rubricPrompt(a, ITEM)]));
  for (const [a, p] of Object.entries(ps)) {
    assert.match(p, /impartial judge/, a);
    assert.match(p, /explain|describe/i, a);
    assert.match(p, /from 0 to 2: 0 means .* 1 means .* and 2 means /, a);
    assert.ok(p.includes('"Rating: [[score]]"'), `${a}: asks for the exact format`);
    // The reply is placed as written, even when it contains a placeholder's name.
    assert.ok(p.includes('[Fragment Start]\nthe whale swam by the boat . {concept}\n[Fragment End]'), a);
  }
  assert.ok(ps['concept']!.includes('[Concept Start]\nthe topic ocean\n[Concept End]'));
  assert.ok(!ps['concept']!.includes('topic:ocean'), 'the judge model reads the description, not the id');
  assert.ok(ps['instruction']!.includes('[Instruction Start]\ndescribe your day\n[Instruction End]'));
  assert.ok(!ps['fluency']!.includes('describe your day') && !ps['fluency']!.includes('the topic ocean'), 'fluency sees the reply alone');
  assert.match(RUBRIC_VERSION, /^[0-9a-f]{12}$/);
});
