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
  const parsed = parseSite(site, model.arch.layers);
  const reduce = opts.reduce ?? 'mean';
  const bs = opts.batchSize ?? 8;
  for (const [i, e] of examples.entries()) {
    if (!(e.start >= 0 && e.end <= e.ids.length && e.start < e.end)) throw new Error(`example ${i}: token range [${e.start}, ${e.end}) is empty or outside its ${e.ids.length} tokens`);
  }
  const stop = parsed.layer === null ? (parsed.kind === 'embed' ? 0 : undefined) : parsed.layer + 1;
  const rows: Float32Array[] = [];
  const counts: number[] = [];
  let width = 0;
  let normSum = 0;
  let normCount = 0;
  // Batches go in order of length; the rows are put back in input order at the end.
  const byIndex = new Map<number, Float32Array[]>();
  for (const { idx, batch, T, padding, ids, done } of sortedBatches(examples, bs)) {
    tidy(() =>
      noGrad(() => {
        const hooks = new Hooks();
        hooks.add(site, (h) => {
          const w = h.size / (batch.length * T);
          width = w;
          const f = h.toFloat('f32').data as Float32Array;
          batch.forEach((e, b) => {
            const off = padding[b]!;
            const sel: Float32Array[] = [];
            const lo = reduce === 'last' ? e.end - 1 : e.start;
            for (let t = lo; t < e.end; t++) sel.push(f.slice((b * T + off + t) * w, (b * T + off + t + 1) * w));
            for (const r of sel) {
              let q = 0;
              for (let j = 0; j < w; j++) q += r[j]! * r[j]!;
              normSum += Math.sqrt(q);
              normCount++;
            }
            if (reduce === 'mean') {
              const m = new Float32Array(w);
              for (const r of sel) for (let j = 0; j < w; j++) m[j] = m[j]! + r[j]! / sel.length;
              byIndex.set(idx[b]!, [m]);
            } else byIndex.set(idx[b]!, sel);
          });
        });
        model.forward(fromStorage(ids, [batch.length, T], 'i32'), { hooks, padding: padding.some((p) => p > 0) ? padding : null, stopAfterLayer: stop });
      }),
    );
    opts.onProgress?.(done, examples.length);
  }
  for (let i = 0; i < examples.length; i++) {
    const r = byIndex.get(i)!;
    rows.push(...r);
    counts.push(r.length);
  }
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, i) => data.set(r, i * width));
  return { data, width, counts, tokenNorm: normCount ? normSum / normCount : 0 };
}
