// `steerling demo`: first a steering effect on a real pretrained model (stories260K, a dog; see
// demo-stories.ts), then the whole loop on the embedded organism in about a minute — learn a topic
// direction with DiffMean from paired replies and a RePS vector from concept/plain reply pairs,
// steer neutral instructions at multiples of each one's derived default, take the topic out of
// replies that ask for it with the negated artifact, judge every reply exactly (carried, concept
// share, fluency, instruction), and write an HTML report. A carried rate is never shown without the
// parse rate of the same replies: the concept judge counts concept words, fluent or not. Showing the methods side by side is the
// point: on this organism DiffMean's direction brings a topic in only together with broken
// sentences, RePS's does so while replies still parse, and CDAS (read at the instruction's concept
// clause, rank 8, at layer 1 where `steerling trace` finds the topic's path) steers both ways at its
// data-derived strength: the μ+ clamp brings the topic in, the μ− clamp takes it out.
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../io/out-path.js';
import { join, resolve } from 'node:path';
import { loadModel, stopIds } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { contrastivePairs, conceptTopic, steeringInstructions, topicPairs, CONCEPTS, isConceptId, type ConceptId } from '../organism/corpus/index.js';
import { parseConceptData } from '../data/concept-data.js';
import { parseContrastRows, contrastAsConceptData } from '../methods/cdas/data.js';
import { METHODS } from '../methods/index.js';
import { saveArtifact } from '../artifact/io.js';
import { resolveSteering, type ClampTarget } from '../artifact/steering.js';
import { hooksFor } from '../intervene/index.js';
import { chatReplies } from '../generate/replies.js';
import { conceptScore, conceptShare, fluency, instructionScore } from '../organism/judges/index.js';
import { renderReport, type ReportSection } from '../eval/report/html.js';
import { lineChart, renderSvg } from '../eval/report/plot.js';
import { intArg } from './options.js';
import { progress } from './progress.js';
import { storiesOpening } from './demo-stories.js';
import type { Artifact } from '../artifact/artifact.js';
import type { LoadedModel } from '../models/load.js';

interface DemoFlags {
  model?: string;
  concept: string;
  layer?: number;
  out: string;
  n: number;
  method: string;
  quiet?: boolean;
  stories: boolean;
}

