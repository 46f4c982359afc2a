// Parity of every supported architecture with an independent PyTorch reference: tiny random
// checkpoints in Hugging Face layout (test/fixtures/parity/<arch>-<f32|bf16>/, made by
// test/fixtures/gen/make_parity.py) are loaded through loadModel like any model; the full-forward
// logits must match the reference's and greedy decoding (KV cache) must match token for token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { generate } from '../../src/generate/generate.js';
import { fromStorage, noGrad } from '../../src/index.js';
import { nativeBackend, withBackend, type BackendName } from '../../src/backend/registry.js';

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;

interface Parity {
  model_type: string;
  weights_dtype: 'f32' | 'bf16';
  input_ids: number[][];
  logits_file: string;
  logits_shape: [number, number, number];
  max_abs_logit: number;
  prompts: number[][];
  greedy_tokens: number[][];
  /** Where a batch decodes differently from its rows alone (dynamic NTK follows the longest row). */
  batch_greedy_tokens?: number[][];
}

/** Max |logit − reference| allowed, relative to the logit scale (docs: design/models.md, Parity). */
const TOLERANCE = { f32: 1e-4, bf16: 2e-2 } as const;

const fixtures = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(ROOT, d.name, 'parity.json')))
  .map((d) => d.name)
  .sort();

const backends: BackendName[] = nativeBackend() ? ['reference', 'native'] : ['reference'];

test('parity fixtures cover every architecture in both weight dtypes, and the yarn and dynamic rope scalings', () => {
  const want = ['gemma2', 'gemma3_text', 'gpt2', 'llama', 'mistral', 'qwen2', 'qwen3'].flatMap((a) => [`${a}-bf16`, `${a}-f32`]);
  want.push('qwen3-yarn-f32', 'llama-dynamic-f32');
  assert.deepEqual(fixtures, want.sort());
});

for (const name of fixtures) {
  const dir = join(ROOT, name);
  const ref = JSON.parse(readFileSync(join(dir, 'parity.json'), 'utf8')) as Parity;
  let loaded: Promise<LoadedModel> | null = null;
  const load = (): Promise<LoadedModel> => (loaded ??= loadModel(dir));

  test(`${name}: full-forward logits match the reference`, async () => {
    const { model, config } = await load();
    assert.equal(config.modelType, ref.model_type);
    const [B, T, V] = ref.logits_shape;
    const buf = readFileSync(join(dir, ref.logits_file));
    const want = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    assert.equal(want.length, B * T * V);
    const ids = fromStorage(Int32Array.from(ref.input_ids.flat()), [B, T], 'i32');
    const bound = TOLERANCE[ref.weights_dtype] * Math.max(1, ref.max_abs_logit);
    for (const backend of backends) {
      const got = withBackend(backend, () => noGrad(() => model.forward(ids)));
      assert.deepEqual(got.shape, [B, T, V]);
      const g = got.f;
      let worst = 0;
      let at = 0;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(g[i]! - want[i]!);
        if (!(d <= worst)) [worst, at] = [d, i]; // NaN counts as worst
      }
      const where = `b=${Math.floor(at / (T * V))} t=${Math.floor(at / V) % T} v=${at % V}`;
      assert.ok(worst <= bound, `${name} (${backend}): max |Δlogit| ${worst.toExponential(3)} at ${where} > ${bound.toExponential(3)} (scale ${ref.max_abs_logit.toFixed(3)})`);
    }
  });

  test(`${name}: 32 greedy tokens match the reference, one prompt at a time`, async () => {
    const { model } = await load();
    ref.prompts.forEach((p, i) => {
      const [out] = generate(model, [p], { maxTokens: ref.greedy_tokens[i]!.length, eosTokenIds: [] });
      assert.deepEqual(out!.tokens, ref.greedy_tokens[i], `${name}: prompt ${i} [${p}]`);
    });
  });

  test(`${name}: greedy tokens match the reference in a left-padded batch`, async () => {
    const { model } = await load();
    const outs = generate(model, ref.prompts, { maxTokens: ref.greedy_tokens[0]!.length, eosTokenIds: [] });
    assert.deepEqual(outs.map((o) => o.tokens), ref.batch_greedy_tokens ?? ref.greedy_tokens);
  });
}
