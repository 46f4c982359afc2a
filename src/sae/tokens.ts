// The token activations an SAE trains and is measured on: every token of every text but the first
// (BOS: its activation is an outlier that carries no text, and SAE practice leaves it out), read at
// one site in length-sorted batches and kept in memory as rows [n, d], up to a token budget.

import type { DecoderModel } from '../models/decoder.js';
import { collectActivations } from '../activations/collect.js';

export interface TokenRows {
  x: Float32Array;
  rows: number;
  d: number;
  /** Per row: which text and which position it came from (for inspection). */
  text: Int32Array;
  pos: Int32Array;
  /** The texts as read (truncated to the context and the budget). */
  texts: number[][];
}

/** Truncates texts to the model's context and to a total token budget (BOS not counted). */
export function budgetTexts(texts: readonly (readonly number[])[], maxPositions: number, maxTokens: number): number[][] {
  const out: number[][] = [];
  let total = 0;
  for (const t of texts) {
    if (total >= maxTokens) break;
    const ids = t.slice(0, Math.min(maxPositions, 1 + maxTokens - total));
    if (ids.length < 2) continue;
    out.push(ids);
    total += ids.length - 1;
  }
  return out;
}

export function tokenActivations(model: DecoderModel, texts: readonly (readonly number[])[], site: string, o: { maxTokens?: number; onProgress?: (done: number, total: number) => void } = {}): TokenRows {
  const kept = budgetTexts(texts, model.arch.maxPositions, o.maxTokens ?? Infinity);
  if (kept.length === 0) throw new Error('sae: no text with at least two tokens to read activations from');
  const c = collectActivations(model, kept.map((ids) => ({ ids, start: 1, end: ids.length })), site, { reduce: 'all', batchSize: 32, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const rows = c.data.length / c.width;
  const text = new Int32Array(rows);
  const pos = new Int32Array(rows);
  let r = 0;
  kept.forEach((ids, i) => {
    for (let t = 1; t < ids.length; t++) (text[r] = i), (pos[r] = t), r++;
  });
  return { x: c.data, rows, d: c.width, text, pos, texts: kept };
}
