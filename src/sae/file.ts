// NAME.sae.safetensors: the SAE's tensors (w_enc, b_enc, w_dec, b_dec) and a `steerling_sae`
// metadata entry (JSON) laid out as an artifact's: format, name, method ("sae"), settings, the
// model fingerprint (through the SAE's layer), training facts, stats, created; plus `sae` (site,
// activation, k, width, d, input_scale). A training checkpoint is the same file with Adam's
// moments, each latent's last firing, and the step, so `sae train --resume` continues it.

import { writeSafetensors } from '../io/safetensors-write.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import type { DecoderModel } from '../models/decoder.js';
import { parseSite } from '../models/hooks.js';
import { fingerprint, mismatch, type ModelFingerprint } from '../artifact/fingerprint.js';
import { escapeControl } from '../util/escape.js';
import type { Sae, SaeActivation } from './sae.js';
import type { SaeState, StepInfo } from './train.js';

export const SAE_FORMAT = 1;
const KEY = 'steerling_sae';

export interface SaeMeta {
  format: number;
  name: string;
  method: 'sae';
  settings: Record<string, unknown>;
  model: ModelFingerprint;
  training: { corpus: string; tokens: number; steps: number; seed: number; final_loss: number | null };
  stats: Record<string, number>;
  sae: { site: string; activation: SaeActivation; k: number | null; width: number; d: number; input_scale: number };
  created: string;
  /** Present in checkpoints only. */
  checkpoint?: { step: number; total: number; tokens_seen: number; options: SaeState['options']; history: StepInfo[] };
}

export interface SaeFile {
  meta: SaeMeta;
  sae: Sae;
}

function tensorsOf(s: Sae): Map<string, Tensor> {
  return new Map([
    ['w_enc', fromStorage(s.wEnc, [s.width, s.d], 'f32')],
    ['b_enc', fromStorage(s.bEnc, [s.width], 'f32')],
    ['w_dec', fromStorage(s.wDec, [s.width, s.d], 'f32')],
    ['b_dec', fromStorage(s.bDec, [s.d], 'f32')],
  ]);
}

export function saeMeta(model: DecoderModel, s: Sae, o: { name: string; hubId?: string | null; settings: Record<string, unknown>; training: SaeMeta['training']; stats: Record<string, number> }): SaeMeta {
  const layer = parseSite(s.site, model.arch.layers).layer ?? model.arch.layers - 1;
  return {
    format: SAE_FORMAT, name: o.name, method: 'sae', settings: o.settings, model: fingerprint(model, layer, o.hubId ?? null), training: o.training, stats: o.stats,
    sae: { site: s.site, activation: s.activation, k: s.k, width: s.width, d: s.d, input_scale: s.inputScale }, created: new Date().toISOString(),
  };
}

export function saveSae(path: string, f: SaeFile): void {
  writeSafetensors(path, tensorsOf(f.sae), { [KEY]: JSON.stringify(f.meta) });
}

export function saveSaeCheckpoint(path: string, meta: SaeMeta, state: SaeState): void {
  const t = tensorsOf(state.sae);
  state.adam.m.forEach((a, i) => t.set(`adam_m.${i}`, fromStorage(a, [a.length], 'f32')));
  state.adam.v.forEach((a, i) => t.set(`adam_v.${i}`, fromStorage(a, [a.length], 'f32')));
  // Tokens since each latent last fired (f32 holds these counts exactly far past any training run here).
  t.set('since_fired', fromStorage(Float32Array.from(state.lastFired, (l) => state.tokensSeen - l), [state.lastFired.length], 'f32'));
  const checkpoint = { step: state.step, total: state.total, tokens_seen: state.tokensSeen, options: state.options, history: state.history };
  writeSafetensors(path, t, { [KEY]: JSON.stringify({ ...meta, checkpoint }) });
}

function fail(path: string, msg: string): never {
  throw new Error(`${escapeControl(path)}: not a valid SAE file: ${escapeControl(msg)}`);
}

