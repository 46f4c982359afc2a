// Activation collection: run the model over examples in batches (no gradients, stopping after
// the deepest needed block) and reduce each example's activations at a site over its selected
// tokens — the mean over the completion tokens, the last token, or every token.

import { fromStorage } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import type { DecoderModel } from '../models/decoder.js';
import { Hooks, parseSite } from '../models/hooks.js';
import { sortedBatches } from './sorted-batches.js';

export type Reduce = 'mean' | 'last' | 'all';

/** One tokenized example: ids and the token range [start, end) to reduce over. */
export interface TokenizedExample {
  ids: number[];
  start: number;
  end: number;
}

export interface CollectOptions {
  reduce?: Reduce;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Collected {
  /** [n, width] for mean/last; for 'all', the concatenation of every selected token's row. */
  data: Float32Array;
  width: number;
  /** Rows per example (1 for mean/last). */
  counts: number[];
  /** Mean L2 norm of the selected tokens' activations before reduction (the site's per-token scale). */
  tokenNorm: number;
}

export function collectActivations(model: DecoderModel, examples: readonly TokenizedExample[], site: string, opts: CollectOptions = {}): Collected {
  return collectAtSites(model, examples, [site], opts)[0]!;
}

/** The same reading at several sites in one pass over the examples (one Collected per site, in order). */
export function collectAtSites(model: DecoderModel, examples: readonly TokenizedExample[], sites: readonly string[], opts: CollectOptions = {}): Collected[] {
  if (sites.length === 0) throw new Error('collectAtSites: no sites given');
  const parsed = sites.map((s) => parseSite(s, model.arch.layers));
  const reduce = opts.reduce ?? 'mean';
  const bs = opts.batchSize ?? 8;
  for (const [i, e] of examples.entries()) {
    if (!(e.start >= 0 && e.end <= e.ids.length && e.start < e.end)) throw new Error(`example ${i}: token range [${e.start}, ${e.end}) is empty or outside its ${e.ids.length} tokens`);
  }
  // Stop after the deepest block read (embed: no block; final_norm: the whole model).
  const stops = parsed.map((p) => (p.layer === null ? (p.kind === 'embed' ? 0 : Infinity) : p.layer + 1));
  const deepest = Math.max(...stops);
  const stop = deepest === Infinity ? undefined : deepest;
  const per = sites.map(() => ({ width: 0, normSum: 0, normCount: 0, byIndex: new Map<number, Float32Array[]>() }));
  // Batches go in order of length; the rows are put back in input order at the end.
  for (const { idx, batch, T, padding, ids, done } of sortedBatches(examples, bs)) {
    tidy(() =>
      noGrad(() => {
        const hooks = new Hooks();
        sites.forEach((site, k) => {
          const acc = per[k]!;
          hooks.add(site, (h) => {
            const w = h.size / (batch.length * T);
            acc.width = w;
            const f = h.toFloat('f32').data as Float32Array;
            batch.forEach((e, b) => {
              const off = padding[b]!;
              const sel: Float32Array[] = [];
              const lo = reduce === 'last' ? e.end - 1 : e.start;
              for (let t = lo; t < e.end; t++) sel.push(f.slice((b * T + off + t) * w, (b * T + off + t + 1) * w));
              for (const r of sel) {
                let q = 0;
                for (let j = 0; j < w; j++) q += r[j]! * r[j]!;
                acc.normSum += Math.sqrt(q);
                acc.normCount++;
              }
              if (reduce === 'mean') {
                const m = new Float32Array(w);
                for (const r of sel) for (let j = 0; j < w; j++) m[j] = m[j]! + r[j]! / sel.length;
                acc.byIndex.set(idx[b]!, [m]);
              } else acc.byIndex.set(idx[b]!, sel);
            });
          });
        });
        model.forward(fromStorage(ids, [batch.length, T], 'i32'), { hooks, padding: padding.some((p) => p > 0) ? padding : null, stopAfterLayer: stop });
      }),
    );
    opts.onProgress?.(done, examples.length);
  }
  return per.map((acc) => {
    const rows: Float32Array[] = [];
    const counts: number[] = [];
    for (let i = 0; i < examples.length; i++) {
      const r = acc.byIndex.get(i)!;
      rows.push(...r);
      counts.push(r.length);
    }
    const data = new Float32Array(rows.length * acc.width);
    rows.forEach((r, i) => data.set(r, i * acc.width));
    return { data, width: acc.width, counts, tokenNorm: acc.normCount ? acc.normSum / acc.normCount : 0 };
  });
}
