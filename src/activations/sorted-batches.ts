// Batches of tokenized examples in order of length, so left-padded batches waste little: the shared
// loop of everything that reads activations over a dataset (methods, detection).

export interface SortedBatch<E> {
  /** Indices of the batch's examples in the input. */
  idx: number[];
  batch: E[];
  /** Padded length. */
  T: number;
  /** Left padding per row. */
  padding: Int32Array;
  /** [batch.length × T] token ids, left-padded with 0. */
  ids: Int32Array;
  /** Examples done once this batch is (for progress). */
  done: number;
}

export function* sortedBatches<E extends { ids: ArrayLike<number> }>(examples: readonly E[], batchSize: number): Generator<SortedBatch<E>> {
  const order = examples.map((_, i) => i).sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const batch = idx.map((i) => examples[i]!);
    const T = Math.max(...batch.map((e) => e.ids.length));
    const padding = Int32Array.from(batch, (e) => T - e.ids.length);
    const ids = new Int32Array(batch.length * T);
    batch.forEach((e, b) => ids.set(e.ids, b * T + padding[b]!));
    yield { idx, batch, T, padding, ids, done: Math.min(s + batchSize, order.length) };
  }
}
