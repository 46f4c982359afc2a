// Steer2Edit (Sun, Yan, Wang, Weng 2026; methods.md §3.8): a steering direction turned into sparse
// rank-1 edits of individual attention heads (o_proj column blocks) and MLP neurons (down_proj
// columns), training-free. Positives show the target behaviour (e.g. the model's refusals of
// harmful requests), negatives do not (its helpful replies); the response tokens of each are read.
//
// The artifact holds one `weight-edit` intervention per edited layer and projection, at the
// projection's output site (layers.N.attn.out / layers.N.mlp.out), with the factors named after the
// matrix: `layers.N.attn.o_proj.delta_u` = v̂ [d_model], `….delta_k` = Σ_j λ_j k̂_j [heads·head_dim]
// (and `….lambda` [heads]), `layers.N.mlp.down_proj.delta_u` / `.delta_k` (k_n = signed λ_n
// [d_mlp]). At run time it is a hook (intervene/weight-edit.ts) equal to the edited weights; export
// merged / peft write the edited matrices or a LoRA adapter. Default strength 1 (the edit as
// derived); the range is measured (range.ts).

import type { SteeringMethod } from '../types.js';
import { tokenizeExamples } from '../../activations/tokenize.js';
import { buildArtifact, dataHash, type FittedIntervention } from '../build.js';
import { checkWeightEditable, weightEditSite, weightEditTarget } from '../../intervene/weight-edit.js';
import { resolveOptions, parseSteer2EditOptions, STEER2EDIT_OPTIONS, type ResolvedOptions, type Steer2EditOptions } from './options.js';
import { collectPreMeans } from './collect.js';
import { computeEdits, type ProjectionEdit } from './edits.js';
import { editRange } from './range.js';

function maxAbs(edits: readonly ProjectionEdit[], proj: ProjectionEdit['proj']): number {
  let m = 0;
  for (const e of edits) if (e.proj === proj) for (const g of e.g) m = Math.max(m, Math.abs(g));
  return m;
}

function nothingPasses(edits: readonly ProjectionEdit[], o: ResolvedOptions): Error {
  const parts: string[] = [];
  if (o.rhoAttn > 0) parts.push(`heads: max |g| ${maxAbs(edits, 'o_proj').toFixed(3)} against ρ_attn·α = ${(o.rhoAttn * o.alpha).toFixed(3)}`);
  if (o.rhoMlp > 0) parts.push(`neurons: max |g| ${maxAbs(edits, 'down_proj').toFixed(3)} against ρ_mlp·α = ${(o.rhoMlp * o.alpha).toFixed(3)}`);
  return new Error(`steer2edit: no head or neuron passes the Elastic-Net threshold (${parts.join('; ')}), so the edit would change nothing; lower rho or alpha`);
}

export const steer2edit: SteeringMethod<Steer2EditOptions> = {
  name: 'steer2edit',
  summary: 'Steer2Edit: the steering direction at every o_proj and down_proj as sparse rank-1 edits of attention heads and MLP neurons (Elastic-Net magnitudes)',
  needs: 'pairs-or-labelled',
  site: { use: 'none', note: 'edits the o_proj and down_proj of every layer (restrict with --layers)' },
  options: STEER2EDIT_OPTIONS,
  parseOptions: parseSteer2EditOptions,
  fit(ctx) {
    const given = parseSteer2EditOptions(ctx.options);
    const model = ctx.model;
    const a = model.arch;
    if (ctx.reduce !== undefined) throw new Error(`steer2edit averages each example's response tokens; --reduce ${ctx.reduce} does not apply`);
    if (ctx.positions !== undefined && ctx.positions !== 'all') throw new Error(`steer2edit edits weights, which act at every position; --positions ${JSON.stringify(ctx.positions)} does not apply`);
    const o = resolveOptions(given, a.layers);
    for (const l of o.layers) {
      if (o.rhoAttn > 0) checkWeightEditable(model, weightEditTarget(weightEditSite(l, 'o_proj')));
      if (o.rhoMlp > 0) checkWeightEditable(model, weightEditTarget(weightEditSite(l, 'down_proj')));
    }
    const ex = ctx.data.examples;
    // The tokenizer keeps a last token even for an empty completion; say what is wrong instead.
    ex.forEach((e, i) => {
      if (!e.completion.trim()) throw new Error(`steer2edit: example ${i} has no response tokens to average (an empty ${ctx.data.kind === 'pairs' ? (e.label ? '"positive"' : '"negative"') : '"text"'}); each example needs a prompt and a non-empty reply`);
    });
    const toks = tokenizeExamples(ctx.tokenizer, ex, { chat: ctx.chat });
    const labels = ex.map((e) => e.label);
    const pre = collectPreMeans(model, toks, labels, { onProgress: (d, t) => ctx.onProgress?.(d, t, 'activations') });
    const all = computeEdits(model, pre, o);
    const edits = all.filter((e) => e.edited > 0);
    if (edits.length === 0) throw nothingPasses(all, o);
    const measured = given.calibrate !== false;
    const r = measured
      ? editRange(model, edits, toks.filter((_, i) => labels[i] === 1), toks.filter((_, i) => labels[i] === 0), (d, t) => ctx.onProgress?.(d, t, 'range'))
      : null;
    const range: [number, number] = r ? r.range : [-1, 1];
    const interventions: FittedIntervention[] = edits.map((e) => ({
      site: weightEditSite(e.layer, e.proj),
      kind: 'weight-edit',
      positions: 'all',
      tensorPrefix: `layers.${e.layer}.${e.proj === 'o_proj' ? 'attn.o_proj' : 'mlp.down_proj'}`,
      tensors: { delta_u: { data: e.u }, delta_k: { data: e.k }, ...(e.proj === 'o_proj' ? { lambda: { data: e.lambda } } : {}) },
      defaultStrength: 1,
      range,
      values: { edited: e.edited, components: e.g.length, gap: e.gap, shift: e.shift },
    }));
    const count = (proj: ProjectionEdit['proj']) => edits.filter((e) => e.proj === proj).reduce((s, e) => s + e.edited, 0);
    return buildArtifact({
      name: ctx.name,
      method: 'steer2edit',
      settings: { rho_attn: o.rhoAttn, rho_mlp: o.rhoMlp, alpha: o.alpha, layers: o.layers, chat: ctx.chat ?? false, tokens: 'positions predicting the response tokens', range_rule: measured ? 'kl 1.0 nat/token' : 'fixed ±1' },
      model,
      hubId: ctx.hubId ?? null,
      interventions,
      training: { data_hash: dataHash(ex), examples: ex.length, steps: 0, seed: ctx.seed ?? null, final_loss: null },
      stats: {
        heads_edited: count('o_proj'),
        heads_total: o.rhoAttn > 0 ? o.layers.length * a.heads : 0,
        neurons_edited: count('down_proj'),
        neurons_total: o.rhoMlp > 0 ? o.layers.length * a.intermediate : 0,
        max_g_attn: maxAbs(all, 'o_proj'),
        max_g_mlp: maxAbs(all, 'down_proj'),
        response_tokens: pre.tokens,
        ...(r?.klDefault != null ? { kl_default: r.klDefault } : {}),
        ...(r ? { range_reached: r.reached.map(Number) } : {}),
      },
    });
  },
};
