#!/usr/bin/env node
// Where one thread beats two for the fused decode step: for each model, decode time per token with
// the pool at 1 and at 2 threads, alternated over ROUNDS rounds in one process (so both see the
// same machine), with the one-thread rule switched off (STEERLING_FUSED_MIN_PARALLEL=0). Prints one
// JSON line per model: weights read per token, median ms per token at 1 and 2 threads, and the
// rounds 2 threads won. The default threshold in native/src/decode_step.cc comes from this.
//
//   node bench/fused-threads.mjs MODEL_DIR [MODEL_DIR ...]     (ROUNDS=15, TOKENS=64)
// (checkpoints of chosen sizes: node bench/make-random-llama.mjs DIR s2|s4|s8|s20)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.STEERLING_FUSED_MIN_PARALLEL = '0';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadModel } = await import(path.join(root, 'dist/src/models/load.js'));
const { generate } = await import(path.join(root, 'dist/src/generate/generate.js'));
const { nativeBackend } = await import(path.join(root, 'dist/src/backend/registry.js'));
const addon = nativeBackend()?.addon;
if (!addon) throw new Error('the native backend did not load');
const rounds = Number(process.env.ROUNDS ?? 15);
const tokens = Number(process.env.TOKENS ?? 64);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const dir of process.argv.slice(2)) {
  const m = (await loadModel(dir)).model;
  const a = m.arch;
  const qn = a.heads * a.headDim, kn = a.kvHeads * a.headDim;
  const weights = a.layers * (a.hidden * (qn + 2 * kn) + qn * a.hidden + 3 * a.hidden * a.intermediate) + a.vocab * a.hidden;
  const prompt = Array.from({ length: 8 }, (_, i) => 3 + i);
  const time = (threads) => {
    addon.setThreads(threads);
    const stamps = [];
    generate(m, [prompt], { maxTokens: tokens + 1, onToken: () => stamps.push(performance.now()) });
    return (stamps.at(-1) - stamps[0]) / (stamps.length - 1);
  };
  time(1); time(2);
  const ms = { 1: [], 2: [] };
  let wins = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [2, 1] : [1, 2];
    const t = {};
    for (const n of order) ms[n].push((t[n] = time(n)));
    if (t[2] < t[1]) wins++;
  }
  console.log(JSON.stringify({ model: dir, weights_per_token: weights, ms_1_thread: +median(ms[1]).toFixed(4), ms_2_threads: +median(ms[2]).toFixed(4), two_threads_won: `${wins}/${rounds}` }));
}
