// `steerling sae train` and `steerling sae inspect`: sparse autoencoders over one hook site
// (src/sae/), trained on the organism's corpus (its training half; measured on the evaluation
// half) or on a text/JSONL file (the last tenth held out).
//
//   steerling sae train --site layers.1.resid_post --out organism-l1 [--width 1024] [--k 16 | --l1 5]
//   steerling sae inspect organism-l1.sae.safetensors --feature 12,40 [--html features.html]
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Tokenizer } from '../tokenizer/index.js';
import { loadModel, type LoadedModel } from '../models/load.js';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { organismTexts } from '../organism/sae-texts.js';
import { readCorpusTexts, holdOut } from '../sae/corpus.js';
import { runSae, SAE_DEFAULTS, SAE_TOKEN_BUDGET } from '../sae/run.js';
import { saveSae, loadSae, loadSaeCheckpoint, checkSaeFits } from '../sae/file.js';
import { tokenActivations } from '../sae/tokens.js';
import { inspectFeatures, featureText, featureHtml } from '../sae/inspect.js';
import { intArg, numArg } from './options.js';
import { modelRef } from './model-ref.js';
import { progress } from './progress.js';

export const SAE_SUFFIX = '.sae.safetensors';
export const saePath = (out: string): string => (out.endsWith(SAE_SUFFIX) ? out : `${out.replace(/\.safetensors$/, '')}${SAE_SUFFIX}`);

/** Organism chats per half: enough for the default token budget (~35 tokens a chat). */
const ORGANISM_CHATS = { train: 8000, held: 800 };

function corpusTexts(m: LoadedModel, tok: Tokenizer, corpus: string, seed: number): { train: number[][]; held: number[][]; label: string } {
  if (corpus === 'organism') {
    return {
      train: organismTexts(tok, { split: 'train', chats: ORGANISM_CHATS.train, seed: seed + 1 }),
      held: organismTexts(tok, { split: 'eval', chats: ORGANISM_CHATS.held, seed: seed + 2 }),
      label: `organism corpus (train half; measured on the eval half), seed ${seed}`,
    };
  }
  const texts = readCorpusTexts(corpus).map((t) => tok.encode(t, { addSpecialTokens: true }));
  const { train, held } = holdOut(texts);
  return { train, held, label: `${corpus} (last tenth held out)` };
}

interface TrainFlags {
  model?: string;
  site: string;
  out: string;
  width?: number;
  k?: number;
  l1?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  seed: number;
  corpus: string;
  maxTokens: number;
  checkpointEvery: number;
  resume?: boolean;
  json?: boolean;
}

interface InspectFlags {
  model?: string;
  feature?: string;
  count: number;
  top: number;
  corpus: string;
  seed: number;
  html?: string;
  json?: boolean;
  force?: boolean;
}

