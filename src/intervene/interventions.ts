// Interventions at hook sites. Each edits the activation at the positions it selects and carries
// gradients to its own parameters, so the same objects are trained (CDAS, RePS, ...) and applied
// (generation, serving). Directions live in the site's trailing shape: [d_model] for residual
// sites, [n_heads, d_head] for attn.z, [d_mlp] for mlp.act.
//
//   add          h + s·v
//   ablate       h − s·(h·v̂)v̂                      (s = 1 removes the direction)
//   clamp        h + (o + s·(a − o) − h·v̂)v̂        (sets the projection to o + s·(a − o); origin o = 0 → s·a)
//   affine       h + s·Rᵀ(W h + b − R h)             (LoReFT-style low-rank edit)
//                h + s·(ω⊙h + b − h)                 (coordinate-wise, LinEAS: tensors scale ω, bias b)
//   interchange  h + s·Rᵀ(R x_src − R h)             (distributed interchange, DAS/CDAS)
//   add-renorm   (h + s·v)·‖h‖/‖h + s·v‖             (add, then back to the token's own norm: GrAInS)
//   rotate       turn h by s degrees, keeping ‖h‖: toward v̂ in the plane of h and v̂, or inside a
//                fixed plane (v̂, b2) (Selective Steering); optionally only where h·v̂ > threshold
//   weight-edit  out + s·u (kᵀx), x the projection's input (a rank-1 edit of o_proj / down_proj; weight-edit.ts)
//   sae-latent   h + W_decᵀ(ReLU(z + s·λ) − z)/c, z the SAE code of h (YaPO's sparse vector λ; sae-latent.ts)

import type { Tensor } from '../tensor/tensor.js';
import { fromStorage } from '../tensor/tensor.js';
import * as ops from '../tensor/ops/index.js';
import { fmt } from '../tensor/shape.js';
import type { HookContext, HookFn } from '../models/hooks.js';
import { positionMask, type PositionSpec } from './positions.js';

export type InterventionKind = 'add' | 'add-renorm' | 'ablate' | 'clamp' | 'affine' | 'interchange' | 'rotate' | 'weight-edit' | 'sae-latent';

export interface InterventionOptions {
  positions?: PositionSpec;
  strength?: number;
  /** Leave the first real token (BOS) alone, as CDAS and most steering code do. */
  excludeBos?: boolean;
}

export abstract class Intervention {
  abstract readonly kind: InterventionKind;
  readonly positions: PositionSpec;
  /** Fixed at construction: a different strength is a new intervention (issue 15: nothing rescales one after it is built). */
  readonly strength: number;
  excludeBos: boolean;

  constructor(readonly site: string, opts: InterventionOptions = {}) {
    this.positions = opts.positions ?? 'all';
    this.strength = opts.strength ?? 1;
    this.excludeBos = opts.excludeBos ?? false;
  }

  /** Width of the flattened trailing dims the intervention works in. */
  abstract get width(): number;
  /** The edit at every position of h, flattened to [B, T, width]. */
  protected abstract edit(h: Tensor, ctx: HookContext): Tensor;
  /** Trainable tensors. */
  abstract parameters(): Tensor[];
  /** Named tensors for saving (names are relative: direction, rotation, ...). */
  abstract tensors(): Record<string, Tensor>;
  /** Restores constraints after an optimiser step (unit norm, orthonormal rows). */
  normalize(): void {}
  /**
   * Hooks that only read other sites (a weight edit reads its projection's input). Installed after
   * every intervention's own hook, so they see those sites as the model finally uses them.
   */
  inputHooks(): Array<[string, HookFn]> {
    return [];
  }

  /** Applies the intervention to a site activation [B, T, ...trailing]. */
  apply(h: Tensor, ctx: HookContext): Tensor {
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    const width = h.size / (B * T);
    if (width !== this.width) throw new Error(`intervention at ${this.site}: the site has width ${width} (${fmt(h.shape)}), the intervention ${this.width}`);
    const flat = ops.reshape(h, [B, T, width]);
    const edited = this.edit(flat, ctx);
    const mask = positionMask(this.positions, ctx, B, T, this.excludeBos);
    const out = mask ? ops.add(flat, ops.mul(ops.sub(edited, flat), fromStorage(mask, [B, T, 1], 'f32'))) : edited;
    return ops.reshape(out, h.shape);
  }
}

