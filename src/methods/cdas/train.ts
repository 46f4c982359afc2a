// Training the rank-1 CDAS direction (methods.md §1.2–1.4): a distributed interchange
// intervention DII(b, s) = b + (v·s − v·b) v at one site, on every base position but BOS, with the
// source activation taken at the source position of the source run and broadcast. Each step:
// (Our variants, variants.ts: the source may be the mean over a span — the concept clause or the
// reply —, the base positions only the prompt or only the reply, and v a subspace R of R
// orthonormal rows: DII(b, s) = b + Rᵀ(R s − R b), rows re-orthonormalised after every step.)
//
//   1. teacher: the frozen model on the source inputs, without recording (gives the source
//      activations at the site and the teacher's response-token logits in one pass; kept
//      across epochs while they fit in memory, since nothing they depend on changes);
//   2. student: the base inputs with the DII, recorded; loss = pooled JSD over response tokens;
//   3. backward (only v asks for a gradient: the model's weights are frozen), clip to norm 1,
//      AdamW (weight decay 0) with linear LR decay and no warmup, then v ← v/‖v‖.
//
// Minibatches are drawn by row (both pair directions of a row go together, so a batch of b rows
// has 2b examples, like the repository's expanded batch), reshuffled every epoch with the seed.

import { fromStorage } from '../../tensor/tensor.js';
import { noGrad } from '../../tensor/tape.js';
import { tidy } from '../../tensor/scope.js';
import type { DecoderModel } from '../../models/decoder.js';
import { Hooks, parseSite } from '../../models/hooks.js';
import { hooksFor } from '../../intervene/apply.js';
import { AdamW, clipGradNorm } from '../../nn/optim.js';
import { linearSchedule } from '../../nn/schedule.js';
import { Rng } from '../../util/rng.js';
import { padBatch } from './batch.js';
import { gatherRows, responseJsd, responseRows } from './loss.js';
import type { CdasTokens, DiiExample } from './tokenize.js';
import { MaskedInterchange, baseMask } from './base-mask.js';
import type { BasePositions } from './variants.js';

export interface CdasTrainOptions {
  /** Optimiser steps; default epochs × ⌈rows / batchSize⌉. */
  steps?: number;
  /** Passes over the rows when steps is not given (default 10). */
  epochs?: number;
  /** Peak learning rate (default 0.04, the repository's gemma-2-2b setting). */
  lr?: number;
  /** Rows per step (each gives one example per pair direction); default 8. */
  batchSize?: number;
  seed?: number;
  /** Global gradient-norm clip (default 1.0). */
  clip?: number;
  /** Token id used for left padding (masked out). */
  padId?: number;
  /** Starting rows, [rank·width] (default: seeded random rows, orthonormalised: the orthogonal init). */
  init?: Float32Array;
  /** Rows of the interchanged subspace (default 1, the paper's vector CDAS). */
  rank?: number;
  /** Base positions written (default all: every one but BOS, as in the paper). */
  basePositions?: BasePositions;
  onStep?: (step: number, total: number, loss: number) => void;
}

export interface CdasTrainResult {
  /** The learned unit direction v; with rank R > 1 the R orthonormal rows, one after the other. */
  direction: Float32Array;
  rank: number;
  /** Loss of every step (before that step's update). */
  losses: number[];
  steps: number;
  lr: number;
  batchSize: number;
}

export const CDAS_DEFAULTS = { epochs: 10, lr: 0.04, batchSize: 8, clip: 1.0 } as const;

/** Width of the site's activation (trailing dims flattened), read from one short forward pass. */
function siteWidth(model: DecoderModel, site: string, ids: readonly number[]): number {
  const s = parseSite(site, model.arch.layers);
  const stop = s.layer === null ? (s.kind === 'embed' ? 0 : undefined) : s.layer + 1;
  let width = 0;
  tidy(() =>
    noGrad(() => {
      const hooks = new Hooks();
      hooks.add(site, (h) => {
        width = h.size / (h.shape[0]! * h.shape[1]!);
      });
      model.forward(fromStorage(Int32Array.from(ids), [1, ids.length], 'i32'), { hooks, stopAfterLayer: stop });
    }),
  );
  return width;
}

function randomUnit(d: number, rng: Rng): Float32Array {
  const v = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    v[i] = rng.normal();
    n += v[i]! * v[i]!;
  }
  n = Math.sqrt(n);
  for (let i = 0; i < d; i++) v[i] = v[i]! / n;
  return v;
}

/** The mean of rows [from, to) of a [rows, width] array (one row: that row, exactly). */
function spanMean(f: Float32Array, width: number, from: number, to: number): Float32Array {
  if (to - from === 1) return f.slice(from * width, to * width);
  const acc = new Float64Array(width);
  for (let r = from; r < to; r++) for (let c = 0; c < width; c++) acc[c] = acc[c]! + f[r * width + c]!;
  return Float32Array.from(acc, (x) => x / (to - from));
}

