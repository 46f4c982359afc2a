// The fused native decode step (src/models/fused-decode.ts) against the op-by-op path on the tiny
// llama-family parity checkpoints: the same logits at every decode step (within the parity
// tolerances; the same bits up to 64 cached keys, since both run the same kernels), the same
// greedy tokens as the PyTorch reference, and fusion stepping aside wherever something could observe it: a hook
// at a layer's sites (that layer runs op by op, and the hook still sees and changes the values),
// a hook at final_norm, batches, the tape and the reference backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { generate } from '../../src/generate/generate.js';
import { Hooks } from '../../src/models/hooks.js';
import { DecoderModel } from '../../src/models/decoder.js';
import type { Linear, Norm } from '../../src/models/arch.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { fromStorage, noGrad, tensor, ops } from '../../src/index.js';
import { nativeBackend, withBackend } from '../../src/backend/registry.js';
import { fusedDecodeStats, setFusedDecode } from '../../src/models/fused-decode.js';

// These checkpoints are far below the size where a step runs on one thread (decode_step.cc,
// min_parallel_weights): switch that rule off so the pool's threads share every step here, as they
// do for real models. The native side reads this at the first fused step, after this line.
process.env['STEERLING_FUSED_MIN_PARALLEL'] = '0';

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const TOLERANCE = { f32: 1e-4, bf16: 2e-2 } as const;
const skip = nativeBackend() ? false : 'the native addon is not built';

const models = new Map<string, Promise<LoadedModel>>();
const load = (name: string) => {
  if (!models.has(name)) models.set(name, loadModel(join(ROOT, name)));
  return models.get(name)!;
};

/** Runs fn with fusion on or off, restoring the previous setting. */
function fused<T>(on: boolean, fn: () => T): T {
  const prev = setFusedDecode(on);
  try {
    return fn();
  } finally {
    setFusedDecode(prev);
  }
}

/** Greedy decode by hand: the last-position logits of the prefill and of every decode step. */
function stepLogits(model: DecoderModel, prompt: number[], steps: number, hooks: Hooks | null = null): Float32Array[] {
  const cache = model.newCache(1, 4); // small, so the cache grows during the run
  const out: Float32Array[] = [];
  noGrad(() => {
    let ids = fromStorage(Int32Array.from(prompt), [1, prompt.length], 'i32');
    for (let s = 0; s <= steps; s++) {
      const f = Float32Array.from(model.forward(ids, { cache, hooks, lastOnly: true, phase: s === 0 ? 'prefill' : 'decode' }).f);
      out.push(f);
      let best = 0;
      for (let i = 1; i < f.length; i++) if (f[i]! > f[best]!) best = i;
      ids = fromStorage(Int32Array.from([best]), [1, 1], 'i32');
    }
  });
  return out;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((x, s) => x.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[s]![i]!)))));
  return worst;
}

// qwen3-yarn: YaRN's attention factor rides in the fused step's attention scale.
const fusedNames = [...['llama', 'mistral', 'qwen2', 'qwen3'].flatMap((a) => [`${a}-f32`, `${a}-bf16`]), 'qwen3-yarn-f32'];
for (const name of fusedNames) {
  const dtype = name.endsWith('bf16') ? 'bf16' : 'f32';
  test(`${name}: fused decode gives the op-by-op logits at every step and the reference's greedy tokens`, { skip }, async (t) => {
    const { model } = await load(name);
    const ref = JSON.parse(readFileSync(join(ROOT, name, 'parity.json'), 'utf8')) as { max_abs_logit: number; prompts: number[][]; greedy_tokens: number[][] };
    const before = fusedDecodeStats.layers;
    const prompt = ref.prompts[0]!;
    // 70 steps: past 64 cached keys the op-by-op attention splits the keys over threads (the
    // fused step does not), so the two differ in rounding there.
    const want = fused(false, () => stepLogits(model, prompt, 70));
    const got = fused(true, () => stepLogits(model, prompt, 70));
    assert.equal(fusedDecodeStats.layers - before, 70 * model.arch.layers, 'every decode step ran every layer fused');
    const worst = maxDiff(got, want);
    t.diagnostic(`max |Δlogit| fused vs op by op: ${worst}`);
    assert.ok(worst <= TOLERANCE[dtype] * Math.max(1, ref.max_abs_logit), `max |Δlogit| ${worst}`);
    fused(true, () =>
      ref.prompts.forEach((p, i) => {
        const [o] = generate(model, [p], { maxTokens: ref.greedy_tokens[i]!.length, eosTokenIds: [] });
        assert.deepEqual(o!.tokens, ref.greedy_tokens[i], `prompt ${i}`);
      }),
    );
  });
}

