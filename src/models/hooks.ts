// Named hook sites: the one vocabulary that the CLI, artifacts, interventions and the API share.
//
//   embed                  token embeddings (after any scaling)          [B, T, d_model]
//   layers.{i}.resid_pre   residual stream entering block i              [B, T, d_model]
//   layers.{i}.attn.z      per-head attention outputs before o_proj      [B, T, n_heads, d_head]
//   layers.{i}.attn.out    attention block output (after o_proj)        [B, T, d_model]
//   layers.{i}.resid_mid   residual after attention                     [B, T, d_model]
//   layers.{i}.mlp.act     MLP neuron activations before down_proj      [B, T, d_mlp]
//   layers.{i}.mlp.out     MLP block output                             [B, T, d_model]
//   layers.{i}.resid_post  residual leaving block i                     [B, T, d_model]
//   final_norm             output of the final norm                     [B, T, d_model]
//
// A hook reads a site (returns nothing) or writes it (returns the replacement, same shape).

import type { Tensor } from '../tensor/tensor.js';
import { fmt, shapesEqual } from '../tensor/shape.js';

export const LAYER_SITES = ['resid_pre', 'attn.z', 'attn.out', 'resid_mid', 'mlp.act', 'mlp.out', 'resid_post'] as const;
export type LayerSite = (typeof LAYER_SITES)[number];

export interface ParsedSite {
  name: string;
  layer: number | null;
  kind: 'embed' | 'final_norm' | LayerSite;
}

/** Parses and validates a site name against a model's layer count. */
export function parseSite(name: string, numLayers: number): ParsedSite {
  if (name === 'embed' || name === 'final_norm') return { name, layer: null, kind: name };
  const m = /^layers\.(\d+)\.(.+)$/.exec(name);
  if (m && (LAYER_SITES as readonly string[]).includes(m[2]!)) {
    const layer = Number(m[1]);
    if (layer >= numLayers) throw new Error(`hook site "${name}": layer ${layer} does not exist (the model has layers 0..${numLayers - 1})`);
    return { name, layer, kind: m[2] as LayerSite };
  }
  throw new Error(`unknown hook site "${name}"; expected embed, final_norm or layers.{i}.{${LAYER_SITES.join('|')}}`);
}

/** Where in a sequence the current forward chunk sits, so interventions can pick positions. */
export interface HookContext {
  site: string;
  layer: number | null;
  /** Absolute position (cache length before this chunk) of the chunk's first token. */
  offset: number;
  /** 'prefill' for the prompt chunk, 'decode' for generated tokens fed back one at a time. */
  phase: 'prefill' | 'decode';
  /** Length of the prompt (after left padding), when known: positions ≥ promptLength are generated. */
  promptLength: number | null;
  /** Left-padding per batch row, when the batch is padded. */
  padding: Int32Array | null;
}

export type HookFn = (h: Tensor, ctx: HookContext) => Tensor | void;

/** A set of hooks by site; several hooks on one site run in the order they were added. */
export class Hooks {
  private readonly map = new Map<string, HookFn[]>();

  add(site: string, fn: HookFn): () => void {
    const list = this.map.get(site) ?? [];
    list.push(fn);
    this.map.set(site, list);
    return () => {
      const l = this.map.get(site);
      if (!l) return;
      const i = l.indexOf(fn);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.map.delete(site);
    };
  }

  has(site: string): boolean {
    return this.map.has(site);
  }

  get sites(): string[] {
    return [...this.map.keys()];
  }

  /** Runs the site's hooks in order; each may replace the activation (same shape). */
  run(site: string, h: Tensor, ctx: Omit<HookContext, 'site'>): Tensor {
    const list = this.map.get(site);
    if (!list) return h;
    let cur = h;
    for (const fn of list) {
      const out = fn(cur, { ...ctx, site });
      if (out) {
        if (!shapesEqual(out.shape, cur.shape)) throw new Error(`hook at ${site} returned shape ${fmt(out.shape)}, expected ${fmt(cur.shape)}`);
        cur = out;
      }
    }
    return cur;
  }
}
