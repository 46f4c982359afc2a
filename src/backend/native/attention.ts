// Native adapters for this kernel group (see native/src/attention.cc).
import type { Kernels } from '../kernels.js';
import type { NativeAddon } from './kernels.js';

export function wrapAttention(addon: NativeAddon): Partial<Kernels> {
  void addon;
  return {};
}
