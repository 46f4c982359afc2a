// The CDAS paper's AxBench claim on the organism's topics: CDAS at its data-derived strength (×1)
// and with the repository's multiplier sweep (1–14, chosen on the selection half), against DiffMean
// and RePS (AxBench's factor sweep) and prompting, all on the same held-out test instructions.

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { ConceptId } from '../corpus/index.js';
import { CDAS_FACTORS, type AxBenchResult } from '../../eval/axbench.js';
import { runOrganismAxBench } from '../axbench.js';
import { fitOnOrganism } from '../axbench-fit.js';
import { PAPER_SETTING, oursSetting, type CdasSetting } from './safety.js';
import type { ClaimRow, ClaimSection } from './types.js';

export interface AxBenchClaimOptions {
  model: DecoderModel;
  tokenizer: Tokenizer;
  eosTokenIds: readonly number[];
  concepts: readonly ConceptId[];
  site: string;
  instructions: number;
  maxTokens: number;
  seed: number;
  /** CDAS settings to run (default: the paper's and ours). */
  cdas?: readonly CdasSetting[];
  onProgress?: (phase: string, done: number, total: number) => void;
}

const fmt = (x: number) => x.toFixed(2);

export async function axbenchClaim(o: AxBenchClaimOptions): Promise<{ section: ClaimSection; artifacts: Map<string, Artifact> }> {
  const artifacts = new Map<string, Artifact>();
  const runs: { key: string; label: string; res: AxBenchResult }[] = [];
  const run = async (key: string, label: string, method: string, fitOpts: Parameters<typeof fitOnOrganism>[4]) => {
    const fit = fitOnOrganism(o.model, o.tokenizer, method, o.site, fitOpts);
    const res = await runOrganismAxBench({
      model: o.model, tokenizer: o.tokenizer, eosTokenIds: o.eosTokenIds, method: `${label} at ${o.site}`, concepts: o.concepts,
      instructions: o.instructions, maxTokens: o.maxTokens, seed: o.seed, ...(method === 'cdas' ? { factors: CDAS_FACTORS } : {}),
      fit: (c) => {
        const r = fit(c);
        artifacts.set(`${key}:${c}`, r.artifact);
        return r;
      },
      onProgress: (what, d, t) => o.onProgress?.(`axbench ${key}: ${what}`, d, t),
    });
    runs.push({ key, label, res });
  };
  for (const s of o.cdas ?? [PAPER_SETTING, oursSetting()]) await run(`cdas-${s.id}`, s.label, 'cdas', { ...s.variant, ...(s.steps !== undefined ? { steps: s.steps } : {}) });
  await run('diffmean', 'DiffMean', 'diffmean', {});
  await run('reps', 'RePS', 'reps', {});

  const rows: ClaimRow[] = [];
  const n = o.concepts.length * Math.floor(o.instructions / 2);
  const note = `mean over ${o.concepts.length} concepts of the mean reply score, ${n} test replies; 95% bootstrap over replies`;
  for (const r of runs) {
    const s = r.res.summary;
    const cdas = r.key.startsWith('cdas');
    rows.push({ label: `${r.label}: ×1, its derived strength`, value: s.derived.score, lo: s.derived.lo, hi: s.derived.hi, unit: 'score', note });
    rows.push({ label: `${r.label}: swept (${cdas ? 'multiplier 1–14 of the derived clamp' : 'AxBench factors'}), chosen on the selection half`, value: s.steered.score, lo: s.steered.lo, hi: s.steered.hi, unit: 'score', note });
  }
  const first = runs[0]!.res.summary;
  rows.push({ label: 'prompting (the concept asked for in the instruction)', value: first.prompting.score, lo: first.prompting.lo, hi: first.prompting.hi, unit: 'score', note });
  rows.push({ label: 'unsteered', value: first.unsteered.score, lo: first.unsteered.lo, hi: first.unsteered.hi, unit: 'score', note });

  const paper = runs.find((r) => r.key === 'cdas-paper')?.res.summary.steered;
  const reps = runs.find((r) => r.key === 'reps')!.res.summary.steered;
  let verdict = 'no paper-setting CDAS run';
  let met: boolean | null = null;
  if (paper) {
    // The claim is that CDAS does not always win against RePS: it holds here unless CDAS is clearly ahead.
    const ahead = paper.lo > reps.hi;
    met = !ahead;
    verdict = ahead
      ? `CDAS (paper, swept) ${fmt(paper.score)} [${fmt(paper.lo)}, ${fmt(paper.hi)}] is clearly above RePS ${fmt(reps.score)} [${fmt(reps.lo)}, ${fmt(reps.hi)}]: the claim's caveat does not show here`
      : `CDAS (paper, swept) ${fmt(paper.score)} [${fmt(paper.lo)}, ${fmt(paper.hi)}] vs RePS ${fmt(reps.score)} [${fmt(reps.lo)}, ${fmt(reps.hi)}]: CDAS does not outperform RePS here, as the paper allows`;
  }
  return {
    artifacts,
    section: {
      id: 'axbench',
      title: 'AxBench steering on the organism\'s topics',
      claim: 'CDAS "does not always outperform preference-optimization methods" (RePS) on AxBench (arXiv 2602.05234, abstract); the repository sweeps a multiplier of 1–14 on the data-derived clamp for AxBench',
      setting: `${o.concepts.join(', ')} at ${o.site}; ${o.instructions} instructions per concept (half select the strength, half are scored), T = 1, ${o.maxTokens} tokens, exact judges (concept, instruction, fluency; harmonic mean 0–2)`,
      rows,
      bar: 'the claim holds unless CDAS (paper setting, swept) is above RePS (swept) with disjoint intervals',
      verdict,
      met,
    },
  };
}
