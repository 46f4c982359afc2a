// `steerling demo`: the whole loop on the embedded organism in well under a minute — learn a topic
// direction with DiffMean from paired replies and a RePS vector from concept/plain reply pairs,
// steer neutral instructions at multiples of each one's derived default, take the topic out of
// replies that ask for it with the negated artifact, judge every reply exactly (carried, concept
// share, fluency, instruction), and write an HTML report. Showing both methods side by side is the
// point: on this organism DiffMean's direction brings a topic in only together with broken
// sentences, RePS's does so while replies still parse.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel, stopIds } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { contrastivePairs, conceptTopic, steeringInstructions, topicPairs, CONCEPTS, isConceptId, type ConceptId } from '../organism/corpus/index.js';
import { parseConceptData } from '../data/concept-data.js';
import { METHODS } from '../methods/index.js';
import { saveArtifact } from '../artifact/io.js';
import { artifactInterventions } from '../artifact/apply.js';
import { hooksFor } from '../intervene/index.js';
import { chatReplies } from '../generate/replies.js';
import { conceptScore, conceptShare, fluency, instructionScore } from '../organism/judges/index.js';
import { renderReport, type ReportSection } from '../eval/report/html.js';
import { lineChart, renderSvg } from '../eval/report/plot.js';
import { intArg } from './options.js';
import { progress } from './progress.js';
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
}