function floats(f: SafetensorsFile, path: string, name: string, shape: number[]): Float32Array {
  if (!f.has(name)) fail(path, `it has no tensor ${name}`);
  const t = f.get(name);
  if (t.shape.length !== shape.length || t.shape.some((x, i) => x !== shape[i])) fail(path, `${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  const v = Float32Array.from(t.toFloat('f32').data as Float32Array);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) fail(path, `${name} holds ${v[i]} at index ${i}`);
  return v;
}

export function loadSae(path: string): SaeFile & { file: SafetensorsFile } {
  let f: SafetensorsFile;
  try {
    f = SafetensorsFile.open(path);
  } catch (e) {
    throw new Error(`${escapeControl(path)}: cannot read the SAE file (${(e as Error).message})`);
  }
  const raw = f.metadata[KEY];
  if (raw === undefined) fail(path, `no "${KEY}" metadata entry (train one with steerling sae train)`);
  let meta: SaeMeta;
  try {
    meta = JSON.parse(raw) as SaeMeta;
  } catch (e) {
    fail(path, `metadata is not JSON (${(e as Error).message})`);
  }
  const s = meta.sae;
  if (meta.format !== SAE_FORMAT) fail(path, `format ${String(meta.format)} (this steerling reads ${SAE_FORMAT})`);
  if (!s || typeof s.site !== 'string' || !Number.isInteger(s.width) || !Number.isInteger(s.d) || s.width < 1 || s.d < 1) fail(path, 'its "sae" entry needs site, width and d');
  if (s.activation !== 'topk' && s.activation !== 'relu') fail(path, `activation must be topk or relu, got ${JSON.stringify(s.activation)}`);
  if (s.activation === 'topk' && !(Number.isInteger(s.k) && s.k! >= 1 && s.k! <= s.width)) fail(path, `k must be an integer in [1, ${s.width}], got ${JSON.stringify(s.k)}`);
  if (!(typeof s.input_scale === 'number' && s.input_scale > 0 && Number.isFinite(s.input_scale))) fail(path, `input_scale must be a positive number, got ${JSON.stringify(s.input_scale)}`);
  const sae: Sae = {
    site: s.site, activation: s.activation, k: s.activation === 'topk' ? s.k : null, d: s.d, width: s.width, inputScale: s.input_scale,
    wEnc: floats(f, path, 'w_enc', [s.width, s.d]), bEnc: floats(f, path, 'b_enc', [s.width]), wDec: floats(f, path, 'w_dec', [s.width, s.d]), bDec: floats(f, path, 'b_dec', [s.d]),
  };
  return { meta, sae, file: f };
}

/** The training state of a checkpoint file. */
export function loadSaeCheckpoint(path: string): { meta: SaeMeta; state: SaeState } {
  const { meta, sae, file } = loadSae(path);
  const c = meta.checkpoint;
  if (!c) fail(path, 'it is a finished SAE, not a training checkpoint');
  const vec = (name: string) => Float32Array.from(file.get(name).toFloat('f32').data as Float32Array);
  const state: SaeState = {
    sae, step: c.step, total: c.total, tokensSeen: c.tokens_seen, options: c.options, history: c.history,
    adam: { step: c.step, m: [0, 1, 2, 3].map((i) => vec(`adam_m.${i}`)), v: [0, 1, 2, 3].map((i) => vec(`adam_v.${i}`)) },
    lastFired: Float64Array.from(vec('since_fired'), (s) => c.tokens_seen - s),
  };
  return { meta, state };
}

/** Refuses an SAE trained on another model (the fingerprint through its layer), unless forced. */
export function checkSaeFits(f: SaeFile, model: DecoderModel, path: string): void {
  const why = mismatch(f.meta.model, model);
  if (why) throw new Error(`${escapeControl(path)}: the SAE was trained on another model (${why}); --force uses it anyway`);
}