function checkVector(v: Tensor, what: string): void {
  if (v.dtype !== 'f32' && v.dtype !== 'f64') throw new Error(`${what} must be f32 (got ${v.dtype})`);
}

function flatVec(v: Tensor): Tensor {
  return v.rank === 1 ? v : ops.reshape(v, [v.size]);
}

/** v / ‖v‖ as an op (gradients flow through the normalisation). */
export function unit(v: Tensor): Tensor {
  return ops.div(v, ops.sqrt(ops.add(ops.sum(ops.square(v)), 1e-12)));
}

/** h·v over the last axis, kept as [.., 1]. */
function project(h: Tensor, v: Tensor): Tensor {
  return ops.sum(ops.mul(h, v), -1, true);
}

/** Interventions defined by one direction in the site's space (add, ablate, clamp, rotate). */
abstract class DirectionIntervention extends Intervention {
  constructor(site: string, readonly direction: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    checkVector(direction, `${new.target.name}: direction`);
  }
  get width(): number {
    return this.direction.size;
  }
  parameters(): Tensor[] {
    return this.direction.requiresGrad ? [this.direction] : [];
  }
  tensors(): Record<string, Tensor> {
    return { direction: this.direction };
  }
}

export class AddIntervention extends DirectionIntervention {
  readonly kind = 'add';
  protected edit(h: Tensor): Tensor {
    return ops.add(h, ops.scale(flatVec(this.direction), this.strength));
  }
}

/**
 * Norm-preserving addition (GrAInS): each token moves by s·v and is then scaled back to its own
 * norm, so the steer turns h toward v without changing the scale the next layers see. As s grows the
 * token tends to ‖h‖·v̂: the edit saturates instead of blowing up.
 */
export class RenormAddIntervention extends DirectionIntervention {
  readonly kind = 'add-renorm';
  protected edit(h: Tensor): Tensor {
    const out = ops.add(h, ops.scale(flatVec(this.direction), this.strength));
    const norm = (x: Tensor) => ops.sqrt(ops.add(ops.sum(ops.square(x), -1, true), 1e-24));
    return ops.mul(out, ops.div(norm(h), norm(out)));
  }
}

export class AblateIntervention extends DirectionIntervention {
  readonly kind = 'ablate';
  protected edit(h: Tensor): Tensor {
    const u = unit(flatVec(this.direction));
    return ops.sub(h, ops.mul(ops.scale(project(h, u), this.strength), u));
  }
}

export class ClampIntervention extends DirectionIntervention {
  readonly kind = 'clamp';
  /** Target projection at strength 1 (e.g. the positive class mean). */
  value: number;
  /**
   * The projection the strength scales from (strength 0 clamps here): 0 scales the target itself;
   * CDAS uses the other class mean, so strength s means "s times the way from μ− to μ+".
   */
  origin: number;
  constructor(site: string, direction: Tensor, value: number, opts?: InterventionOptions & { origin?: number }) {
    super(site, direction, opts);
    this.value = value;
    this.origin = opts?.origin ?? 0;
  }
  protected edit(h: Tensor): Tensor {
    const u = unit(flatVec(this.direction));
    const delta = ops.affine(project(h, u), -1, this.origin + this.strength * (this.value - this.origin));
    return ops.add(h, ops.mul(delta, u));
  }
}

/** Rotation rows R [r, width], kept orthonormal by normalize(). */
function checkRotation(r: Tensor, what: string): void {
  checkVector(r, what);
  if (r.rank !== 2 || r.shape[0]! > r.shape[1]!) throw new Error(`${what} must be [rank, width] with rank ≤ width, got ${fmt(r.shape)}`);
}

/** Gram–Schmidt on the rows of R, in place (the rank-1 case is v / ‖v‖, as CDAS does). */
export function orthonormalizeRows(r: Tensor): void {
  const [k, n] = [r.shape[0]!, r.shape[1]!];
  const d = r.f;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += d[i * n + c]! * d[j * n + c]!;
      for (let c = 0; c < n; c++) d[i * n + c] = d[i * n + c]! - dot * d[j * n + c]!;
    }
    let norm = 0;
    for (let c = 0; c < n; c++) norm += d[i * n + c]! ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-30)) throw new Error(`rotation row ${i} is zero or linearly dependent on the rows before it`);
    for (let c = 0; c < n; c++) d[i * n + c] = d[i * n + c]! / norm;
  }
}

