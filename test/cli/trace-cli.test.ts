// `steerling trace` through the binary: the stories260K picture of the README (asserted from
// --json), the terminal heatmap without colour, the HTML report, and one-line errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, oneLineError, tempDir, ROOT, STORIES } from './helpers.js';

const PAIRS = join(ROOT, 'examples', 'stories260K', 'trace-dog.jsonl');

interface TraceJson {
  rows: { key: string; label: string; base_label: string | null }[];
  effects: Record<string, { fraction: (number | null)[][] }>;
  concept: { sequences: { tokens: string[] }[] };
  base: number;
  source: number;
}

test('stories260K, dog vs cat/ball/car/bear: the word\'s first token carries "dog" through blocks 0–3 and the last block\'s attention reads it at the reply', async () => {
  const dir = tempDir();
  const html = join(dir, 'trace.html');
  const res = json<TraceJson>(await cli(['trace', '--model', STORIES, '--pairs', PAIRS, '--concept-words', 'dog,dogs,puppy', '--sites', 'resid,attn', '--reply-tokens', '12', '--json', '--html', html], { timeoutMs: 120000 }));
  assert.deepEqual(res.concept.sequences.map((s) => s.tokens.join(' ')), ['▁do g', '▁p u pp y']);
  assert.ok(res.source > 10 * res.base, `base ${res.base}, source ${res.source}`);
  const at = (kind: string, key: string, l: number) => res.effects[kind]!.fraction[res.rows.findIndex((r) => r.key === key)]![l]!;
  assert.deepEqual(res.rows.slice(0, 4).map((r) => [r.key, r.label, r.base_label]), [['prefix', '…', null], ['source[-2]', '▁do', '▁c…'], ['source[-1]', 'g', 'ar…'], ['suffix[-1]', '.', '.']]);
  // Measured: ▁do → ▁c restores 0.70–0.77 after blocks 0–3 and nothing after block 4; "g" nothing.
  for (let l = 0; l < 4; l++) assert.ok(at('resid_post', 'source[-2]', l) > 0.5, `▁do after block ${l}: ${at('resid_post', 'source[-2]', l)}`);
  assert.ok(Math.abs(at('resid_post', 'source[-2]', 4)) < 0.02);
  for (let l = 0; l < 5; l++) assert.ok(Math.abs(at('resid_post', 'source[-1]', l)) < 0.05, `g after block ${l}`);
  // The reply's first token ("The", which predicts the noun) gets it from block 4's attention only (0.63).
  assert.ok(at('attn.out', 'reply[0]', 4) > 0.4, `attn.out 4 at reply 0: ${at('attn.out', 'reply[0]', 4)}`);
  for (let l = 0; l < 4; l++) assert.ok(Math.abs(at('attn.out', 'reply[all]', l)) < 0.02, `attn.out ${l} over the reply`);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<svg/);
  assert.match(page, /resid_post/);
});

test('the terminal heatmap without colour: labels, shade blocks, the legend, no escape codes', async () => {
  const r = await cli(['trace', '--model', STORIES, '--pairs', PAIRS, '--concept-words', 'dog', '--sites', 'resid', '--layers', '0,4', '--reply-tokens', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  assert.match(r.stdout, /concept tokens: ▁do g/);
  assert.match(r.stdout, /resid_post\n\s+layer\s+0\s+4/);
  assert.match(r.stdout, /source\s+▁do → ▁c…\s+▓▓\s*0\.\d\d/);
  assert.match(r.stdout, /shades: ░ ≥ 0\.1/);
});

test('bad input fails with one line naming the problem', async () => {
  const dir = tempDir();
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '\n\n');
  const badLine = join(dir, 'bad.jsonl');
  writeFileSync(badLine, '{"source": "a dog", "base": "a cat"}\n{"source": "a dog"}\n');
  const same = join(dir, 'same.jsonl');
  writeFileSync(same, '{"source": "a dog", "base": "a dog"}\n');
  const long = join(dir, 'long.jsonl');
  writeFileSync(long, JSON.stringify({ source: `${'tell me about your day '.repeat(60)}and mention ocean`, base: 'tell me about your day' }) + '\n');
  const stories = (...a: string[]) => ['trace', '--model', STORIES, '--pairs', PAIRS, '--concept-words', 'dog', ...a];
  const cases: [string[], RegExp][] = [
    [['trace', '--model', STORIES, '--pairs', join(dir, 'missing.jsonl'), '--concept-words', 'dog'], /pair file .*missing\.jsonl does not exist/],
    [['trace', '--model', STORIES, '--pairs', empty, '--concept-words', 'dog'], /empty\.jsonl: no pairs/],
    [['trace', '--model', STORIES, '--pairs', badLine, '--concept-words', 'dog'], /bad\.jsonl:2: "base" must be a non-empty string/],
    [['trace', '--model', STORIES, '--pairs', same, '--concept-words', 'dog'], /same\.jsonl:1: "source" and "base" are the same text/],
    [['trace', '--concept', 'topic:ocean', '--concept-words', 'ocean,zebra'], /concept word "zebra" is not in the model's vocabulary/],
    [['trace', '--pairs', long, '--concept', 'topic:ocean'], /pair 1: the source prompt is \d+ tokens, the model's context is 256/],
    [stories('--sites', 'resid,heads'), /unknown site kind "heads"/],
    [stories('--layers', '7'), /layer "7" does not exist \(the model has layers 0\.\.4\)/],
    [stories('--measure', 'odds'), /--measure must be prob or logprob/],
    [['trace', '--model', STORIES], /give --pairs FILE\.jsonl with --concept-words/],
    [['trace', '--model', STORIES, '--pairs', PAIRS], /--pairs needs --concept-words/],
    [['trace', '--concept', 'topic:zebra'], /unknown concept "topic:zebra"/],
    [['trace', '--concept', 'topic:ocean', '--clause', '9'], /clause 9 does not exist; topic:ocean has clauses 0\.\.3/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  results.forEach((r, i) => assert.match(oneLineError(r), cases[i]![1], cases[i]![0].join(' ')));
});
