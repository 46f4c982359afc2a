// Pieces shared by the architecture families: activation names, linear and norm lookups.
import type { UnaryOp } from '../backend/kernels.js';
import type { ArchConfig, Linear, Norm } from './arch.js';
import type { WeightReader } from './weights.js';
import type { ModelConfig } from '../io/config.js';
import type { RopeScaling } from '../tensor/ops/rope-freq.js';

/** Maps Hugging Face activation names to our unary ops. */
export function activationOf(name: string): UnaryOp {
  switch (name) {
    case 'silu':
    case 'swish':
      return 'silu';
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return 'gelu';
    case 'gelu':
      return 'gelu_erf';
    case 'relu':
      return 'relu';
    default:
      throw new Error(`unsupported activation "${name}" (supported: silu, gelu, gelu_new, gelu_pytorch_tanh, relu)`);
  }
}

export function linearOf(r: WeightReader, name: string, out: number, inp: number, bias: boolean): Linear {
  return { w: r.get(`${name}.weight`, [out, inp]), b: bias ? r.get(`${name}.bias`, [out]) : r.maybe(`${name}.bias`, [out]) };
}

export function normOf(r: WeightReader, name: string, dim: number, bias: boolean): Norm {
  return { w: r.get(`${name}.weight`, [dim]), b: bias ? r.get(`${name}.bias`, [dim]) : null };
}

/** The config's rope_scaling in the shape ropeInvFreq takes (null: none). */
export function ropeScalingOf(c: ModelConfig): RopeScaling | null {
  return (c.ropeScaling ?? null) as RopeScaling | null;
}

/** The fields every family reads the same way from a config; families override the rest. */
export function baseArch(c: ModelConfig): ArchConfig {
  return {
    modelType: c.modelType,
    hidden: c.hiddenSize,
    layers: c.numLayers,
    heads: c.numHeads,
    kvHeads: c.numKvHeads,
    headDim: c.headDim,
    intermediate: c.intermediateSize,
    vocab: c.vocabSize,
    maxPositions: c.maxPositions,
    norm: 'rms',
    normEps: c.normEps,
    normOffset: 0,
    embedScale: 1,
    act: activationOf(c.hiddenAct),
    gatedMlp: true,
    ropeInvFreq: () => null,
    ropeAttentionFactor: () => 1,
    ropeStaticUpTo: Infinity,
    attnScale: 1 / Math.sqrt(c.headDim),
    attnSoftcap: 0,
    finalSoftcap: 0,
    window: () => 0,
    bosTokenId: c.bosTokenId ?? null,
    eosTokenIds: c.eosTokenIds ?? [],
  };
}
