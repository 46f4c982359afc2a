// A pool of float buffers so that disposing a tensor releases its memory at once (for reuse by
// the next allocation of the same size) instead of whenever the garbage collector runs: inference
// loops then run at the memory of one step. Only buffers that this pool allocated are recycled,
// and never one that a recorded autograd node captured (a backward rule may still read it after
// its tensor is disposed); those are left to the garbage collector.

const free = new Map<number, Float32Array[]>();
const freeF64 = new Map<number, Float64Array[]>();
/** Live tensor count per pooled buffer. */
const refs = new WeakMap<ArrayBufferLike, number>();
const captured = new WeakSet<ArrayBufferLike>();
let pooledBytes = 0;
const MAX_POOLED_BYTES = Number(process.env.STEERLING_POOL_MB ?? 1024) * 1024 * 1024;
// Every kernel output is pooled, however small: V8 allocates a typed array of more than 64
// bytes outside its heap (measured: ~1 µs at 64 floats, ~4 µs at 576, one activation row of a
// small model, against ~0.5 µs to recycle one), and a smaller one that reaches the native addon
// is moved out of the heap on first use, which costs an allocation too. A decode step makes
// hundreds of such row-sized outputs.
const MIN_ELEMENTS = 1;

function take<T extends Float32Array | Float64Array>(m: Map<number, T[]>, n: number): T | undefined {
  const list = m.get(n);
  const b = list?.pop();
  if (b) pooledBytes -= b.byteLength;
  return b;
}

function alloc<T extends Float32Array | Float64Array>(m: Map<number, T[]>, make: (n: number) => T, n: number, zero: boolean): T {
  if (n < MIN_ELEMENTS) return make(n);
  const b = take(m, n);
  if (b && zero) b.fill(0);
  const out = b ?? make(n);
  refs.set(out.buffer, 0);
  return out;
}

/** A zeroed Float32Array of n elements, recycled when one of that size is free. */
export function allocF32(n: number, zero = true): Float32Array {
  return alloc(free, (k) => new Float32Array(k), n, zero);
}

export function allocF64(n: number, zero = true): Float64Array {
  return alloc(freeF64, (k) => new Float64Array(k), n, zero);
}

/** Called when a tensor starts using a storage array. */
export function retainStorage(data: ArrayBufferView): void {
  const r = refs.get(data.buffer);
  if (r !== undefined) refs.set(data.buffer, r + 1);
}

/** Called when a tensor drops its storage; recycles the buffer when no tensor uses it any more. */
export function releaseStorage(data: ArrayBufferView): void {
  const buf = data.buffer;
  const r = refs.get(buf);
  if (r === undefined) return;
  if (r > 1) {
    refs.set(buf, r - 1);
    return;
  }
  refs.delete(buf);
  if (captured.has(buf) || pooledBytes + buf.byteLength > MAX_POOLED_BYTES) return;
  // Recycle the whole buffer (views of it share the same allocation); a view that already spans
  // it (the usual case) is reused as is rather than wrapped anew.
  const whole = data.byteOffset === 0 && data.byteLength === buf.byteLength;
  if (data instanceof Float32Array) give(free, whole ? data : new Float32Array(buf));
  else if (data instanceof Float64Array) give(freeF64, whole ? data : new Float64Array(buf));
}

function give<T extends Float32Array | Float64Array>(m: Map<number, T[]>, whole: T): void {
  const list = m.get(whole.length) ?? [];
  list.push(whole);
  m.set(whole.length, list);
  pooledBytes += whole.byteLength;
}

/**
 * Gives back a pooled kernel output that no tensor took, e.g. a norm's saved statistics when no
 * backward rule was recorded to read them (a no-op for any other array). Without this, each
 * such array would be a fresh allocation per call.
 */
export function recycle(data: Float32Array | Float64Array): void {
  if (refs.get(data.buffer) === 0) releaseStorage(data);
}

/** Marks a storage array as read by a recorded backward rule: it will not be recycled. */
export function markCaptured(data: ArrayBufferView): void {
  if (refs.has(data.buffer)) captured.add(data.buffer);
}

/** Drops every free buffer (e.g. before a long idle period). */
export function drainPool(): void {
  free.clear();
  freeF64.clear();
  pooledBytes = 0;
}

export function poolStats(): { pooledBytes: number } {
  return { pooledBytes };
}
