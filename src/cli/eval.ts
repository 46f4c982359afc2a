// `steerling eval axbench`: the AxBench steering protocol on the organism's concepts, or on your own
// (--concept-file, any model; src/eval/axbench.ts): per concept a DiffMean/PCA/probe/RePS/BiPO direction
// or a CDAS clamp, the strength factor chosen on half the instructions, the other half scored,
// against the unsteered and prompting baselines (and the artifact's derived strength).
// Replies are scored by the organism's exact judges, or a judge model (judge-flags.ts).
import type { Command } from 'commander';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { loadModel, stopIds, type LoadedModel } from '../models/load.js';
import { modelRef } from './model-ref.js';
import type { ConceptId } from '../organism/corpus/index.js';
import { ADDITIVE, SAE_METHODS, evalSite, parseConcepts, parseFactors } from './eval-args.js';
import { registerEvalDetection } from './eval-detection.js';
import { registerEvalSpecificity } from './eval-specificity.js';
import { METHODS } from '../methods/index.js';
import { chatTexts } from '../eval/concept-detection.js';
import { loadConceptFile, type FileConcept } from '../eval/axbench-concepts.js';
import { runAxBench, AXBENCH_FACTORS, CDAS_FACTORS, type AxBenchResult } from '../eval/axbench.js';
import { organismConceptSpec } from '../organism/axbench.js';
import { loadContrastRows, contrastAsConceptData } from '../methods/cdas/data.js';
import { BASE_POSITIONS, SOURCE_POSITIONS, resolveVariant } from '../methods/cdas/variants.js';
import { intArg, numArg } from './options.js';
import { fitOnOrganism, PREFERENCE_METHODS } from '../organism/axbench-fit.js';
import type { CdasOptions } from '../methods/cdas/options.js';
import { progress } from './progress.js';
import { addJudgeFlags, makeJudge, type JudgeFlags } from './judge-flags.js';
import { registerEvalClaims } from './eval-claims.js';
import { renderReport } from '../eval/report/html.js';
import { lineChart, renderSvg } from '../eval/report/plot.js';

interface AxFlags extends JudgeFlags {
  model?: string;
  method: string;
  layer?: number;
  concepts: string;
  conceptFile?: string;
  instructions: number;
  factors?: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  json?: boolean;
  out?: string;
  html?: string;
  sourcePosition?: string;
  basePositions?: string;
  rank?: number;
  steps?: number;
  sae?: string;
}

/** Methods eval axbench sweeps: the additive ones, and CDAS's clamp (a multiplier of its derived strength). */
const SWEPT = [...ADDITIVE, 'cdas'];

/** The judge and what it cost: ratings asked, read from the cache, and not parsed (counted as 0). */
function judgeLine(r: AxBenchResult): string {
  const j = r.judge;
  if (j.calls === 0 && j.cached === 0) return j.id;
  return `${j.id} (${j.calls} ratings asked, ${j.cached} from the cache, ${j.unparsed} unparsed → 0)`;
}

export function renderAxBench(r: AxBenchResult): string {
  const f = (x: number) => x.toFixed(2);
  const lines = [`AxBench steering scores (0–2), ${r.method}; ${r.settings.instructions / 2} test instructions per concept, T=${r.settings.temperature}, ${r.settings.maxTokens} tokens; judge: ${judgeLine(r)}`];
  if (r.concepts.some((c) => c.sweep === 'clamp')) lines.push('factor: the multiplier of the derived clamp (to μ− + factor·(μ+ − μ−)), chosen on the selection half; derived: ×1, no sweep');
  lines.push('concept'.padEnd(20) + 'factor  steered (c/i/f)         derived  unsteered  prompting');
  for (const c of r.concepts) {
    lines.push(`${c.concept.padEnd(20)}${String(c.factor).padEnd(8)}${f(c.steered.score)} (${f(c.steered.concept)}/${f(c.steered.instruction)}/${f(c.steered.fluency)})   ${f(c.derived.score).padEnd(9)}${f(c.unsteered.score).padEnd(11)}${f(c.prompting.score)}`);
  }
  const s = r.summary;
  const ci = (x: { score: number; lo: number; hi: number }) => `${f(x.score)} [${f(x.lo)}, ${f(x.hi)}]`;
  lines.push(`mean: steered ${ci(s.steered)} · derived ${ci(s.derived)} · unsteered ${ci(s.unsteered)} · prompting ${ci(s.prompting)}  (95% bootstrap)`);
  lines.push(`selected factor − derived default: ${selectedVerdict(r.selectedMinusDerived)}`);
  return lines.join('\n');
}

/** The selection against the derived default, with its paired interval and what it says. */
export function selectedVerdict(d: { score: number; lo: number; hi: number }): string {
  const sg = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const says = d.lo > 0 ? 'the selection beat the default' : d.hi < 0 ? 'the selection did worse than the default' : 'no difference shown: the selection bought nothing measurable';
  return `${sg(d.score)} [${sg(d.lo)}, ${sg(d.hi)}] (paired 95% bootstrap over test replies; ${says})`;
}