/** Seeded starting rows: rank 1 is a random unit vector (as before); more rows are orthonormalised. */
function initRows(d: number, rank: number, rng: Rng): Float32Array {
  const rows = new Float32Array(rank * d);
  for (let r = 0; r < rank; r++) rows.set(randomUnit(d, rng), r * d);
  return rows;
}

/** What the frozen source run gives one example: its source activation and the teacher's response-row logits. */
interface TeacherRows {
  source: Float32Array;
  logits: Float32Array;
}

/** Frozen source run over a batch, without recording. */
function teacher(model: DecoderModel, site: string, batch: readonly DiiExample[], padId: number): TeacherRows[] {
  return tidy(() =>
    noGrad(() => {
      const b = padBatch(batch.map((e) => e.source.ids), padId);
      const out: TeacherRows[] = batch.map(() => ({ source: new Float32Array(0), logits: new Float32Array(0) }));
      const hooks = new Hooks();
      hooks.add(site, (h) => {
        const width = h.size / (batch.length * b.T);
        const f = h.toFloat('f32').data as Float32Array;
        batch.forEach((e, i) => {
          const row0 = i * b.T + b.pad[i]!;
          const span = e.sourceSpan ?? { start: e.sourcePos, end: e.sourcePos + 1 };
          out[i]!.source = spanMean(f, width, row0 + span.start, row0 + span.end);
        });
      });
      const logits = model.forward(b.ids, { hooks, padding: b.padding });
      const V = logits.shape[2]!;
      const all = logits.toFloat('f32').data as Float32Array;
      batch.forEach((e, i) => {
        out[i]!.logits = gatherRows(all, responseRows([e.source], Int32Array.of(b.pad[i]!), b.T).map((r) => r + i * b.T), V);
      });
      return out;
    }),
  );
}

/**
 * The teacher never changes (frozen model, no intervention), so its rows are kept across epochs
 * while they fit in TEACHER_CACHE_FLOATS (256 MB); beyond that (large vocabularies) they are
 * recomputed every step.
 */
const TEACHER_CACHE_FLOATS = 1 << 26;

class TeacherCache {
  private readonly rows = new Map<DiiExample, TeacherRows>();
  private floats = 0;
  constructor(private readonly model: DecoderModel, private readonly site: string, private readonly padId: number) {}

  /** Source activations [n·width] and teacher logits (response rows of the batch, in order). */
  get(batch: readonly DiiExample[]): { source: Float32Array; width: number; logits: Float32Array } {
    const missing = batch.filter((e) => !this.rows.has(e));
    const fresh = missing.length ? teacher(this.model, this.site, missing, this.padId) : [];
    const local = new Map<DiiExample, TeacherRows>();
    missing.forEach((e, i) => {
      const r = fresh[i]!;
      local.set(e, r);
      if (this.floats + r.logits.length + r.source.length <= TEACHER_CACHE_FLOATS) {
        this.rows.set(e, r);
        this.floats += r.logits.length + r.source.length;
      }
    });
    const parts = batch.map((e) => this.rows.get(e) ?? local.get(e)!);
    const width = parts[0]!.source.length;
    const source = new Float32Array(batch.length * width);
    parts.forEach((p, i) => source.set(p.source, i * width));
    const logits = new Float32Array(parts.reduce((n, p) => n + p.logits.length, 0));
    let off = 0;
    for (const p of parts) {
      logits.set(p.logits, off);
      off += p.logits.length;
    }
    return { source, width, logits };
  }
}

