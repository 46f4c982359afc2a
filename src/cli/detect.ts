// `steerling detect --steer A --text "..."`: per-token concept scores (projections onto the
// artifact's direction at its site), shown as a terminal heatmap or, with --json, as numbers.
import type { Command } from 'commander';
import { loadModel } from '../models/load.js';
import type { Detection } from '../eval/detect.js';
import { detect } from '../api/detect.js';
import { parseSteerText, loadRequestedArtifact } from '../artifact/steering.js';
import { modelRef } from './model-ref.js';

interface DetectFlags {
  model?: string;
  steer: string;
  text: string;
  json?: boolean;
  force?: boolean;
}

// White → red in the xterm 256-colour cube: the background of a token as its score goes from μ−
// (or below) to μ+ (or above).
const RAMP = [231, 224, 217, 210, 203, 196];

/** Position of a score between lo (0) and hi (1), clamped. */
export function heat(score: number, lo: number, hi: number): number {
  if (!(hi > lo)) return score >= hi ? 1 : 0;
  return Math.min(1, Math.max(0, (score - lo) / (hi - lo)));
}

/** The scale a heatmap uses: the class means when recorded, else the scores' own span. */
export function heatScale(d: Detection): [number, number] {
  if (d.mu_pos !== null && d.mu_neg !== null) return [d.mu_neg, d.mu_pos];
  return [Math.min(...d.scores), Math.max(...d.scores)];
}

function visible(piece: string): string {
  return piece.replace(/\n/g, '⏎\n');
}

/** Tokens with ANSI background colours (a colour terminal). */
export function renderColour(d: Detection): string {
  const [lo, hi] = heatScale(d);
  return d.tokens
    .map((t, i) => {
      const c = RAMP[Math.round(heat(d.scores[i]!, lo, hi) * (RAMP.length - 1))]!;
      return `\x1b[48;5;${c}m\x1b[30m${visible(t)}\x1b[0m`;
    })
    .join('');
}

/** One token per line with its score, marked when over the threshold (pipes, NO_COLOR). */
export function renderPlain(d: Detection): string {
  const width = Math.min(24, Math.max(5, ...d.tokens.map((t) => JSON.stringify(t).length)));
  return d.tokens
    .map((t, i) => {
      const s = d.scores[i]!;
      const mark = d.threshold !== null && s >= d.threshold ? ' *' : '';
      return `${JSON.stringify(t).padEnd(width)} ${s >= 0 ? ' ' : ''}${s.toFixed(3)}${mark}`;
    })
    .join('\n');
}

export function summaryLine(d: Detection, name: string): string {
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  const verdict = d.detected === null ? 'no class means recorded, so no threshold' : d.detected ? 'concept present' : 'concept absent';
  return `${name} at ${d.site}: mean ${f(d.mean)}, max ${f(d.max)}; threshold ${f(d.threshold)} (midpoint of μ− ${f(d.mu_neg)} and μ+ ${f(d.mu_pos)}): ${verdict}`;
}

export function useColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return Boolean(stream.isTTY);
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description("score every token of a text with an artifact's direction (a per-token heatmap)")
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .requiredOption('--steer <artifact>', 'the steering artifact whose direction to read')
    .requiredOption('--text <text>', 'the text to score')
    .option('--json', 'print the scores as one JSON object')
    .option('--force', 'use the artifact even when it was fitted on another model')
    .action(async (f: DetectFlags) => {
      // A strength suffix means nothing to a detector; accept the same spelling as generate.
      const req = parseSteerText(f.steer);
      const art = loadRequestedArtifact(req);
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; steerling detect needs one`);
      const d = detect(m, art, f.text, { force: f.force ?? false });
      if (f.json) {
        console.log(JSON.stringify({ artifact: req.artifact, name: art.meta.name, ...d }));
        return;
      }
      console.log(useColour() ? renderColour(d) : renderPlain(d));
      console.log(summaryLine(d, art.meta.name));
    });
}
