#!/usr/bin/env node
// Side-by-side throughput against llama.cpp, in one run, same threads: steerling's prefill and
// decode (the calls of `steerling bench forward`) against llama.cpp's on the same checkpoint,
// converted to GGUF (F16, BF16, F32) by steerling's own writer (src/export/gguf-model.ts).
// llama.cpp is npm's node-llama-cpp, pinned, with its prebuilt binaries (npm packages such as
// @node-llama-cpp/linux-x64): installed with --ignore-scripts into a folder under the system's
// temporary folder, outside the project, and reused from there; nothing is downloaded from
// elsewhere or built, and it is no dependency of steerling. Run after `npm install` (dist built):
//
//   node bench/compare-llamacpp.mjs [--model DIR] [--tokens 256] [--decode 32] [--rounds 3]
//                                   [--threads 2] [--types f16,bf16,f32]
//
// Without --model the checkpoint is bench/make-random-llama.mjs's smollm2-135m preset (random bf16
// weights shaped like SmolLM2-135M), made once in the temporary folder. Each round runs every
// engine in a fresh process, one after the other (steerling, then each GGUF type); the JSON gives
// the median over rounds of each engine's best of 3 repeats within a round, and the machine's
// load average, since a shared machine's other jobs move these figures.
// What is timed, on both sides:
//   prefill: one forward over TOKENS random ids, logits at the last position only (what llama.cpp
//            computes; steerling's all-position figure, as `bench forward` reports it, is beside it);
//   decode:  greedy generation after a 16-token prompt, the time between the first and the last of
//            DECODE + 1 generated tokens over DECODE steps.
// Before timing, the converter is checked: stories260K's F32 GGUF must continue greedily from BOS
// exactly as steerling does (64 tokens) and tokenize a sentence to the same ids; `agree` says so,
// and a mismatch exits 1 after printing the JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NODE_LLAMA_CPP = '3.21.1';
const PROMPT_TOKENS = 16;
const REPEATS = 3;
const AGREE_TOKENS = 64;
const AGREE_TEXT = 'Once upon a time, there was a little girl named Lily. She loved to play outside.';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(root, 'dist/src', p)).href;
const stories = path.join(root, 'models/stories260K');

// ---- workers: each engine runs in a process of its own --------------------------------------

async function steerlingWorker(a) {
  const { loadModel } = await import(dist('models/load.js'));
  const { generate } = await import(dist('generate/generate.js'));
  const { fromStorage } = await import(dist('tensor/tensor.js'));
  const { noGrad } = await import(dist('tensor/tape.js'));
  const { tidy } = await import(dist('tensor/scope.js'));
  const { nativeBackend } = await import(dist('backend/registry.js'));
  const { fusedDecodeStats } = await import(dist('models/fused-decode.js'));
  const loaded = await loadModel(a.model);
  const m = loaded.model;
  const out = { isa: nativeBackend()?.isa ?? null, threads: nativeBackend()?.addon.getThreads() ?? 1 };
  if (a.greedyFrom) {
    const [g] = generate(m, [a.greedyFrom], { maxTokens: a.greedyTokens });
    out.greedy = g.tokens;
    out.tokenized = loaded.tokenizer ? loaded.tokenizer.encode(a.text, { addSpecialTokens: false }) : null;
    return out;
  }
  const input = fromStorage(Int32Array.from(a.ids), [1, a.ids.length], 'i32');
  const best = (fn) => {
    fn();
    let b = Infinity;
    for (let i = 0; i < REPEATS; i++) {
      const t = performance.now();
      fn();
      b = Math.min(b, performance.now() - t);
    }
    return b / 1000;
  };
  out.prefill_tok_s = a.ids.length / best(() => tidy(() => void noGrad(() => m.forward(input, { lastOnly: true }))));
  out.prefill_all_logits_tok_s = a.ids.length / best(() => tidy(() => void noGrad(() => m.forward(input))));
  const before = fusedDecodeStats.calls;
  let step = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const stamps = [];
    const [g] = generate(m, [a.ids.slice(0, PROMPT_TOKENS)], { maxTokens: a.decode + 1, onToken: () => stamps.push(performance.now()) });
    step = Math.min(step, (stamps[stamps.length - 1] - stamps[0]) / 1000 / (stamps.length - 1));
    out.generated = g.tokens;
  }
  out.decode_tok_s = 1 / step;
  out.decode_path = fusedDecodeStats.calls > before ? 'fused' : 'op-by-op';
  return out;
}