export function trainCdas(model: DecoderModel, site: string, tokens: CdasTokens, opts: CdasTrainOptions = {}): CdasTrainResult {
  if (tokens.examples.length === 0) throw new Error('CDAS: no training examples');
  const d = siteWidth(model, site, tokens.examples[0]!.source.ids.slice(0, 2));
  const lr = opts.lr ?? CDAS_DEFAULTS.lr;
  const bs = opts.batchSize ?? CDAS_DEFAULTS.batchSize;
  const clip = opts.clip ?? CDAS_DEFAULTS.clip;
  const padId = opts.padId ?? 0;
  if (!(lr > 0)) throw new Error(`CDAS: learning rate must be positive, got ${lr}`);
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`CDAS: batch size must be a positive integer, got ${bs}`);
  const maxLen = Math.max(...tokens.examples.flatMap((e) => [e.base.ids.length, e.source.ids.length]));
  if (maxLen > model.arch.maxPositions) throw new Error(`CDAS: a training sequence has ${maxLen} tokens, more than the model's context (${model.arch.maxPositions}); shorten the replies`);
  const byRow = new Map<number, DiiExample[]>();
  for (const e of tokens.examples) byRow.set(e.row, [...(byRow.get(e.row) ?? []), e]);
  const rowIds = [...byRow.keys()];
  const perEpoch = Math.ceil(rowIds.length / bs);
  const total = opts.steps ?? (opts.epochs ?? CDAS_DEFAULTS.epochs) * perEpoch;
  if (!(Number.isInteger(total) && total >= 1)) throw new Error(`CDAS: steps must be a positive integer, got ${total}`);

  const rank = opts.rank ?? 1;
  if (!(Number.isInteger(rank) && rank >= 1 && rank <= d)) throw new Error(`CDAS: rank must be a whole number from 1 to the site's width ${d}, got ${rank}`);
  const base = opts.basePositions ?? 'all';
  const rng = new Rng(opts.seed ?? 0);
  const init = opts.init ?? initRows(d, rank, rng);
  if (init.length !== rank * d) throw new Error(`CDAS: initial rows have ${init.length} values, rank ${rank} at the site ${site} (width ${d}) needs ${rank * d}`);
  const rotation = fromStorage(Float32Array.from(init), [rank, d], 'f32', true);
  const iv = new MaskedInterchange(site, rotation, { positions: 'all', excludeBos: tokens.excludeBos });
  iv.normalize();
  const hooks = hooksFor([iv], model.arch.layers);
  const opt = new AdamW([rotation], { lr, weightDecay: 0 });
  const losses: number[] = [];
  const teachers = new TeacherCache(model, site, padId);

  let order: number[] = [];
  for (let step = 0; step < total; step++) {
    if (step % perEpoch === 0) order = rng.shuffle([...rowIds]);
    const k = step % perEpoch;
    const batch = order.slice(k * bs, (k + 1) * bs).flatMap((r) => byRow.get(r)!);
    const t = teachers.get(batch);
    const loss = tidy(() => {
      iv.source = fromStorage(t.source, [batch.length, t.width], 'f32');
      const b = padBatch(batch.map((e) => e.base.ids), padId);
      iv.mask = baseMask(batch.map((e) => e.base), b.pad, b.T, base, tokens.excludeBos);
      const logits = model.forward(b.ids, { hooks, padding: b.padding });
      const l = responseJsd(logits, responseRows(batch.map((e) => e.base), b.pad, b.T), t.logits);
      l.backward();
      return l.item();
    });
    iv.source = null;
    iv.mask = null;
    clipGradNorm([rotation], clip);
    opt.lr = linearSchedule(step, total, lr);
    opt.step();
    opt.zeroGrad();
    iv.normalize();
    losses.push(loss);
    opts.onStep?.(step + 1, total, loss);
  }
  return { direction: Float32Array.from(rotation.f), rank, losses, steps: total, lr, batchSize: bs };
}

/**
 * The pooled JSD over all examples for fixed rows (no training; null = no intervention, the gap the
 * DII has to close). Used to check training and to compare directions. `direction` holds `rank`
 * rows of the site's width; `basePositions` as in training.
 */
export function cdasLoss(model: DecoderModel, site: string, tokens: CdasTokens, direction: Float32Array | null, opts: { batchSize?: number; padId?: number; rank?: number; basePositions?: BasePositions } = {}): number {
  const bs = opts.batchSize ?? 16;
  const padId = opts.padId ?? 0;
  const rank = opts.rank ?? 1;
  const basePos = opts.basePositions ?? 'all';
  let sum = 0;
  let count = 0;
  const iv = direction ? new MaskedInterchange(site, fromStorage(Float32Array.from(direction), [rank, direction.length / rank], 'f32'), { positions: 'all', excludeBos: tokens.excludeBos }) : null;
  if (iv) iv.normalize();
  const hooks = iv ? hooksFor([iv], model.arch.layers) : null;
  const teachers = new TeacherCache(model, site, padId);
  for (let i = 0; i < tokens.examples.length; i += bs) {
    const batch = tokens.examples.slice(i, i + bs);
    const t = teachers.get(batch);
    const r = tidy(() =>
      noGrad(() => {
        const b = padBatch(batch.map((e) => e.base.ids), padId);
        if (iv) {
          iv.source = fromStorage(t.source, [batch.length, t.width], 'f32');
          iv.mask = baseMask(batch.map((e) => e.base), b.pad, b.T, basePos, tokens.excludeBos);
        }
        const logits = model.forward(b.ids, { hooks, padding: b.padding });
        const rows = responseRows(batch.map((e) => e.base), b.pad, b.T);
        return { loss: responseJsd(logits, rows, t.logits).item(), n: rows.length };
      }),
    );
    sum += r.loss * r.n;
    count += r.n;
    if (iv) {
      iv.source = null;
      iv.mask = null;
    }
  }
  return sum / count;
}
