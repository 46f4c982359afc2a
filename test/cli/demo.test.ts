// `steerling demo` (the README's main command) end to end on the shipped organism: it learns with
// DiffMean, RePS and CDAS, steers, judges and writes the artifacts and the HTML report. Its tables
// show the trade-off: DiffMean's replies parse at the default and carry the concept only at twice
// the default, where parsing fails; RePS carries it at its default while replies still parse; CDAS
// (clause source, rank 8, layer 1) carries it at its derived ×1 with parsing replies and its μ−
// clamp takes it out of replies that ask for it, replies still parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './helpers.js';

test('demo: learns with DiffMean, RePS and CDAS, steers at 0, ½, 1 and 2× each default, judges, and writes the artifacts and report', async () => {
  const out = join(tempDir(), 'demo');
  const r = await cli(['demo', '--out', out, '--n', '8'], { timeoutMs: 180000 });
  assert.equal(r.code, 0, r.stderr);
  // The opening, on the real stories260K: no dog unsteered; dogs in fluent text at the derived
  // default (measured 8/8, fluent 8/8); at twice it, past the range, the text breaks (fluent 0/8).
  const opening = [...r.stdout.matchAll(/^\s+([\d.]+)\s+(\d)\/8\s+(\d)\/8\s+(unsteered|×\d, (?:inside|past) the range)$/gm)].map((x) => ({ strength: Number(x[1]), dog: Number(x[2]), fluent: Number(x[3]), where: x[4] }));
  assert.equal(opening.length, 3, r.stdout);
  assert.deepEqual(opening.map((o) => o.where), ['unsteered', '×1, inside the range', '×2, past the range']);
  assert.equal(opening[0]!.dog, 0);
  assert.ok(opening[1]!.dog >= 6 && opening[1]!.fluent >= 7, `stories260K at the default: ${JSON.stringify(opening[1])}`);
  assert.ok(opening[2]!.fluent <= 2, `stories260K at twice the default: ${JSON.stringify(opening[2])}`);
  assert.ok(existsSync(join(out, 'stories260K-dog.steer.safetensors')));
  assert.ok(r.stdout.indexOf('stories260K') < r.stdout.indexOf('The model organism'), 'the real model comes first');
  assert.match(r.stdout, /learned a DiffMean direction at layers\.2\.resid_post from 64 pairs/);
  assert.match(r.stdout, /learned a RePS vector at layers\.2\.resid_post from 48 pairs/);
  assert.match(r.stdout, /learned a CDAS clamp \(rank 8\) at layers\.1\.resid_post from 32 rows/);
  for (const m of ['diffmean', 'reps', 'cdas']) assert.ok(existsSync(join(out, `topic-ocean-${m}.steer.safetensors`)), m);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal(html.match(/<svg/g)?.length, 3, 'one plot per method');
  assert.match(html, /stories260K: a dog, at the strength the data gives/);
  // The plot legends are whole (vega cuts long labels with an ellipsis unless told not to).
  assert.match(html, /replies carrying the concept/);
  assert.doesNotMatch(html, /…<\/text>/);
  // The tables: strength, carried, parse rate, concept share, instruction; DiffMean's rows, then RePS's.
  const rows = r.stdout.split('\n').filter((l) => /^\s+\d+\.\d+\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d$/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
  assert.equal(rows.length, 12, r.stdout);
  const [plain, , atDefault, twice] = rows.slice(0, 4) as [number[], number[], number[], number[]];
  assert.equal(plain[0], 0);
  assert.ok(plain[1]! <= 0.1 && atDefault[2]! >= 0.75, `DiffMean unsteered / default rows: ${plain} / ${atDefault}`);
  assert.ok(twice[1]! >= 0.6 && twice[2]! < atDefault[2]!, `DiffMean at twice the default: ${twice}`);
  // RePS carries the topic at its default while replies still parse (measured 0.63 / 0.88 here).
  const reps = rows[6]!;
  assert.ok(reps[1]! >= 0.5 && reps[2]! >= 0.75, `RePS at its default: ${reps}`);
  // CDAS at its derived ×1 (measured 0.75 carried, parse 1.00 with 8 instructions).
  const cdas = rows[10]!;
  assert.equal(cdas[0], 1);
  assert.ok(cdas[1]! >= 0.5 && cdas[2]! >= 0.9, `CDAS at ×1: ${cdas}`);
  // Negated, each artifact takes the topic out of replies that ask for it; CDAS's μ− clamp with replies parsing.
  const negated = [...r.stdout.matchAll(/asked for the concept: carried ([\d.]+) \(parse [\d.]+\) unsteered → ([\d.]+) \(parse ([\d.]+)\) at (-[\d.]+|μ− \(×1\))/g)].map((x) => [Number(x[1]), Number(x[2]), Number(x[3])]);
  assert.equal(negated.length, 3, r.stdout);
  for (const [before, after] of negated) assert.ok(before! >= 0.8 && after! <= 0.25, `asked ${before} → negated ${after}`);
  assert.ok(negated[2]![2]! >= 0.9, `CDAS removal parse ${negated[2]![2]}`);
});

test('demo: an unknown --method is refused with the choices', async () => {
  const r = await cli(['demo', '--method', 'bogus', '--out', join(tempDir(), 'demo')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown --method "bogus" \(choose diffmean, reps, cdas, both or all\)/);
});
