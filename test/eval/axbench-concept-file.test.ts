// `eval axbench --concept-file`: the protocol on a model that is not the organism (stories260K),
// with concepts, instructions, eliciting clauses and training data of one's own, judged by a model
// behind an OpenAI-compatible endpoint. The scripted judge here reads the reply like a strict
// reader of the concept: 2 when the fragment says "dog", else 0; instruction and fluency 2. So the
// scores measure something real: the chosen strength brings the dog in, the unsteered replies do
// not (stories260K does not follow the prompting baseline's request). Also the file's errors, one
// line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli, json, tempDir, STORIES, DOG_DATA } from '../cli/helpers.js';
import { aspectOf, chat, fakeOpenAI } from '../helpers/fake-openai.js';

interface Res {
  method: string;
  concepts: { concept: string; factor: number; testPrompts: string[]; steered: { concept: number; replies: { reply: string }[] }; unsteered: { concept: number }; prompting: { concept: number; replies: { prompt: string }[] } }[];
}

const fragment = (prompt: string) => prompt.slice(prompt.indexOf('[Fragment Start]'), prompt.indexOf('[Fragment End]'));

let files = 0;
function conceptFile(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `concepts-${files++}.jsonl`);
  const instructions = ['Once upon a time, there was a little girl', 'One day, Tom went to the park', 'The sun was shining and', 'Lily and her mom went to the store', 'There was a big tree in the garden', 'Ben liked to play with his friends'];
  writeFileSync(file, JSON.stringify({ id: 'dog', description: 'dogs (the animal)', instructions, clauses: ['Tell me about a dog.'], data: DOG_DATA, ...extra }) + '\n');
  return file;
}

test('eval axbench --concept-file on stories260K: own concepts and data, a judge model, steered replies carry the concept', async () => {
  const s = await fakeOpenAI((r) => {
    const p = r.body.messages![0]!.content;
    const aspect = aspectOf(p);
    const score = aspect === 'concept' ? (/\bdogs?\b/i.test(fragment(p)) ? 2 : 0) : 2;
    return { body: chat(`Rating: [[${score}]]`) };
  });
  try {
    const dir = tempDir();
    const r = json<Res>(await cli(['eval', 'axbench', '--model', STORIES, '--concept-file', conceptFile(dir), '--layer', '2', '--instructions', '6', '--factors', '0.5,1,2', '--max-tokens', '24', '--temperature', '0', '--judge-url', s.url, '--judge-model', 'm', '--no-judge-cache', '--json', '--quiet'], { timeoutMs: 120000 }));
    assert.equal(r.concepts.length, 1);
    const c = r.concepts[0]!;
    assert.equal(c.concept, 'dog');
    assert.deepEqual(c.testPrompts, ['One day, Tom went to the park', 'Lily and her mom went to the store', 'Ben liked to play with his friends']);
    assert.deepEqual(c.prompting.replies.map((x) => x.prompt), c.testPrompts, 'the prompting baseline is judged against the plain instruction');
    assert.ok(s.requests.some((q) => q.body.messages![0]!.content.includes('[Concept Start]\ndogs (the animal)')), 'the judge reads the description');
    console.log(`dog: factor ${c.factor}; concept score steered ${c.steered.concept}, unsteered ${c.unsteered.concept}, prompting ${c.prompting.concept}; ${c.steered.replies[0]!.reply}`);
    assert.ok(c.steered.concept > c.unsteered.concept, 'the chosen strength brings the dog in');
  } finally {
    await s.close();
  }
});

test('eval axbench --concept-file: a bad file, the exact judge, or no judge fail in one line', async () => {
  const dir = tempDir();
  const cases: [string[], RegExp][] = [
    [['--concept-file', join(dir, 'missing.jsonl')], /--concept-file .*missing\.jsonl: no such file/],
    [['--concept-file', conceptFile(dir, { instructions: ['only one'] })], /"instructions" must be a list of at least 2 non-empty strings/],
    [['--concept-file', conceptFile(dir, { clauses: [] })], /"clauses" must be a list of at least 1 non-empty strings/],
    [['--concept-file', conceptFile(dir, { data: 'nowhere.jsonl' })], /nowhere\.jsonl/],
    [['--concept-file', conceptFile(dir), '--judge', 'exact'], /--judge exact knows only the organism's concepts/],
    [['--concept-file', conceptFile(dir), '--concepts', 'topic:ocean'], /with --concept-file the file lists the concepts/],
    [['--concept-file', conceptFile(dir), '--model', STORIES], /a --concept-file needs a judge model/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(['eval', 'axbench', ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