const DEMO_METHODS = ['diffmean', 'reps', 'cdas'] as const;
type DemoMethod = (typeof DEMO_METHODS)[number];
const LABEL: Record<DemoMethod, string> = { diffmean: 'DiffMean', reps: 'RePS', cdas: 'CDAS' };
/** CDAS's block when --layer is not given: where the trace shows the reply reading the topic word. */
const CDAS_LAYER = 1;
/** Method sets --method names besides the single methods. */
const METHOD_SETS: Record<string, DemoMethod[]> = { all: [...DEMO_METHODS], both: ['diffmean', 'reps'] };
/** Multiples of the derived default strength every method is steered at. */
const MULTIPLES = [0, 0.5, 1, 2];

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('end-to-end demo on the embedded model organism: learn, steer, judge, report')
    .option('-m, --model <dir>', 'organism folder (default: the shipped one)')
    .option('--concept <id>', `concept to steer (${CONCEPTS.join(', ')})`, 'topic:ocean')
    .option('--layer <i>', `block whose output is steered (default: the middle one; CDAS: ${CDAS_LAYER})`, intArg('--layer'))
    .option('--n <n>', 'instructions to steer', intArg('--n', 1), 10)
    .option('--out <dir>', 'where the artifacts and report go', 'steerling-demo')
    .option('--method <name>', 'diffmean, reps, cdas, both (diffmean and reps) or all', 'all')
    .option('--no-stories', 'skip the opening on stories260K (a real pretrained model steered to dogs)')
    .option('-q, --quiet', 'no progress bar')
    .action(async (f: DemoFlags) => {
      const t0 = performance.now();
      if (!(f.method in METHOD_SETS) && !(DEMO_METHODS as readonly string[]).includes(f.method)) throw new Error(`unknown --method "${f.method}" (choose diffmean, reps, cdas, both or all)`);
      if (!isConceptId(f.concept)) throw new Error(`unknown concept "${f.concept}" (choose one of ${CONCEPTS.join(', ')})`);
      const concept: ConceptId = f.concept;
      const say = (s: string) => console.log(s);
      mkdirSync(f.out, { recursive: true });
      const opening = f.stories ? await storiesOpening(f.out, say) : null;
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      const siteOf = (method: DemoMethod) => `layers.${f.layer ?? (method === 'cdas' ? CDAS_LAYER : Math.floor(m.model.arch.layers / 2))}.resid_post`;
      const methods: DemoMethod[] = METHOD_SETS[f.method] ?? [f.method as DemoMethod];
      say(`${f.stories ? '\n2. ' : ''}The model organism, judged exactly: ${m.config.modelType}, ${m.model.arch.layers} layers, hidden ${m.model.arch.hidden}; concept ${concept}; ${[...new Set(methods.map(siteOf))].join(', ')}`);

      const prompts = steeringInstructions(concept, { n: f.n, seed: 5, split: 'eval' }).map((s) => s.prompt);
      const asking = contrastivePairs(concept, { n: f.n, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);
      const sections: ReportSection[] = [];
      const files: Record<string, string> = {};
      for (const method of methods) {
        const site = siteOf(method);
        const { art, pairs } = learn(m, concept, site, method, f.quiet === true);
        const iv = art.meta.interventions[0]!;
        const clamp = iv.kind === 'clamp';
        const artPath = join(f.out, `${art.meta.name}.steer.safetensors`);
        saveArtifact(artPath, art);
        files[`${LABEL[method]} artifact`] = resolve(artPath);
        say(clamp
          ? `\nlearned a ${LABEL[method]} clamp (rank ${art.meta.interventions.length}) at ${site} from ${pairs} rows: strength 1 clamps to the concept's class mean μ+, 0 to the plain one μ− → ${artPath}`
          : `\nlearned a ${LABEL[method]} ${method === 'reps' ? 'vector' : 'direction'} at ${site} from ${pairs} pairs: default strength ${iv.default_strength.toFixed(2)}, range [${iv.strength_range.map((x) => x.toFixed(1)).join(', ')}] → ${artPath}`);
        // Steer neutral instructions at multiples of the default and judge every reply.
        const results = MULTIPLES.map((k) => judged(m, art, concept, prompts, k * iv.default_strength));
        say('strength  carried  parse rate  concept share  instruction');
        for (const r of results) say(`${r.strength.toFixed(2).padStart(8)}  ${r.carried.toFixed(2).padStart(7)}  ${r.parse.toFixed(2).padStart(10)}  ${r.concept.toFixed(2).padStart(13)}  ${r.instruction.toFixed(2).padStart(11)}`);
        say(`"${prompts[0]}"`);
        for (const r of results) say(`  [${r.strength.toFixed(2)}] ${r.replies[0]}`);
        // Negated (a clamp: to μ− at ×1), on instructions that ask for the concept.
        const asked = judged(m, art, concept, asking, 0);
        const negated = clamp ? judged(m, art, concept, asking, iv.default_strength, 'neg') : judged(m, art, concept, asking, -iv.default_strength);
        say(`asked for the concept: carried ${asked.carried.toFixed(2)} (parse ${asked.parse.toFixed(2)}) unsteered → ${negated.carried.toFixed(2)} (parse ${negated.parse.toFixed(2)}) at ${clamp ? 'μ− (×1)' : negated.strength.toFixed(2)}`);
        sections.push(...await methodSections(method, concept, site, art, pairs, prompts, results, asked, negated));
      }
      const html = renderReport(`steerling demo: ${concept}`, [
        ...(opening?.sections ?? []),
        { heading: 'The model organism: what happened', text: [`For ${concept}: ${methods.map((x) => `${LABEL[x]} at ${siteOf(x)}`).join(', ')} learned an artifact each; neutral instructions were steered with multiples of each artifact's derived default strength (strength 0: unsteered), and instructions that ask for the concept with the negated default (CDAS: its clamp to the plain class mean μ−). Every reply is judged by exact programs: carried (the share of replies that clearly carry the concept: score 2 of the 0/1/2 scale), parse rate under the organism's grammar (always next to carried: the concept judge counts concept words whether or not the reply is fluent, so a carried rate alone would count broken text), concept share (content words from the concept), and instruction following (0/1/2, shown /2).`] },
        ...sections,
      ], { model: m.dir, ...(opening ? { 'stories260K artifact': resolve(opening.artifact) } : {}), ...files, 'wall time': `${((performance.now() - t0) / 1000).toFixed(1)} s` });
      const reportPath = join(f.out, 'report.html');
      writeFileAtomic(reportPath, html);
      say(`\nreport: ${reportPath} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    });
}

/**
 * DiffMean from pairs of replies to one neutral instruction, with and without the concept (for a
 * topic, the plain reply and the same reply drifting into the topic); RePS from replies to an
 * instruction that asks for the concept (winner) and to the plain one (loser), both scored under
 * the plain instruction, as AxBench trains it.
 */
function learn(m: LoadedModel, concept: ConceptId, site: string, method: DemoMethod, quiet: boolean): { art: Artifact; pairs: number } {
  if (method === 'cdas') {
    // The steerability bar's setting (README, "At the derived strength, every topic").
    const rows = parseContrastRows(contrastivePairs(concept, { n: 32, seed: 21, split: 'train' }), `${concept} rows`);
    const bar = progress({ quiet, unit: 'step', label: LABEL[method] });
    try {
      return { pairs: rows.length, art: METHODS.cdas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: contrastAsConceptData(rows), contrast: rows, site, name: `${concept.replace(':', '-')}-cdas`, hubId: null, seed: 1, options: { steps: 200, sourcePosition: 'clause', basePositions: 'all', rank: 8 }, onProgress: (d, t, phase, info) => bar.update(d, t, phase, info) }) };
    } finally {
      bar.stop();
    }
  }
  const rows = method === 'diffmean' && conceptTopic(concept) ? topicPairs(concept, { n: 64, seed: 11, split: 'train' }) : contrastivePairs(concept, { n: method === 'reps' ? 48 : 64, seed: 11, split: 'train' });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), `${concept} pairs`);
  const bar = progress({ quiet, unit: (phase) => (phase === 'train' ? 'step' : 'ex'), label: LABEL[method] });
  try {
    return { pairs: rows.length, art: METHODS[method]!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site, chat: true, name: `${concept.replace(':', '-')}-${method}`, hubId: null, onProgress: (d, t, phase, info) => bar.update(d, t, phase, info) }) };
  } finally {
    bar.stop();
  }
}

interface Judged { strength: number; replies: string[]; carried: number; concept: number; parse: number; instruction: number }

function judged(m: LoadedModel, art: Artifact, concept: ConceptId, prompts: string[], strength: number, target?: ClampTarget): Judged {
  const hooks = strength === 0 ? null : hooksFor(resolveSteering({ artifact: art.meta.name, strength, ...(target ? { target } : {}) }, art, m.model), m.model.arch.layers);
  const replies = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), hooks, maxTokens: 64 });
  return {
    strength,
    replies,
    carried: mean(replies.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0))),
    concept: mean(replies.map((r) => conceptShare(r, concept))),
    parse: mean(replies.map((r) => (fluency(r).parses ? 1 : 0))),
    instruction: mean(replies.map((r, i) => instructionScore(prompts[i]!, r) / 2)),
  };
}

async function methodSections(method: DemoMethod, concept: ConceptId, site: string, art: Artifact, pairs: number, prompts: string[], results: Judged[], asked: Judged, negated: Judged): Promise<ReportSection[]> {
  const label = LABEL[method];
  const iv = art.meta.interventions[0]!;
  const plotRows = results.flatMap((r) => [
    { strength: r.strength, value: r.carried, metric: 'replies carrying the concept' },
    { strength: r.strength, value: r.concept, metric: 'concept share' },
    { strength: r.strength, value: r.parse, metric: 'parse rate' },
    { strength: r.strength, value: r.instruction, metric: 'instruction' },
  ]);
  const svg = await renderSvg(lineChart(plotRows, 'strength', 'value', 'metric', `${label}, ${concept}: steering strength vs judged behaviour`));
  return [
    { heading: `${label}: scores`, text: [iv.kind === 'clamp'
      ? `Learned at ${site} from ${pairs} rows; strength s clamps to μ− + s·(μ+ − μ−) (1: the concept's class mean, derived from the data; 0 in the table: unsteered). On ${asked.replies.length} instructions that ask for the concept: carried ${asked.carried.toFixed(2)} (parse ${asked.parse.toFixed(2)}) unsteered, ${negated.carried.toFixed(2)} (parse ${negated.parse.toFixed(2)}) clamped to μ−.`
      : `Learned at ${site} from ${pairs} pairs; default strength ${iv.default_strength.toFixed(3)} (derived from the data), range ±${iv.strength_range[1].toFixed(3)}. Negated on ${asked.replies.length} instructions that ask for the concept: carried ${asked.carried.toFixed(2)} (parse ${asked.parse.toFixed(2)}) unsteered, ${negated.carried.toFixed(2)} (parse ${negated.parse.toFixed(2)}) at ${negated.strength.toFixed(2)}.`], svg, table: { columns: ['strength', 'carried', 'parse rate', 'concept share', 'instruction'], rows: results.map((r) => [r.strength, r.carried, r.parse, r.concept, r.instruction]) } },
    { heading: `${label}: replies`, table: { columns: ['instruction', ...results.map((r) => `strength ${r.strength.toFixed(2)}`)], rows: prompts.map((p, i) => [p, ...results.map((r) => r.replies[i]!)]) } },
  ];
}
