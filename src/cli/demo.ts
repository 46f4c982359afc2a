// `steerling demo`: the whole loop on the embedded organism in about a minute — learn a topic
// direction with DiffMean from paired replies, steer neutral instructions at three strengths,
// judge every reply exactly (concept share, fluency, instruction), and write an HTML report.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel, stopIds } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { contrastivePairs, conceptTopic, steeringInstructions, topicPairs, CONCEPTS, isConceptId, type ConceptId } from '../data/organism/index.js';
import { parseConceptData } from '../data/concept-data.js';
import { METHODS } from '../methods/index.js';
import { saveArtifact } from '../artifact/io.js';
import { artifactInterventions } from '../artifact/apply.js';
import { hooksFor } from '../intervene/index.js';
import { chatReplies } from '../organism/replies.js';
import { conceptScore, conceptShare, fluency, instructionScore } from '../eval/judges/index.js';
import { renderReport } from '../eval/report/html.js';
import { lineChart, renderSvg } from '../eval/report/plot.js';
import { intArg } from './options.js';

interface DemoFlags {
  model?: string;
  concept: string;
  layer?: number;
  out: string;
  n: number;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('end-to-end demo on the embedded model organism: learn, steer, judge, report')
    .option('-m, --model <dir>', 'organism folder (default: the shipped one)')
    .option('--concept <id>', `concept to steer (${CONCEPTS.join(', ')})`, 'topic:ocean')
    .option('--layer <i>', 'block whose output is steered (default: the middle one)', intArg('--layer'))
    .option('--n <n>', 'instructions to steer', intArg('--n', 1), 10)
    .option('--out <dir>', 'where the artifact and report go', 'steerling-demo')
    .action(async (f: DemoFlags) => {
      const t0 = performance.now();
      if (!isConceptId(f.concept)) throw new Error(`unknown concept "${f.concept}" (choose one of ${CONCEPTS.join(', ')})`);
      const concept: ConceptId = f.concept;
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      const tok = m.tokenizer;
      const layer = f.layer ?? Math.floor(m.model.arch.layers / 2);
      const site = `layers.${layer}.resid_post`;
      const say = (s: string) => console.log(s);
      say(`steerling demo — ${m.config.modelType} organism (${m.model.arch.layers} layers, hidden ${m.model.arch.hidden}); concept ${concept}; site ${site}`);

      // 1. Learn from pairs of replies to one neutral instruction, with and without the concept: for a
      // topic, the plain reply and the same reply drifting into the topic (topicPairs); otherwise the
      // concept's minimal-pair replies (contrastivePairs).
      const rows = conceptTopic(concept) ? topicPairs(concept, { n: 64, seed: 11 }) : contrastivePairs(concept, { n: 64, seed: 11 });
      const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), `${concept} pairs`);
      const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: tok, data, site, chat: true, name: concept.replace(':', '-'), hubId: null });
      const iv = art.meta.interventions[0]!;
      mkdirSync(f.out, { recursive: true });
      const artPath = join(f.out, `${art.meta.name}.steer.safetensors`);
      saveArtifact(artPath, art);
      say(`learned a DiffMean direction from ${rows.length} pairs: default strength ${iv.default_strength.toFixed(2)}, range [${iv.strength_range.map((x) => x.toFixed(1)).join(', ')}], separation ${(art.meta.stats!['separation'] as number).toFixed(1)}σ → ${artPath}`);

      // 2. Steer neutral instructions at half, one and two times the default and judge every reply.
      const prompts = steeringInstructions(concept, { n: f.n, seed: 5 }).map((s) => s.prompt);
      const strengths = [0, 0.5, 1, 2].map((k) => k * iv.default_strength);
      const results = strengths.map((s) => {
        const hooks = s === 0 ? null : hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers);
        const replies = chatReplies(m.model, tok, prompts, { eosTokenIds: stopIds(m), hooks, maxTokens: 64 });
        return {
          strength: s,
          replies,
          carried: mean(replies.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0))),
          concept: mean(replies.map((r) => conceptShare(r, concept))),
          parse: mean(replies.map((r) => (fluency(r).parses ? 1 : 0))),
          instruction: mean(replies.map((r, i) => instructionScore(prompts[i]!, r) / 2)),
        };
      });
      say('\nstrength  carried  concept share  parse rate  instruction');
      for (const r of results) say(`${r.strength.toFixed(2).padStart(8)}  ${r.carried.toFixed(2).padStart(7)}  ${r.concept.toFixed(2).padStart(13)}  ${r.parse.toFixed(2).padStart(10)}  ${r.instruction.toFixed(2).padStart(11)}`);
      say(`\n"${prompts[0]}"`);
      for (const r of results) say(`  [${r.strength.toFixed(2)}] ${r.replies[0]}`);

      // 3. Report.
      const plotRows = results.flatMap((r) => [
        { strength: r.strength, value: r.carried, metric: 'replies carrying the concept' },
        { strength: r.strength, value: r.concept, metric: 'concept share' },
        { strength: r.strength, value: r.parse, metric: 'parse rate' },
        { strength: r.strength, value: r.instruction, metric: 'instruction' },
      ]);
      const svg = await renderSvg(lineChart(plotRows, 'strength', 'value', 'metric', `${concept}: steering strength vs judged behaviour`));
      const html = renderReport(`steerling demo: ${concept}`, [
        { heading: 'What happened', text: [`A DiffMean direction for ${concept} was learned at ${site} from ${rows.length} paired replies and added at every position with the strengths below (multiples of the default ${iv.default_strength.toFixed(3)}, calibrated on the data). Every reply is judged by exact programs: carried (the share of replies that clearly carry the concept: score 2 of the 0/1/2 scale), concept share (content words from the concept), parse rate under the organism's grammar, and instruction following (0/1/2, shown /2).`] },
        { heading: 'Scores', svg, table: { columns: ['strength', 'carried', 'concept share', 'parse rate', 'instruction'], rows: results.map((r) => [r.strength, r.carried, r.concept, r.parse, r.instruction]) } },
        { heading: 'Replies', table: { columns: ['instruction', ...results.map((r) => `strength ${r.strength.toFixed(2)}`)], rows: prompts.map((p, i) => [p, ...results.map((r) => r.replies[i]!)]) } },
      ], { model: m.dir, artifact: resolve(artPath), 'wall time': `${((performance.now() - t0) / 1000).toFixed(1)} s` });
      const reportPath = join(f.out, 'report.html');
      writeFileSync(reportPath, html);
      say(`\nreport: ${reportPath} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    });
}
