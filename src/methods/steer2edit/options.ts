// Steer2Edit's settings (methods.md §3.8): separate Elastic-Net strengths ρ for attention heads and
// MLP neurons, and the mixing α between the L1 (sparsity) and L2 (shrinkage) terms.
//
// Defaults ρ_attn 0.18, ρ_mlp 0.55, α 0.8: the paper's best safety (refusal) setting on
// Llama-2-7B, the first model of its safety grid and the use this toolkit's organism exercises.
// With them a head is edited when |g| > ρα = 0.144 and a neuron when |g| > 0.44, so attention
// edits are sparse and MLP edits rarer still (neurons that nearly write v̂), the pattern the paper
// reports for safety. Other settings the paper found: Mistral-7B 0.42/0.55/0.75, Llama-3-8B
// 0.1/0.3/0.4, truthfulness on Gemma-2-2B attention-only 0.3 with α 0.9, shorter reasoning on
// Qwen3-4B MLP-only 0.8 with α 0.05. ρ ≤ 0 switches a family off.

import { readOptions, type MethodOption } from '../options.js';

export interface Steer2EditOptions {
  /** Elastic-Net ρ for attention heads (o_proj column blocks); ≤ 0: no head is edited. */
  rhoAttn?: number;
  /** Elastic-Net ρ for MLP neurons (down_proj columns); ≤ 0: no neuron is edited. */
  rhoMlp?: number;
  /** L1/L2 mix, 0 ≤ α < 1: larger α edits fewer components. */
  alpha?: number;
  /** Layers to edit (default: all). */
  layers?: readonly number[];
  /**
   * Measure the strength range on the model (range.ts; default true); false: ±1, no extra forward
   * passes.
   */
  calibrate?: boolean;
}

export const STEER2EDIT_DEFAULTS = { rhoAttn: 0.18, rhoMlp: 0.55, alpha: 0.8 } as const;

/** --layers: comma-separated layer numbers (the library gives an array; resolveOptions checks they exist). */
function parseLayers(v: unknown): number[] {
  if (Array.isArray(v)) return v.map((x) => {
    if (typeof x !== 'number') throw new Error(`steer2edit: layers must be numbers, got ${JSON.stringify(x)}`);
    return x;
  });
  const text = String(v);
  return text.split(',').map((x) => {
    if (!/^\d+$/.test(x.trim())) throw new Error(`--layers ${text}: expected comma-separated layer numbers`);
    return Number(x);
  });
}

export const STEER2EDIT_OPTIONS: readonly MethodOption[] = [
  { key: 'rhoAttn', flag: '--rho-attn', value: '<rho>', type: 'number', default: STEER2EDIT_DEFAULTS.rhoAttn, help: 'Elastic-Net ρ for attention heads; ≤ 0 edits no head' },
  { key: 'rhoMlp', flag: '--rho-mlp', value: '<rho>', type: 'number', default: STEER2EDIT_DEFAULTS.rhoMlp, help: 'Elastic-Net ρ for MLP neurons; ≤ 0 edits no neuron' },
  // No bounds here: resolveOptions says why α must stay below 1.
  { key: 'alpha', flag: '--alpha', value: '<a>', type: 'number', default: STEER2EDIT_DEFAULTS.alpha, help: 'L1/L2 mix in [0, 1); a component is edited when its score |g| > ρ·α' },
  { key: 'layers', flag: '--layers', value: '<i,j,...>', type: 'list', parse: parseLayers, help: 'edit only these layers (default: all)' },
  { key: 'calibrate', type: 'boolean', default: true, help: 'measure the strength range on the model (KL 1 nat/token); false: ±1 without running the model' },
];

export const parseSteer2EditOptions = (given: object | undefined): Steer2EditOptions => readOptions<Steer2EditOptions>('steer2edit', STEER2EDIT_OPTIONS, given);

export interface ResolvedOptions {
  rhoAttn: number;
  rhoMlp: number;
  alpha: number;
  layers: number[];
}

export function resolveOptions(o: Steer2EditOptions | undefined, numLayers: number): ResolvedOptions {
  const rhoAttn = o?.rhoAttn ?? STEER2EDIT_DEFAULTS.rhoAttn;
  const rhoMlp = o?.rhoMlp ?? STEER2EDIT_DEFAULTS.rhoMlp;
  const alpha = o?.alpha ?? STEER2EDIT_DEFAULTS.alpha;
  if (!Number.isFinite(rhoAttn) || !Number.isFinite(rhoMlp)) throw new Error(`steer2edit: rho must be a finite number (got rho_attn ${rhoAttn}, rho_mlp ${rhoMlp})`);
  if (!(alpha >= 0 && alpha < 1)) throw new Error(`steer2edit: alpha must be in [0, 1) (the closed form divides by ρ(1 − α)); got ${alpha}`);
  if (rhoAttn <= 0 && rhoMlp <= 0) throw new Error('steer2edit: rho_attn and rho_mlp are both ≤ 0, which switches off every edit');
  const layers = o?.layers ? [...new Set(o.layers)].sort((a, b) => a - b) : [...Array(numLayers).keys()];
  for (const l of layers) if (!(Number.isInteger(l) && l >= 0 && l < numLayers)) throw new Error(`steer2edit: layer ${l} does not exist (the model has layers 0..${numLayers - 1})`);
  if (layers.length === 0) throw new Error('steer2edit: no layers to edit');
  return { rhoAttn, rhoMlp, alpha, layers };
}
