// Which hook sites a trace patches: site kinds (one heatmap each) and layers (the columns).
import { LAYER_SITES, type LayerSite } from '../models/hooks.js';

/** The classic trio (Meng et al.'s residual, attention and MLP traces). */
export const DEFAULT_SITE_KINDS: readonly LayerSite[] = ['resid_post', 'attn.out', 'mlp.out'];

const ALIASES: Record<string, LayerSite> = { resid: 'resid_post', attn: 'attn.out', mlp: 'mlp.out' };

/** Parses "resid,attn,mlp" or full kinds ("resid_pre", "attn.out", ...); throws naming an unknown one. */
export function parseSiteKinds(spec: string | readonly string[]): LayerSite[] {
  const parts = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new Error('no site kinds given');
  const out: LayerSite[] = [];
  for (const p of parts) {
    const kind = ALIASES[p] ?? ((LAYER_SITES as readonly string[]).includes(p) ? (p as LayerSite) : null);
    if (kind === null) throw new Error(`unknown site kind "${p}"; expected ${Object.keys(ALIASES).join(', ')} or one of ${LAYER_SITES.join(', ')}`);
    if (!out.includes(kind)) out.push(kind);
  }
  return out;
}

/** Parses a layer list ("0,2,5" or "all"), validated against the model's layer count. */
export function parseLayers(spec: string | undefined, numLayers: number): number[] {
  if (spec === undefined || spec.trim() === 'all') return Array.from({ length: numLayers }, (_, i) => i);
  const out: number[] = [];
  for (const p of spec.split(',').map((s) => s.trim())) {
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 0 || n >= numLayers) throw new Error(`layer "${p}" does not exist (the model has layers 0..${numLayers - 1})`);
    if (!out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}
