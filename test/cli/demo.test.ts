// `steerling demo` (the README's main command) end to end on the shipped organism: it learns,
// steers, judges and writes the artifact and the HTML report, and its table shows the trade-off —
// replies parse at the default, and at twice the default the concept is carried while parsing fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './helpers.js';

test('demo: learns, steers at 0, ½, 1 and 2× the default, judges, and writes the artifact and report', async () => {
  const out = join(tempDir(), 'demo');
  const r = await cli(['demo', '--out', out, '--n', '8'], { timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /learned a DiffMean direction from 64 pairs/);
  assert.ok(existsSync(join(out, 'topic-ocean.steer.safetensors')));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  // The table: strength, carried, concept share, parse rate, instruction.
  const rows = r.stdout.split('\n').filter((l) => /^\s+\d+\.\d+\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d\s+\d\.\d\d$/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
  assert.equal(rows.length, 4, r.stdout);
  const [plain, , atDefault, twice] = rows as [number[], number[], number[], number[]];
  assert.equal(plain[0], 0);
  assert.ok(plain[1]! <= 0.1 && atDefault[3]! >= 0.75, `unsteered / default rows: ${plain} / ${atDefault}`);
  assert.ok(twice[1]! >= 0.6 && twice[3]! < atDefault[3]!, `twice the default: ${twice}`);
});
