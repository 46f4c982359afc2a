// Greedy decoding step by step through the KV cache, with the fused decode step on or off: the
// fused-decode tests compare the two paths' logits.
import type { DecoderModel } from '../../src/models/decoder.js';
import { fromStorage, noGrad } from '../../src/index.js';
import { setFusedDecode } from '../../src/models/fused-decode.js';

/** Every step's logits, prefill of `prompt` first, then `steps − 1` greedy tokens; onStep(s) after each step. */
export function greedyLogits(model: DecoderModel, prompt: number[], steps: number, capacity: number, fuse: boolean, onStep?: (s: number) => void): Float32Array {
  const prev = setFusedDecode(fuse);
  try {
    const cache = model.newCache(1, capacity);
    const out: number[] = [];
    noGrad(() => {
      let ids = fromStorage(Int32Array.from(prompt), [1, prompt.length], 'i32');
      for (let s = 0; s < steps; s++) {
        const f = model.forward(ids, { cache, lastOnly: true, phase: s === 0 ? 'prefill' : 'decode' }).f;
        onStep?.(s);
        out.push(...f);
        let best = 0;
        for (let i = 1; i < f.length; i++) if (f[i]! > f[best]!) best = i;
        ids = fromStorage(Int32Array.from([best]), [1, 1], 'i32');
      }
    });
    return Float32Array.from(out);
  } finally {
    setFusedDecode(prev);
  }
}