function cdasFitOptions(f: AxFlags): CdasOptions {
  const given = f.sourcePosition !== undefined || f.basePositions !== undefined || f.rank !== undefined || f.steps !== undefined;
  if (given && f.method !== 'cdas') throw new Error('--source-position, --base-positions, --rank and --steps apply to --method cdas');
  return { ...resolveVariant(f), ...(f.steps !== undefined ? { steps: f.steps } : {}) };
}

/** Fits each concept of a --concept-file on its own data; the scale comes from its positive texts. */
function fitFromFile(m: LoadedModel, method: string, site: string, concepts: readonly FileConcept[], cdas: CdasOptions = {}, options?: object) {
  const tok = m.tokenizer!;
  return (id: string) => {
    const c = concepts.find((x) => x.id === id)!;
    if (method === 'cdas') {
      // The data file must hold CDAS rows (a concept_prompt beside each pair, or the 4-tuple); its errors name the line.
      const rows = loadContrastRows(c.dataPath);
      const artifact = METHODS.cdas!.fit({ model: m.model, tokenizer: tok, data: contrastAsConceptData(rows), contrast: rows, site, name: id, hubId: m.repoId, options: cdas });
      return { artifact, positives: [] };
    }
    if (PREFERENCE_METHODS.includes(method) && c.data.kind !== 'pairs') throw new Error(`${c.dataPath}: ${method} learns from pairs {"prompt", "positive", "negative"}; this file has labelled texts`);
    const artifact = METHODS[method]!.fit({ model: m.model, tokenizer: tok, data: c.data, site, chat: true, name: id, hubId: m.repoId, ...(options ? { options } : {}) });
    return { artifact, positives: chatTexts(tok, c.data.examples.filter((e) => e.label === 1).map((e) => ({ prompt: e.prompt, text: e.completion }))) };
  };
}

/** The AxBench result as a self-contained HTML page: selection curves, the table, the test replies. */
export async function axbenchHtml(r: AxBenchResult): Promise<string> {
  const curve = r.concepts.flatMap((c) => c.selection.map((x) => ({ factor: x.factor, score: x.score, concept: c.concept })));
  const svg = await renderSvg(lineChart(curve, 'factor', 'score', 'concept', 'selection half: mean reply score per strength factor'));
  const s = r.summary;
  const ci = (x: { score: number; lo: number; hi: number }) => `${x.score.toFixed(3)} [${x.lo.toFixed(3)}, ${x.hi.toFixed(3)}]`;
  return renderReport(`steerling eval axbench: ${r.method}`, [
    { heading: 'Protocol', text: [`Per concept ${r.settings.instructions} instructions unrelated to it: the first half chose the strength factor (${r.concepts.some((c) => c.sweep === 'clamp') ? '× the derived clamp strength: the clamp to μ− + factor·(μ+ − μ−)' : '× the largest projection on the concept\'s texts'}), the second half was scored at it. Reply score: harmonic mean of concept, instruction and fluency (0/1/2 each, judge: ${judgeLine(r)}; 0 if any is 0). T = ${r.settings.temperature}, ${r.settings.maxTokens} tokens, seed ${r.settings.seed}.`, `Mean over concepts (95% bootstrap over test replies): steered ${ci(s.steered)}, derived default ${ci(s.derived)}, unsteered ${ci(s.unsteered)}, prompting ${ci(s.prompting)}. Selected factor − derived default: ${selectedVerdict(r.selectedMinusDerived)}.`] },
    { heading: 'Strength selection', svg },
    { heading: 'Scores', table: { columns: ['concept', 'factor', 'steered', 'concept', 'instruction', 'fluency', 'derived', 'unsteered', 'prompting'], rows: r.concepts.map((c) => [c.concept, c.factor, c.steered.score, c.steered.concept, c.steered.instruction, c.steered.fluency, c.derived.score, c.unsteered.score, c.prompting.score]) } },
    { heading: 'Steered test replies', table: { columns: ['concept', 'instruction', 'reply', 'score', 'concept judge', 'instruction judge', 'fluency judge'], rows: r.concepts.flatMap((c) => c.steered.replies.map((x) => [c.concept, x.prompt, x.reply, x.score, x.judge.concept, x.judge.instruction, x.judge.fluency])) } },
  ]);
}

