// `steerling organism train|card`: build the embedded model organism and measure it.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ORGANISM_SHAPE } from '../organism/spec.js';
import { trainOrganism, DEFAULT_TRAINING, DEFAULT_WINDOWS, type WindowStarts } from '../organism/train.js';
import { intArg, numArg } from './options.js';
import { modelRef } from './model-ref.js';
import { progress } from './progress.js';
import { loadModel, stopIds } from '../models/load.js';
import { CARD_DEFAULT_N, measureOrganism } from '../organism/card.js';
import { cardJson, writeModelCard, readTrainingLog } from '../organism/model-card.js';

interface TrainFlags {
  seed: number;
  out: string;
  steps: number;
  batch: number;
  context: number;
  lr: number;
  trainExamples?: number;
  resume?: boolean;
  saveEvery: number;
  windows: WindowStarts;
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
}

function windowsArg(v: string): WindowStarts {
  if (v !== 'chat' && v !== 'any') throw new Error(`--windows must be 'chat' or 'any', got "${v}"`);
  return v;
}

export function registerOrganism(program: Command): void {
  const org = program.command('organism').description('the embedded model organism: train it, measure it');
  org
    .command('train')
    .description('generate the corpus and train the organism with our own engine (resumable)')
    .option('--seed <s>', 'seed of the corpus, the initialisation and the data order', intArg('--seed'), 1)
    .requiredOption('--out <dir>', 'output folder (HF layout: config.json, model.safetensors, tokenizer files)')
    .option('--steps <n>', 'optimiser steps', intArg('--steps', 1), DEFAULT_TRAINING.steps)
    .option('--batch <n>', 'sequences per step', intArg('--batch', 1), DEFAULT_TRAINING.batch)
    .option('--context <n>', 'tokens per training sequence', intArg('--context', 8), DEFAULT_TRAINING.context)
    .option('--lr <lr>', 'peak learning rate', numArg('--lr', 0), DEFAULT_TRAINING.lr)
    .option('--train-examples <n>', 'training chats to generate', intArg('--train-examples', 1))
    .option('--windows <w>', "where training windows start: 'chat' (at a chat's start) or 'any' token", windowsArg, DEFAULT_WINDOWS)
    .option('--layers <n>', `decoder blocks (default ${ORGANISM_SHAPE.layers})`, intArg('--layers', 1))
    .option('--hidden <n>', `residual width (default ${ORGANISM_SHAPE.hidden})`, intArg('--hidden', 1))
    .option('--heads <n>', `attention heads (default ${ORGANISM_SHAPE.heads})`, intArg('--heads', 1))
    .option('--kv-heads <n>', `key/value heads (default ${ORGANISM_SHAPE.kvHeads})`, intArg('--kv-heads', 1))
    .option('--intermediate <n>', `MLP width (default ${ORGANISM_SHAPE.intermediate})`, intArg('--intermediate', 1))
    .option('--resume', 'continue from OUT/checkpoint if present (refused when its settings differ from this run\'s)')
    .option('--save-every <n>', `steps between checkpoints in OUT/checkpoint (default ${DEFAULT_TRAINING.checkpointEvery})`, intArg('--save-every', 1), DEFAULT_TRAINING.checkpointEvery)
    .action(async (f: TrainFlags) => {
      const quiet = Boolean(program.opts().quiet) || !process.stderr.isTTY;
      const bar = quiet ? null : new cliProgress.SingleBar({ format: 'training {bar} {value}/{total} steps | loss {loss} | held-out {held} | {tps} tok/s | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
      let held = '-';
      let started = false;
      const logLine = (m: string) => process.stderr.write(`steerling: ${m}\n`);
      const res = await trainOrganism({
        seed: f.seed, out: f.out, steps: f.steps, batch: f.batch, context: f.context, lr: f.lr, trainExamples: f.trainExamples, resume: f.resume, windows: f.windows, checkpointEvery: f.saveEvery,
        shape: { ...(f.layers ? { layers: f.layers } : {}), ...(f.hidden ? { hidden: f.hidden } : {}), ...(f.heads ? { heads: f.heads } : {}), ...(f.kvHeads ? { kvHeads: f.kvHeads } : {}), ...(f.intermediate ? { intermediate: f.intermediate } : {}) },
        onLog: logLine,
        onStep: (s, total) => {
          if (s.heldOutLoss !== undefined) held = s.heldOutLoss.toFixed(3);
          if (bar) {
            if (!started) {
              bar.start(total, s.step, { loss: '-', held, tps: '-' });
              started = true;
            }
            bar.update(s.step + 1, { loss: s.loss.toFixed(3), held, tps: Math.round(s.tokensPerSecond) });
          } else if (s.step % 50 === 0 || s.heldOutLoss !== undefined) {
            logLine(`step ${s.step + 1}/${total} loss ${s.loss.toFixed(3)} held-out ${held} ${Math.round(s.tokensPerSecond)} tok/s`);
          }
        },
      });
      bar?.stop();
      const last = res.steps[res.steps.length - 1];
      console.log(JSON.stringify({ out: f.out, params: res.params, train_tokens: res.train_tokens, final_loss: last?.loss, seconds: Math.round(res.seconds) }));
    });
  registerOrganismCard(org, program);
}

interface CardFlags {
  model?: string;
  n: number;
  seed: number;
  json?: boolean;
  write?: boolean;
}

export function registerOrganismCard(org: Command, program: Command): void {
  org
    .command('card')
    .description('recompute the organism\'s behaviour figures with the exact judges')
    .option('-m, --model <dir>', 'organism folder (default: the shipped one)')
    .option('--n <n>', 'examples per set', intArg('--n', 1), CARD_DEFAULT_N)
    .option('--seed <s>', 'seed of the evaluation sets', intArg('--seed'), 7)
    .option('--json', 'print the figures as one JSON object')
    .option('--write', 'write card.json, MODEL_CARD.md and loss.svg into the model folder')
    .action(async (f: CardFlags) => {
      const dir = modelRef(f.model);
      const m = await loadModel(dir);
      if (!m.tokenizer) throw new Error(`${dir} has no tokenizer`);
      const bar = progress({ quiet: Boolean(program.opts().quiet), unit: 'replies' });
      const { figures } = measureOrganism(m.model, m.tokenizer, { n: f.n, seed: f.seed, eosTokenIds: stopIds(m), onProgress: (phase, d, t) => bar.update(d, t, phase) });
      bar.stop();
      const card = cardJson(figures, readTrainingLog(dir), { n: f.n, seed: f.seed });
      if (f.write) await writeModelCard(dir, card, readTrainingLog(dir));
      if (f.json) console.log(JSON.stringify(figures));
      else for (const [k, b] of Object.entries(card.bar)) console.log(`${b.ok ? 'ok ' : 'NO '} ${k.padEnd(26)} ${b.value.toFixed(3)}  (${b.want})`);
    });
}
