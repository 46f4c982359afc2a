// Adapters from the Kernels contract to the addon's functions. The addon writes into output
// arrays allocated here (JS owns all memory). Each adapter exists only when the addon exports
// the function, so the registry falls back to the reference for the rest.

import type { Kernels } from '../kernels.js';
import { wrapMatmul } from './matmul.js';
import { wrapAttention } from './attention.js';
import { wrapRowops } from './rowops.js';

/** Functions the addon may export; see native/napi/*_napi.cc for their exact argument lists and native/include/steerling.h for the kernels behind them. */
export interface NativeAddon {
  cpuInfo(): { avx2: boolean; fma: boolean; f16c: boolean; avx512f: boolean; isa: string };
  getThreads(): number;
  setThreads(n: number): void;
  [name: string]: unknown;
}

export function wrapNativeKernels(addon: NativeAddon): Partial<Kernels> {
  return { ...wrapMatmul(addon), ...wrapAttention(addon), ...wrapRowops(addon) };
}
