// The tensor engine's public surface.
//
//   import { tensor, ops, tidy } from 'steerling';
//   const w = tensor([[0.5, -1]], { requiresGrad: true });
//   const loss = tidy(() => { const l = ops.sum(ops.square(ops.matmul(w, x))); l.backward(); return l.item(); });
export { Tensor, tensor, zeros, ones, full, fromStorage, type TensorOptions, type GradNode } from './tensor.js';
export { tidy, keep, memoryStats } from './scope.js';
export { noGrad, isRecording } from './tape.js';
export * from './dtype.js';
export * as ops from './ops/index.js';
