// ActAdd (Turner et al.): one prompt pair. The per-position difference of activations at the site
// between the positive and negative prompt, added at the same leading positions of the steered
// prompt, h_j + c·(h⁺_j − h⁻_j), with coefficient c the strength (default 1).
import { requireSite, type SteeringMethod } from './types.js';
import { readOptions } from './options.js';
import { collectActivations } from '../activations/collect.js';
import { tokenizeExample } from '../activations/tokenize.js';
import { buildArtifact, dataHash } from './build.js';
import { norm } from './linalg.js';

export const actadd: SteeringMethod = {
  name: 'actadd',
  summary: 'activation addition from one prompt pair (per-position differences)',
  needs: 'pairs',
  site: { use: 'required' },
  options: [],
  parseOptions: (given) => readOptions('actadd', [], given),
  fit(ctx) {
    actadd.parseOptions(ctx.options);
    const site = requireSite(ctx, 'actadd');
    if (ctx.data.kind !== 'pairs') throw new Error('actadd needs one contrastive pair {"positive": ..., "negative": ...}');
    const pos = ctx.data.examples.find((e) => e.label === 1)!;
    const neg = ctx.data.examples.find((e) => e.label === 0 && e.pair === pos.pair)!;
    // The pair's own texts are the prompts: read every token of each.
    const tp = tokenizeExample(ctx.tokenizer, { ...pos, prompt: '', completion: pos.prompt + pos.completion });
    const tn = tokenizeExample(ctx.tokenizer, { ...neg, prompt: '', completion: neg.prompt + neg.completion });
    const full = (t: typeof tp) => ({ ids: t.ids, start: 0, end: t.ids.length });
    const a = collectActivations(ctx.model, [full(tp), full(tn)], site, { reduce: 'all' });
    const d = a.width;
    const k = Math.min(a.counts[0]!, a.counts[1]!);
    const offN = a.counts[0]!;
    const interventions = [];
    let meanNorm = 0;
    for (let j = 0; j < a.counts[0]!; j++) meanNorm += norm(a.data.subarray(j * d, (j + 1) * d)) / a.counts[0]!;
    for (let j = 0; j < k; j++) {
      const diff = new Float32Array(d);
      for (let c = 0; c < d; c++) diff[c] = a.data[j * d + c]! - a.data[(offN + j) * d + c]!;
      const dn = norm(diff);
      if (dn === 0) continue; // identical tokens (e.g. BOS): nothing to add there
      const hi = Math.max(meanNorm / dn, 2);
      interventions.push({ site, kind: 'add' as const, positions: { indices: [j] }, tensors: { direction: { data: diff } }, defaultStrength: 1, range: [-hi, hi] as [number, number] });
    }
    if (interventions.length === 0) throw new Error('actadd: the two prompts give identical activations at every position');
    return buildArtifact({
      name: ctx.name,
      method: 'actadd',
      settings: { site, positive: pos.prompt + pos.completion, negative: neg.prompt + neg.completion, positions: k },
      model: ctx.model,
      hubId: ctx.hubId ?? null,
      interventions,
      training: { data_hash: dataHash([pos, neg]), examples: 2, steps: 0, seed: null, final_loss: null },
    });
  },
};
