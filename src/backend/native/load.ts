// Loads the N-API addon built by node-gyp during `npm install` and exposes the kernels it has.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Kernels } from '../kernels.js';
import { wrapNativeKernels, type NativeAddon } from './kernels.js';

export interface NativeBackend {
  addon: NativeAddon;
  kernels: Partial<Kernels>;
  isa: string;
}

function findAddon(): string | null {
  // dist/src/backend/native/load.js → package root is four levels up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../..', '../../..']) {
    for (const kind of ['Release', 'Debug']) {
      const p = path.resolve(here, up, 'build', kind, 'steerling_native.node');
      if (existsSync(p)) return p;
    }
  }
  return null;
}

export function loadNative(): { ok: true; backend: NativeBackend } | { ok: false; error: string } {
  const file = findAddon();
  if (!file) return { ok: false, error: 'build/Release/steerling_native.node not found' };
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    return { ok: true, backend: { addon, kernels: wrapNativeKernels(addon), isa: addon.cpuInfo().isa } };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0]! };
  }
}
