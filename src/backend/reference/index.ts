// The reference backend: pure TypeScript, written for clarity. It is the specification every
// other backend is tested against, op by op, and it computes in f64 when given f64 data.
import type { Kernels } from '../kernels.js';
import { matmul, linearMany, gatedLinear } from './matmul.js';
import { binary, unary, unaryBackward, affine } from './elementwise.js';
import { reduce, reduceMaxBackward, expand } from './reduce.js';
import { transpose, slice, sliceBackward, concat } from './shape.js';
import { softmax, softmaxBackward } from './softmax.js';
import { normKernels } from './norm.js';
import { ropeKernels } from './rope.js';
import { embeddingKernels } from './embedding.js';
import { attentionKernels } from './attention.js';
import { lossKernels } from './loss.js';

function missing(name: string): never {
  throw new Error(`kernel ${name} is not implemented by the reference backend yet`);
}

const partial: Partial<Kernels> = {
  matmul, linearMany, gatedLinear, binary, unary, unaryBackward, affine,
  reduce, reduceMaxBackward, expand,
  transpose, slice, sliceBackward, concat,
  softmax, softmaxBackward,
  ...normKernels, ...ropeKernels, ...embeddingKernels, ...attentionKernels, ...lossKernels,
};

export const referenceKernels: Kernels = new Proxy(partial as Kernels, {
  get(target, prop: string) {
    const k = (target as unknown as Record<string, unknown>)[prop];
    return k ?? (() => missing(prop));
  },
});
