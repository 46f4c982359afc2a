// Backend selection and kernel dispatch. The backend is chosen once at start: native when the
// addon loads (unless STEERLING_BACKEND=reference), the reference otherwise with a one-line
// warning. A kernel missing from the active backend, or called on f64 data, runs on the reference.

import type { Kernels, KernelName } from './kernels.js';
import { referenceKernels } from './reference/index.js';
import { loadNative, type NativeBackend } from './native/load.js';

export type BackendName = 'reference' | 'native';

let active: BackendName = 'reference';
let native: NativeBackend | null = null;
let initialised = false;

function init(): void {
  if (initialised) return;
  initialised = true;
  const want = process.env.STEERLING_BACKEND;
  if (want === 'reference') return;
  const res = loadNative();
  if (res.ok) {
    native = res.backend;
    active = 'native';
  } else if (want === 'native') {
    throw new Error(`STEERLING_BACKEND=native but the native addon did not load: ${res.error}`);
  } else {
    process.emitWarning(`steerling: native backend unavailable (${res.error}); using the slow reference backend. Run \`npm run build:native\` to build it.`);
  }
}

export function backendName(): BackendName {
  init();
  return active;
}

/** Switches the active backend (tests compare backends op by op). */
export function setBackend(name: BackendName): void {
  init();
  if (name === 'native' && !native) throw new Error('the native backend is not available on this machine (the addon did not build or load)');
  active = name;
}

export function nativeBackend(): NativeBackend | null {
  init();
  return native;
}

/** The kernel to run: the active backend's, or the reference's for f64 data or missing kernels. */
export function kernel<K extends KernelName>(name: K, f64 = false): Kernels[K] {
  init();
  if (active === 'native' && !f64) {
    const k = native!.kernels[name];
    if (k) return k as Kernels[K];
  }
  return referenceKernels[name];
}

/** Runs fn with a given backend active, then restores the previous one. */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const prev = backendName();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}
