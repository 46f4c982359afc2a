// `steerling eval detection`: can the artifact's direction read the concept? Per concept, AUROC of
// the max-over-tokens projection on held-out texts with and without it (and on hard negatives
// alone, where the organism supplies them), and the best-threshold F1. The organism's concepts and
// its held-out sets by default; `--concept-file` brings one's own texts, on any model.
import type { Command } from 'commander';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { loadModel } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { detectionSet } from '../organism/corpus/index.js';
import { METHODS } from '../methods/index.js';
import { chatTexts, detectionFromScores, detectionWithScores, type DetectionReport } from '../eval/concept-detection.js';
import type { Artifact } from '../artifact/artifact.js';
import { loadDetectionConcepts } from '../eval/detection-concepts.js';
import { detectionHtml } from '../eval/report/detection-html.js';
import { checkContextFits } from '../activations/tokenize.js';
import { fitOnOrganism } from '../organism/axbench-fit.js';
import { intArg } from './options.js';
import { ADDITIVE, SAE_METHODS, evalSite, parseConcepts } from './eval-args.js';
import { loadSae } from '../sae/file.js';
import { maxPreActivations } from '../sae/feature.js';
import { isOrganism } from './judge-flags.js';

interface DetFlags {
  model?: string;
  method: string;
  sae?: string;
  layer?: number;
  concepts?: string;
  conceptFile?: string;
  n?: number;
  seed?: number;
  json?: boolean;
  html?: string;
}

export function registerEvalDetection(ev: Command): void {
  ev.command('detection')
    .description('concept detection: AUROC (max-over-tokens projection) on held-out positive, negative and hard-negative texts, and the best-threshold F1')
    .option('-m, --model <path-or-id>', 'model folder or hub id (default: the shipped organism; another model needs --concept-file)')
    .option('--method <m>', `method to fit per concept (${ADDITIVE.join(', ')}; sae scores a text by its feature's largest pre-activation)`, 'diffmean')
    .option('--sae <file>', `${SAE_METHODS.join(', ')}: the SAE file (its site is the one read)`)
    .option('--layer <i>', 'block whose output is read (default: the middle one)', intArg('--layer'))
    .option('--concepts <list>', 'the organism\'s concepts: comma-separated, or topics, or all (default all)')
    .option('--concept-file <file>', 'your own concepts, one JSON object a line: {"id", "data": "texts.jsonl"[, "test": "held-out.jsonl"]} (an eval axbench concept file works too)')
    .option('--n <n>', 'organism: texts of each kind per concept (default 40)', intArg('--n', 1))
    .option('--seed <s>', 'organism: seed of the held-out texts (default 99)', intArg('--seed'))
    .option('--json', 'print the figures as one JSON object')
    .option('--html <file>', 'also write an HTML report (figures per concept, every text\'s score by class)')
    .action(async (f: DetFlags) => {
      // Checks that cost nothing come first: a bad flag or file fails before any model loads.
      if (!ADDITIVE.includes(f.method)) throw new Error(`--method ${f.method}: choose ${ADDITIVE.join(', ')}`);
      if (f.html !== undefined) checkOutFile(f.html, '--html');
      if (f.conceptFile !== undefined) {
        if (f.concepts !== undefined) throw new Error('--concepts picks the organism\'s concepts; with --concept-file the file lists the concepts');
        if (f.n !== undefined || f.seed !== undefined) throw new Error(`${f.n !== undefined ? '--n' : '--seed'} sizes the organism's held-out sets; a --concept-file brings its own texts`);
      }
      const own = f.conceptFile !== undefined ? loadDetectionConcepts(f.conceptFile) : null;
      const concepts = own ? null : parseConcepts(f.concepts ?? 'all');
      const n = f.n ?? 40;
      const seed = f.seed ?? 99;
      const m = await loadModel(modelRef(f.model));
      const tok = m.tokenizer;
      if (!tok) throw new Error(`${m.dir} has no tokenizer`);
      if (!own && !isOrganism(m.dir)) throw new Error(`${m.dir} is not the organism, whose held-out texts these are: pass --concept-file FILE with texts of your own`);
      const site = evalSite(f, m.model.arch.layers);
      const options = f.sae !== undefined ? { sae: f.sae } : undefined;
      const sae = f.sae !== undefined ? loadSae(f.sae).sae : null;
      // An SAE feature scores a text by its largest pre-activation (the feature the fit picked on the
      // training texts); a direction by its largest projection.
      const scoreWith = (art: Artifact, rows: readonly { prompt: string; text: string; label: number; kind: string }[]) => {
        if (!sae) return detectionWithScores(m.model, tok, art, rows);
        const feature = art.meta.settings['feature'] as number;
        const texts = chatTexts(tok, rows).map((t) => ({ ids: t.ids, start: t.start, end: t.ids.length }));
        return detectionFromScores([...maxPreActivations(m.model, sae, texts, [feature])], rows);
      };
      const out: Record<string, DetectionReport> = {};
      const scores: { concept: string; kind: string; score: number }[] = [];
      const record = (c: string, rows: readonly { kind: string }[], r: ReturnType<typeof detectionWithScores>) => {
        out[c] = r.report;
        r.scores.forEach((score, i) => scores.push({ concept: c, kind: rows[i]!.kind, score }));
      };
      if (own) {
        for (const c of own) {
          checkContextFits(tok, [...c.train.examples, ...c.test.map((t) => ({ prompt: t.prompt, completion: t.text, label: t.label as 0 | 1, pair: null, source: t.source }))], m.model.arch.maxPositions, { chat: true });
        }
        for (const c of own) {
          const art = METHODS[f.method]!.fit({ model: m.model, tokenizer: tok, data: c.train, site, chat: true, name: c.id, hubId: m.repoId, ...(options ? { options } : {}) });
          record(c.id, c.test, scoreWith(art, c.test));
        }
      } else {
        const fit = fitOnOrganism(m.model, tok, f.method, site, {}, options);
        for (const c of concepts!) {
          const rows = detectionSet(c, { nPositive: n, nNegative: n, nHardNegative: n, seed, split: 'eval' });
          record(c, rows, scoreWith(fit(c).artifact, rows));
        }
      }
      const setting = own ? `concepts from ${f.conceptFile}: fitted on their "data", scored on held-out texts` : `the organism's held-out texts: ${n} positive, negative and hard-negative per concept, seed ${seed}`;
      if (f.html) writeFileAtomic(f.html, await detectionHtml({ method: f.method, site, setting, concepts: out, scores }), '--html');
      const vals = Object.values(out);
      const mean = (k: 'auroc' | 'f1') => vals.reduce((s, v) => s + v[k], 0) / vals.length;
      if (f.json) {
        console.log(JSON.stringify({ method: f.method, site, concepts: out, mean_auroc: mean('auroc'), mean_f1: mean('f1') }));
        return;
      }
      console.log(own ? `concept detection, ${f.method} at ${site}; ${setting}` : `concept detection, ${f.method} at ${site}; ${n} positive, negative and hard-negative texts per concept`);
      console.log('concept'.padEnd(22) + 'AUROC  AUROC(hard)  F1');
      for (const [c, v] of Object.entries(out)) console.log(`${c.padEnd(22)}${v.auroc.toFixed(3)}  ${v.auroc_hard === null ? '  –  ' : v.auroc_hard.toFixed(3)}        ${v.f1.toFixed(3)}`);
      console.log(`mean AUROC ${mean('auroc').toFixed(3)}, mean F1 ${mean('f1').toFixed(3)}`);
    });
}
