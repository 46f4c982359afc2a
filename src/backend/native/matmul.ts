// Native adapters for this kernel group (see native/src/gemm.cc).
import type { Kernels } from '../kernels.js';
import type { NativeAddon } from './kernels.js';

export function wrapMatmul(addon: NativeAddon): Partial<Kernels> {
  void addon;
  return {};
}