async function llamaWorker(a) {
  const { getLlama, LlamaLogLevel } = await import(pathToFileURL(path.join(a.nlc, 'node_modules/node-llama-cpp/dist/index.js')).href);
  const logs = [];
  const llama = await getLlama({
    gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, progressLogs: false,
    maxThreads: a.threads, logLevel: LlamaLogLevel.debug, logger: (_level, msg) => logs.push(msg),
  });
  try {
    const model = await llama.loadModel({ modelPath: a.gguf, gpuLayers: 0 });
    const n = Math.max(a.ids?.length ?? 0, PROMPT_TOKENS + (a.decode ?? 0) + 1, (a.greedyTokens ?? 0) + 1);
    const ctx = await model.createContext({ contextSize: n + 16, batchSize: Math.max(a.ids?.length ?? 0, 64), threads: a.threads, sequences: 1 });
    const seq = ctx.getSequence();
    const backend = logs.map((l) => /libggml-cpu-([\w-]+)\.so/.exec(l)?.[1]).find(Boolean) ?? null;
    const out = { cpu_backend: backend, system_info: llama.systemInfo.trim(), threads: ctx.currentThreads, flash_attention: ctx.flashAttention, llama_cpp_release: llama.llamaCppRelease?.release ?? null };
    const greedy = async (prompt, count, stamps) => {
      await seq.clearHistory();
      const got = [];
      for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
        stamps?.push(performance.now());
        got.push(t);
        if (got.length >= count) break;
      }
      return got;
    };
    if (a.greedyFrom) {
      out.greedy = await greedy(a.greedyFrom, a.greedyTokens);
      out.tokenized = [...model.tokenize(a.text)];
      return out;
    }
    let prefill = Infinity;
    for (let r = 0; r <= REPEATS; r++) {
      await seq.clearHistory();
      const t = performance.now();
      await seq.evaluateWithoutGeneratingNewTokens(a.ids);
      if (r > 0) prefill = Math.min(prefill, performance.now() - t); // the first is the warm-up, as in bench forward
    }
    out.prefill_tok_s = a.ids.length / (prefill / 1000);
    let step = Infinity;
    for (let r = 0; r < REPEATS; r++) {
      const stamps = [];
      out.generated = await greedy(a.ids.slice(0, PROMPT_TOKENS), a.decode + 1, stamps);
      step = Math.min(step, (stamps[stamps.length - 1] - stamps[0]) / 1000 / (stamps.length - 1));
    }
    out.decode_tok_s = 1 / step;
    return out;
  } finally {
    await llama.dispose();
  }
}

async function convertWorker(a) {
  const { writeLlamaGGUF } = await import(dist('export/gguf-model.js'));
  return writeLlamaGGUF(a.model, a.out, a.type);
}

const WORKERS = { steerling: steerlingWorker, llama: llamaWorker, convert: convertWorker };

// ---- the run ----------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { model: null, tokens: 256, decode: 32, rounds: 3, threads: 2, types: ['f16', 'bf16'] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--model') o.model = path.resolve(v);
    else if (k === '--types') o.types = v.split(',');
    else if (['--tokens', '--decode', '--rounds', '--threads'].includes(k)) {
      const n = Number(v);
      if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${k} must be a positive integer, got "${v}"`);
      o[k.slice(2)] = n;
    } else throw new Error(`unknown option ${k} (see the comment at the top of bench/compare-llamacpp.mjs)`);
  }
  for (const t of o.types) if (!['f16', 'bf16', 'f32'].includes(t)) throw new Error(`--types: "${t}" is not one of f16, bf16, f32`);
  if (o.tokens < PROMPT_TOKENS) throw new Error(`--tokens must be at least ${PROMPT_TOKENS} (the decode prompt is its first ${PROMPT_TOKENS})`);
  return o;
}

function worker(name, args, env = {}) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', name, JSON.stringify(args)], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${name} worker failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The prebuilt package of node-llama-cpp for this platform (its CPU build). */
function platformPackage() {
  const name = { 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'darwin-arm64': 'mac-arm64-metal', 'darwin-x64': 'mac-x64', 'win32-x64': 'win-x64', 'win32-arm64': 'win-arm64' }[`${process.platform}-${process.arch}`];
  if (!name) throw new Error(`node-llama-cpp has no prebuilt package for ${process.platform}-${process.arch}`);
  return `@node-llama-cpp/${name}`;
}

/** node-llama-cpp, pinned, in the temporary folder: reused when a previous run installed it. */
function installLlamaCpp() {
  const dir = path.join(os.tmpdir(), `steerling-node-llama-cpp-${NODE_LLAMA_CPP}`);
  if (existsSync(path.join(dir, 'installed.json'))) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const deps = { 'node-llama-cpp': NODE_LLAMA_CPP, [platformPackage()]: NODE_LLAMA_CPP };
  writeFileSync(path.join(partial, 'package.json'), JSON.stringify({ private: true, dependencies: deps }, null, 1));
  process.stderr.write(`installing node-llama-cpp ${NODE_LLAMA_CPP} into ${dir} (npm, --ignore-scripts)\n`);
  // --omit=optional: node-llama-cpp lists every platform's build (CUDA and Vulkan ones too) as
  // optional; only this platform's CPU build, named above, is wanted.
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--omit=optional', '--no-audit', '--no-fund', '--prefix', partial], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`npm install of node-llama-cpp ${NODE_LLAMA_CPP} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }
  writeFileSync(path.join(partial, 'installed.json'), JSON.stringify(deps));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

