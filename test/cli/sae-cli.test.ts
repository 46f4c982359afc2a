// `steerling sae train` and `sae inspect` through the binary, on stories260K and a small text
// corpus: the figures it prints, the file, a resumed run, inspection, and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, STORIES } from './helpers.js';
import { Rng } from '../../src/util/rng.js';

function corpus(dir: string): string {
  const rng = new Rng(4);
  const words = ['dog', 'cat', 'ball', 'park', 'tree', 'sun', 'cake', 'bird'];
  const lines = Array.from({ length: 80 }, () => JSON.stringify({ text: `Once upon a time, ${rng.pick(['Lily', 'Tom', 'Sue'])} saw a ${rng.pick(words)} by the ${rng.pick(words)}. It was fun.` }));
  const f = join(dir, 'stories.jsonl');
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

test('sae train: figures, the file, a resumed run; sae inspect; errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sae-cli-'));
  const data = corpus(dir);
  const out = join(dir, 'st');
  const base = ['sae', 'train', '-m', STORIES, '--site', 'layers.2.resid_post', '--corpus', data, '--width', '64', '--k', '4', '--batch', '128', '--checkpoint-every', '10', '--out', out];
  const r = await cli([...base, '--steps', '30', '--json'], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.path, `${out}.sae.safetensors`);
  assert.equal(j.sae.k, 4);
  assert.ok(j.metrics.fvu > 0 && j.metrics.fvu < 1 && j.metrics.l0 <= 4 && Number.isFinite(j.metrics.loss.delta), JSON.stringify(j.metrics));
  assert.ok(existsSync(`${out}.sae.safetensors.ckpt`));
  const resumed = await cli([...base, '--steps', '40', '--resume'], { timeoutMs: 60000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /TopK k=4, 64 latents at layers\.2\.resid_post, 40 steps/);
  assert.match(resumed.stdout, /FVU \d\.\d{3}, L0 [\d.]+, dead [\d.]+%/);
  assert.match(resumed.stdout, /with the SAE spliced in: [+-]\d\.\d{4} nats/);
  const ins = await cli(['sae', 'inspect', `${out}.sae.safetensors`, '-m', STORIES, '--corpus', data, '--count', '2', '--top', '3', '--html', join(dir, 'f.html')], { timeoutMs: 60000 });
  assert.equal(ins.code, 0, ins.stderr);
  assert.match(ins.stdout, /^feature \d+: fires on [\d.]+% of tokens/m);
  assert.match(ins.stdout, /\[\[.+\]\]/);
  assert.ok(existsSync(join(dir, 'f.html')));
  const both = await cli([...base, '--l1', '2']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^steerling: give --k \(TopK\) or --l1 \(ReLU \+ L1\), not both\n$/);
  const none = await cli([...base.slice(0, -1), join(dir, 'fresh'), '--resume']);
  assert.match(none.stderr, /^steerling: --resume: no checkpoint at .*fresh\.sae\.safetensors\.ckpt\n$/);
  const notSae = await cli(['sae', 'inspect', join(STORIES, 'model.safetensors'), '-m', STORIES]);
  assert.match(notSae.stderr, /not a valid SAE file: no "steerling_sae" metadata entry/);
});