function parseFeatures(s: string): number[] {
  return s.split(',').map((x) => {
    const n = Number(x);
    if (x.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--feature must be comma-separated feature numbers, got "${s}"`);
    return n;
  });
}

export function registerSae(program: Command): void {
  const sae = program.command('sae').description('sparse autoencoders over one hook site: train one, inspect its features');
  sae.command('train')
    .description('train an SAE (TopK by default, or ReLU + L1) on activations streamed from a corpus; resumable')
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .requiredOption('-s, --site <site>', 'hook site whose activations it encodes, e.g. layers.1.resid_post')
    .requiredOption('-o, --out <file>', `SAE file to write (NAME${SAE_SUFFIX}; the suffix is added when missing); checkpoints go to FILE.ckpt`)
    .option('--width <n>', `latents (default ${SAE_DEFAULTS.width})`, intArg('--width', 1))
    .option('--k <k>', `TopK: latents kept per token (default ${SAE_DEFAULTS.k})`, intArg('--k', 1))
    .option('--l1 <lambda>', 'ReLU + L1 instead of TopK, with this penalty on the summed latents (e.g. 5)', numArg('--l1', 0))
    .option('--steps <n>', `optimiser steps (default ${SAE_DEFAULTS.steps})`, intArg('--steps', 1))
    .option('--batch <n>', `tokens per step (default ${SAE_DEFAULTS.batch})`, intArg('--batch', 1))
    .option('--lr <lr>', `Adam learning rate, cosine-decayed to a tenth (default ${SAE_DEFAULTS.lr})`, numArg('--lr', 0))
    .option('--seed <s>', 'seed of the corpus draw, the init and the batch order', intArg('--seed'), 0)
    .option('--corpus <organism|file>', 'organism (its training half; measured on the evaluation half), or a .jsonl ({"text"}) / text file (one text a line; last tenth held out)', 'organism')
    .option('--max-tokens <n>', 'training tokens read into memory', intArg('--max-tokens', 2), SAE_TOKEN_BUDGET.train)
    .option('--checkpoint-every <n>', 'steps between checkpoints (0: none)', intArg('--checkpoint-every', 0), 200)
    .option('--resume', 'continue from FILE.ckpt')
    .option('--json', 'print the metadata and figures as one JSON object')
    .action(async (f: TrainFlags) => {
      const quiet = Boolean(program.opts()['quiet']);
      const out = saePath(f.out);
      checkOutFile(out, '--out');
      if (f.k !== undefined && f.l1 !== undefined) throw new Error('give --k (TopK) or --l1 (ReLU + L1), not both');
      const ckpt = `${out}.ckpt`;
      const resume = f.resume ? (existsSync(ckpt) ? loadSaeCheckpoint(ckpt).state : (() => { throw new Error(`--resume: no checkpoint at ${ckpt}`); })()) : null;
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      const texts = corpusTexts(m, m.tokenizer, f.corpus, f.seed);
      const bar = progress({ quiet, unit: (phase) => (phase === 'activations' ? 'ex' : 'step') });
      let run;
      try {
        run = runSae(m.model, texts.train, texts.held, {
          site: f.site, name: out.slice(out.lastIndexOf('/') + 1, -SAE_SUFFIX.length), hubId: m.repoId, corpus: texts.label, maxTokens: f.maxTokens, seed: f.seed,
          ...(f.width !== undefined ? { width: f.width } : {}), ...(f.k !== undefined ? { k: f.k } : {}), ...(f.l1 !== undefined ? { l1: f.l1 } : {}),
          ...(f.steps !== undefined ? { steps: f.steps } : {}), ...(f.batch !== undefined ? { batch: f.batch } : {}), ...(f.lr !== undefined ? { lr: f.lr } : {}),
          ...(f.checkpointEvery > 0 ? { checkpointPath: ckpt, checkpointEvery: f.checkpointEvery } : {}),
          resume,
          onProgress: (d, t, p, info) => bar.update(d, t, p, info),
        });
      } finally {
        bar.stop();
      }
      saveSae(out, run);
      const r = run.metrics;
      if (f.json) {
        console.log(JSON.stringify({ path: out, ...run.meta, metrics: r }));
        return;
      }
      console.log(`wrote ${out}: ${run.sae.activation === 'topk' ? `TopK k=${run.sae.k}` : 'ReLU + L1'}, ${run.sae.width} latents at ${run.sae.site}, ${run.meta.training.steps} steps on ${run.meta.training.tokens} tokens`);
      console.log(`held-out tokens ${r.tokens}: FVU ${r.fvu.toFixed(3)}, L0 ${r.l0.toFixed(1)}, dead ${(100 * r.dead).toFixed(1)}% (never fired there; ${(100 * (run.meta.stats['dead_train_window'] ?? 0)).toFixed(1)}% over the last training window)`);
      console.log(`next-token loss ${r.loss.clean.toFixed(4)} clean, ${r.loss.spliced.toFixed(4)} with the SAE spliced in: +${r.loss.delta.toFixed(4)} nats`);
    });

  sae.command('inspect')
    .description("each feature's top-activating contexts on held-out text (terminal, or --html)")
    .argument('<sae>', `an SAE file (${SAE_SUFFIX})`)
    .option('-m, --model <path-or-id>', 'the model it was trained on (default: the organism)')
    .option('--feature <list>', 'comma-separated features (default: the --count most frequent)')
    .option('--count <n>', 'features to show without --feature', intArg('--count', 1), 16)
    .option('--top <n>', 'contexts per feature', intArg('--top', 1), 8)
    .option('--corpus <organism|file>', 'texts to read: organism (its evaluation half) or a .jsonl/text file', 'organism')
    .option('--seed <s>', 'seed of the organism texts', intArg('--seed'), 0)
    .option('--html <file>', 'also write an HTML page (tokens shaded by activation)')
    .option('--force', 'use an SAE trained on another model')
    .option('--json', 'print the reports as one JSON object')
    .action(async (file: string, f: InspectFlags) => {
      if (f.html !== undefined) checkOutFile(f.html, '--html');
      const features = f.feature !== undefined ? parseFeatures(f.feature) : undefined;
      const s = loadSae(file);
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      if (!f.force) checkSaeFits(s, m.model, file);
      const texts = f.corpus === 'organism' ? organismTexts(m.tokenizer, { split: 'eval', chats: ORGANISM_CHATS.held, seed: f.seed + 2 }) : readCorpusTexts(f.corpus).map((t) => m.tokenizer!.encode(t, { addSpecialTokens: true }));
      const rows = tokenActivations(m.model, texts, s.sae.site, { maxTokens: SAE_TOKEN_BUDGET.held });
      const reports = inspectFeatures(s.sae, rows, m.tokenizer, { ...(features ? { features } : { count: f.count }), top: f.top });
      if (f.html) writeFileAtomic(f.html, featureHtml(reports, `${file}: ${s.sae.site}`), '--html');
      console.log(f.json ? JSON.stringify({ sae: file, site: s.sae.site, features: reports }) : featureText(reports));
    });
}
