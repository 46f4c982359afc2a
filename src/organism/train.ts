// `steerling organism train`: generate the corpus, write the tokenizer, train the organism with our
// own engine, and write a Hugging Face-layout checkpoint (bf16 safetensors) that loads through the
// same path as any real model. Resumable: a checkpoint (f32 weights + AdamW moments + step) is
// written every few hundred steps; the data order depends only on the seed and the step.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/out-path.js';
import { join } from 'node:path';
import { generateCorpus, trainingText, writeTokenizerFiles, generationConfig, vocabSize, CORPUS_VERSION, type Chat } from './corpus/index.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { initLlamaWeights, MapWeights } from '../train/init.js';
import { trainLM, type StepInfo } from '../train/loop.js';
import { buildModel } from '../models/registry.js';
import { writeSafetensors } from '../io/safetensors-write.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { AdamW } from '../nn/optim.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { organismConfig, ORGANISM_SHAPE, checkShape, type OrganismShape } from './spec.js';

export interface OrganismTrainOptions {
  seed: number;
  out: string;
  steps?: number;
  batch?: number;
  context?: number;
  lr?: number;
  warmup?: number;
  trainExamples?: number;
  heldOutExamples?: number;
  checkpointEvery?: number;
  evalEvery?: number;
  resume?: boolean;
  /** Where training windows start: at a chat's start, or at any token (organism v2). */
  windows?: WindowStarts;
  /** The architecture's sizes (default ORGANISM_SHAPE, the shipped organism's). */
  shape?: Partial<OrganismShape>;
  onStep?: (s: StepInfo, total: number) => void;
  onLog?: (msg: string) => void;
}

export type WindowStarts = 'chat' | 'any';
export const DEFAULT_WINDOWS: WindowStarts = 'chat';

export const DEFAULT_TRAINING = { steps: 2400, batch: 32, context: 128, lr: 3e-3, warmup: 100, checkpointEvery: 200, evalEvery: 200 };

/** The command-line flags that differ from the shipped shape, for the training log's command. */
function shapeFlags(s: OrganismShape): string {
  const flags: [keyof OrganismShape, string][] = [['layers', '--layers'], ['hidden', '--hidden'], ['heads', '--heads'], ['kvHeads', '--kv-heads'], ['intermediate', '--intermediate']];
  return flags.filter(([k]) => s[k] !== ORGANISM_SHAPE[k]).map(([k, f]) => ` ${f} ${s[k]}`).join('');
}

export interface TrainingLog {
  corpus_version: string;
  seed: number;
  command: string;
  /**
   * The commands of earlier stages when the run was resumed (each with the step it ended at), in
   * order; `command` is the last stage. Running them in order reproduces the weights.
   */
  history?: { command: string; until_step: number }[];
  settings: Record<string, unknown>;
  params: number;
  train_tokens: number;
  held_out_tokens: number;
  steps: { step: number; loss: number; held_out?: number }[];
  seconds: number;
}

/** Offsets of the chats in a stream written by encodeChats: 0 and every token after an EOS. */
export function chatStarts(stream: Int32Array, eos: number): Int32Array {
  const out: number[] = [0];
  for (let i = 0; i + 1 < stream.length; i++) if (stream[i] === eos) out.push(i + 1);
  return Int32Array.from(out);
}

