// A behaviour file for `eval specificity --behaviour-file`: JSONL or JSON, every mistake one line
// naming file:line; and the scripted judges' verdicts (whole words, regex, refusal phrases with
// curly quotes, negation, fluency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadBehaviourFile, parseBehaviourJudge } from '../../src/eval/behaviour-file.js';
import { verdicts } from '../../src/eval/behaviour-suite.js';
import { tempDir } from '../cli/helpers.js';

const fig = (extra: Record<string, unknown> = {}) => ({ figure: 'dog', group: 'targets', prompts: ['Once upon a time,'], judge: { contains: ['dog'] }, ...extra });
let k = 0;
function file(dir: string, text: string, ext = 'jsonl'): string {
  const p = join(dir, `b${k++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

test('behaviour file: JSONL and JSON (an array or {"figures"}) read the same, each figure with its line', () => {
  const dir = tempDir();
  const a = loadBehaviourFile(file(dir, `${JSON.stringify(fig())}\n\n${JSON.stringify(fig({ figure: 'fluent', group: 'general', judge: 'fluent' }))}\n`));
  assert.deepEqual(a.map((f) => [f.figure, f.group, f.judge.kind, f.where.split(':').pop()]), [['dog', 'targets', 'contains', '1'], ['fluent', 'general', 'fluent', '3']]);
  const pretty = JSON.stringify([fig(), fig({ figure: 'r', group: 'control', judge: 'refusal' })], null, 2);
  const b = loadBehaviourFile(file(dir, pretty, 'json'));
  assert.deepEqual(b.map((f) => f.where.split(':').pop()), ['2', String(pretty.split('\n').findIndex((l) => l.includes('"figure": "r"')))]);
  const c = loadBehaviourFile(file(dir, JSON.stringify({ figures: [fig()] }), 'json'));
  assert.equal(c[0]!.figure, 'dog');
});

test('behaviour file: every mistake is one line naming file:line and the problem', () => {
  const dir = tempDir();
  const two = (f: Record<string, unknown>) => `${JSON.stringify(fig({ figure: 'ok' }))}\n${JSON.stringify(f)}\n`;
  const cases: [string, RegExp][] = [
    [two(fig({ group: 'other' })), /:2: "group" must be one of general, control, robustness, targets, got "other"/],
    [two(fig({ prompts: [] })), /:2: "prompts" must be a list of at least 1 non-empty string/],
    [two(fig({ figure: 'ok' })), /:2: figure "ok" appears twice/],
    [two(fig({ figure: 'a b' })), /:2: "figure" must be a name/],
    [two(fig({ judge: { regex: '(' } })), /:2: judge "regex" is not a regular expression/],
    [two(fig({ judge: { regex: 'x', flags: 'g' } })), /:2: judge "flags" must be a string of i, m, s, u/],
    [two(fig({ judge: { smells: 'x' } })), /:2: unknown judge "smells"/],
    [two(fig({ judge: { contains: ['x'], regex: 'y' } })), /:2: judge "contains" takes no "regex"/],
    [two(fig({ judge: undefined })), /:2: "judge" is missing/],
    [two(fig({ prompt: 'x' })), /:2: unknown key "prompt"/],
    [`${JSON.stringify(fig())}\n{"figure": \n`, /:2: not valid JSON/],
    ['[\n  {"figure": "a"},\n  {"figure": }\n]', /b\d+\.json:3: not valid JSON/],
    ['{"figures": {}}', /:1: expected a JSON array of records, or an object with "figures"/],
  ];
  for (const [text, want] of cases) {
    const path = file(dir, text, text.startsWith('[') || text.startsWith('{"figures"') ? 'json' : 'jsonl');
    assert.throws(() => loadBehaviourFile(path), (e: Error) => want.test(e.message) && e.message.startsWith(path) && !e.message.includes('\n'), text);
  }
  assert.throws(() => loadBehaviourFile(join(dir, 'missing.jsonl')), /missing\.jsonl: cannot read \(ENOENT\)/);
});

test('scripted judges: whole words in any case, regex, refusal phrases, negation, fluency', async () => {
  const items = (...replies: string[]) => replies.map((reply) => ({ prompt: 'p', reply }));
  const v = (j: unknown, ...replies: string[]) => verdicts(parseBehaviourJudge(j, 'f:1'), items(...replies), new Set(['the', 'dog', 'ran', 'to', 'park', 'and', 'back']), null);
  assert.deepEqual(await v({ contains: ['dog'] }, 'A Dog ran.', 'hotdogs', 'dog-like', 'doggo'), [true, false, true, false]);
  assert.deepEqual(await v({ regex: '^a', flags: 'i' }, 'A dog', 'the dog'), [true, false]);
  assert.deepEqual(await v('refusal', 'I can\u2019t help with that.', 'Sure, here it is.', 'i am sorry, no'), [true, false, true]);
  assert.deepEqual(await v({ refusal: ['nope'] }, 'Nope.', "I can't"), [true, false]);
  assert.deepEqual(await v({ not: { contains: ['dog'] } }, 'a dog', 'a cat'), [false, true]);
  assert.deepEqual(await v('fluent', 'the dog ran to the park and back', 'the dog dog dog dog ran', 'zzz qqq xxx yyy www'), [true, false, false]);
  await assert.rejects(() => v({ model: 'Is it about a dog?' }, 'x'), /needs a judge model/);
});
