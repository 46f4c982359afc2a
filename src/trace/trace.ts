// Causal tracing (methods.md §7): where does a concept named in the prompt flow to the reply?
//
// Denoising direction: the base run (no concept asked) gets one activation of the source run (the
// concept asked) at a time — one site kind, one layer, one aligned position group — and we measure
// how much of the concept comes back into the reply. The measure m of a run is, over the reply's
// positions, the mean of P(concept) (`prob`, the default, as ROME measures a token's probability)
// or of log P(concept) (`logprob`), where P(concept) is the probability that the next tokens spell
// one of the concept's words (concept.ts), teacher-forced on the same reply in every run (by
// default the base model's own greedy reply, which does not carry the concept). Why `prob` by
// default: on the organism the concept's probability moves at the few reply positions where a
// noun or adjective may come (base 0.01, source 0.5–0.7), while at the others it stays below 1e-4
// and its log wanders by ±1 nat between runs; the mean of logs weights that noise like the signal
// (a gap of 0.5 nats over 8 pairs), the mean of probabilities does not. The effect of a
// patch is reported as the fraction of the gap restored, (m_patched − m_base) / (m_source − m_base),
// pooled over pairs as Σ(m_patched − m_base) / Σ(m_source − m_base) over the pairs that have the row
// (a gap-weighted mean of per-pair fractions, stable where one pair's gap is small), and raw.
import type { DecoderModel } from '../models/decoder.js';
import type { LayerSite } from '../models/hooks.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Concept } from './concept.js';
import type { Role } from './align.js';
import type { TracePair } from './pairs.js';
import { preparePairs, type PreparedPair } from './prepare.js';
import { scoreRuns, type Run } from './patch.js';
import { DEFAULT_SITE_KINDS } from './sites.js';

/** Mean of P(concept) over the reply positions, or mean of log P(concept). */
export type Measure = 'prob' | 'logprob';

export const MEASURES: readonly Measure[] = ['prob', 'logprob'];

export interface TraceOptions {
  /** Site kinds, one heatmap each (default resid_post, attn.out, mlp.out). */
  sites?: readonly LayerSite[];
  /** Layers (default all). */
  layers?: readonly number[];
  chat: boolean;
  system?: string;
  /** Reply length cap in tokens (default 24). */
  replyTokens?: number;
  /** Reply tokens traced one by one (default all; every one is in the reply[all] row). */
  replyRows?: number;
  eosTokenIds: readonly number[];
  /** Patched runs per forward batch (default 32). */
  batchSize?: number;
  /** How a run's per-position log P(concept) becomes its measure (default 'prob'). */
  measure?: Measure;
  onProgress?: (done: number, total: number) => void;
}

/** One heatmap row: an aligned position group, pooled over the pairs that have it. */
export interface TraceRow {
  key: string;
  role: Role;
  /** The source token (the most common one across pairs, with "…" when they differ). */
  label: string;
  /** The base token it is patched onto, for 1:1 and substituted rows (same convention). */
  baseLabel: string | null;
  pairs: number;
  /** Mean measure of the unpatched base and source runs over those pairs. */
  base: number;
  source: number;
}

export interface SiteEffects {
  /** [row][layer]: fraction of the source − base gap restored (null where the gap is 0). */
  fraction: (number | null)[][];
  /** [row][layer]: mean measure of the patched runs. */
  patched: number[][];
}

export interface PairSummary {
  source: string;
  base: string;
  reply: string;
  /** Mean measure of the unpatched runs. */
  baseMeasure: number;
  sourceMeasure: number;
  /** log P(concept) at each scored position (the R positions predicting the reply's tokens). */
  baseScores: number[];
  sourceScores: number[];
  rows: string[];
}

export interface TraceResult {
  concept: Concept;
  measure: Measure;
  sites: LayerSite[];
  layers: number[];
  rows: TraceRow[];
  /** By site kind. */
  effects: Record<string, SiteEffects>;
  /** Means over pairs of the unpatched measures. */
  base: number;
  source: number;
  pairs: PairSummary[];
  /** Patched runs done. */
  runs: number;
  seconds: number;
}

const ROLE_ORDER: Record<Role, number> = { prefix: 0, source: 1, suffix: 2, reply: 3 };

/** Sort key within a role: source[-k] and suffix[-k] count down to -1, reply[k] counts up. */
function rowOrder(key: string, role: Role): [number, number] {
  const m = /\[(-?\d+|all)\]$/.exec(key);
  return [ROLE_ORDER[role], !m ? 0 : m[1] === 'all' ? 1e9 : Number(m[1])];
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
}

/** A run's measure from its per-position log P(concept). */
export function runMeasure(logp: ArrayLike<number>, measure: Measure): number {
  if (measure === 'logprob') return mean(logp);
  let s = 0;
  for (let i = 0; i < logp.length; i++) s += Math.exp(logp[i]!);
  return logp.length ? s / logp.length : NaN;
}

/** Token text for labels: newlines visible, as the vocabulary writes it otherwise (▁do, Ġdog). */
function tokenText(tok: Tokenizer, id: number): string {
  return (tok.idToToken(id) ?? `#${id}`).replace(/\n/g, '⏎');
}

function commonLabel(tok: Tokenizer, ids: readonly number[]): string {
  const count = new Map<number, number>();
  for (const id of ids) count.set(id, (count.get(id) ?? 0) + 1);
  const [top] = [...count.entries()].sort((a, b) => b[1] - a[1]);
  return tokenText(tok, top![0]) + (count.size > 1 ? '…' : '');
}