test('dynamic NTK: fused decode up to the original length, op by op past it (the frequencies change per step)', { skip }, async () => {
  const { model } = await load('llama-dynamic-f32');
  const ref = JSON.parse(readFileSync(join(ROOT, 'llama-dynamic-f32', 'parity.json'), 'utf8')) as { max_abs_logit: number; prompts: number[][]; greedy_tokens: number[][] };
  const prompt = ref.prompts[0]!; // 5 tokens; max_position_embeddings 8
  const before = fusedDecodeStats.layers;
  const want = fused(false, () => stepLogits(model, prompt, 40));
  const got = fused(true, () => stepLogits(model, prompt, 40));
  // Decode steps at positions 5, 6 and 7 (sequence lengths up to 8) are fused; later ones are not.
  assert.equal(fusedDecodeStats.layers - before, 3 * model.arch.layers);
  assert.ok(maxDiff(got, want) <= TOLERANCE.f32 * Math.max(1, ref.max_abs_logit));
});

test('fused decode keeps the bits at every thread count, oversubscribed ones included', { skip }, async () => {
  // More threads than cores: pool threads start late or get descheduled mid-step, so a thread
  // runs ahead by whole phases, reserves pieces while it waits, or a late one passes through
  // finished phases; none of it may change a bit. (Up to 64 cached keys the op-by-op path runs
  // the same kernels, so the logits must be equal, not just close.)
  const addon = nativeBackend()!.addon as unknown as { getThreads(): number; setThreads(n: number): void };
  const threads = addon.getThreads();
  try {
    for (const name of ['llama-bf16', 'qwen3-bf16', 'qwen2-f32']) {
      const { model } = await load(name);
      const want = fused(false, () => stepLogits(model, [1, 6, 2, 9], 40));
      for (const n of [1, 2, 3, 5]) {
        addon.setThreads(n);
        const got = fused(true, () => stepLogits(model, [1, 6, 2, 9], 40));
        assert.equal(maxDiff(got, want), 0, `${name}, ${n} threads`);
        assert.equal(fusedDecodeStats.lastThreads, n, `${name}: all ${n} pool threads shared the step`);
      }
      addon.setThreads(threads);
    }
  } finally {
    addon.setThreads(threads);
  }
});

test('a hook at a layer keeps that layer op by op, and still reads and writes it', { skip }, async () => {
  const { model } = await load('llama-f32');
  const prompt = [1, 7, 11, 19];
  const D = model.arch.hidden;
  const shift = tensor(Float32Array.from({ length: D }, (_, i) => Math.sin(i) * 0.5), [D]);
  const run = (on: boolean) => {
    const seen: number[] = [];
    const hooks = new Hooks();
    hooks.add('layers.1.attn.z', (z) => void seen.push(z.f[0]!));
    hooks.add('layers.1.resid_post', (h) => ops.add(h, shift));
    const before = { ...fusedDecodeStats };
    const logits = fused(on, () => stepLogits(model, prompt, 12, hooks));
    return { logits, seen, calls: fusedDecodeStats.calls - before.calls, layers: fusedDecodeStats.layers - before.layers, heads: fusedDecodeStats.heads - before.heads };
  };
  const off = run(false);
  const on = run(true);
  assert.equal(on.calls, 12, 'layer 0 ran fused at every decode step');
  assert.equal(on.layers, 12, 'layer 1 (hooked) never ran fused');
  assert.equal(on.heads, 0, 'the head follows layer 1 op by op');
  assert.equal(on.seen.length, 13, 'the reading hook saw the prefill and every decode step');
  assert.deepEqual(on.seen, off.seen);
  assert.ok(maxDiff(on.logits, off.logits) <= 1e-4 * 10);
  const plain = fused(true, () => stepLogits(model, prompt, 12));
  assert.ok(maxDiff(on.logits, plain) > 1e-3, 'the writing hook changed the logits');
});

