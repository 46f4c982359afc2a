// What SAE users look at, measured on held-out tokens: fraction of variance unexplained (FVU,
// ‖x − x̂‖² summed over tokens / the tokens' total variance about their mean), L0 (mean active
// latents per token), dead latents (share that never fire on those tokens), and the increase in
// next-token loss when the reconstruction replaces the activation at the site (every position but
// each text's first), against the clean model on the same texts.

import type { DecoderModel } from '../models/decoder.js';
import { Hooks } from '../models/hooks.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { sortedBatches } from '../activations/sorted-batches.js';
import { encodeTensor, decodeTensor, saeTensors, type Sae } from './sae.js';

export interface SaeMetrics {
  fvu: number;
  l0: number;
  /** Share of latents that never fired on the measured tokens. */
  dead: number;
  /** Mean next-token loss (nats) clean, with the SAE spliced in, and the difference. */
  loss: { clean: number; spliced: number; delta: number };
  tokens: number;
}

/** Codes of rows in chunks (bounded memory): calls back with each chunk's codes. */
export function forEachCode(sae: Sae, x: Float32Array, rows: number, each: (z: Float32Array, first: number, n: number) => void, chunk = 4096): void {
  const d = sae.d;
  const p = saeTensors(sae);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    tidy(() =>
      noGrad(() => {
        const xt = ops.scale(fromStorage(x.subarray(r0 * d, (r0 + n) * d), [n, d], 'f32'), sae.inputScale);
        each(encodeTensor(p, xt, sae.activation, sae.k).z.toFloat('f32').data as Float32Array, r0, n);
      }),
    );
  }
}

export function reconstructionStats(sae: Sae, x: Float32Array, rows: number): { fvu: number; l0: number; dead: number } {
  const d = sae.d;
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j]! / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) total += (x[r * d + j]! - mean[j]!) ** 2;
  let resid = 0;
  let active = 0;
  const fired = new Uint8Array(sae.width);
  const p = saeTensors(sae);
  forEachCode(sae, x, rows, (z, r0, n) => {
    for (let r = 0; r < n; r++) for (let i = 0; i < sae.width; i++) if (z[r * sae.width + i]! > 0) (fired[i] = 1), active++;
    tidy(() =>
      noGrad(() => {
        const xh = ops.scale(decodeTensor(p, fromStorage(z, [n, sae.width], 'f32')), 1 / sae.inputScale).toFloat('f32').data as Float32Array;
        for (let k = 0; k < n * d; k++) resid += (x[(r0 * d) + k]! - xh[k]!) ** 2;
      }),
    );
  });
  let live = 0;
  for (const f of fired) live += f;
  return { fvu: resid / total, l0: active / rows, dead: 1 - live / sae.width };
}

/** Hooks that replace the activation at the SAE's site by its reconstruction, except each row's first real token. */
export function spliceHooks(sae: Sae): Hooks {
  const p = saeTensors(sae);
  const hooks = new Hooks();
  hooks.add(sae.site, (h, ctx) => {
    const [B, T, d] = [h.shape[0]!, h.shape[1]!, h.shape[2]!];
    const x = ops.scale(ops.reshape(h.toFloat('f32'), [B * T, d]), sae.inputScale);
    const xh = ops.reshape(ops.scale(decodeTensor(p, encodeTensor(p, x, sae.activation, sae.k).z), 1 / sae.inputScale), [B, T, d]);
    const keep = new Float32Array(B * T);
    // Decode steps (offset > 0) hold no first token.
    if (ctx.offset === 0) for (let b = 0; b < B; b++) keep[b * T + (ctx.padding?.[b] ?? 0)] = 1;
    const m = fromStorage(keep, [B, T, 1], 'f32');
    return ops.add(ops.mul(h.toFloat('f32'), m), ops.mul(xh, ops.affine(m, -1, 1))) as Tensor;
  });
  return hooks;
}

/** Mean next-token cross-entropy over every predicted token of the texts, with optional hooks. */
export function meanNextTokenLoss(model: DecoderModel, texts: readonly (readonly number[])[], hooks: Hooks | null, batchSize = 16): number {
  let sum = 0;
  let count = 0;
  for (const { batch, T, padding, ids } of sortedBatches(texts.map((ids) => ({ ids })), batchSize)) {
    tidy(() =>
      noGrad(() => {
        const B = batch.length;
        const logits = model.forward(fromStorage(ids, [B, T], 'i32'), { hooks, padding: padding.some((q) => q > 0) ? padding : null });
        const targets = new Int32Array(B * T).fill(-100);
        batch.forEach((e, b) => {
          for (let t = 0; t + 1 < e.ids.length; t++) targets[b * T + padding[b]! + t] = e.ids[t + 1]!;
          count += e.ids.length - 1;
        });
        const V = logits.shape[2]!;
        sum += ops.crossEntropy(ops.reshape(logits.toFloat('f32'), [B * T, V]), fromStorage(targets, [B * T], 'i32'), { reduction: 'sum' }).item();
      }),
    );
  }
  return sum / count;
}

export function saeMetrics(model: DecoderModel, sae: Sae, held: { x: Float32Array; rows: number; texts: readonly (readonly number[])[] }): SaeMetrics {
  const r = reconstructionStats(sae, held.x, held.rows);
  const clean = meanNextTokenLoss(model, held.texts, null);
  const spliced = meanNextTokenLoss(model, held.texts, spliceHooks(sae));
  return { ...r, loss: { clean, spliced, delta: spliced - clean }, tokens: held.rows };
}
