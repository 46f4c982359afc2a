// `steerling bench <what>`: micro and model benchmarks; each prints one JSON object on stdout.
// One small register function per benchmark keeps this file a list; the timing logic lives in
// src/bench/<what>.ts.
import type { Command } from 'commander';
import { benchGemm, type GemmBenchDtype } from '../bench/gemm.js';
import { benchAttention } from '../bench/attention.js';
import { benchForward } from '../bench/forward.js';

/** Parses a CLI integer, naming the option in the error. */
export function intOption(name: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(x)) throw new Error(`${name} expects an integer, got '${v}'`);
    return x;
  };
}

function printJson(result: unknown): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

function registerGemm(bench: Command): void {
  bench
    .command('gemm')
    .description('matrix-product throughput of the active backend, in GFLOP/s (best of several repeats)')
    .requiredOption('--m <rows>', 'rows of A and of the output', intOption('--m'))
    .requiredOption('--n <cols>', 'columns of B and of the output', intOption('--n'))
    .requiredOption('--k <depth>', 'inner dimension', intOption('--k'))
    .option('--dtype <type>', 'storage type of B: f32, bf16 or f16 (A is always f32)', 'f32')
    .option('--trans-b', 'B stored [n, k], the linear-layer layout x·Wᵀ', false)
    .option('--threads <n>', 'native thread-pool size (default: all cores or STEERLING_THREADS)', intOption('--threads'))
    .option('--repeats <n>', 'timed repeats, best is reported', intOption('--repeats'), 7)
    .option('--isa <path>', 'force a native GEMM path: generic, avx2 or avx512')
    .option('--json', 'print JSON (always on; accepted for scripts)')
    .action((o: { m: number; n: number; k: number; dtype: string; transB: boolean; threads?: number; repeats: number; isa?: string }) => {
      printJson(benchGemm({ m: o.m, n: o.n, k: o.k, dtype: o.dtype as GemmBenchDtype, transB: o.transB, threads: o.threads, repeats: o.repeats, isa: o.isa }));
    });
}

function registerAttention(bench: Command): void {
  bench
    .command('attention')
    .description('fused causal attention: prefill forward and backward, and one decode step, in ms and GFLOP/s (best of several)')
    .requiredOption('--tokens <n>', 'sequence length (queries = keys)', intOption('--tokens'))
    .requiredOption('--heads <n>', 'query heads', intOption('--heads'))
    .option('--kv-heads <n>', 'key/value heads (grouped-query attention; default: --heads)', intOption('--kv-heads'))
    .option('--head-dim <n>', 'head size', intOption('--head-dim'), 64)
    .option('--batch <n>', 'batch size', intOption('--batch'), 1)
    .option('--threads <n>', 'native thread-pool size (default: all cores or STEERLING_THREADS)', intOption('--threads'))
    .option('--repeats <n>', 'timed repeats, best is reported', intOption('--repeats'), 5)
    .option('--reference', 'also time the pure-TypeScript reference kernels once (slow)', false)
    .option('--json', 'print JSON (always on; accepted for scripts)')
    .action((o: { tokens: number; heads: number; kvHeads?: number; headDim: number; batch: number; threads?: number; repeats: number; reference: boolean }) => {
      printJson(benchAttention({ tokens: o.tokens, heads: o.heads, kvHeads: o.kvHeads, headDim: o.headDim, batch: o.batch, threads: o.threads, repeats: o.repeats, reference: o.reference }));
    });
}

function registerForward(bench: Command): void {
  bench
    .command('forward')
    .description('model throughput: prefill, decode and forward+backward tokens/s (gradient w.r.t. one residual vector), peak memory')
    .requiredOption('--model <path-or-id>', 'model folder or hub id in the HF cache')
    .option('--tokens <n>', 'prompt length for prefill and forward+backward', intOption('--tokens'), 256)
    .option('--decode-tokens <n>', 'tokens generated for the decode figure', intOption('--decode-tokens'), 32)
    .option('--repeats <n>', 'timed repeats, best is reported', intOption('--repeats'), 3)
    .option('--json', 'print JSON (always on; accepted for scripts)')
    .action(async (o: { model: string; tokens: number; decodeTokens: number; repeats: number }) => {
      printJson(await benchForward({ model: o.model, tokens: o.tokens, decodeTokens: o.decodeTokens, repeats: o.repeats }));
    });
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks (one JSON object on stdout each)');
  registerGemm(bench);
  registerAttention(bench);
  registerForward(bench);
}