const DEMO_METHODS = ['diffmean', 'reps'] as const;
type DemoMethod = (typeof DEMO_METHODS)[number];
const LABEL: Record<DemoMethod, string> = { diffmean: 'DiffMean', reps: 'RePS' };
/** Multiples of the derived default strength every method is steered at. */
const MULTIPLES = [0, 0.5, 1, 2];

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('end-to-end demo on the embedded model organism: learn, steer, judge, report')
    .option('-m, --model <dir>', 'organism folder (default: the shipped one)')
    .option('--concept <id>', `concept to steer (${CONCEPTS.join(', ')})`, 'topic:ocean')
    .option('--layer <i>', 'block whose output is steered (default: the middle one)', intArg('--layer'))
    .option('--n <n>', 'instructions to steer', intArg('--n', 1), 10)
    .option('--out <dir>', 'where the artifacts and report go', 'steerling-demo')
    .option('--method <name>', `diffmean, reps or both`, 'both')
    .option('-q, --quiet', 'no progress bar')
    .action(async (f: DemoFlags) => {
      const t0 = performance.now();
      if (f.method !== 'both' && !(DEMO_METHODS as readonly string[]).includes(f.method)) throw new Error(`unknown --method "${f.method}" (choose diffmean, reps or both)`);
      if (!isConceptId(f.concept)) throw new Error(`unknown concept "${f.concept}" (choose one of ${CONCEPTS.join(', ')})`);
      const concept: ConceptId = f.concept;
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      const tok = m.tokenizer;
      const layer = f.layer ?? Math.floor(m.model.arch.layers / 2);
      const site = `layers.${layer}.resid_post`;
      const say = (s: string) => console.log(s);
      say(`steerling demo — ${m.config.modelType} organism (${m.model.arch.layers} layers, hidden ${m.model.arch.hidden}); concept ${concept}; site ${site}`);

      const methods: DemoMethod[] = f.method === 'both' ? [...DEMO_METHODS] : [f.method as DemoMethod];
      mkdirSync(f.out, { recursive: true });
      const prompts = steeringInstructions(concept, { n: f.n, seed: 5 }).map((s) => s.prompt);
      const asking = contrastivePairs(concept, { n: f.n, seed: 4 }).map((r) => r.concept_prompt);
      const sections: ReportSection[] = [];
      const files: Record<string, string> = {};
      for (const method of methods) {
        const { art, pairs } = learn(m, concept, site, method, f.quiet === true);
        const iv = art.meta.interventions[0]!;
        const artPath = join(f.out, `${art.meta.name}.steer.safetensors`);
        saveArtifact(artPath, art);
        files[`${LABEL[method]} artifact`] = resolve(artPath);
        say(`\nlearned a ${LABEL[method]} ${method === 'reps' ? 'vector' : 'direction'} from ${pairs} pairs: default strength ${iv.default_strength.toFixed(2)}, range [${iv.strength_range.map((x) => x.toFixed(1)).join(', ')}] → ${artPath}`);
        // Steer neutral instructions at multiples of the default and judge every reply.
        const results = MULTIPLES.map((k) => judged(m, art, concept, prompts, k * iv.default_strength));
        say('strength  carried  concept share  parse rate  instruction');
        for (const r of results) say(`${r.strength.toFixed(2).padStart(8)}  ${r.carried.toFixed(2).padStart(7)}  ${r.concept.toFixed(2).padStart(13)}  ${r.parse.toFixed(2).padStart(10)}  ${r.instruction.toFixed(2).padStart(11)}`);
        say(`"${prompts[0]}"`);
        for (const r of results) say(`  [${r.strength.toFixed(2)}] ${r.replies[0]}`);
        // Negated, on instructions that ask for the concept.
        const [asked, negated] = [0, -iv.default_strength].map((s) => judged(m, art, concept, asking, s)) as [Judged, Judged];
        say(`asked for the concept: carried ${asked.carried.toFixed(2)} unsteered → ${negated.carried.toFixed(2)} at ${negated.strength.toFixed(2)} (parse ${negated.parse.toFixed(2)})`);
        sections.push(...await methodSections(method, concept, site, art, pairs, prompts, results, asked, negated));
      }
      const html = renderReport(`steerling demo: ${concept}`, [
        { heading: 'What happened', text: [`For ${concept} at ${site}: ${methods.map((x) => LABEL[x]).join(' and ')} learned an artifact each; neutral instructions were steered with multiples of each artifact's derived default strength, and instructions that ask for the concept with the negated default. Every reply is judged by exact programs: carried (the share of replies that clearly carry the concept: score 2 of the 0/1/2 scale), concept share (content words from the concept), parse rate under the organism's grammar, and instruction following (0/1/2, shown /2).`] },
        ...sections,
      ], { model: m.dir, ...files, 'wall time': `${((performance.now() - t0) / 1000).toFixed(1)} s` });
      const reportPath = join(f.out, 'report.html');
      writeFileSync(reportPath, html);
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
  const rows = method === 'diffmean' && conceptTopic(concept) ? topicPairs(concept, { n: 64, seed: 11 }) : contrastivePairs(concept, { n: method === 'reps' ? 48 : 64, seed: 11 });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), `${concept} pairs`);
  const bar = progress({ quiet, unit: (phase) => (phase === 'train' ? 'step' : 'ex'), label: LABEL[method] });
  try {
    return { pairs: rows.length, art: METHODS[method]!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site, chat: true, name: `${concept.replace(':', '-')}-${method}`, hubId: null, onProgress: (d, t, phase, info) => bar.update(d, t, phase, info) }) };
  } finally {
    bar.stop();
  }
}

interface Judged { strength: number; replies: string[]; carried: number; concept: number; parse: number; instruction: number }

function judged(m: LoadedModel, art: Artifact, concept: ConceptId, prompts: string[], strength: number): Judged {
  const hooks = strength === 0 ? null : hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers);
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
    { heading: `${label}: scores`, text: [`Learned at ${site} from ${pairs} pairs; default strength ${iv.default_strength.toFixed(3)} (derived from the data), range ±${iv.strength_range[1].toFixed(3)}. Negated on ${asked.replies.length} instructions that ask for the concept: carried ${asked.carried.toFixed(2)} unsteered, ${negated.carried.toFixed(2)} at ${negated.strength.toFixed(2)} (parse ${negated.parse.toFixed(2)}).`], svg, table: { columns: ['strength', 'carried', 'concept share', 'parse rate', 'instruction'], rows: results.map((r) => [r.strength, r.carried, r.concept, r.parse, r.instruction]) } },
    { heading: `${label}: replies`, table: { columns: ['instruction', ...results.map((r) => `strength ${r.strength.toFixed(2)}`)], rows: prompts.map((p, i) => [p, ...results.map((r) => r.replies[i]!)]) } },
  ];
}