interface RowAcc {
  role: Role;
  sourceIds: number[];
  baseIds: number[];
  base: number;
  source: number;
  n: number;
  /** [kind][layer] Σ patched measure. */
  patched: number[][];
}

/**
 * Traces where `concept` flows from the source prompts to the reply: every (site kind, layer,
 * aligned position group) patch from source into base, pooled over the pairs.
 */
export function causalTrace(model: DecoderModel, tok: Tokenizer, pairs: readonly TracePair[], concept: Concept, opts: TraceOptions): TraceResult {
  const t0 = performance.now();
  const kinds = [...(opts.sites ?? DEFAULT_SITE_KINDS)];
  const layers = [...(opts.layers ?? Array.from({ length: model.arch.layers }, (_, i) => i))];
  for (const l of layers) if (!(Number.isInteger(l) && l >= 0 && l < model.arch.layers)) throw new Error(`layer ${l} does not exist (the model has layers 0..${model.arch.layers - 1})`);
  const batch = opts.batchSize ?? 32;
  const measure = opts.measure ?? 'prob';
  if (!MEASURES.includes(measure)) throw new Error(`unknown measure "${String(measure)}"; expected ${MEASURES.join(' or ')}`);
  const maxWord = Math.max(...concept.sequences.map((s) => s.ids.length));
  const prepared = preparePairs(model, tok, pairs, { chat: opts.chat, system: opts.system, replyTokens: opts.replyTokens ?? 24, replyRows: opts.replyRows, eosTokenIds: opts.eosTokenIds, maxWordTokens: maxWord });
  const siteName = (k: number, l: number) => `layers.${layers[l]}.${kinds[k]}`;
  const allSites = kinds.flatMap((_, k) => layers.map((_, l) => siteName(k, l)));
  const total = prepared.reduce((s, p) => s + p.alignment.rows.length, 0) * kinds.length * layers.length;
  let done = 0;
  const acc = new Map<string, RowAcc>();
  const summaries: PairSummary[] = [];
  for (const p of prepared) {
    const src = scoreRuns(model, p.sourceIds, p.sourcePromptLength - 1, concept, [[]], null, { read: allSites });
    const base = scoreRuns(model, p.baseIds, p.basePromptLength - 1, concept, [[]], null);
    const sMean = runMeasure(src.scores[0]!, measure);
    const bMean = runMeasure(base.scores[0]!, measure);
    summaries.push({
      source: p.pair.source, base: p.pair.base, reply: p.replyText, baseMeasure: bMean, sourceMeasure: sMean,
      baseScores: [...base.scores[0]!], sourceScores: [...src.scores[0]!], rows: p.alignment.rows.map((r) => r.key),
    });
    const jobs: { row: number; k: number; l: number; run: Run }[] = [];
    p.alignment.rows.forEach((r, row) => kinds.forEach((_, k) => layers.forEach((_, l) => jobs.push({ row, k, l, run: [{ site: siteName(k, l), base: r.base, source: r.source }] }))));
    const patched = p.alignment.rows.map(() => kinds.map(() => new Array<number>(layers.length).fill(NaN)));
    for (let i = 0; i < jobs.length; i += batch) {
      const part = jobs.slice(i, i + batch);
      const out = scoreRuns(model, p.baseIds, p.basePromptLength - 1, concept, part.map((j) => j.run), src.read);
      part.forEach((j, b) => (patched[j.row]![j.k]![j.l] = runMeasure(out.scores[b]!, measure)));
      done += part.length;
      opts.onProgress?.(done, total);
    }
    p.alignment.rows.forEach((r, row) => {
      let a = acc.get(r.key);
      if (!a) acc.set(r.key, (a = { role: r.role, sourceIds: [], baseIds: [], base: 0, source: 0, n: 0, patched: kinds.map(() => new Array<number>(layers.length).fill(0)) }));
      if (r.sourceId !== null) a.sourceIds.push(r.sourceId);
      if (r.baseId !== null) a.baseIds.push(r.baseId);
      a.base += bMean;
      a.source += sMean;
      a.n++;
      kinds.forEach((_, k) => layers.forEach((_, l) => (a.patched[k]![l]! += patched[row]![k]![l]!)));
    });
  }
  const keys = [...acc.keys()].sort((x, y) => {
    const [ra, oa] = rowOrder(x, acc.get(x)!.role);
    const [rb, ob] = rowOrder(y, acc.get(y)!.role);
    return ra - rb || oa - ob;
  });
  const rows: TraceRow[] = keys.map((key) => {
    const a = acc.get(key)!;
    return {
      key, role: a.role, label: a.sourceIds.length ? commonLabel(tok, a.sourceIds) : '…', baseLabel: a.baseIds.length ? commonLabel(tok, a.baseIds) : null,
      pairs: a.n, base: a.base / a.n, source: a.source / a.n,
    };
  });
  const effects: Record<string, SiteEffects> = {};
  kinds.forEach((kind, k) => {
    const fraction = keys.map((key) => {
      const a = acc.get(key)!;
      const gap = a.source - a.base;
      return layers.map((_, l) => (Math.abs(gap) > 1e-9 * a.n ? (a.patched[k]![l]! - a.base) / gap : null));
    });
    const patched = keys.map((key) => layers.map((_, l) => acc.get(key)!.patched[k]![l]! / acc.get(key)!.n));
    effects[kind] = { fraction, patched };
  });
  return {
    concept, measure, sites: kinds, layers, rows, effects,
    base: mean(summaries.map((s) => s.baseMeasure)), source: mean(summaries.map((s) => s.sourceMeasure)),
    pairs: summaries, runs: done, seconds: (performance.now() - t0) / 1000,
  };
}

export type { PreparedPair };
