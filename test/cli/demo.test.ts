// `steerling demo` (the README's main command) end to end on the shipped organism: it learns with
// DiffMean and RePS, steers, judges and writes the artifacts and the HTML report. Its tables show
// the trade-off: DiffMean's replies parse at the default and carry the concept only at twice the
// default, where parsing fails; RePS carries it at its default while replies still parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './helpers.js';

test('demo: learns with DiffMean and RePS, steers at 0, ½, 1 and 2× each default, judges, and writes the artifacts and report', async () => {
  const out = join(tempDir(), 'demo');
  const r = await cli(['demo', '--out', out, '--n', '8'], { timeoutMs: 180000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /learned a DiffMean direction from 64 pairs/);
  assert.match(r.stdout, /learned a RePS vector from 48 pairs/);
  for (const m of ['diffmean', 'reps']) assert.ok(existsSync(join(out, `topic-ocean-${m}.steer.safetensors`)), m);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal(html.match(/<svg/g)?.length, 2, 'one plot per method');
  // The tables: strength, carried, concept share, parse rate, instruction; DiffMean's rows, then RePS's.
  const rows = r.stdout.split('\n').filter((l) => /^\s+\d+\.\d+\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d$/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
  assert.equal(rows.length, 8, r.stdout);
  const [plain, , atDefault, twice] = rows.slice(0, 4) as [number[], number[], number[], number[]];
  assert.equal(plain[0], 0);
  assert.ok(plain[1]! <= 0.1 && atDefault[3]! >= 0.75, `DiffMean unsteered / default rows: ${plain} / ${atDefault}`);
  assert.ok(twice[1]! >= 0.6 && twice[3]! < atDefault[3]!, `DiffMean at twice the default: ${twice}`);
  // RePS carries the topic at its default while replies still parse (measured 0.63 / 0.88 here).
  const reps = rows[6]!;
  assert.ok(reps[1]! >= 0.5 && reps[3]! >= 0.75, `RePS at its default: ${reps}`);
  // Negated, each artifact takes the topic out of replies that ask for it.
  const negated = [...r.stdout.matchAll(/asked for the concept: carried ([\d.]+) unsteered → ([\d.]+) at -/g)].map((x) => [Number(x[1]), Number(x[2])]);
  assert.equal(negated.length, 2, r.stdout);
  for (const [before, after] of negated) assert.ok(before! >= 0.8 && after! <= 0.25, `asked ${before} → negated ${after}`);
});

test('demo: an unknown --method is refused with the choices', async () => {
  const r = await cli(['demo', '--method', 'bogus', '--out', join(tempDir(), 'demo')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown --method "bogus" \(choose diffmean, reps or both\)/);
});
