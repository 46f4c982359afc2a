// `eval detection --concept-file`: detection on a model that is not the organism, with one's own
// texts. On stories260K the "dog" direction, fitted on every other pair of
// examples/stories260K/dog.jsonl, separates the other pairs' dog continuations from the rest; an
// axbench concept file serves as it is; `--html` draws the figures and the scores; errors are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { cli, json, tempDir, STORIES, DOG_DATA, ROOT } from '../cli/helpers.js';

interface Res { method: string; site: string; concepts: Record<string, { auroc: number; auroc_hard: number | null; f1: number; n: { positive: number; negative: number; hard_negative: number } }>; mean_auroc: number }

test('eval detection --concept-file on stories260K: held-out dog texts are told apart; --html draws the report', async () => {
  const dir = tempDir();
  // The shipped concept file is an eval axbench one: the keys detection does not read are ignored.
  const file = join(ROOT, 'examples', 'stories260K', 'concepts.jsonl');
  const html = join(dir, 'det.html');
  const r = json<Res>(await cli(['eval', 'detection', '--model', STORIES, '--concept-file', file, '--layer', '2', '--html', html, '--json', '--quiet'], { timeoutMs: 30000 }));
  const dog = r.concepts['dog']!;
  console.log(`dog: AUROC ${dog.auroc.toFixed(3)}, F1 ${dog.f1.toFixed(3)}`);
  assert.deepEqual(dog.n, { positive: 24, negative: 24, hard_negative: 0 }, 'the second, fourth, ... pairs are scored');
  assert.equal(dog.auroc_hard, null);
  assert.ok(dog.auroc > 0.9, `AUROC ${dog.auroc}`);
  const page = readFileSync(html, 'utf8');
  assert.equal((page.match(/<svg/g) ?? []).length, 2);
  assert.match(page, /class="mark-rect role-mark/);
});

test('eval detection --concept-file: a held-out "test" file is scored as given; bad files and flags fail in one line', async () => {
  const dir = tempDir();
  const lines = readFileSync(DOG_DATA, 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'train.jsonl'), lines.slice(0, 40).join('\n'));
  writeFileSync(join(dir, 'test.jsonl'), lines.slice(40).join('\n'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify([{ id: 'dog', data: 'train.jsonl', test: 'test.jsonl' }], null, 2));
  const r = json<Res>(await cli(['eval', 'detection', '--model', STORIES, '--concept-file', good, '--json', '--quiet'], { timeoutMs: 30000 }));
  assert.deepEqual(r.concepts['dog']!.n, { positive: lines.length - 40, negative: lines.length - 40, hard_negative: 0 });
  const one = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  writeFileSync(join(dir, 'positives.jsonl'), '{"text": "a dog", "label": 1}\n{"text": "a dog ran", "label": 1}\n{"text": "a cat", "label": 0}\n');
  const cases: [string[], RegExp][] = [
    [['--concept-file', one('a.jsonl', '{"id": "dog", "data": "train.jsonl"}\n{"id": "dog", "data": "train.jsonl"}\n')], /a\.jsonl:2: concept "dog" appears twice/],
    [['--concept-file', one('b.jsonl', '{"id": "dog"}\n')], /b\.jsonl:1: "data" must be a non-empty string/],
    [['--concept-file', one('c.jsonl', '{"id": "dog", "data": "nowhere.jsonl"}\n')], /nowhere\.jsonl: cannot read \(ENOENT\)/],
    [['--concept-file', one('d.jsonl', '{"id": "dog", "data": "positives.jsonl"}\n')], /d\.jsonl:1: the scored half of "data" .* needs texts with and without the concept/],
    [['--concept-file', good, '--concepts', 'topic:ocean'], /with --concept-file the file lists the concepts/],
    [['--concept-file', good, '--n', '5'], /--n sizes the organism's held-out sets/],
    [[], /stories260K\/? is not the organism, whose held-out texts these are: pass --concept-file/],
  ];
  for (const [args, want] of cases) {
    const res = await cli(['eval', 'detection', '--model', STORIES, ...args]);
    assert.notEqual(res.code, 0, args.join(' '));
    assert.match(res.stderr, want, args.join(' '));
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  }
});
