// Concept detection with an artifact's direction (evaluation.md): each text's score is the maximum
// over its tokens of the projection onto the direction at the artifact's site; AUROC over positive
// vs negative texts.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Artifact } from '../artifact/artifact.js';
import { collectActivations } from '../methods/collect.js';
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
