// RoPE inverse frequencies and the scaling variants Hugging Face configs name, computed as
// transformers' `ROPE_INIT_FUNCTIONS` (modeling_rope_utils.py) do: default, linear, llama3, yarn
// and dynamic (NTK-aware, recomputed from the sequence length).

/** The `rope_scaling` block of a Hugging Face config (both spellings of the type key). */
export interface RopeScaling {
  rope_type?: string;
  type?: string;
  factor?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  original_max_position_embeddings?: number;
  attention_factor?: number | null;
  beta_fast?: number | null;
  beta_slow?: number | null;
  mscale?: number | null;
  mscale_all_dim?: number | null;
  truncate?: boolean | null;
}

export interface RopeInvFreqOptions {
  headDim: number;
  /** rope_theta (the base). */
  theta: number;
  /** Rotated features per head (partial rotary); default headDim. */
  rotaryDim?: number;
  scaling?: RopeScaling | null;
  /**
   * The model's max_position_embeddings: the original length of `dynamic` scaling, and of `yarn`
   * when rope_scaling has no original_max_position_embeddings (transformers fills it in the same way).
   */
  maxPositions?: number;
  /** `dynamic` only: the sequence length (largest position + 1) the frequencies are for. */
  seqLen?: number;
  /** How messages name the scaling block, e.g. `config.json: field "rope_scaling"`. */
  label?: string;
}

export interface RopeParameters {
  invFreq: Float64Array;
  /**
   * What transformers multiplies cos and sin by (its `attention_scaling`): 1 except for yarn. Both
   * rotated q and k carry it, so attention scores grow by its square.
   */
  attentionFactor: number;
}

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3', 'yarn', 'dynamic'] as const;

/** The scaling's type ('default' when there is none). */
export function ropeTypeOf(s: RopeScaling | null | undefined): string {
  return s ? (s.rope_type ?? s.type ?? 'default') : 'default';
}

/** Reads the numeric fields of one scaling block, each error naming the block, type and field. */
class Fields {
  constructor(
    private readonly s: RopeScaling,
    private readonly type: string,
    private readonly label: string,
  ) {}

  fail(key: string, expected: string): never {
    throw new Error(`${this.label} of type '${this.type}' needs ${expected}, got ${JSON.stringify(this.s[key as keyof RopeScaling])}`);
  }

  need(key: keyof RopeScaling): number {
    const v = this.s[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `a numeric '${key}'`);
    return v;
  }

  /** A number, or undefined when absent or null (configs write optional fields as null). */
  opt(key: keyof RopeScaling): number | undefined {
    const v = this.s[key];
    return v === undefined || v === null ? undefined : this.need(key);
  }

  /** `factor`: a number ≥ 1, as transformers' validation asks of every scaling type. */
  factor(): number {
    const f = this.need('factor');
    if (!(f >= 1)) this.fail('factor', `'factor' ≥ 1`);
    return f;
  }
}

