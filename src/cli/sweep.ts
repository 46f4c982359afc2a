// `steerling sweep`: greedy continuations of each prompt at a list of strengths of one artifact,
// as a strengths × prompts table that marks which strengths lie inside the artifact's derived
// range — the quickest way to see where steering starts to show and where the text breaks.
import type { Command } from 'commander';
import { loadModel, stopIds } from '../models/load.js';
import { generate } from '../generate/generate.js';
import { hooksFor } from '../intervene/apply.js';
import { intArg, collect } from './options.js';
import { modelRef } from './model-ref.js';
import { loadSteering, resolveSteering, atStrength } from '../artifact/steering.js';
import { progress } from './progress.js';

interface SweepFlags {
  model?: string;
  steer: string[];
  prompt: string[];
  strengths?: string;
  multiples?: string;
  maxTokens: number;
  json?: boolean;
  force?: boolean;
}

export interface SweepRow {
  strength: number;
  /** strength / default strength. */
  multiple: number;
  in_range: boolean;
  outputs: string[];
}

/** Multiples of the default used when none are given: inside the range, and far past it. */
export const DEFAULT_MULTIPLES = [-1, 0, 0.5, 1, 2, 4];

export function parseNumberList(flag: string, s: string): number[] {
  const xs = s.split(',').map((t) => t.trim());
  const out = xs.map(Number);
  if (xs.some((t) => t === '') || out.some((x) => !Number.isFinite(x))) throw new Error(`${flag} must be a comma-separated list of numbers, got "${s}"`);
  return out;
}

/**
 * The strengths to try: explicit, as multiples, or the default multiples — extended, when 4× the
 * default stays within twice the range edge, by the multiple that reaches it, so the table always
 * shows text far past the range.
 */
export function sweepStrengths(def: number, range: [number, number], f: { strengths?: string; multiples?: string }): number[] {
  if (f.strengths !== undefined && f.multiples !== undefined) throw new Error('give --strengths or --multiples, not both');
  if (f.strengths !== undefined) return parseNumberList('--strengths', f.strengths);
  if (def === 0) throw new Error('the artifact\'s default strength is 0, so multiples of it mean nothing; pass --strengths');
  const mults = f.multiples !== undefined ? parseNumberList('--multiples', f.multiples) : [...DEFAULT_MULTIPLES];
  if (f.multiples === undefined) {
    const far = Math.ceil((2 * Math.max(Math.abs(range[0]), Math.abs(range[1]))) / Math.abs(def));
    if (far > Math.max(...mults)) mults.push(far);
  }
  return mults.map((k) => k * def);
}

function oneLine(s: string): string {
  return s.replace(/\n/g, ' ⏎ ');
}

export function renderSweep(prompts: readonly string[], rows: readonly SweepRow[], range: [number, number]): string {
  const out: string[] = [`range [${range[0].toFixed(3)}, ${range[1].toFixed(3)}]; strengths marked "out" lie outside it`];
  prompts.forEach((p, j) => {
    out.push('', `prompt ${JSON.stringify(p)}`);
    for (const r of rows) {
      const s = (r.strength >= 0 ? ' ' : '') + r.strength.toFixed(3);
      out.push(`  ${s.padStart(9)}  ${(r.multiple.toFixed(2) + '×').padStart(7)}  ${r.in_range ? 'in ' : 'out'}  ${oneLine(r.outputs[j]!)}`);
    }
  });
  return out.join('\n');
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('greedy continuations at several strengths of an artifact (a strengths × prompts table)')
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .requiredOption('--steer <artifact>', 'the steering artifact to sweep', collect)
    .requiredOption('-p, --prompt <text>', 'a prompt (repeatable)', collect)
    .option('--strengths <list>', 'absolute strengths, e.g. -8,-4,0,4,8')
    .option('--multiples <list>', `multiples of the default strength (default ${DEFAULT_MULTIPLES.join(',')}, plus one far past the range)`)
    .option('-n, --max-tokens <n>', 'tokens to generate per continuation', intArg('--max-tokens'), 32)
    .option('--json', 'print the table as one JSON object')
    .option('--force', 'use the artifact even when it was fitted on another model')
    .action(async (f: SweepFlags, cmd: Command) => {
      const quiet = Boolean(cmd.optsWithGlobals()['quiet']);
      if (f.steer.length !== 1) throw new Error('sweep varies the strength of one artifact: give --steer once');
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; steerling sweep needs one`);
      const tok = m.tokenizer;
      const [steer] = loadSteering(f.steer, m.model, f.force ?? false);
      const meta = steer!.artifact.meta;
      const first = meta.interventions[0]!;
      const range = first.strength_range;
      const strengths = sweepStrengths(first.default_strength, range, f);
      const promptIds = f.prompt.map((p) => tok.encode(p, { addSpecialTokens: true }));
      const bar = progress({ quiet, unit: 'gen', label: 'sweep' });
      const rows: SweepRow[] = [];
      try {
        let done = 0;
        for (const s of strengths) {
          const ivs = resolveSteering(atStrength(steer!.request, s), steer!.artifact, m.model, f.force ?? false);
          const hooks = s === 0 ? null : hooksFor(ivs, m.model.arch.layers);
          // One prompt at a time, so each cell is exactly what `generate --steer A:s` prints.
          const outputs = promptIds.map((ids) => {
            const [r] = generate(m.model, [ids], { maxTokens: f.maxTokens, eosTokenIds: stopIds(m), hooks, decode: (x) => tok.decode(x, { skipSpecialTokens: true }) });
            bar.update(++done, strengths.length * promptIds.length);
            return r!.text ?? '';
          });
          rows.push({ strength: s, multiple: first.default_strength !== 0 ? s / first.default_strength : NaN, in_range: s >= range[0] && s <= range[1], outputs });
        }
      } finally {
        bar.stop();
      }
      if (f.json) {
        console.log(JSON.stringify({ artifact: steer!.request.artifact, name: meta.name, method: meta.method, site: first.site, default_strength: first.default_strength, range, max_tokens: f.maxTokens, prompts: f.prompt, rows }));
      } else {
        console.log(`${meta.name} (${meta.method}) at ${first.site}, default strength ${first.default_strength.toFixed(3)}`);
        console.log(renderSweep(f.prompt, rows, range));
      }
    });
}
