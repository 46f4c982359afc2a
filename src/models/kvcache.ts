// Preallocated key/value cache per layer, [batch, capacity, kvHeads, headDim], growing in chunks.

export class KVCache {
  length = 0;
  private capacity: number;
  private readonly k: Float32Array[];
  private readonly v: Float32Array[];

  constructor(readonly layers: number, readonly batch: number, readonly kvHeads: number, readonly headDim: number, initialCapacity = 256, readonly maxCapacity = Infinity) {
    this.capacity = Math.max(1, Math.min(initialCapacity, maxCapacity));
    const n = batch * this.capacity * kvHeads * headDim;
    this.k = Array.from({ length: layers }, () => new Float32Array(n));
    this.v = Array.from({ length: layers }, () => new Float32Array(n));
  }

  get bytes(): number {
    return this.layers * 2 * this.batch * this.capacity * this.kvHeads * this.headDim * 4;
  }

  private grow(needed: number): void {
    if (needed > this.maxCapacity) throw new Error(`KV cache: ${needed} positions exceed the model's context of ${this.maxCapacity}`);
    let cap = this.capacity;
    while (cap < needed) cap = Math.min(this.maxCapacity, Math.max(cap * 2, cap + 256));
    const row = this.kvHeads * this.headDim;
    for (const arrs of [this.k, this.v]) {
      for (let l = 0; l < this.layers; l++) {
        const old = arrs[l]!;
        const next = new Float32Array(this.batch * cap * row);
        for (let b = 0; b < this.batch; b++) next.set(old.subarray(b * this.capacity * row, (b * this.capacity + this.length) * row), b * cap * row);
        arrs[l] = next;
      }
    }
    this.capacity = cap;
  }

  /** Makes room for `total` positions now (a fused step writes into the arrays directly). */
  reserve(total: number): void {
    if (total > this.capacity) this.grow(total);
  }

  /** The layer's key and value arrays, [batch, capacity, kvHeads, headDim]; valid until the cache grows. */
  layerStorage(layer: number): { k: Float32Array; v: Float32Array } {
    return { k: this.k[layer]!, v: this.v[layer]! };
  }

  /**
   * Writes k/v for t new positions of one layer ([batch, t, kvHeads, headDim]) after the current
   * length and returns contiguous keys/values for all positions so far. Call `commit(t)` once every
   * layer has appended.
   */
  append(layer: number, kNew: Float32Array, vNew: Float32Array, t: number): { k: Float32Array; v: Float32Array; total: number } {
    const total = this.length + t;
    if (total > this.capacity) this.grow(total);
    const row = this.kvHeads * this.headDim;
    const k = this.k[layer]!;
    const v = this.v[layer]!;
    for (let b = 0; b < this.batch; b++) {
      k.set(kNew.subarray(b * t * row, (b + 1) * t * row), (b * this.capacity + this.length) * row);
      v.set(vNew.subarray(b * t * row, (b + 1) * t * row), (b * this.capacity + this.length) * row);
    }
    if (this.batch === 1) return { k: k.subarray(0, total * row), v: v.subarray(0, total * row), total };
    const kc = new Float32Array(this.batch * total * row);
    const vc = new Float32Array(this.batch * total * row);
    for (let b = 0; b < this.batch; b++) {
      kc.set(k.subarray(b * this.capacity * row, (b * this.capacity + total) * row), b * total * row);
      vc.set(v.subarray(b * this.capacity * row, (b * this.capacity + total) * row), b * total * row);
    }
    return { k: kc, v: vc, total };
  }

  commit(t: number): void {
    this.length += t;
  }
}