/** transformers' get_mscale: YaRN's attention temperature for a context stretched by `scale`. */
function mscaleOf(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Inverse frequencies invFreq[i] = theta^(−2i/rotaryDim), i < rotaryDim/2, with the scaling
 * Hugging Face applies, and the attention factor that goes with it:
 * - 'linear': ÷ factor;
 * - 'llama3' (`_compute_llama3_parameters`): long wavelengths ÷ factor, short ones kept, smooth
 *   interpolation between;
 * - 'yarn' (`_compute_yarn_parameters`): per frequency, a ramp between kept (fast rotations,
 *   beta_fast) and ÷ factor (slow, beta_slow) over the original context, plus an attention factor
 *   (given, or 0.1·ln(factor) + 1, or the ratio of the mscale/mscale_all_dim forms);
 * - 'dynamic' (`_compute_dynamic_ntk_parameters`): unscaled up to maxPositions; beyond, the base
 *   grows to theta·(factor·seqLen/maxPositions − (factor − 1))^(d/(d−2)).
 * Values are rounded to f32 because Hugging Face keeps inv_freq as a float32 buffer, and
 * positions × inv_freq in f32 is what the models were trained with.
 */
export function ropeParameters(opts: RopeInvFreqOptions): RopeParameters {
  const { headDim, theta } = opts;
  const dim = opts.rotaryDim ?? headDim;
  if (!Number.isInteger(headDim) || headDim <= 0) throw new Error(`ropeInvFreq: headDim must be a positive integer, got ${headDim}`);
  if (!Number.isInteger(dim) || dim <= 0 || dim % 2 !== 0 || dim > headDim) throw new Error(`ropeInvFreq: rotaryDim must be an even integer in [2, headDim=${headDim}], got ${dim}`);
  if (!(Number.isFinite(theta) && theta > 0)) throw new Error(`ropeInvFreq: theta must be a positive number, got ${theta}`);
  const s = opts.scaling ?? null;
  const type = ropeTypeOf(s);
  const label = opts.label ?? 'ropeInvFreq: rope_scaling';
  if (!(SUPPORTED_ROPE_TYPES as readonly string[]).includes(type)) {
    throw new Error(`${label}: rope scaling type '${type}' is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`);
  }
  const f = new Fields(s ?? {}, type, label);
  const half = dim / 2;
  let base = theta;
  if (type === 'dynamic') base = dynamicBase(f, opts, dim);
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / base ** ((2 * i) / dim);

  let attentionFactor = 1;
  if (type === 'linear') {
    const factor = f.factor();
    for (let i = 0; i < half; i++) inv[i] = inv[i]! / factor;
  } else if (type === 'llama3') {
    llama3(inv, f);
  } else if (type === 'yarn') {
    attentionFactor = yarn(inv, f, s!, opts, dim);
  }
  for (let i = 0; i < half; i++) inv[i] = Math.fround(inv[i]!);
  return { invFreq: inv, attentionFactor };
}

/** The inverse frequencies alone (see ropeParameters). */
export function ropeInvFreq(opts: RopeInvFreqOptions): Float64Array {
  return ropeParameters(opts).invFreq;
}

function llama3(inv: Float64Array, f: Fields): void {
  const factor = f.factor();
  const lowFreqFactor = f.need('low_freq_factor');
  const highFreqFactor = f.need('high_freq_factor');
  const oldContextLen = f.need('original_max_position_embeddings');
  const lowFreqWavelen = oldContextLen / lowFreqFactor;
  const highFreqWavelen = oldContextLen / highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const x = inv[i]!;
    const wavelen = (2 * Math.PI) / x;
    if (wavelen < highFreqWavelen) continue; // high frequency: kept
    if (wavelen > lowFreqWavelen) {
      inv[i] = x / factor; // low frequency: fully scaled
    } else {
      const smooth = (oldContextLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[i] = ((1 - smooth) * x) / factor + smooth * x;
    }
  }
}

function positiveLength(f: Fields, v: number | undefined, what: string): number {
  if (v === undefined) f.fail('original_max_position_embeddings', what);
  if (!(v > 0)) f.fail('original_max_position_embeddings', `a positive ${what}`);
  return v;
}

/** Applies YaRN to the unscaled frequencies in place; returns the attention factor. */
function yarn(inv: Float64Array, f: Fields, s: RopeScaling, opts: RopeInvFreqOptions, dim: number): number {
  const factor = f.factor();
  const original = positiveLength(f, f.opt('original_max_position_embeddings') ?? opts.maxPositions, `'original_max_position_embeddings' (or the model's max_position_embeddings)`);
  let attentionFactor = f.opt('attention_factor');
  if (attentionFactor !== undefined && !(attentionFactor > 0)) f.fail('attention_factor', `a positive 'attention_factor'`);
  if (attentionFactor === undefined) {
    const mscale = f.opt('mscale');
    const mscaleAllDim = f.opt('mscale_all_dim');
    // transformers tests both for truthiness: a 0 means "not set".
    attentionFactor = mscale && mscaleAllDim ? mscaleOf(factor, mscale) / mscaleOf(factor, mscaleAllDim) : mscaleOf(factor);
  }
  const betaFast = f.opt('beta_fast') || 32;
  const betaSlow = f.opt('beta_slow') || 1;
  const truncate = s.truncate ?? true;
  if (typeof truncate !== 'boolean') f.fail('truncate', `'truncate' true or false`);
  // The dimension whose frequency turns `rotations` times over the original context.
  const correctionDim = (rotations: number) => (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(opts.theta));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // as transformers: avoids dividing by zero
  for (let i = 0; i < inv.length; i++) {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low))); // 0: kept, 1: interpolated
    inv[i] = (inv[i]! / factor) * ramp + inv[i]! * (1 - ramp);
  }
  return attentionFactor;
}

/** Dynamic NTK's base for the sequence length asked for (theta itself up to maxPositions). */
function dynamicBase(f: Fields, opts: RopeInvFreqOptions, dim: number): number {
  const factor = f.factor();
  const maxPositions = opts.maxPositions;
  if (maxPositions === undefined || !(maxPositions > 0)) {
    throw new Error(`${opts.label ?? 'ropeInvFreq: rope_scaling'} of type 'dynamic' needs the model's max_position_embeddings (maxPositions), got ${maxPositions}`);
  }
  const seqLen = opts.seqLen ?? maxPositions;
  if (!(Number.isFinite(seqLen) && seqLen > 0)) throw new Error(`ropeInvFreq: seqLen must be a positive number, got ${seqLen}`);
  // At or below the original length the ratio is 1: keep theta exactly (1 ** Infinity is NaN in JS).
  if (seqLen <= maxPositions) return opts.theta;
  return opts.theta * ((factor * seqLen) / maxPositions - (factor - 1)) ** (dim / (dim - 2));
}
