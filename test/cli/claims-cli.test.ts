// `steerling eval claims` through the binary: bad input fails with one line naming the problem
// (the whole run, ~30 min, is the README's table: node bin/steerling.js eval claims).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, oneLineError } from './helpers.js';

test('eval claims: an unknown concept and a block outside the model are named', async () => {
  assert.match(oneLineError(await cli(['eval', 'claims', '--concepts', 'ocean,volcanoes'])), /--concepts: unknown concept "volcanoes"/);
  assert.match(oneLineError(await cli(['eval', 'claims', '--safety-layer', '9'])), /the safety layer must be a block index 0–3, got 9/);
  const r = await cli(['eval', 'claims', '--instructions', '1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--instructions must be an integer ≥ 2, got "1"/);
});