test('a hook at final_norm keeps the head op by op; the layers still fuse', { skip }, async () => {
  const { model } = await load('qwen3-bf16');
  const hooks = new Hooks();
  let calls = 0;
  hooks.add('final_norm', (h) => {
    calls++;
    return ops.scale(h, 0.5);
  });
  const before = { ...fusedDecodeStats };
  const on = fused(true, () => stepLogits(model, [1, 4, 9], 8, hooks));
  assert.equal(fusedDecodeStats.layers - before.layers, 8 * model.arch.layers);
  assert.equal(fusedDecodeStats.heads - before.heads, 0);
  assert.equal(calls, 9);
  const off = fused(false, () => stepLogits(model, [1, 4, 9], 8, hooks));
  assert.ok(maxDiff(on, off) <= 2e-2 * 10);
});

test('batches, the tape and the reference backend never take the fused path', { skip }, async () => {
  const { model } = await load('llama-bf16');
  const ref = JSON.parse(readFileSync(join(ROOT, 'llama-bf16', 'parity.json'), 'utf8')) as { prompts: number[][]; greedy_tokens: number[][] };
  const before = fusedDecodeStats.calls;
  const outs = fused(true, () => generate(model, ref.prompts, { maxTokens: ref.greedy_tokens[0]!.length, eosTokenIds: [] }));
  assert.deepEqual(outs.map((o) => o.tokens), ref.greedy_tokens);
  // With the tape on (no noGrad), a decode-shaped forward runs op by op.
  const cache = model.newCache(1);
  fused(true, () => {
    model.forward(fromStorage(Int32Array.from([1, 5]), [1, 2], 'i32'), { cache });
    model.forward(fromStorage(Int32Array.from([7]), [1, 1], 'i32'), { cache });
  });
  withBackend('reference', () => fused(true, () => generate(model, [ref.prompts[0]!], { maxTokens: 4, eosTokenIds: [] })));
  assert.equal(fusedDecodeStats.calls, before);
});

test('f16 weights: fused decode gives the op-by-op logits', { skip }, async () => {
  const { model } = await load('qwen2-f32');
  // The same checkpoint with every weight in f16 (norms too): a model built by hand.
  const w = model.weights;
  const h = <T extends Tensor | null>(t: T): T => (t ? (t.cast('f16') as T) : t);
  const lin = (l: Linear): Linear => ({ w: h(l.w), b: h(l.b) });
  const norm = (n: Norm): Norm => ({ w: h(n.w), b: n.b });
  const f16 = new DecoderModel(model.arch, {
    embed: h(w.embed),
    posEmbed: null,
    layers: w.layers.map((L) => ({
      inputNorm: norm(L.inputNorm), q: lin(L.q), k: lin(L.k), v: lin(L.v), o: lin(L.o), qNorm: L.qNorm && norm(L.qNorm), kNorm: L.kNorm && norm(L.kNorm),
      postAttnNorm: null, mlpNorm: norm(L.mlpNorm), gate: L.gate && lin(L.gate), up: lin(L.up), down: lin(L.down), postMlpNorm: null,
    })),
    finalNorm: norm(w.finalNorm),
    lmHead: h(w.lmHead),
  });
  assert.equal(f16.weights.layers[0]!.q.w.dtype, 'f16');
  assert.ok(f16.weights.layers[0]!.q.b, 'qwen2 has q/k/v biases');
  const before = fusedDecodeStats.layers;
  const want = fused(false, () => stepLogits(f16, [1, 3, 8, 2], 20));
  const got = fused(true, () => stepLogits(f16, [1, 3, 8, 2], 20));
  assert.equal(fusedDecodeStats.layers - before, 20 * f16.arch.layers);
  assert.ok(maxDiff(got, want) <= 1e-4 * 20, `max |Δlogit| ${maxDiff(got, want)}`);
});
