// `steerling eval axbench` with a judge model: against a scripted OpenAI-compatible server every
// reply gets the server's ratings (H(2, 1, 2) = 1.5 everywhere), the key travels from the variable
// --judge-key-env names, and a rerun on the same --judge-cache asks nothing; with the organism as
// its own local judge nothing parses and every score is 0; the flag combinations that cannot work
// are one line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { cli, json, tempDir, STORIES } from '../cli/helpers.js';
import { aspectOf, chat, fakeOpenAI } from '../helpers/fake-openai.js';

interface Res {
  concepts: { steered: { score: number; concept: number; unparsed: number; replies: { score: number; judge: { concept: string } }[] }; unsteered: { score: number }; prompting: { score: number } }[];
  summary: { steered: { score: number } };
  judge: { id: string; calls: number; cached: number; unparsed: number };
}

const SMALL = ['eval', 'axbench', '--concepts', 'topic:space', '--instructions', '4', '--factors', '0.2,0.8', '--max-tokens', '12', '--json', '--quiet'];
// Replies judged per run: 2 factors × 2 selection replies, then 4 conditions × 2 test replies.
const REPLIES = 2 * 2 + 4 * 2;

test('eval axbench --judge-url: the endpoint\'s ratings score every reply; a rerun on the cache asks nothing', async () => {
  const ratings = { concept: 2, instruction: 1, fluency: 2 } as const;
  const s = await fakeOpenAI((r) => ({ body: chat(`Judged. Rating: [[${ratings[aspectOf(r.body.messages![0]!.content)]}]]`) }));
  const cache = join(tempDir(), 'cache', 'judgements.jsonl');
  process.env['STEERLING_TEST_JUDGE_KEY'] = 'sk-judge';
  try {
    const args = [...SMALL, '--judge-url', s.url, '--judge-model', 'judge-model', '--judge-key-env', 'STEERLING_TEST_JUDGE_KEY', '--judge-cache', cache];
    const r = json<Res>(await cli(args, { timeoutMs: 120000 }));
    for (const c of r.concepts) {
      for (const cond of [c.steered, c.unsteered, c.prompting]) assert.equal(cond.score, 1.5);
      assert.equal(c.steered.unparsed, 0);
      assert.match(c.steered.replies[0]!.judge.concept, /^Judged\. Rating: \[\[2\]\]$/);
    }
    assert.equal(r.judge.id, `endpoint judge-model at ${s.url}/chat/completions`);
    const asked = s.requests.length;
    assert.equal(r.judge.calls, asked);
    assert.equal(r.judge.calls + r.judge.cached, 3 * REPLIES, 'three ratings per reply, each asked or read from the cache');
    assert.ok(s.requests.every((q) => q.headers.authorization === 'Bearer sk-judge' && q.body.model === 'judge-model' && q.body.temperature === 0));
    assert.ok(s.requests.some((q) => q.body.messages![0]!.content.includes('[Concept Start]\nthe topic space')), 'the concept is described in words');
    assert.equal(readFileSync(cache, 'utf8').trim().split('\n').length, asked);

    const again = json<Res>(await cli(args, { timeoutMs: 120000 }));
    assert.equal(s.requests.length, asked, 'the rerun sent no request');
    assert.deepEqual([again.judge.calls, again.judge.cached], [0, 3 * REPLIES]);
    assert.equal(again.summary.steered.score, r.summary.steered.score);
  } finally {
    delete process.env['STEERLING_TEST_JUDGE_KEY'];
    await s.close();
  }
});

test('eval axbench --judge local: the organism as its own judge writes no ratings, so every score is the unparsed 0', async () => {
  const dir = tempDir();
  const r = json<Res>(await cli([...SMALL, '--judge', 'local', '--judge-model', 'organism', '--judge-max-tokens', '6', '--judge-cache', join(dir, 'j.jsonl'), '--out', join(dir, 'r.json')], { timeoutMs: 120000 }));
  assert.match(r.judge.id, /^local .*organism/);
  assert.equal(r.judge.unparsed, 3 * REPLIES);
  for (const c of r.concepts) assert.deepEqual([c.steered.score, c.unsteered.score, c.prompting.score], [0, 0, 0]);
  assert.ok(existsSync(join(dir, 'j.jsonl')));
  const none = await cli([...SMALL, '--judge', 'local', '--judge-model', 'organism', '--judge-max-tokens', '6', '--no-judge-cache'], { cwd: dir, timeoutMs: 120000 });
  assert.equal(none.code, 0, none.stderr);
  assert.ok(!existsSync(join(dir, '.steerling-cache')), '--no-judge-cache writes no cache');
});

test('eval axbench: judge flags that cannot work are one clear line', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', STORIES], /is not the organism, so its exact judges cannot score it: pass --judge local --judge-model PATH_OR_HUB_ID, or --judge endpoint --judge-url URL --judge-model NAME/],
    [['--model', STORIES, '--judge', 'exact'], /--judge exact reads only the organism's language/],
    [['--judge', 'endpoint', '--judge-model', 'm'], /--judge endpoint needs --judge-url URL/],
    [['--judge-url', 'http://127.0.0.1:9/v1'], /--judge endpoint needs --judge-model NAME/],
    [['--judge', 'local'], /--judge local needs --judge-model PATH_OR_HUB_ID/],
    [['--judge', 'local', '--judge-model', 'organism', '--judge-url', 'http://127.0.0.1:9/v1'], /--judge-url is for --judge endpoint/],
    [['--judge-url', 'localhost:8000', '--judge-model', 'm'], /--judge-url: needs http:\/\/ or https:\/\//],
    [['--judge', 'oracle'], /argument 'oracle' is invalid\. Allowed choices are exact, local, endpoint/],
  ];
  for (const [extra, want] of cases) {
    const r = await cli(['eval', 'axbench', ...extra]);
    assert.notEqual(r.code, 0, extra.join(' '));
    assert.match(r.stderr, want, extra.join(' '));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length, 1, `one line: ${r.stderr}`);
  }
});
