// `eval specificity`'s tables as a person reads them: a curve keeps every multiple's interval, and
// the steering is named by its target and one strength where all interventions share it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatSteeringLine, specificityCurveTable, specificityTable, steeringLabel } from '../../src/cli/specificity-text.js';
import type { LoadedSteer } from '../../src/artifact/steering.js';

const steer = (method: string, kind: string, sites: string[], strength: number, target?: 'neg'): LoadedSteer =>
  ({
    request: { artifact: 'a.steer.safetensors', ...(target ? { target } : {}) },
    artifact: { meta: { name: 'refusal', method, interventions: sites.map((site) => ({ kind, site, default_strength: 1, strength_range: [0, 1] })) } },
    interventions: sites.map((site) => ({ site, strength })),
  }) as unknown as LoadedSteer;

test('steering labels: a clamp names its target, an ablation one strength, not one a site', () => {
  assert.equal(steeringLabel(steer('cdas', 'clamp', ['layers.1.resid_post'], 1, 'neg')), 'refusal (cdas) clamped to μ− (neg) at 1 at layers.1.resid_post');
  assert.equal(steeringLabel(steer('cdas', 'clamp', ['layers.1.resid_post'], 1)), 'refusal (cdas) clamped to μ+ at 1 at layers.1.resid_post');
  const sites = Array.from({ length: 12 }, (_, i) => `layers.${i >> 2}.s${i}`);
  assert.equal(steeringLabel(steer('ablation', 'ablate', sites, 1)), 'refusal (ablation) at 1 on 12 sites');
  assert.equal(steeringLabel(steer('diffmean', 'add', ['layers.2.resid_post'], -117.91234)), 'refusal (diffmean) at -117.912 at layers.2.resid_post');
});

test('a specificity curve prints every multiple with its interval', () => {
  const rows = [{ key: 'parse_rate', group: 'general', unsteered: 0.9, n: 10, points: [
    { label: 'x0', steered: 0.9, change: 0, lo: 0, hi: 0 },
    { label: 'x1', steered: 0.5, change: -0.4, lo: -0.6, hi: -0.2 },
  ] }];
  const lines = specificityCurveTable(rows);
  assert.match(lines[1]!, /^general\s+parse_rate\s+0\.900\s+x0\s+0\.900\s+\+0\.000\s+\[\+0\.000, \+0\.000\]$/);
  assert.match(lines[2]!, /^\s+x1\s+0\.500\s+-0\.400\s+\[-0\.600, -0\.200\] \*$/);
  const one = specificityTable([{ key: 'parse_rate', group: 'general', unsteered: 0.9, steered: 0.5, change: -0.4, lo: -0.6, hi: -0.2, n: 10 }]);
  assert.match(one[1]!, /\[-0\.600, -0\.200\] \*$/);
});

test('chat steering line: a clamp names its target, strengths and ranges read without exponents', () => {
  const s = steer('cdas', 'clamp', ['layers.1.resid_post'], 1, 'neg');
  (s.artifact.meta.interventions[0] as { strength_range: number[] }).strength_range = [-117.91, 117.91];
  assert.equal(chatSteeringLine([s]), 'refusal (cdas) clamped to μ− (neg) at 1, range [-117.9, 117.9]');
  assert.equal(chatSteeringLine([steer('diffmean', 'add', ['layers.2.resid_post'], 2)]), 'refusal (diffmean) at 2, range [0, 1] (past the range: expect degenerate text)');
  assert.equal(chatSteeringLine([]), 'none');
});
