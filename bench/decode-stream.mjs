#!/usr/bin/env node
// How fast one thread streams a decode step's weights through the matrix–vector kernel (the fused
// step's dot path, m = 1), against a plain read of memory in the same run. The weights are random
// bf16 shaped like a checkpoint's decode step (default: SmolLM2-135M: 30 layers of q, k, v, o,
// gate, up, down, then the tied LM head: 270 MB, far past the L3), multiplied product by product
// in decode order. Each round times, interleaved:
//   read 4k / read huge    the addon's streaming read (streamReadGbs) on 4 KiB pages, and on the
//                          huge pages it now asks for (hugepages.cc); run alone, one thread
//   this 4k / this huge    this checkout's kernel over the weights on 4 KiB / huge pages
//   base 4k / base huge    the same with --baseline's addon (another checkout's build/Release,
//                          e.g. the main branch), loaded into this process beside ours
// and prints each one's median and best GB/s, and per-round ratios (medians), as JSON. Timings on a
// shared machine move with its load, which the JSON records; pin it to one core for steadier figures:
//
//   taskset -c 1 node bench/decode-stream.mjs [--baseline ../main] [--rounds 15] [--layers 30 --d 576 --inter 1536 --heads 9 --kv-heads 3 --vocab 49152]
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const rounds = Number(opt('rounds', 15));
const L = Number(opt('layers', 30)), d = Number(opt('d', 576)), inter = Number(opt('inter', 1536));
const hd = d / Number(opt('heads', 9)), kn = hd * Number(opt('kv-heads', 3)), vocab = Number(opt('vocab', 49152));
const baseline = opt('baseline', null);

const addonAt = (dir) => require(path.join(path.resolve(dir), 'build/Release/steerling_native.node'));
const ours = addonAt(root);
const base = baseline ? addonAt(baseline) : null;
for (const a of [ours, base]) a?.setThreads(1);

// [n, k] of each product of a step, in order.
const shapes = [];
for (let l = 0; l < L; l++) shapes.push([d, d], [kn, d], [kn, d], [d, d], [inter, d], [inter, d], [d, inter]);
shapes.push([vocab, d]);
const elements = shapes.reduce((s, [n, k]) => s + n * k, 0);
const bytes = elements * 2;

// One buffer on 4 KiB pages, one advised huge before it is touched; the same random bits in both.
function weights(huge) {
  const buf = new ArrayBuffer(bytes);
  if (huge) ours.adviseHugePages(buf);
  const u32 = new Uint32Array(buf);
  let s = 12345;
  for (let i = 0; i < u32.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Two bf16 values in [-2, 2): sign, exponent near 1, random mantissa.
    u32[i] = ((s & 0x807f807f) | 0x3f003f00) >>> 0;
  }
  const views = [];
  let off = 0;
  for (const [n, k] of shapes) {
    views.push(new Uint16Array(buf, off * 2, n * k));
    off += n * k;
  }
  return views;
}
const w4k = weights(false), wHuge = weights(true);
const x = Float32Array.from({ length: Math.max(d, inter) }, (_, i) => Math.sin(i));
const out = new Float32Array(vocab);

function pass(addon, views) {
  const t = performance.now();
  for (let i = 0; i < shapes.length; i++) {
    const [n, k] = shapes[i];
    addon.matmul(x, views[i], out, 1, 1, n, k, false, true, 0, 0, 1);
  }
  return bytes / ((performance.now() - t) / 1000) / 1e9;
}
const series = { 'read huge': [], 'this 4k': [], 'this huge': [] };
if (base) Object.assign(series, { 'read 4k (baseline probe)': [], 'base 4k': [], 'base huge': [] });
const load = [os.loadavg()[0]];
for (let r = 0; r < rounds; r++) {
  series['read huge'].push(ours.streamReadGbs(bytes, 1));
  if (base) series['read 4k (baseline probe)'].push(base.streamReadGbs(bytes, 1));
  if (base) series['base 4k'].push(pass(base, w4k));
  series['this 4k'].push(pass(ours, w4k));
  if (base) series['base huge'].push(pass(base, wHuge));
  series['this huge'].push(pass(ours, wHuge));
}
load.push(os.loadavg()[0]);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ratio = (a, b) => median(series[a].map((v, i) => v / series[b][i]));
const result = {
  isa: ours.gemmIsa(),
  cpu: os.cpus()[0]?.model ?? null,
  threads: 1,
  weight_bytes: bytes,
  rounds,
  load_average_1min: load,
  gb_s: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, { median: +median(v).toFixed(2), best: +Math.max(...v).toFixed(2) }])),
  per_round_ratios: {
    'this huge / read huge': +ratio('this huge', 'read huge').toFixed(3),
    'this 4k / read huge': +ratio('this 4k', 'read huge').toFixed(3),
    ...(base
      ? {
          'base 4k / read 4k': +ratio('base 4k', 'read 4k (baseline probe)').toFixed(3),
          'this huge / base 4k': +ratio('this huge', 'base 4k').toFixed(3),
          'this 4k / base 4k': +ratio('this 4k', 'base 4k').toFixed(3),
          'this huge / base huge': +ratio('this huge', 'base huge').toFixed(3),
        }
      : {}),
  },
};
console.log(JSON.stringify(result, null, 1));