export class AffineIntervention extends Intervention {
  readonly kind = 'affine';
  constructor(site: string, readonly rotation: Tensor, readonly weight: Tensor, readonly bias: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    checkRotation(rotation, 'affine: rotation');
    if (weight.rank !== 2 || weight.shape[0] !== rotation.shape[0] || weight.shape[1] !== rotation.shape[1]) throw new Error(`affine: weight ${fmt(weight.shape)} must match rotation ${fmt(rotation.shape)}`);
    if (bias.rank !== 1 || bias.shape[0] !== rotation.shape[0]) throw new Error(`affine: bias ${fmt(bias.shape)} must be [${rotation.shape[0]}]`);
  }
  get width(): number {
    return this.rotation.shape[1]!;
  }
  protected edit(h: Tensor): Tensor {
    const target = ops.sub(ops.add(ops.linear(h, this.weight), this.bias), ops.linear(h, this.rotation));
    return ops.add(h, ops.scale(ops.matmul(target, this.rotation), this.strength));
  }
  parameters(): Tensor[] {
    return [this.rotation, this.weight, this.bias].filter((t) => t.requiresGrad);
  }
  tensors(): Record<string, Tensor> {
    return { rotation: this.rotation, weight: this.weight, bias: this.bias };
  }
  override normalize(): void {
    orthonormalizeRows(this.rotation);
  }
}

/**
 * The coordinate-wise affine map ω⊙h + b, interpolated by the strength: h + s·(ω⊙h + b − h)
 * (s = 1 is the map itself, s = 0 the identity). Same kind as the LoReFT form ('affine'); the
 * artifact tells them apart by their tensors (scale and bias here, rotation for LoReFT).
 */
export class ScaleShiftIntervention extends Intervention {
  readonly kind = 'affine';
  constructor(site: string, readonly scale: Tensor, readonly bias: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    checkVector(scale, 'affine: scale');
    checkVector(bias, 'affine: bias');
    if (scale.rank !== 1 || bias.rank !== 1 || scale.size !== bias.size) throw new Error(`affine: scale ${fmt(scale.shape)} and bias ${fmt(bias.shape)} must be vectors of one length`);
  }
  get width(): number {
    return this.scale.size;
  }
  protected edit(h: Tensor): Tensor {
    // (ω − 1)⊙h + b is the change the map makes; written so, ω = 1 and b = 0 add exactly 0.
    const change = ops.add(ops.mul(h, ops.affine(this.scale, 1, -1)), this.bias);
    return ops.add(h, ops.scale(change, this.strength));
  }
  parameters(): Tensor[] {
    return [this.scale, this.bias].filter((t) => t.requiresGrad);
  }
  tensors(): Record<string, Tensor> {
    return { scale: this.scale, bias: this.bias };
  }
}

export class InterchangeIntervention extends Intervention {
  readonly kind = 'interchange';
  /** Source activations: [B, width] (broadcast to every position) or [B, T, width]. */
  source: Tensor | null = null;
  constructor(site: string, readonly rotation: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    checkRotation(rotation, 'interchange: rotation');
  }
  get width(): number {
    return this.rotation.shape[1]!;
  }
  protected edit(h: Tensor): Tensor {
    if (!this.source) throw new Error(`interchange at ${this.site}: no source activation set`);
    const [B] = h.shape;
    const src = this.source.rank === 2 ? ops.reshape(this.source, [B!, 1, this.width]) : this.source;
    if (src.shape[0] !== B) throw new Error(`interchange at ${this.site}: source batch ${src.shape[0]} differs from base batch ${B}`);
    const diff = ops.sub(ops.linear(src, this.rotation), ops.linear(h, this.rotation));
    return ops.add(h, ops.scale(ops.matmul(diff, this.rotation), this.strength));
  }
  parameters(): Tensor[] {
    return this.rotation.requiresGrad ? [this.rotation] : [];
  }
  tensors(): Record<string, Tensor> {
    return { rotation: this.rotation };
  }
  override normalize(): void {
    orthonormalizeRows(this.rotation);
  }
}

