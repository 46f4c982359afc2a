// Checking an artifact as what it is: data from strangers, shared like model files. Every field of
// the metadata has its type and bounds checked, and every tensor an intervention names its dtype,
// values and shape, so that a hostile or broken file fails on load with one line naming the field
// (never a crash later, a hang, or a 200 with garbage text).
//
// Shapes: an intervention's vectors live in its site's width. The metadata records the model's
// hidden size, so residual-width sites are checked on load; attn.z and mlp.act widths (heads,
// intermediate size) are checked against the model when the artifact is applied (siteDims).
import type { Tensor } from '../tensor/tensor.js';
import type { DecoderModel } from '../models/decoder.js';
import { parseSite, type ParsedSite } from '../models/hooks.js';
import { INTERVENTION_KINDS } from '../intervene/registry.js';
import { validatePositions } from '../intervene/positions.js';
import { weightEditTarget } from '../intervene/weight-edit.js';
import { shownValue } from '../util/escape.js';
import { ARTIFACT_FORMAT, MAX_STRENGTH, type ArtifactMeta, type InterventionRecord } from './artifact.js';

/** Largest `steerling` metadata entry (JSON) read. Real ones are a few KB. */
export const MAX_META_BYTES = 4 * 1024 * 1024;
/** Most interventions one artifact may hold (a method at every site of a 100-layer model needs < 1,000). */
export const MAX_INTERVENTIONS = 4096;
/** Deepest nesting of settings and stats (free-form JSON, printed by inspect). */
const MAX_DEPTH = 32;
const FLOAT_DTYPES = new Set(['f32', 'f16', 'bf16', 'f64']);