function benchmarkModel(given) {
  if (given) {
    if (!existsSync(path.join(given, 'config.json'))) throw new Error(`--model ${given}: no config.json there`);
    return given;
  }
  const dir = path.join(os.tmpdir(), 'steerling-bench-smollm2-135m-random');
  if (!existsSync(path.join(dir, 'generation_config.json'))) {
    process.stderr.write(`making ${dir}\n`);
    const r = spawnSync(process.execPath, [path.join(root, 'bench/make-random-llama.mjs'), dir, 'smollm2-135m'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('bench/make-random-llama.mjs failed');
  }
  return dir;
}

/** Deterministic token ids in [3, vocab) (mulberry32, seed 0): the same for both engines. */
function randomIds(n, vocab) {
  let s = 0;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, () => 3 + Math.floor(next() * (vocab - 3)));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x) => Math.round(x * 100) / 100;
const samePrefix = (a, b) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

function machine() {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  return {
    cpu_model: os.cpus()[0]?.model ?? null,
    logical_cpus: os.cpus().length,
    avx2: flags.has('avx2'), fma: flags.has('fma'), avx512f: flags.has('avx512f'), avx512_bf16: flags.has('avx512_bf16'),
  };
}

/** stories260K through both engines: the converter's layout, RoPE order and vocabulary. */
function checkAgreement(nlc, ggufDir, threads) {
  const base = { greedyFrom: [1], greedyTokens: AGREE_TOKENS, text: AGREE_TEXT };
  const ours = worker('steerling', { ...base, model: stories }, { STEERLING_THREADS: String(threads) });
  const out = { model: 'models/stories260K', tokens: AGREE_TOKENS, from: 'BOS' };
  for (const type of ['f32', 'f16', 'bf16']) {
    const gguf = path.join(ggufDir, `stories260K-${type}.gguf`);
    worker('convert', { model: stories, out: gguf, type });
    const theirs = worker('llama', { ...base, nlc, gguf, threads });
    out[type] = { greedy_same_prefix: samePrefix(ours.greedy, theirs.greedy), tokenizer_agree: JSON.stringify(ours.tokenized) === JSON.stringify(theirs.tokenized) };
  }
  // F32 is the same arithmetic up to summation order: any difference there is the converter's.
  // F16/BF16 round stories260K's f32 weights, so their continuations may part later (reported).
  out.agree = out.f32.greedy_same_prefix === AGREE_TOKENS && out.f32.tokenizer_agree;
  return out;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(root, 'dist/src/export/gguf-model.js'))) throw new Error('dist/ is missing or old: run `npx tsc -p tsconfig.json` (or `npm install`) first');
  const started = new Date().toISOString();
  const load = [os.loadavg()];
  const nlc = installLlamaCpp();
  const nlcVersion = JSON.parse(readFileSync(path.join(nlc, 'node_modules/node-llama-cpp/package.json'), 'utf8')).version;
  const model = benchmarkModel(o.model);
  const config = JSON.parse(readFileSync(path.join(model, 'config.json'), 'utf8'));
  const ggufDir = mkdtempSync(path.join(os.tmpdir(), 'steerling-gguf-'));
  try {
    process.stderr.write('checking the converter on stories260K\n');
    const agreement = checkAgreement(nlc, ggufDir, o.threads);
    const ggufs = {};
    for (const type of o.types) {
      ggufs[type] = path.join(ggufDir, `model-${type}.gguf`);
      process.stderr.write(`converting ${model} to ${type.toUpperCase()} GGUF\n`);
      worker('convert', { model, out: ggufs[type], type });
    }
    const ids = randomIds(o.tokens, config.vocab_size);
    const env = { STEERLING_THREADS: String(o.threads) };
    const runs = { steerling: [], ...Object.fromEntries(o.types.map((t) => [t, []])) };
    for (let r = 0; r < o.rounds; r++) {
      process.stderr.write(`round ${r + 1}/${o.rounds}: steerling\n`);
      runs.steerling.push(worker('steerling', { model, ids, decode: o.decode }, env));
      for (const type of o.types) {
        process.stderr.write(`round ${r + 1}/${o.rounds}: llama.cpp ${type.toUpperCase()}\n`);
        runs[type].push(worker('llama', { nlc, gguf: ggufs[type], ids, decode: o.decode, threads: o.threads }));
      }
      load.push(os.loadavg());
    }
    const figures = (rs, keys) => Object.fromEntries(keys.map((k) => [k, round2(median(rs.map((x) => x[k])))]));
    const s = runs.steerling;
    const steerling = {
      isa: s[0].isa, threads: s[0].threads, decode_path: s[0].decode_path,
      ...figures(s, ['prefill_tok_s', 'prefill_all_logits_tok_s', 'decode_tok_s']),
      rounds: s.map((x) => ({ prefill_tok_s: round2(x.prefill_tok_s), prefill_all_logits_tok_s: round2(x.prefill_all_logits_tok_s), decode_tok_s: round2(x.decode_tok_s) })),
    };
    const first = runs[o.types[0]][0];
    const llamacpp = {
      package: `node-llama-cpp ${nlcVersion} (${platformPackage()})`, llama_cpp_release: first.llama_cpp_release,
      cpu_backend: first.cpu_backend, system_info: first.system_info, threads: first.threads, flash_attention: first.flash_attention,
    };
    const ratios = {};
    for (const type of o.types) {
      const rs = runs[type];
      llamacpp[type] = {
        ...figures(rs, ['prefill_tok_s', 'decode_tok_s']),
        gguf_bytes: statSync(ggufs[type]).size,
        // Greedy tokens after the decode prompt, steerling's against llama.cpp's (random weights
        // leave near-ties, so they may part; F32 and the checkpoint's own type stay longest).
        decode_tokens_same_prefix: samePrefix(s[0].generated, rs[0].generated),
        rounds: rs.map((x) => ({ prefill_tok_s: round2(x.prefill_tok_s), decode_tok_s: round2(x.decode_tok_s) })),
      };
      ratios[`prefill_vs_${type}`] = round2(steerling.prefill_tok_s / llamacpp[type].prefill_tok_s);
      ratios[`decode_vs_${type}`] = round2(steerling.decode_tok_s / llamacpp[type].decode_tok_s);
    }
    const result = {
      started, machine: { ...machine(), loadavg_1_5_15: load.map((l) => l.map(round2)) },
      checkpoint: {
        model, preset: o.model ? null : 'smollm2-135m (random bf16)', model_type: config.model_type, torch_dtype: config.torch_dtype ?? null,
        hidden: config.hidden_size, layers: config.num_hidden_layers, heads: config.num_attention_heads, kv_heads: config.num_key_value_heads, vocab: config.vocab_size,
        weight_bytes: statSync(path.join(model, 'model.safetensors')).size,
      },
      tokens: o.tokens, prompt_tokens: PROMPT_TOKENS, decode_tokens: o.decode, threads: o.threads, rounds: o.rounds, repeats_per_round: REPEATS,
      steerling, llamacpp, ratios, agreement, agree: agreement.agree,
    };
    console.log(JSON.stringify(result, null, 1));
    if (!result.agree) {
      process.stderr.write(`MISMATCH: stories260K through llama.cpp (F32 GGUF) does not match steerling: ${JSON.stringify(agreement.f32)}\n`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(ggufDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') {
  const fn = WORKERS[process.argv[3]];
  console.log(JSON.stringify(await fn(JSON.parse(process.argv[4]))));
} else {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`compare-llamacpp: ${e.message}\n`);
    process.exit(1);
  }
}
