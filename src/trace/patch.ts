// Batched activation patching with the concept measure at every scored position.
//
// One forward batch holds many patched runs of the same token sequence (the base prompt and
// reply): row b of the batch gets its own patches, written by hooks at their sites, so a batch
// mixes sites, layers and positions freely and needs no padding. Each scored position t gets
// log Σ_w P(w | tokens ≤ t) over the concept's token sequences (concept.ts): the first token's
// probability comes from the batch's logits; a word of k > 1 tokens continues on branches of the
// KV cache — each (run, t) becomes a row whose cache holds the run's keys and values up to t
// (left-padded, so the branch token lands at position t + 1), fed the word's tokens one at a time.
// The patched keys and values are in that cache, so the branches see the patch too.
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import type { DecoderModel } from '../models/decoder.js';
import type { KVCache } from '../models/kvcache.js';
import { Hooks } from '../models/hooks.js';
import { logNormaliser, logSumExp, type Concept } from './concept.js';

/** Put the source's activations at `source` positions into the base at `base` positions, at one site. */
export interface Patch {
  /** A full site name, e.g. layers.2.resid_post. */
  site: string;
  base: readonly number[];
  source: readonly number[];
}

/** One patched run: its patches (none: the unpatched run). */
export type Run = readonly Patch[];

/** Activations of one sequence at a site: [tokens, width] row-major. */
export interface SiteActivations {
  data: Float32Array;
  width: number;
  tokens: number;
}

export type Activations = ReadonlyMap<string, SiteActivations>;

export interface ScoreOptions {
  /** Sites whose activations (of batch row 0) to return: the source run reads them. */
  read?: readonly string[];
  /** Rows per branch forward (bounds the branch caches' memory). */
  branchChunk?: number;
}

export interface Scored {
  /** Per run, the concept measure at each scored position scoredFrom..ids.length-1. */
  scores: Float64Array[];
  read: Map<string, SiteActivations>;
}

function patchHook(site: string, entries: { b: number; p: Patch }[], acts: Activations, B: number, T: number) {
  return (h: Tensor): Tensor => {
    const src = acts.get(site);
    if (!src) throw new Error(`patch at ${site}: no source activations were read there`);
    const w = h.size / (B * T);
    if (w !== src.width) throw new Error(`patch at ${site}: source width ${src.width}, base width ${w}`);
    const f = h.f;
    const out = f instanceof Float64Array ? Float64Array.from(f) : Float32Array.from(f);
    for (const { b, p } of entries) {
      p.base.forEach((bp, i) => {
        const sp = p.source[i]!;
        if (bp < 0 || bp >= T || sp < 0 || sp >= src.tokens) throw new Error(`patch at ${site}: position ${bp} ← ${sp} is outside the runs (${T} and ${src.tokens} tokens)`);
        out.set(src.data.subarray(sp * w, (sp + 1) * w), (b * T + bp) * w);
      });
    }
    return fromStorage(out, [...h.shape], h.dtype);
  };
}

/**
 * Runs `runs` (each a set of patches) on the token sequence `ids` in one batch and returns each
 * run's concept measure at positions scoredFrom..ids.length-1. `acts` holds the source
 * activations the patches read (null when no run patches).
 */
