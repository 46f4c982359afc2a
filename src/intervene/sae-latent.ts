// sae-latent: a steering vector λ in an SAE's latent space (YaPO), applied as the reference code
// does (MBZUAI-Paris/YaPO, SparseBlockWrapper):
//
//   z  = SAE code of h (TopK or ReLU of W_enc(c·h − b_dec) + b_enc)
//   h' = decode(ReLU(z + s·λ)) + (h − decode(z))  =  h + W_decᵀ(ReLU(z + s·λ) − z) / c
//
// so the SAE's reconstruction error is kept and only the latents change; ReLU keeps them
// non-negative, so −λ can switch a feature off but not below zero. The code z is computed
// without gradients (the activations come from the frozen model); λ carries them.

import type { Tensor } from '../tensor/tensor.js';
import { fromStorage } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { topkMask } from '../sae/sae.js';
import type { HookContext } from '../models/hooks.js';
import { Intervention, type InterventionOptions } from './interventions.js';

export interface SaeLatentTensors {
  wEnc: Tensor;
  bEnc: Tensor;
  wDec: Tensor;
  bDec: Tensor;
  /** c: activations are multiplied by it before encoding. */
  inputScale: number;
  /** TopK's k, or null for a ReLU SAE. */
  k: number | null;
}

/** The SAE code of h [B, T, d] as [B, T, width], a constant (no gradient). */
export function latentCode(p: SaeLatentTensors, h: Tensor): Tensor {
  const [B, T, d] = [h.shape[0]!, h.shape[1]!, h.shape[2]!];
  const W = p.wEnc.shape[0]!;
  return noGrad(() => {
    const x = ops.scale(ops.reshape(h.toFloat('f32'), [B * T, d]), p.inputScale);
    const pre = ops.linear(ops.sub(x, p.bDec), p.wEnc, p.bEnc);
    const z = p.k === null ? ops.relu(pre) : ops.mul(ops.relu(pre), fromStorage(topkMask(pre.f as Float32Array, B * T, W, p.k), [B * T, W], 'f32'));
    return ops.reshape(z, [B, T, W]);
  });
}

/** h + W_decᵀ(ReLU(z + λ) − z)/c for λ [width] or per row [B, 1, width] (already scaled). */
export function steerLatents(p: SaeLatentTensors, h: Tensor, lambda: Tensor): Tensor {
  const z = latentCode(p, h);
  const delta = ops.sub(ops.relu(ops.add(z, lambda)), z);
  return ops.add(h, ops.scale(ops.matmul(delta, p.wDec), 1 / p.inputScale));
}

export class SaeLatentIntervention extends Intervention {
  readonly kind = 'sae-latent';
  constructor(site: string, readonly sae: SaeLatentTensors, readonly latent: Tensor, opts?: InterventionOptions) {
    super(site, opts);
    const W = sae.wEnc.shape[0]!;
    if (latent.size !== W) throw new Error(`sae-latent at ${site}: the latent vector has ${latent.size} values, the SAE ${W} latents`);
  }
  get width(): number {
    return this.sae.wEnc.shape[1]!;
  }
  protected edit(h: Tensor, _ctx: HookContext): Tensor {
    return steerLatents(this.sae, h, ops.scale(ops.reshape(this.latent, [this.latent.size]), this.strength));
  }
  parameters(): Tensor[] {
    return this.latent.requiresGrad ? [this.latent] : [];
  }
  tensors(): Record<string, Tensor> {
    return { w_enc: this.sae.wEnc, b_enc: this.sae.bEnc, w_dec: this.sae.wDec, b_dec: this.sae.bDec, latent: this.latent };
  }
}
