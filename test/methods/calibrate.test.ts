// Strength calibration (src/methods/calibrate.ts) on stories260K: the measured KL curve rises with
// strength, the default sits where the mean KL on the concept-absent texts is DEFAULT_KL (checked by
// measuring again at that strength), the range edge where it is EDGE_KL, and `strengthRule: 'rho'`
// falls back to the ρ rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/models/load.js';
import { loadConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { calibrateStrength, DEFAULT_KL, EDGE_KL } from '../../src/methods/calibrate.js';
import { DEFAULT_FRACTION, RANGE_FRACTION } from '../../src/methods/strength.js';
import { tokenizeExamples } from '../../src/activations/tokenize.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DATA = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));
const SITE = 'layers.2.resid_post';

test('calibrated strength: the default moves the concept-absent texts by DEFAULT_KL, the range edge by EDGE_KL', async () => {
  const m = await loadModel(STORIES);
  const data = loadConceptData(DATA);
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: SITE, name: 'dog' });
  const st = art.meta.stats!;
  const rho = st['token_norm'] as number;
  const iv = art.meta.interventions[0]!;
  assert.equal(art.meta.settings['strength_rule'], 'kl');
  const ss = st['kl_curve_strength'] as number[];
  const kl = st['kl_curve_kl'] as number[];
  assert.ok(ss.length >= 3 && ss.length === kl.length);
  for (let i = 1; i < kl.length; i++) assert.ok(kl[i]! > kl[i - 1]!, `KL rises with strength: ${kl.join(', ')}`);
  assert.ok(kl[kl.length - 1]! >= EDGE_KL && kl[0]! < DEFAULT_KL);
  assert.ok(iv.default_strength > 0 && iv.default_strength < iv.strength_range[1] && iv.strength_range[0] === -iv.strength_range[1]);
  // Measured again with a one-point grid at the default: the KL is close to the target.
  const negatives = tokenizeExamples(m.tokenizer!, data.examples.filter((e) => e.label === 0));
  const u = [...art.tensors.values()][0]!.data;
  const again = calibrateStrength(m.model, negatives, SITE, u as Float32Array, iv.default_strength / 0.05);
  assert.ok(again !== null);
  const at = again.curve[0]!;
  assert.ok(Math.abs(at.strength - iv.default_strength) < 1e-9 * rho + 1e-6);
  assert.ok(Math.abs(at.kl - DEFAULT_KL) < 0.15 * DEFAULT_KL, `KL at the default ${at.kl}`);

  const plain = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: SITE, name: 'dog', options: { strengthRule: 'rho' } });
  const pv = plain.meta.interventions[0]!;
  assert.equal(plain.meta.settings['strength_rule'], 'rho');
  assert.ok(Math.abs(pv.default_strength - DEFAULT_FRACTION * rho) < 1e-6 * rho);
  assert.ok(Math.abs(pv.strength_range[1] - RANGE_FRACTION * rho) < 1e-6 * rho);
});

test('calibration gives up (null) on a direction the model ignores and on empty input', async () => {
  const m = await loadModel(STORIES);
  const negatives = tokenizeExamples(m.tokenizer!, loadConceptData(DATA).examples.filter((e) => e.label === 0));
  // ρ so small that even the largest grid strength barely moves the output.
  const u = new Float32Array(m.model.arch.hidden).fill(1 / Math.sqrt(m.model.arch.hidden));
  assert.equal(calibrateStrength(m.model, negatives, SITE, u, 1e-4), null);
  assert.equal(calibrateStrength(m.model, [], SITE, u, 5), null);
});