export function scoreRuns(model: DecoderModel, ids: readonly number[], scoredFrom: number, concept: Concept, runs: readonly Run[], acts: Activations | null, opts: ScoreOptions = {}): Scored {
  const B = runs.length;
  const T = ids.length;
  if (B === 0) return { scores: [], read: new Map() };
  if (!(scoredFrom >= 0 && scoredFrom < T)) throw new Error(`scoreRuns: scored positions start at ${scoredFrom}, outside ${T} tokens`);
  const nScored = T - scoredFrom;
  const maxK = Math.max(...concept.sequences.map((s) => s.ids.length));
  const read = new Map<string, SiteActivations>();
  const first: Float64Array[] = []; // [seq][b * nScored + t]
  const cache: KVCache | null = maxK > 1 ? model.newCache(B, T + maxK) : null;
  noGrad(() =>
    tidy(() => {
      const hooks = new Hooks();
      const bySite = new Map<string, { b: number; p: Patch }[]>();
      runs.forEach((run, b) => run.forEach((p) => bySite.set(p.site, [...(bySite.get(p.site) ?? []), { b, p }])));
      for (const [site, entries] of bySite) {
        if (!acts) throw new Error(`patch at ${site}: no source activations given`);
        hooks.add(site, patchHook(site, entries, acts, B, T));
      }
      for (const site of opts.read ?? []) {
        hooks.add(site, (h) => {
          const w = h.size / (B * T);
          read.set(site, { data: Float32Array.from(h.f.subarray(0, T * w)), width: w, tokens: T });
        });
      }
      const tiled = new Int32Array(B * T);
      for (let b = 0; b < B; b++) tiled.set(ids, b * T);
      const logits = model.forward(fromStorage(tiled, [B, T], 'i32'), { hooks, cache });
      const V = logits.shape[2]!;
      const lg = logits.toFloat('f32').data as Float32Array;
      for (const _ of concept.sequences) first.push(new Float64Array(B * nScored));
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < nScored; t++) {
          const off = (b * T + scoredFrom + t) * V;
          const z = logNormaliser(lg, off, V);
          concept.sequences.forEach((s, k) => (first[k]![b * nScored + t] = lg[off + s.ids[0]!]! - z));
        }
      }
    }),
  );
  // The later tokens of multi-token words, on branches of the batch's cache.
  concept.sequences.forEach((s, k) => {
    if (s.ids.length > 1) addContinuations(model, cache!, T, scoredFrom, s.ids, first[k]!, opts.branchChunk ?? 512);
  });
  const scores = runs.map((_, b) => {
    const out = new Float64Array(nScored);
    const terms = new Float64Array(concept.sequences.length);
    for (let t = 0; t < nScored; t++) {
      for (let k = 0; k < terms.length; k++) terms[k] = first[k]![b * nScored + t]!;
      out[t] = logSumExp(terms);
    }
    return out;
  });
  return { scores, read };
}

/** Adds log P(ids[1..] | tokens ≤ t, ids[0]) to acc[b * nScored + t] for every run b and scored t. */
function addContinuations(model: DecoderModel, cache: KVCache, T: number, scoredFrom: number, ids: readonly number[], acc: Float64Array, chunk: number): void {
  const nScored = T - scoredFrom;
  const total = acc.length;
  const row = cache.kvHeads * cache.headDim;
  for (let lo = 0; lo < total; lo += chunk) {
    const n = Math.min(chunk, total - lo);
    const branch = model.newCache(n, T + ids.length);
    const padding = new Int32Array(n);
    for (let l = 0; l < cache.layers; l++) {
      const src = cache.layerStorage(l);
      const dst = branch.layerStorage(l);
      const srcCap = src.k.length / (cache.batch * row);
      const dstCap = dst.k.length / (n * row);
      for (let r = 0; r < n; r++) {
        const b = Math.floor((lo + r) / nScored);
        const len = scoredFrom + ((lo + r) % nScored) + 1; // tokens 0..t
        const pad = T - len;
        padding[r] = pad;
        dst.k.set(src.k.subarray(b * srcCap * row, (b * srcCap + len) * row), (r * dstCap + pad) * row);
        dst.v.set(src.v.subarray(b * srcCap * row, (b * srcCap + len) * row), (r * dstCap + pad) * row);
      }
    }
    branch.commit(T);
    for (let j = 1; j < ids.length; j++) {
      noGrad(() =>
        tidy(() => {
          const feed = new Int32Array(n).fill(ids[j - 1]!);
          const logits = model.forward(fromStorage(feed, [n, 1], 'i32'), { cache: branch, padding, phase: 'decode' });
          const V = logits.shape[2]!;
          const lg = logits.toFloat('f32').data as Float32Array;
          for (let r = 0; r < n; r++) acc[lo + r] = acc[lo + r]! + lg[r * V + ids[j]!]! - logNormaliser(lg, r * V, V);
        }),
      );
    }
  }
}
