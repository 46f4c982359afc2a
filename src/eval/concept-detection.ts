// Concept detection with an artifact's direction (evaluation.md): each text's score is the maximum
// over its tokens of the projection onto the direction at the artifact's site; AUROC over positive
// vs negative texts.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Artifact } from '../artifact/artifact.js';
import { collectActivations } from '../activations/collect.js';
import { detectionDirection } from './detect.js';
import { checkArtifactFits } from '../artifact/apply.js';
import { auroc } from './auroc.js';

export interface ScoredText {
  ids: number[];
  /** First token to score (e.g. where the reply starts). */
  start: number;
}

/** Max-over-tokens projection per text. */
export function maxProjectionScores(model: DecoderModel, art: Artifact, texts: readonly ScoredText[]): number[] {
  checkArtifactFits(art, model);
  const { site, direction } = detectionDirection(art);
  const acts = collectActivations(model, texts.map((t) => ({ ids: t.ids, start: t.start, end: t.ids.length })), site, { reduce: 'all' });
  const d = acts.width;
  const scores: number[] = [];
  let row = 0;
  for (const c of acts.counts) {
    let best = -Infinity;
    for (let r = row; r < row + c; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += acts.data[r * d + j]! * direction[j]!;
      if (s > best) best = s;
    }
    scores.push(best);
    row += c;
  }
  return scores;
}

/** Chat-formatted texts: the reply's tokens are scored, the prompt only gives context. */
export function chatTexts(tok: Tokenizer, rows: readonly { prompt: string; text: string }[]): ScoredText[] {
  return rows.map((r) => {
    const p = tok.applyChatTemplate([{ role: 'user', content: r.prompt }], { addGenerationPrompt: true }).ids;
    return { ids: [...p, ...tok.encode(r.text, { addSpecialTokens: false })], start: p.length };
  });
}

export function detectionAuroc(model: DecoderModel, art: Artifact, texts: readonly ScoredText[], labels: readonly number[]): number {
  return auroc(maxProjectionScores(model, art, texts), labels);
}

/** The best F1 over thresholds "score ≥ t" (t at every observed score). */
export function bestThresholdF1(scores: readonly number[], labels: readonly number[]): { f1: number; threshold: number } {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const pos = labels.filter((l) => l === 1).length;
  let tp = 0;
  let fp = 0;
  let best = { f1: 0, threshold: Infinity };
  for (let k = 0; k < idx.length; k++) {
    if (labels[idx[k]!] === 1) tp++;
    else fp++;
    // Only between distinct scores is "score ≥ t" a threshold.
    if (k + 1 < idx.length && scores[idx[k + 1]!] === scores[idx[k]!]) continue;
    const f1 = pos === 0 ? 0 : (2 * tp) / (tp + fp + pos);
    if (f1 > best.f1) best = { f1, threshold: scores[idx[k]!]! };
  }
  return best;
}

export interface DetectionReport {
  /** Positives vs negatives and hard negatives together. */
  auroc: number;
  /** Positives vs hard negatives alone (texts near the concept without it). */
  auroc_hard: number | null;
  f1: number;
  threshold: number;
  n: { positive: number; negative: number; hard_negative: number };
}

/** Detection figures of an artifact on labelled chat texts (evaluation.md: max-over-tokens score). */
export function detectionReport(model: DecoderModel, tok: Tokenizer, art: Artifact, rows: readonly { prompt: string; text: string; label: number; kind: string }[]): DetectionReport {
  return detectionWithScores(model, tok, art, rows).report;
}

/** The figures and every text's score (for plots), in the order of `rows`. */
export function detectionWithScores(model: DecoderModel, tok: Tokenizer, art: Artifact, rows: readonly { prompt: string; text: string; label: number; kind: string }[]): { report: DetectionReport; scores: number[] } {
  return detectionFromScores(maxProjectionScores(model, art, chatTexts(tok, rows)), rows);
}

/** The same figures from any per-text scores (e.g. an SAE feature's activation). */
export function detectionFromScores(scores: number[], rows: readonly { label: number; kind: string }[]): { report: DetectionReport; scores: number[] } {
  const labels = rows.map((r) => r.label);
  const hard = rows.map((r, i) => ({ r, s: scores[i]! })).filter((x) => x.r.kind !== 'negative');
  const nHard = rows.filter((r) => r.kind === 'hard_negative').length;
  const report = {
    auroc: auroc(scores, labels),
    auroc_hard: nHard > 0 ? auroc(hard.map((x) => x.s), hard.map((x) => x.r.label)) : null,
    ...bestThresholdF1(scores, labels),
    n: { positive: labels.filter((l) => l === 1).length, negative: rows.filter((r) => r.kind === 'negative').length, hard_negative: nHard },
  };
  return { report, scores };
}
