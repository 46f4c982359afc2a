// `steerling bench forward` on the tiny stories260K checkpoint: the decode bound fields are
// present and consistent (bound = read bandwidth / bytes per decode step, ratio = decode / bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cli, STORIES } from './helpers.js';
import { nativeBackend } from '../../src/backend/registry.js';

const skip = !existsSync(STORIES) ? 'stories260K checkpoint not found' : !nativeBackend() ? 'native addon not built' : false;

test('bench forward reports read bandwidth, the decode bound and decode against it', { skip }, async () => {
  const r = await cli(['bench', 'forward', '--model', STORIES, '--tokens', '8', '--decode-tokens', '4', '--repeats', '1', '--json'], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  for (const key of ['decode_tok_s', 'read_gb_s', 'decode_bytes_per_token', 'decode_bound_tok_s', 'decode_vs_bound']) {
    assert.ok(Number.isFinite(o[key]) && o[key]! > 0, `${key} = ${o[key]}`);
  }
  // Every weight byte is read once per step, plus at least one position's keys and values.
  assert.ok(o['decode_bytes_per_token']! > o['weight_bytes']!);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.abs(b);
  assert.ok(close(o['decode_bound_tok_s']!, (o['read_gb_s']! * 1e9) / o['decode_bytes_per_token']!));
  assert.ok(close(o['decode_vs_bound']!, o['decode_tok_s']! / o['decode_bound_tok_s']!));
});
