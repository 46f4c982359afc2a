// A loaded model whose every forward pass first sleeps `ms` milliseconds, so that a request holds
// it for a while (queueing, 429s, cancellation). The weights and everything else are shared.
import type { LoadedModel } from '../../src/models/load.js';
import type { DecoderModel } from '../../src/models/decoder.js';

export function slowedModel(lm: LoadedModel, ms: number): LoadedModel {
  const m = Object.create(lm.model) as DecoderModel;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  m.forward = (...args: Parameters<DecoderModel['forward']>) => {
    Atomics.wait(sleeper, 0, 0, ms);
    return lm.model.forward(...args);
  };
  return { ...lm, model: m };
}