/** Token stream of chats, each followed by EOS (documents are packed into training windows). */
export function encodeChats(tok: Tokenizer, chats: readonly Chat[], eos: number): Int32Array {
  const parts: number[][] = [];
  let n = 0;
  for (const c of chats) {
    const ids = tok.encode(trainingText(c), { addSpecialTokens: false });
    ids.push(eos);
    parts.push(ids);
    n += ids.length;
  }
  const out = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function saveState(dir: string, step: number, weights: Map<string, Tensor>, opt: AdamW, log: TrainingLog): void {
  mkdirSync(dir, { recursive: true });
  const t = new Map<string, Tensor>(weights);
  const st = opt.state();
  [...weights.keys()].forEach((k, i) => {
    t.set(`__adam_m.${k}`, fromStorage(st.m[i]!, weights.get(k)!.shape, 'f32'));
    t.set(`__adam_v.${k}`, fromStorage(st.v[i]!, weights.get(k)!.shape, 'f32'));
  });
  writeSafetensors(join(dir, 'state.safetensors'), t, { step: String(step) });
  writeFileAtomic(join(dir, 'log.json'), JSON.stringify(log));
}

/** What a resumed run must share with the checkpoint's run: the corpus, the data order, the optimiser's schedule and the shape. */
const RESUME_KEYS: [string, string][] = [['batch', '--batch'], ['context', '--context'], ['lr', '--lr'], ['windows', '--windows'], ['warmup', 'warmup'], ['train_examples', '--train-examples'], ['held_out_examples', 'held-out examples'], ['shape', 'shape']];

/**
 * Refuses to resume a checkpoint with other settings than it was trained with (it would silently
 * continue on another corpus or data order), or with --steps before the checkpoint's own step (the
 * log would name a shorter run than the weights had).
 */
export function checkResume(saved: TrainingLog, now: TrainingLog, savedStep: number, ckptDir: string): void {
  const differs = (what: string, was: unknown, is: unknown) => new Error(`--resume: the checkpoint in ${ckptDir} has ${what} ${JSON.stringify(was)}, this run asks for ${JSON.stringify(is)}; pass the same settings (its command: ${saved.command}; the shape: --layers/--hidden/--heads/--kv-heads/--intermediate) or train afresh in a new --out`);
  if (saved.seed !== now.seed) throw differs('--seed', saved.seed, now.seed);
  if (saved.corpus_version !== now.corpus_version) throw differs('corpus version', saved.corpus_version, now.corpus_version);
  for (const [key, flag] of RESUME_KEYS) {
    const was = saved.settings[key];
    const is = now.settings[key];
    // Older logs did not record every key; what was not recorded cannot be checked.
    if (was === undefined && key !== 'train_examples' && key !== 'held_out_examples') continue;
    if (JSON.stringify(was) !== JSON.stringify(is)) throw differs(flag, was ?? 'the default', is ?? 'the default');
  }
  if (saved.train_tokens !== now.train_tokens) throw differs('a corpus of training tokens', saved.train_tokens, now.train_tokens);
  const steps = now.settings['steps'] as number;
  if (steps < savedStep) throw new Error(`--resume: the checkpoint in ${ckptDir} is at step ${savedStep}; --steps ${steps} would end before it (pass --steps ${savedStep} or more)`);
}

export async function trainOrganism(o: OrganismTrainOptions): Promise<TrainingLog> {
  const t0 = performance.now();
  const log = o.onLog ?? (() => {});
  const steps = o.steps ?? DEFAULT_TRAINING.steps;
  const batch = o.batch ?? DEFAULT_TRAINING.batch;
  const context = o.context ?? DEFAULT_TRAINING.context;
  const lr = o.lr ?? DEFAULT_TRAINING.lr;
  const windows = o.windows ?? DEFAULT_WINDOWS;
  const shape = checkShape({ ...ORGANISM_SHAPE, ...o.shape });
  mkdirSync(o.out, { recursive: true });
  log(`generating the corpus (seed ${o.seed}, version ${CORPUS_VERSION})`);
  const corpus = generateCorpus({ seed: o.seed, trainExamples: o.trainExamples, heldOutExamples: o.heldOutExamples });
  writeTokenizerFiles(o.out, shape.maxPositions);
  const gen = generationConfig();
  writeFileSync(join(o.out, 'generation_config.json'), JSON.stringify({ ...gen, do_sample: false }, null, 2) + '\n');
  const config = organismConfig(vocabSize(), { bos: gen.bos_token_id, eos: gen.eos_token_id, pad: gen.pad_token_id }, shape);
  const tok = loadTokenizer(o.out);
  const eos = gen.eos_token_id[0]!;
  log('tokenizing');
  const train = encodeChats(tok, corpus.train, eos);
  const heldOut = encodeChats(tok, corpus.heldOut, eos);
  log(`${train.length} training tokens, ${heldOut.length} held-out tokens`);

  const { config: cfg, weights } = initLlamaWeights(config, o.seed);
  const params = [...weights.values()];
  const model = buildModel(cfg, new MapWeights(weights));
  const opt = new AdamW(params, { lr, weightDecay: 0.1, beta2: 0.95 });
  const ckptDir = join(o.out, 'checkpoint');
  const trainLog: TrainingLog = {
    corpus_version: CORPUS_VERSION,
    seed: o.seed,
    command: `steerling organism train --seed ${o.seed} --out ${o.out} --steps ${steps} --batch ${batch} --context ${context} --lr ${lr}${windows !== DEFAULT_WINDOWS ? ` --windows ${windows}` : ''}${shapeFlags(shape)}`,
    settings: { steps, batch, context, lr, windows, warmup: o.warmup ?? DEFAULT_TRAINING.warmup, weight_decay: 0.1, beta2: 0.95, clip: 1.0, schedule: 'warmup + cosine to lr/10', shape, ...(o.trainExamples !== undefined ? { train_examples: o.trainExamples } : {}), ...(o.heldOutExamples !== undefined ? { held_out_examples: o.heldOutExamples } : {}) },
    params: params.reduce((s, p) => s + p.size, 0),
    train_tokens: train.length,
    held_out_tokens: heldOut.length,
    steps: [],
    seconds: 0,
  };
  let start = 0;
  let prevSeconds = 0;
  if (o.resume && !existsSync(join(ckptDir, 'state.safetensors'))) log(`--resume: no checkpoint in ${ckptDir} yet; starting at step 0`);
  if (o.resume && existsSync(join(ckptDir, 'state.safetensors'))) {
    const prev = JSON.parse(readFileSync(join(ckptDir, 'log.json'), 'utf8')) as TrainingLog;
    const f = SafetensorsFile.open(join(ckptDir, 'state.safetensors'));
    start = Number(f.metadata['step']);
    try {
      checkResume(prev, trainLog, start, ckptDir);
    } catch (e) {
      f.close();
      throw e;
    }
    for (const [k, w] of weights) w.data.set(f.get(k).data);
    opt.loadState({ step: start, m: [...weights.keys()].map((k) => f.get(`__adam_m.${k}`).data as Float32Array), v: [...weights.keys()].map((k) => f.get(`__adam_v.${k}`).data as Float32Array) });
    f.close();
    trainLog.steps = prev.steps.filter((s) => s.step < start);
    trainLog.history = [...(prev.history ?? []), { command: prev.command, until_step: start }];
    trainLog.command += ' --resume';
    prevSeconds = prev.seconds;
    log(`resuming at step ${start}`);
  }
  const tStart = performance.now();
  trainLM(model, params, train, heldOut, { steps, batch, context, lr, warmup: o.warmup ?? DEFAULT_TRAINING.warmup, weightDecay: 0.1, clip: 1.0, seed: o.seed, evalEvery: o.evalEvery ?? DEFAULT_TRAINING.evalEvery, evalBatches: 8, startStep: start, ...(windows === 'chat' ? { starts: chatStarts(train, eos) } : {}) }, {
    optimizer: opt,
    checkpointEvery: o.checkpointEvery ?? DEFAULT_TRAINING.checkpointEvery,
    onStep: (s) => {
      if (s.step % 10 === 0 || s.heldOutLoss !== undefined) trainLog.steps.push({ step: s.step, loss: s.loss, ...(s.heldOutLoss !== undefined ? { held_out: s.heldOutLoss } : {}) });
      o.onStep?.(s, steps);
    },
    onCheckpoint: (step, op) => saveState(ckptDir, step, weights, op, { ...trainLog, seconds: prevSeconds + (performance.now() - tStart) / 1000 }),
  });
  trainLog.seconds = prevSeconds + (performance.now() - tStart) / 1000;

  // The shipped checkpoint: bf16 weights in HF layout.
  const bf16 = new Map<string, Tensor>();
  for (const [k, w] of weights) bf16.set(k, w.cast('bf16'));
  writeFileSync(join(o.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeSafetensors(join(o.out, 'model.safetensors'), bf16, { format: 'pt', steerling_organism: CORPUS_VERSION });
  writeFileSync(join(o.out, 'training_log.json'), JSON.stringify(trainLog) + '\n');
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return trainLog;
}