export function registerEval(program: Command): void {
  const ev = program.command('eval').description('evaluate steering on the organism\'s concepts and behaviours');
  const ax = ev.command('axbench')
    .description('AxBench protocol: strength chosen on half the instructions, scored on the other half, vs unsteered and prompting')
    .option('-m, --model <path-or-id>', 'model folder or hub id (default: the organism; other models need --judge local|endpoint)')
    .option('--method <m>', `method to fit per concept: additive (${ADDITIVE.join(', ')}) or cdas (a clamp; its multiplier is swept)`, 'diffmean')
    .option('--layer <i>', 'block whose output is steered (default: the middle one)', intArg('--layer'))
    .option('--concepts <list>', 'comma-separated concepts, or topics, or all', 'topics')
    .option('--concept-file <file.jsonl>', 'your own concepts, one JSON object a line: {"id", "description", "instructions": [...], "clauses": [...], "data": "pairs-or-texts.jsonl"} (any model; needs --judge local|endpoint)')
    .option('--instructions <n>', 'instructions per concept (half select, half test)', intArg('--instructions', 2), 10)
    .option('--factors <list>', `strength factors (additive: × the largest projection on the concept's texts, default ${AXBENCH_FACTORS.join(',')}; cdas: × its derived strength, default ${CDAS_FACTORS.join(',')})`)
    .option('--source-position <where>', `cdas: where the source is read: ${SOURCE_POSITIONS.join(' | ')} (default header, the paper's)`)
    .option('--base-positions <where>', `cdas: which base positions training writes and the clamp acts on: ${BASE_POSITIONS.join(' | ')} (default all, the paper's)`)
    .option('--rank <r>', 'cdas: rows of the interchanged subspace (default 1, the paper\'s)', intArg('--rank', 1))
    .option('--sae <file>', `${SAE_METHODS.join(', ')}: the SAE file (its site is the one steered)`)
    .option('--steps <n>', 'cdas: training steps (default: its own)', intArg('--steps', 1))
    .option('--max-tokens <n>', 'tokens per reply', intArg('--max-tokens', 1), 128)
    .option('--temperature <t>', 'sampling temperature', numArg('--temperature', 0), 1)
    .option('--seed <s>', 'seed of instructions and sampling', intArg('--seed'), 0)
    .option('--json', 'print the whole result as one JSON object')
    .option('--out <file>', 'also write the result as JSON')
    .option('--html <file>', 'also write an HTML report (selection curves, scores, replies)');
  addJudgeFlags(ax)
    .action(async (f: AxFlags) => {
      if (f.out !== undefined) checkOutFile(f.out, '--out');
      if (f.html !== undefined) checkOutFile(f.html, '--html');
      if (!SWEPT.includes(f.method)) throw new Error(`--method ${f.method}: the sweep applies to additive methods (${ADDITIVE.join(', ')}) and to cdas's clamp`);
      const cdas = cdasFitOptions(f);
      if (f.conceptFile && f.concepts !== 'topics') throw new Error('--concepts picks the organism\'s concepts; with --concept-file the file lists the concepts');
      // Cheap checks first: a bad concept file fails before any model loads.
      const own = f.conceptFile ? loadConceptFile(f.conceptFile) : null;
      if (own && f.judge === 'exact') throw new Error('--judge exact knows only the organism\'s concepts; a --concept-file needs --judge local|endpoint');
      const concepts = own ? null : parseConcepts(f.concepts);
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      if (own && f.judge === undefined && !f.judgeUrl) throw new Error('a --concept-file needs a judge model: pass --judge local --judge-model PATH, or --judge endpoint --judge-url URL --judge-model NAME');
      const judge = await makeJudge(f, m.dir);
      const tok = m.tokenizer;
      const site = evalSite(f, m.model.arch.layers);
      const own_options = f.sae !== undefined ? { sae: f.sae } : undefined;
      const bar = progress({ quiet: Boolean(program.opts()['quiet']), unit: 'step', label: 'evaluating' });
      const common = {
        model: m.model, tokenizer: tok, eosTokenIds: stopIds(m), method: `${f.method} at ${site}`,
        instructions: f.instructions, maxTokens: f.maxTokens, temperature: f.temperature, seed: f.seed,
        ...(f.factors ? { factors: parseFactors(f.factors) } : f.method === 'cdas' ? { factors: CDAS_FACTORS } : {}),
        judge,
        onProgress: (what: string, done: number, total: number) => bar.update(done, total, what),
      };
      const res = own
        ? await runAxBench<string>({ ...common, concepts: own.map((c) => c.id), fit: fitFromFile(m, f.method, site, own, cdas, own_options), spec: (id) => own.find((c) => c.id === id)!.spec })
        : await runAxBench<ConceptId>({ ...common, concepts: concepts!, fit: fitOnOrganism(m.model, m.tokenizer!, f.method, site, cdas, own_options), spec: organismConceptSpec });
      bar.stop();
      if (f.out) writeFileAtomic(f.out, JSON.stringify(res, null, 2) + '\n', '--out');
      if (f.html) writeFileAtomic(f.html, await axbenchHtml(res), '--html');
      console.log(f.json ? JSON.stringify(res) : renderAxBench(res));
    });

  registerEvalClaims(ev, program);

  registerEvalDetection(ev);
  registerEvalSpecificity(ev, program);
}
