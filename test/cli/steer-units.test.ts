// In-process checks of the CLI helpers: the --steer syntax, sweep strengths, the artifact output
// name, the progress bar (drawn on a terminal with rate and ETA; silent on pipes and with --quiet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parseSteerText } from '../../src/artifact/steering.js';
import { sweepStrengths, parseNumberList, renderSweep, DEFAULT_MULTIPLES } from '../../src/cli/sweep.js';
import { artifactPath } from '../../src/cli/train.js';
import { progress, formatRate } from '../../src/cli/progress.js';

test('--steer syntax: path, absolute strength, multiple of the default; junk after a colon is refused', () => {
  assert.deepEqual(parseSteerText('dog.steer.safetensors'), { artifact: 'dog.steer.safetensors' });
  assert.deepEqual(parseSteerText('dog.steer.safetensors:4'), { artifact: 'dog.steer.safetensors', strength: 4 });
  assert.deepEqual(parseSteerText('a/b.steer.safetensors:-2.5'), { artifact: 'a/b.steer.safetensors', strength: -2.5 });
  assert.deepEqual(parseSteerText('x.steer.safetensors:1e-1'), { artifact: 'x.steer.safetensors', strength: 0.1 });
  assert.deepEqual(parseSteerText('x.steer.safetensors:x2'), { artifact: 'x.steer.safetensors', multiple: 2 });
  assert.deepEqual(parseSteerText('x.steer.safetensors:X0.5'), { artifact: 'x.steer.safetensors', multiple: 0.5 });
  assert.deepEqual(parseSteerText('C:/models/x.steer.safetensors:3'), { artifact: 'C:/models/x.steer.safetensors', strength: 3 });
  assert.throws(() => parseSteerText('x.steer.safetensors:strong'), /"strong" is not a strength/);
  assert.throws(() => parseSteerText('x.steer.safetensors:x'), /"x" is not a strength/);
});

test('sweep strengths: explicit, multiples, and defaults that reach far past the range', () => {
  assert.deepEqual(sweepStrengths(2, [-3, 3], { strengths: '-8, 0,8' }), [-8, 0, 8]);
  assert.deepEqual(sweepStrengths(2, [-3, 3], { multiples: '0,1,3' }), [0, 2, 6]);
  // Default multiples; 4 × 2 = 8 already exceeds 2 × 3.
  assert.deepEqual(sweepStrengths(2, [-3, 3], {}), DEFAULT_MULTIPLES.map((k) => 2 * k));
  // A range wide relative to the default: one more multiple, reaching twice the range edge.
  assert.deepEqual(sweepStrengths(1, [-10, 10], {}), [...DEFAULT_MULTIPLES, 20].map((k) => k * 1));
  assert.throws(() => sweepStrengths(2, [-3, 3], { strengths: '1', multiples: '1' }), /not both/);
  assert.throws(() => sweepStrengths(0, [-3, 3], {}), /default strength is 0/);
  assert.throws(() => parseNumberList('--strengths', '1,,2'), /comma-separated list of numbers/);
  assert.throws(() => parseNumberList('--strengths', '1,a'), /got "1,a"/);
  const table = renderSweep(['Hi'], [{ strength: 2, multiple: 1, in_range: true, outputs: ['a\nb'] }, { strength: 8, multiple: 4, in_range: false, outputs: ['c'] }], [-3, 3]);
  assert.match(table, /prompt "Hi"/);
  assert.match(table, /2\.000\s+1\.00×\s+in\s+a ⏎ b/);
  assert.match(table, /8\.000\s+4\.00×\s+out\s+c/);
});

test('artifact output names get the .steer.safetensors suffix', () => {
  assert.equal(artifactPath('dog'), 'dog.steer.safetensors');
  assert.equal(artifactPath('out/dog.steer.safetensors'), 'out/dog.steer.safetensors');
  assert.throws(() => artifactPath('dog.safetensors'), /NAME\.steer\.safetensors/);
});

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let buf = '';
  const w = new Writable({ write(chunk, _enc, cb) { buf += String(chunk); cb(); } }) as unknown as NodeJS.WriteStream;
  Object.assign(w, { isTTY: tty, columns: 120, rows: 40, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w, text: () => buf };
}

test('progress: draws phase, counts, rate and ETA on a terminal, nothing on a pipe or when quiet', async () => {
  const tty = fakeStream(true);
  const bar = progress({ stream: tty.stream, unit: (p) => (p === 'activations' ? 'ex' : 'step'), intervalMs: 0 });
  bar.update(8, 96, 'activations');
  await new Promise((r) => setTimeout(r, 20));
  bar.update(48, 96, 'activations');
  bar.update(96, 96, 'activations');
  bar.update(150, 300, 'probe');
  bar.update(300, 300, 'probe');
  bar.stop();
  bar.stop();
  const out = tty.text();
  assert.match(out, /activations \[.*\] \d+% \| 48\/96 \| [\d.]+ ex\/s \| ETA /);
  assert.match(out, /probe \[.*\] \d+% \| 300\/300 \| .*step\/s/);
  for (const quietish of [progress({ stream: fakeStream(false).stream }), progress({ stream: tty.stream, quiet: true })]) {
    quietish.update(1, 2, 'x');
    quietish.stop();
  }
  const pipe = fakeStream(false);
  const p2 = progress({ stream: pipe.stream });
  p2.update(1, 2);
  p2.stop();
  assert.equal(pipe.text(), '');
  assert.equal(formatRate(250, 'ex'), '250 ex/s');
  assert.equal(formatRate(2.5, 'ex'), '2.5 ex/s');
  assert.equal(formatRate(0.25, 'step'), '4.0 s/step');
  assert.equal(formatRate(NaN, 'ex'), '– ex/s');
});
