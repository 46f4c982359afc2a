// Native adapters for this kernel group (see native/src/rowops.cc).
import type { Kernels } from '../kernels.js';
import type { NativeAddon } from './kernels.js';

export function wrapRowops(addon: NativeAddon): Partial<Kernels> {
  void addon;
  return {};
}
