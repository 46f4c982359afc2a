// `eval specificity --behaviour-file` on a real pretrained model: stories260K steered toward dogs
// with the DiffMean direction the demo learns (examples/stories260K/dog.jsonl), measured on the
// shipped behaviour file with scripted judges — the target figure (a dog in the story) rises with
// an interval clear of 0, and the report draws its plots. Then a figure judged by a model behind
// an endpoint (a scripted yes/no judge), and the file's and flags' errors, one line each.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { cli, json, tempDir, STORIES, DOG_DATA, ROOT } from '../cli/helpers.js';
import { chat, fakeOpenAI } from '../helpers/fake-openai.js';

const BEHAVIOURS = join(ROOT, 'examples', 'stories260K', 'behaviours.jsonl');
interface Row { key: string; group: string; unsteered: number; steered: number; change: number; lo: number; hi: number; n: number }
interface Res { rows: Row[]; judge: unknown; replies: Record<string, Record<string, string[]>> }

let dir = '';
let dog = '';
before(async () => {
  dir = tempDir();
  dog = join(dir, 'dog.steer.safetensors');
  const r = await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', dog, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
});

test('eval specificity --behaviour-file on stories260K: the dog figure rises, the report draws its plots', async () => {
  const html = join(dir, 'spec.html');
  const r = json<Res>(await cli(['eval', 'specificity', '--model', STORIES, '--steer', dog, '--behaviour-file', BEHAVIOURS, '--html', html, '--json', '--quiet'], { timeoutMs: 30000 }));
  assert.deepEqual(r.rows.map((x) => `${x.group}/${x.key}`), ['general/fluent', 'control/girl_stays_she', 'robustness/fluent_dialogue', 'targets/mentions_dog']);
  const dogRow = r.rows.find((x) => x.key === 'mentions_dog')!;
  console.log(r.rows.map((x) => `${x.key} ${x.unsteered.toFixed(2)} → ${x.steered.toFixed(2)} [${x.lo.toFixed(2)}, ${x.hi.toFixed(2)}]`).join('; '));
  assert.equal(dogRow.n, 8);
  assert.ok(dogRow.lo > 0, 'steering toward dogs brings dogs into the stories, measurably');
  assert.equal(r.judge, 'scripted');
  assert.equal(r.replies['unsteered']!['mentions_dog']!.length, 8);
  const page = readFileSync(html, 'utf8');
  for (const h of ['Before and after', 'Change with its 95% interval', 'Replies']) assert.ok(page.includes(`<h2>${h}</h2>`), h);
  assert.equal((page.match(/<svg/g) ?? []).length, 2);
  assert.match(page, /class="mark-rect role-mark/, 'the bars drew');
});

test('eval specificity --behaviour-file: a figure judged by a model asks the endpoint a yes/no question per reply', async () => {
  const s = await fakeOpenAI((q) => {
    const p = q.body.messages![0]!.content;
    const reply = p.slice(p.indexOf('[Reply Start]'), p.indexOf('[Reply End]'));
    return { body: chat(`The reply ${/\bdog/i.test(reply) ? 'has' : 'has no'} dog. Rating: [[${/\bdog/i.test(reply) ? 1 : 0}]]`) };
  });
  try {
    const file = join(dir, 'model-judged.json');
    writeFileSync(file, JSON.stringify({ figures: [{ figure: 'dog_story', group: 'targets', prompts: ['Once upon a time,', 'Tom went to the park and', 'Sue and her dad'], judge: { model: 'Is the story about a dog?' } }] }, null, 2));
    const args = ['eval', 'specificity', '--model', STORIES, '--steer', dog, '--behaviour-file', file, '--max-tokens', '32', '--judge-url', s.url, '--judge-model', 'm', '--no-judge-cache', '--quiet'];
    const r = json<Res & { judge: { calls: number; unparsed: number } }>(await cli([...args, '--json'], { timeoutMs: 30000 }));
    assert.equal(s.requests.length, 6, 'one question per reply, unsteered and steered');
    assert.ok(s.requests[0]!.body.messages![0]!.content.includes('[Question Start]\nIs the story about a dog?'));
    assert.equal(r.judge.calls, 6);
    assert.equal(r.judge.unparsed, 0);
    assert.ok(r.rows[0]!.steered > r.rows[0]!.unsteered);
    const text = await cli(args, { timeoutMs: 30000 });
    assert.match(text.stdout, /judge: endpoint m at .* \(6 asked, 0 from the cache, 0 unparsed → no\)/);
  } finally {
    await s.close();
  }
});

test('eval specificity: a bad behaviour file or flag fails in one line before any model loads', async () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, `${readFileSync(BEHAVIOURS, 'utf8').split('\n')[0]}\n{"figure": "x", "group": "targets", "prompts": ["a"], "judge": {"contain": ["dog"]}}\n`);
  const model = join(dir, 'model.jsonl');
  writeFileSync(model, '{"figure": "x", "group": "general", "prompts": ["a"], "judge": {"not": {"model": "Is it fluent?"}}}\n');
  const cases: [string[], RegExp][] = [
    [['--behaviour-file', bad], /bad\.jsonl:2: unknown judge "contain"/],
    [['--behaviour-file', model], /model\.jsonl:1: figure "x" is judged by a model: pass --judge local/],
    [['--behaviour-file', model, '--judge', 'exact'], /--judge exact scores only the organism's own concepts/],
    [['--behaviour-file', BEHAVIOURS, '--n', '5'], /--n sizes the organism's sets/],
    [['--max-tokens', '5'], /--max-tokens applies to a --behaviour-file/],
    [['--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'm'], /the judge flags apply to a --behaviour-file/],
    [['--behaviour-file', BEHAVIOURS, '--multiples', '1,,2'], /--multiples: expected comma-separated numbers/],
    [[], /stories260K\/? is not the organism, whose card figures these are: pass --behaviour-file/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(['eval', 'specificity', '--model', STORIES, '--steer', dog, ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