/** A field that is wrong: `field` is its path (interventions[0].default_strength). */
export class ArtifactFieldError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`${field} ${problem}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function obj(v: unknown, field: string): Obj {
  if (!isObj(v)) throw new ArtifactFieldError(field, `must be an object, got ${shownValue(v)}`);
  return v;
}

function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw new ArtifactFieldError(field, `must be a string, got ${shownValue(v)}`);
  if (v.length > max) throw new ArtifactFieldError(field, `is ${v.length} characters long (at most ${max})`);
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ArtifactFieldError(field, `must be an integer in [${min}, ${max}], got ${shownValue(v)}`);
  return v;
}

function finite(v: unknown, field: string, bound = Number.MAX_VALUE): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArtifactFieldError(field, `must be a finite number, got ${shownValue(v)}`);
  if (Math.abs(v) > bound) throw new ArtifactFieldError(field, `is ${v}, past ±${bound.toExponential()}`);
  return v;
}

function orNull<T>(check: (v: unknown, field: string) => T): (v: unknown, field: string) => T | null {
  return (v, field) => (v === null ? null : check(v, field));
}

/** Free-form JSON (settings, stats) nested at most MAX_DEPTH deep, checked without recursion. */
function shallow(v: unknown, field: string): void {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= MAX_DEPTH) throw new ArtifactFieldError(field, `is nested more than ${MAX_DEPTH} levels deep`);
    for (const y of Object.values(x as Obj)) stack.push([y, d + 1]);
  }
}

function checkFingerprint(v: unknown): ArtifactMeta['model'] {
  const m = obj(v, 'model');
  const numLayers = int(m['num_layers'], 'model.num_layers', 1, 100_000);
  str(m['model_type'], 'model.model_type', 128);
  int(m['hidden_size'], 'model.hidden_size', 1, 1 << 20);
  int(m['vocab_size'], 'model.vocab_size', 1, 1 << 24);
  str(m['config_hash'], 'model.config_hash', 128);
  str(m['weights_hash'], 'model.weights_hash', 128);
  int(m['weights_through_layer'], 'model.weights_through_layer', 0, numLayers - 1);
  orNull((x, f) => str(x, f, 512))(m['hub_id'], 'model.hub_id');
  return m as unknown as ArtifactMeta['model'];
}

function checkRecord(v: unknown, i: number, numLayers: number): InterventionRecord {
  const at = `interventions[${i}]`;
  const r = obj(v, at);
  const site = str(r['site'], `${at}.site`, 64);
  try {
    parseSite(site, numLayers);
  } catch (e) {
    throw new ArtifactFieldError(`${at}.site`, `is not a site of this ${numLayers}-layer model: ${(e as Error).message}`);
  }
  const kind = str(r['kind'], `${at}.kind`, 32);
  if (!Object.hasOwn(INTERVENTION_KINDS, kind)) throw new ArtifactFieldError(`${at}.kind`, `is ${shownValue(kind)}, not one of ${Object.keys(INTERVENTION_KINDS).join(', ')}`);
  try {
    validatePositions(r['positions']);
  } catch (e) {
    throw new ArtifactFieldError(`${at}.positions`, (e as Error).message);
  }
  if (r['excludeBos'] !== undefined && typeof r['excludeBos'] !== 'boolean') throw new ArtifactFieldError(`${at}.excludeBos`, `must be true or false, got ${shownValue(r['excludeBos'])}`);
  const tensors = obj(r['tensors'], `${at}.tensors`);
  const roles = Object.keys(tensors);
  if (roles.length === 0 || roles.length > 16) throw new ArtifactFieldError(`${at}.tensors`, `must name 1 to 16 tensors, got ${roles.length}`);
  for (const role of roles) {
    str(role, `${at}.tensors role`, 64);
    str(tensors[role], `${at}.tensors.${role}`, 512);
  }
  finite(r['default_strength'], `${at}.default_strength`, MAX_STRENGTH);
  const range = r['strength_range'];
  if (!Array.isArray(range) || range.length !== 2) throw new ArtifactFieldError(`${at}.strength_range`, `must be [low, high], got ${shownValue(range)}`);
  const [lo, hi] = [finite(range[0], `${at}.strength_range[0]`, MAX_STRENGTH), finite(range[1], `${at}.strength_range[1]`, MAX_STRENGTH)];
  if (lo > hi) throw new ArtifactFieldError(`${at}.strength_range`, `is [${lo}, ${hi}]: its low end is above its high end`);
  if (r['values'] !== undefined) {
    const vals = obj(r['values'], `${at}.values`);
    const keys = Object.keys(vals);
    if (keys.length > 64) throw new ArtifactFieldError(`${at}.values`, `has ${keys.length} entries (at most 64)`);
    for (const k of keys) {
      str(k, `${at}.values key`, 64);
      finite(vals[k], `${at}.values.${k}`);
    }
  }
  return r as unknown as InterventionRecord;
}

function checkTraining(v: unknown): void {
  const t = obj(v, 'training');
  orNull((x, f) => str(x, f, 128))(t['data_hash'], 'training.data_hash');
  int(t['examples'], 'training.examples', 0, Number.MAX_SAFE_INTEGER);
  int(t['steps'], 'training.steps', 0, Number.MAX_SAFE_INTEGER);
  orNull(finite)(t['seed'], 'training.seed');
  orNull(finite)(t['final_loss'], 'training.final_loss');
}

function checkStats(v: unknown): void {
  const s = obj(v, 'stats');
  const keys = Object.keys(s);
  if (keys.length > 1024) throw new ArtifactFieldError('stats', `has ${keys.length} entries (at most 1024)`);
  for (const k of keys) {
    str(k, 'stats key', 128);
    const x = s[k];
    // A method's NaN (an undefined statistic) is written by JSON as null.
    const ok = (y: unknown) => y === null || (typeof y === 'number' && Number.isFinite(y));
    if (!(ok(x) || (Array.isArray(x) && x.length <= 1 << 16 && x.every(ok)))) throw new ArtifactFieldError(`stats.${k}`, `must be a number or a list of numbers, got ${shownValue(x)}`);
  }
}

/** Checks parsed `steerling` metadata field by field; returns it typed. */
export function checkArtifactMeta(v: unknown): ArtifactMeta {
  const m = obj(v, 'the metadata');
  if (m['format'] !== ARTIFACT_FORMAT) throw new ArtifactFieldError('format', `is ${shownValue(m['format'])}; this steerling reads format ${ARTIFACT_FORMAT}`);
  str(m['name'], 'name', 1024);
  str(m['method'], 'method', 128);
  shallow(obj(m['settings'], 'settings'), 'settings');
  const fp = checkFingerprint(m['model']);
  const ivs = m['interventions'];
  if (!Array.isArray(ivs) || ivs.length === 0) throw new ArtifactFieldError('interventions', `must be a non-empty list, got ${shownValue(ivs)}`);
  if (ivs.length > MAX_INTERVENTIONS) throw new ArtifactFieldError('interventions', `has ${ivs.length} entries (at most ${MAX_INTERVENTIONS})`);
  ivs.forEach((r, i) => checkRecord(r, i, fp.num_layers));
  checkTraining(m['training']);
  if (m['stats'] !== undefined) {
    shallow(m['stats'], 'stats');
    checkStats(m['stats']);
  }
  str(m['created'], 'created', 64);
  return m as unknown as ArtifactMeta;
}

/** The widths sites have: the hidden size always, the others when the model is at hand. */
export interface SiteDims {
  hidden: number | null;
  heads: number | null;
  headDim: number | null;
  intermediate: number | null;
}

export function siteDims(model: DecoderModel): SiteDims {
  const a = model.arch;
  return { hidden: a.hidden ?? null, heads: a.heads ?? null, headDim: a.headDim ?? null, intermediate: a.intermediate ?? null };
}

const headsWidth = (d: SiteDims) => (d.heads !== null && d.headDim !== null ? d.heads * d.headDim : null);

/** Width of the flattened activation at a site, or null when `dims` do not say. */
function siteWidth(s: ParsedSite, d: SiteDims): number | null {
  if (s.kind === 'attn.z') return headsWidth(d);
  if (s.kind === 'mlp.act') return d.intermediate;
  return d.hidden;
}

/**
 * Checks an intervention's tensors: dtype, finite values (`values`: on load, once), and the roles
 * and shapes its kind needs at its site. `get` returns the tensor stored under a role.
 */
export function checkRecordTensors(rec: InterventionRecord, at: string, get: (role: string) => Tensor | undefined, dims: SiteDims, values = false): void {
  const roles = Object.keys(rec.tensors);
  for (const role of roles) {
    const field = `${at}.tensors.${role} (${rec.tensors[role]})`;
    const t = get(role);
    if (!t) throw new ArtifactFieldError(field, 'is not in the file');
    if (!FLOAT_DTYPES.has(t.dtype)) throw new ArtifactFieldError(field, `has dtype ${t.dtype}; steering tensors are floating point (f32, f16, bf16, f64)`);
    if (t.rank < 1 || t.rank > 2 || t.size === 0) throw new ArtifactFieldError(field, `has shape [${t.shape.join(', ')}]; steering tensors are non-empty vectors or matrices`);
    if (values) {
      const data = t.toFloat('f32').data as Float32Array;
      for (let j = 0; j < data.length; j++) {
        if (!Number.isFinite(data[j]!)) throw new ArtifactFieldError(field, `holds ${data[j]} at index ${j}; every value must be finite`);
      }
    }
  }
  const site = parseSite(rec.site, Number.MAX_SAFE_INTEGER);
  const w = siteWidth(site, dims);
  const need = (role: string): Tensor => {
    const t = get(role);
    if (!t) throw new ArtifactFieldError(`${at}.tensors`, `has no "${role}" tensor, which a ${rec.kind} intervention needs`);
    return t;
  };
  const shape = (role: string, want: (number | null)[], alt?: (number | null)[]): Tensor => {
    const t = need(role);
    const fits = (ws: (number | null)[]) => t.rank === ws.length && ws.every((x, k) => x === null || t.shape[k] === x);
    if (!fits(want) && !(alt && fits(alt))) {
      const show = (ws: (number | null)[]) => `[${ws.map((x) => x ?? '·').join(', ')}]`;
      throw new ArtifactFieldError(`${at}.tensors.${role} (${rec.tensors[role]})`, `has shape [${t.shape.join(', ')}]; a ${rec.kind} at ${rec.site} needs ${show(want)}${alt ? ` or ${show(alt)}` : ''}`);
    }
    return t;
  };
  // Directions at attn.z may keep the per-head shape [heads, head_dim].
  const vector = (role: string) => shape(role, [w], site.kind === 'attn.z' ? [dims.heads, dims.headDim] : undefined);
  const rows = (role: string): number => {
    const r = shape(role, [null, w]);
    if (r.shape[0]! > r.shape[1]!) throw new ArtifactFieldError(`${at}.tensors.${role} (${rec.tensors[role]})`, `has shape [${r.shape.join(', ')}]; its rank (rows) must not exceed its width`);
    return r.shape[0]!;
  };
  switch (rec.kind) {
    case 'add':
    case 'add-renorm':
    case 'ablate':
    case 'clamp':
      vector('direction');
      break;
    case 'rotate': {
      const d = vector('direction');
      if (roles.includes('plane')) shape('plane', [...d.shape]);
      break;
    }
    case 'affine':
      if (roles.includes('scale')) {
        vector('scale');
        vector('bias');
      } else {
        const r = rows('rotation');
        shape('weight', [r, w ?? need('rotation').shape[1]!]);
        shape('bias', [r]);
      }
      break;
    case 'interchange':
      rows('rotation');
      break;
    case 'sae-latent': {
      // λ [width], the SAE's encoder and decoder [width, d], its biases; values: input_scale > 0, k (0: ReLU).
      const W = shape('latent', [null]).shape[0]!;
      shape('w_enc', [W, w]);
      shape('w_dec', [W, w]);
      shape('b_enc', [W]);
      shape('b_dec', [w]);
      const scale = rec.values?.['input_scale'];
      if (!(scale !== undefined && scale > 0)) throw new ArtifactFieldError(`${at}.values.input_scale`, `must be a positive number, got ${String(scale)}`);
      const k = rec.values?.['k'] ?? 0;
      if (!(Number.isInteger(k) && k >= 0 && k <= W)) throw new ArtifactFieldError(`${at}.values.k`, `must be an integer in [0, ${W}] (0: a ReLU SAE), got ${k}`);
      break;
    }
    case 'weight-edit': {
      let target;
      try {
        target = weightEditTarget(rec.site);
      } catch (e) {
        throw new ArtifactFieldError(`${at}.site`, `is not a weight-edit site: ${(e as Error).message}`);
      }
      shape('delta_u', [dims.hidden]);
      shape('delta_k', [target.proj === 'o_proj' ? headsWidth(dims) : dims.intermediate]);
      break;
    }
  }
}
