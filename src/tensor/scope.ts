// Scoped release of intermediates. `tidy(fn)` disposes every tensor created while fn runs,
// except tensors fn returns (directly, in arrays or in plain objects) and tensors passed to
// `keep()`. Scopes nest; a kept tensor moves to the enclosing scope.

import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];
let live = 0;
let peakLive = 0;

export function trackCreated(t: Tensor): void {
  live++;
  if (live > peakLive) peakLive = live;
  scopes[scopes.length - 1]?.add(t);
}

export function trackDisposed(t: Tensor): void {
  live--;
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.delete(t)) break;
}

/** Live (not disposed) tensor count: a loop inside tidy() must leave it unchanged. */
export function memoryStats(): { liveTensors: number; peakLiveTensors: number } {
  return { liveTensors: live, peakLiveTensors: peakLive };
}

/** Keeps a tensor alive past the current tidy scope (it moves to the enclosing one). */
export function keep<T extends Tensor>(t: T): T {
  const cur = scopes[scopes.length - 1];
  if (cur?.delete(t)) scopes[scopes.length - 2]?.add(t);
  return t;
}

function collect(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ((value as { constructor?: { name?: string } }).constructor?.name === 'Tensor') {
    const t = value as Tensor;
    into.add(t);
    if (t.grad) into.add(t.grad);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, depth + 1);
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const kept = new Set<Tensor>();
  collect(result, kept);
  if (result instanceof Promise) throw new Error('tidy() does not support async functions');
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Removes a tensor from every open scope: its lifetime is now tied to an owner (e.g. a leaf's .grad). */
export function untrack(t: Tensor): void {
  for (let i = scopes.length - 1; i >= 0; i--) scopes[i]!.delete(t);
}
