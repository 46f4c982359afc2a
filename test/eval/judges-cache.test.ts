// The judgement cache: a prompt judged once is never asked again (in this run or the next, the
// calls are counted), repeats within a batch are asked once, each text is on disk as soon as it
// arrives (a failure half-way keeps what came back), a torn last line is skipped and does not
// swallow the next, and another judge identity never reads this one's texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JudgementCache, RubricJudge, type JudgeItem } from '../../src/eval/judges/index.js';

/** A judge model that answers by script and counts what it is asked. */
class CountingJudge extends RubricJudge {
  readonly id = 'counting';
  asked: string[] = [];
  failAfter = Infinity;
  constructor(
    cache: JudgementCache | null,
    private readonly who = 'model-a',
  ) {
    super(cache);
  }
  protected identity(): string {
    return this.who;
  }
  protected async complete(prompts: readonly string[], onText: (i: number, text: string) => void): Promise<string[]> {
    return prompts.map((p, i) => {
      if (this.asked.length >= this.failAfter) throw new Error('the judge model went away');
      this.asked.push(p);
      const text = `judged ${this.asked.length}. Rating: [[${p.includes('[Concept Start]') ? 2 : 1}]]`;
      onText(i, text);
      return text;
    });
  }
}

const item = (reply: string): JudgeItem => ({ instruction: 'describe your day', reply, concept: { id: 'topic:ocean', description: 'the ocean' } });
const tmp = () => join(mkdtempSync(join(tmpdir(), 'judge-cache-')), 'sub', 'judgements.jsonl');

test('cache: a second judging of the same replies makes no calls, in this run and after reopening the file', async () => {
  const path = tmp();
  const a = new CountingJudge(JudgementCache.open(path));
  const first = await a.judge([item('the sea is calm .'), item('the whale swam .')]);
  assert.equal(a.asked.length, 6);
  assert.deepEqual(a.stats(), { calls: 6, cached: 0, unparsed: 0 });
  assert.deepEqual(first.map((j) => [j.concept.score, j.instruction.score, j.fluency.score]), [[2, 1, 1], [2, 1, 1]]);
  const again = await a.judge([item('the whale swam .')]);
  assert.equal(a.asked.length, 6, 'no new calls');
  assert.deepEqual(again[0], first[1]);
  assert.deepEqual(a.stats(), { calls: 6, cached: 3, unparsed: 0 });
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 6, 'one line per judgement');

  const b = new CountingJudge(JudgementCache.open(path));
  const rerun = await b.judge([item('the sea is calm .'), item('the whale swam .'), item('a new reply .')]);
  assert.equal(b.asked.length, 3, 'a rerun asks only for the new reply');
  assert.deepEqual(rerun.slice(0, 2), first, 'with the texts of the first run');
});

test('cache: repeats within a batch are asked once; without a cache every judging asks', async () => {
  const j = new CountingJudge(null);
  await j.judge([item('same .'), item('same .')]);
  assert.equal(j.asked.length, 3);
  await j.judge([item('same .')]);
  assert.equal(j.asked.length, 6);
});

test('cache: another judge identity does not read these texts', async () => {
  const path = tmp();
  await new CountingJudge(JudgementCache.open(path), 'model-a').judge([item('x .')]);
  const other = new CountingJudge(JudgementCache.open(path), 'model-b');
  await other.judge([item('x .')]);
  assert.equal(other.asked.length, 3);
});

test('cache: what arrived before a failure is kept; a torn last line is skipped and the next append starts a new line', async () => {
  const path = tmp();
  const j = new CountingJudge(JudgementCache.open(path));
  j.failAfter = 4;
  await assert.rejects(j.judge([item('one .'), item('two .')]), /went away/);
  appendFileSync(path, '{"key":"abc","judge":"counting","te');
  const c = JudgementCache.open(path);
  assert.equal(c.size, 4, 'the four texts that arrived');
  assert.equal(c.skipped, 1);
  const k = new CountingJudge(c);
  await k.judge([item('one .'), item('two .')]);
  assert.equal(k.asked.length, 2, 'only the two that never came back');
  assert.equal(JudgementCache.open(path).size, 6, 'the appended lines read back whole');
});
