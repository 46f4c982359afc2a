// What `steerling train` prints: a large range reads as numbers, not exponents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainSummary } from '../../src/cli/train-summary.js';
import type { Artifact } from '../../src/artifact/artifact.js';

test('train summary: the strength range prints without an exponent', () => {
  const art = {
    meta: {
      method: 'diffmean', training: { examples: 96, final_loss: null }, settings: {}, stats: { mu_pos: 230.25, mu_neg: 0.004 },
      interventions: [{ kind: 'add', site: 'layers.2.resid_post', positions: 'all', default_strength: 58.95, strength_range: [-117.9, 117.9] }],
    },
  } as unknown as Artifact;
  const s = trainSummary(art, 'a.steer.safetensors');
  assert.match(s, /strength {3}default 58\.950, range \[-117\.9, 117\.9\]/);
  assert.match(s, /μ\+ 230\.3 {2}μ− 0\.004/);
  assert.doesNotMatch(s, /e[+-]\d/);
});