export interface RotateOptions extends InterventionOptions {
  /** A second basis vector b2: rotate inside the fixed plane (v̂, b2) (Selective Steering). */
  plane?: Tensor | null;
  /** Adaptive steering: rotate only the tokens with h·v̂ > threshold (null or absent: every token). */
  threshold?: number | null;
}

/**
 * Norm-preserving rotation by s degrees. Without a plane vector: turn h toward v̂ in the plane of h
 * and v̂ (each token its own plane). With one (Selective Steering, methods.md §3.7): rotate inside
 * the fixed plane spanned by b1 = v̂ and b2 (b2 is orthonormalised against b1 here, so rounding in
 * a stored pair cannot break the norm): h' = h − Ph + V_s h with P = b1b1ᵀ + b2b2ᵀ and
 * V_s = cos s·P + sin s·(b2b1ᵀ − b1b2ᵀ), i.e. the in-plane coordinates (h·b1, h·b2) turn by s from
 * b1 toward b2 and everything orthogonal to the plane stays as it was.
 */
export class RotateIntervention extends DirectionIntervention {
  readonly kind = 'rotate';
  readonly plane: Tensor | null;
  threshold: number | null;
  constructor(site: string, direction: Tensor, opts: RotateOptions = {}) {
    super(site, direction, opts);
    this.plane = opts.plane ?? null;
    this.threshold = opts.threshold ?? null;
    if (this.plane) {
      checkVector(this.plane, 'rotate: plane');
      if (this.plane.size !== direction.size) throw new Error(`rotate: plane vector has ${this.plane.size} values, the direction ${direction.size}`);
    }
  }
  override parameters(): Tensor[] {
    return [this.direction, ...(this.plane ? [this.plane] : [])].filter((t) => t.requiresGrad);
  }
  override tensors(): Record<string, Tensor> {
    return { direction: this.direction, ...(this.plane ? { plane: this.plane } : {}) };
  }
  protected edit(h: Tensor): Tensor {
    const u = unit(flatVec(this.direction));
    const a = (this.strength * Math.PI) / 180;
    const out = this.plane ? rotateInPlane(h, u, this.plane, a) : turnToward(h, u, a);
    if (this.threshold === null) return out;
    // Adaptive: the gate is a fact about h, not a parameter (no gradient through the comparison).
    const c = project(h, u).toArray();
    const gate = fromStorage(Float32Array.from(c, (x) => (x > this.threshold! ? 1 : 0)), [...h.shape.slice(0, -1), 1], 'f32');
    return ops.add(h, ops.mul(ops.sub(out, h), gate));
  }
}

/** h = c·u + p with p ⟂ u; turning by α toward u gives (c cosα + ‖p‖ sinα)·u + (cosα − c sinα/‖p‖)·p. */
function turnToward(h: Tensor, u: Tensor, a: number): Tensor {
  const c = project(h, u);
  const p = ops.sub(h, ops.mul(c, u));
  const pn = ops.sqrt(ops.add(ops.sum(ops.square(p), -1, true), 1e-12));
  const along = ops.add(ops.scale(c, Math.cos(a)), ops.scale(pn, Math.sin(a)));
  const keep = ops.affine(ops.div(c, pn), -Math.sin(a), Math.cos(a));
  return ops.add(ops.mul(along, u), ops.mul(keep, p));
}

/** h + (c1' − c1)·b1 + (c2' − c2)·b2 with (c1', c2') = (c1, c2) turned by α: h − Ph + V_α h. */
function rotateInPlane(h: Tensor, b1: Tensor, plane: Tensor, a: number): Tensor {
  const v = flatVec(plane);
  const b2 = unit(ops.sub(v, ops.mul(ops.sum(ops.mul(v, b1)), b1)));
  const c1 = project(h, b1);
  const c2 = project(h, b2);
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const d1 = ops.sub(ops.scale(c1, cos - 1), ops.scale(c2, sin));
  const d2 = ops.add(ops.scale(c1, sin), ops.scale(c2, cos - 1));
  return ops.add(h, ops.add(ops.mul(d1, b1), ops.mul(d2, b2)));
}
