// Loads the N-API addon (built by node-gyp during `npm install`, or prebuilt in the package) and
// exposes the kernels it has.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Kernels } from '../kernels.js';
import { wrapNativeKernels, type NativeAddon } from './kernels.js';

const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as { path(dir: string): string };

export interface NativeBackend {
  addon: NativeAddon;
  kernels: Partial<Kernels>;
  isa: string;
}

/** The package root: dist/src/backend/native/load.js is four levels below it. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * The addon to load, found the way node-gyp-build finds it: a local build (build/Release, then
 * build/Debug) first, so a developer's fresh compile always wins, then a prebuilt binary shipped
 * in the package (prebuilds/linux-x64/, made by prebuildify at `npm pack`) matching this machine.
 */
function findAddon(): { file: string } | { error: string } {
  try {
    return { file: nodeGypBuild.path(ROOT) };
  } catch (e) {
    return { error: `no native addon in build/ or prebuilds/ (${(e as Error).message.split('\n')[0]!})` };
  }
}

export function loadNative(): { ok: true; backend: NativeBackend } | { ok: false; error: string } {
  const found = findAddon();
  if ('error' in found) return { ok: false, error: found.error };
  const file = found.file;
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    return { ok: true, backend: { addon, kernels: wrapNativeKernels(addon), isa: addon.cpuInfo().isa } };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0]! };
  }
}
