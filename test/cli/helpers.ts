// Running the real `steerling` binary (bin/steerling.js → dist/) from the CLI tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-write.js';
import { fromStorage, type Tensor } from '../../src/tensor/tensor.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'steerling.js');
export const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
export const DOG_DATA = join(ROOT, 'examples', 'stories260K', 'dog.jsonl');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/steerling.js ...args` without colour or a TTY, with a time limit (and `input` piped to stdin). */
export function cli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['FORCE_COLOR'];
    const p = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) p.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // A guard against hangs, not a speed test: four times the stated limit, so that two busy cores
    // (the suite beside other work) never trip it.
    const timer = setTimeout(() => p.kill('SIGKILL'), 4 * (opts.timeoutMs ?? 30000));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as one JSON object, failing with the process output when it is not. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`steerling exited ${r.code}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON object: ${r.stdout.slice(0, 500)}`);
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'steerling-cli-'));
}

/**
 * A copy of stories260K whose layer-0 weights differ slightly: the same architecture and
 * tokenizer, so only the artifact's weight fingerprint can tell them apart.
 */
export function perturbedStories(dir: string): string {
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(STORIES, f), join(dir, f));
  const src = SafetensorsFile.open(join(STORIES, 'model.safetensors'));
  const out = new Map<string, Tensor>();
  for (const k of src.keys()) {
    const t = src.get(k).toFloat('f32');
    const data = Float32Array.from(t.data as Float32Array);
    if (k.includes('layers.0.mlp.down_proj')) data[0] = data[0]! + 0.01;
    out.set(k, fromStorage(data, [...t.shape], 'f32'));
  }
  writeSafetensors(join(dir, 'model.safetensors'), out);
  return dir;
}

/** The error contract: non-zero exit, one line on stderr starting "steerling:", no stack trace. */
export function oneLineError(r: CliResult): string {
  if (r.code === 0) throw new Error(`expected a failure, got exit 0 with stdout ${r.stdout.slice(0, 300)}`);
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('steerling: ') || /\n\s+at /.test(r.stderr)) throw new Error(`expected one "steerling: ..." line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
