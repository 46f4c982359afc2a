// Steer2Edit's source steering vector v = post⁺ − post⁻ is computed from the projections' mean
// inputs (W x̄⁺ − W x̄⁻, by linearity). Checked here against the outputs read directly at
// layers.N.attn.out and mlp.out, averaged over the same response windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../../src/models/load.js';
import { Hooks } from '../../../src/models/hooks.js';
import { noGrad } from '../../../src/tensor/tape.js';
import { tidy } from '../../../src/tensor/scope.js';
import { fromStorage } from '../../../src/tensor/tensor.js';
import { tokenizeExamples } from '../../../src/activations/tokenize.js';
import { responseWindow } from '../../../src/methods/steer2edit/collect.js';
import { parseConceptData } from '../../../src/data/concept-data.js';
import { steer2editSourceVectors, sourceSteering } from '../../../src/organism/claims/steer2edit-source.js';

const STORIES = new URL('../../../../models/stories260K/', import.meta.url).pathname;

test('stories260K: each source vector equals the class-mean difference of the site\'s output over response tokens', async () => {
  const m = await loadModel(STORIES);
  const data = parseConceptData([
    { prompt: 'Once upon a time', positive: ' there was a dog who liked to run.', negative: ' there was a cat who liked to sleep.' },
    { prompt: 'Tom had a', positive: ' big dog named Max.', negative: ' small red ball.' },
    { prompt: 'The girl saw', positive: ' a happy dog in the park.', negative: ' a tall tree in the park.' },
  ], 'dog pairs');
  const vs = steer2editSourceVectors(m.model, m.tokenizer!, data, { layers: [1, 3] }, false);
  assert.deepEqual(vs.map((x) => x.site), ['layers.1.attn.out', 'layers.1.mlp.out', 'layers.3.attn.out', 'layers.3.mlp.out']);
  const toks = tokenizeExamples(m.tokenizer!, data.examples, { chat: false });
  const d = m.model.arch.hidden;
  for (const { site, v } of vs) {
    const sum = { 1: new Float64Array(d), 0: new Float64Array(d) } as Record<number, Float64Array>;
    const count = { 1: 0, 0: 0 } as Record<number, number>;
    toks.forEach((t, i) => {
      const label = data.examples[i]!.label;
      const [a, b] = responseWindow(t);
      const mean = new Float64Array(d);
      tidy(() => noGrad(() => {
        const hooks = new Hooks();
        hooks.add(site, (h) => {
          const x = h.toFloat('f32').data as Float32Array;
          for (let p = a; p < b; p++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[p * d + j]! / (b - a);
        });
        m.model.forward(fromStorage(Int32Array.from(t.ids), [1, t.ids.length], 'i32'), { hooks });
      }));
      for (let j = 0; j < d; j++) sum[label]![j] = sum[label]![j]! + mean[j]!;
      count[label]!++;
    });
    let err = 0;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const ref = sum[1]![j]! / count[1]! - sum[0]![j]! / count[0]!;
      err = Math.max(err, Math.abs(ref - v[j]!));
      norm = Math.max(norm, Math.abs(ref));
    }
    assert.ok(err < 1e-3 * norm + 1e-5, `${site}: max error ${err} against max |v| ${norm}`);
  }
  const ivs = sourceSteering(vs, 0.5);
  assert.deepEqual(ivs.map((iv) => [iv.site, iv.strength]), vs.map((x) => [x.site, 0.5]));
});
