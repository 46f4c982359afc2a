// Reading a steering artifact back as a detector: the projection of every token's activation at
// the artifact's site onto its (unit) direction. The threshold is the midpoint of the class means
// the method recorded (μ+ and μ− of the projections of its training examples). Those are means
// over each example's tokens, so the verdict compares the text's mean score with the threshold:
// single tokens spread far wider (on stories260K the " do"+"g" tokens score ~5 against μ+ ≈ 2,
// and words like "Lily" pass the midpoint in texts without dogs). The max over tokens is reported
// too: it is the score AxBench ranks texts by for detection AUROC.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Artifact } from '../artifact/artifact.js';
import { checkArtifactFits } from '../artifact/apply.js';
import { collectActivations } from '../activations/collect.js';

export interface Detection {
  site: string;
  /** Text pieces of the scored tokens (special tokens such as BOS are run but not listed). */
  tokens: string[];
  ids: number[];
  scores: number[];
  max: number;
  mean: number;
  /** Midpoint of the class means, or null when the artifact records none (e.g. ActAdd). */
  threshold: number | null;
  mu_pos: number | null;
  mu_neg: number | null;
  /** mean ≥ threshold, or null without a threshold. */
  detected: boolean | null;
}

export interface DetectOptions {
  /** Skip the check that the artifact was fitted on this model. */
  force?: boolean;
  /** The text's token ids (with special tokens) when the caller already has them, e.g. from the server's tokenizer thread. */
  ids?: number[];
}

/** The site and unit direction an artifact detects with (its first intervention with a direction). */
export function detectionDirection(art: Artifact): { site: string; direction: Float32Array } {
  const rec = art.meta.interventions.find((iv) => iv.tensors['direction'] !== undefined);
  if (!rec) throw new Error(`artifact "${art.meta.name}" (${art.meta.method}) has no direction to detect with (its interventions are ${art.meta.interventions.map((iv) => iv.kind).join(', ')})`);
  const t = art.tensors.get(rec.tensors['direction']!)!.toFloat('f32');
  const v = Float32Array.from(t.data as Float32Array);
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (!(n > 0)) throw new Error(`artifact "${art.meta.name}": its direction at ${rec.site} is zero`);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return { site: rec.site, direction: v };
}

/** μ+ and μ− recorded by the fitting method (intervention values first, then stats). */
export function classMeans(art: Artifact): { mu_pos: number; mu_neg: number } | null {
  const rec = art.meta.interventions.find((iv) => iv.tensors['direction'] !== undefined);
  const v = rec?.values;
  if (v && Number.isFinite(v['mu_pos']) && Number.isFinite(v['mu_neg'])) return { mu_pos: v['mu_pos']!, mu_neg: v['mu_neg']! };
  const s = art.meta.stats;
  if (s && typeof s['mu_pos'] === 'number' && typeof s['mu_neg'] === 'number') return { mu_pos: s['mu_pos'], mu_neg: s['mu_neg'] };
  return null;
}

export function detect(model: DecoderModel, tokenizer: Tokenizer, art: Artifact, text: string, opts: DetectOptions = {}): Detection {
  if (!opts.force) checkArtifactFits(art, model);
  const { site, direction } = detectionDirection(art);
  const all = opts.ids ?? tokenizer.encode(text, { addSpecialTokens: true });
  if (all.length === 0) throw new Error('detect: the text is empty');
  const acts = collectActivations(model, [{ ids: all, start: 0, end: all.length }], site, { reduce: 'all' });
  const d = acts.width;
  if (d !== direction.length) throw new Error(`artifact "${art.meta.name}": its direction has ${direction.length} values but ${site} has width ${d}`);
  const dt = tokenizer.detokenizer({ skipSpecialTokens: true });
  const tokens: string[] = [];
  const ids: number[] = [];
  const scores: number[] = [];
  all.forEach((id, t) => {
    if (tokenizer.specialIds.has(id)) return;
    let s = 0;
    for (let j = 0; j < d; j++) s += acts.data[t * d + j]! * direction[j]!;
    tokens.push(dt.push(id));
    ids.push(id);
    scores.push(s);
  });
  if (tokens.length > 0) tokens[tokens.length - 1] += dt.flush();
  const means = classMeans(art);
  const threshold = means ? (means.mu_pos + means.mu_neg) / 2 : null;
  const max = scores.length ? Math.max(...scores) : NaN;
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : NaN;
  return {
    site,
    tokens,
    ids,
    scores,
    max,
    mean,
    threshold,
    mu_pos: means?.mu_pos ?? null,
    mu_neg: means?.mu_neg ?? null,
    detected: threshold === null || scores.length === 0 ? null : mean >= threshold,
  };
}
