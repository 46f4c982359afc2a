// The judge flags of `steerling eval axbench`: which Judge scores the replies. Exact program
// judges are the default on the organism (its language is all they read); any other model needs a
// judge model, run here (--judge local) or behind an OpenAI-compatible endpoint (--judge endpoint).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { intArg, numArg } from './options.js';
import { modelRef } from './model-ref.js';
import { DEFAULT_JUDGE_CACHE, EndpointJudge, JudgementCache, LocalModelJudge, type Judge, type RubricJudge } from '../eval/judges/index.js';
import { ExactJudge } from '../organism/judges/index.js';

export interface JudgeFlags {
  judge?: 'exact' | 'local' | 'endpoint';
  judgeModel?: string;
  judgeUrl?: string;
  judgeKeyEnv: string;
  /** A path, or false for --no-judge-cache. */
  judgeCache: string | false;
  judgeMaxTokens: number;
  judgeConcurrency: number;
  judgeTimeout: number;
  judgeRetries: number;
}

export function addJudgeFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--judge <kind>', 'who scores the replies: exact (the organism\'s programs; its default), local (a judge model run here), endpoint (an OpenAI-compatible server)').choices(['exact', 'local', 'endpoint']))
    .option('--judge-model <path-or-name>', 'local: the judge model\'s folder or hub id; endpoint: the model name it serves')
    .option('--judge-url <url>', 'endpoint: the server\'s base URL (…/v1) or its …/chat/completions URL; implies --judge endpoint')
    .option('--judge-key-env <var>', 'endpoint: environment variable holding the API key (none sent when unset)', 'OPENAI_API_KEY')
    .option('--judge-cache <file>', 'judgements cache (JSON lines, appended as they arrive)', DEFAULT_JUDGE_CACHE)
    .option('--no-judge-cache', 'ask the judge model every time, caching nothing')
    .option('--judge-max-tokens <n>', 'tokens a judge model may write per rating', intArg('--judge-max-tokens', 1), 512)
    .option('--judge-concurrency <n>', 'endpoint: requests in flight at once', intArg('--judge-concurrency', 1), 8)
    .option('--judge-timeout <s>', 'endpoint: seconds per request', numArg('--judge-timeout', 0.001), 120)
    .option('--judge-retries <n>', 'endpoint: further tries after a 429, 5xx, timeout or dropped connection', intArg('--judge-retries', 0), 4);
}

/** A folder written by `steerling organism train` (the shipped organism is one). */
export function isOrganism(dir: string): boolean {
  const log = join(dir, 'training_log.json');
  if (!existsSync(log)) return false;
  try {
    const v = (JSON.parse(readFileSync(log, 'utf8')) as { corpus_version?: unknown }).corpus_version;
    return typeof v === 'string' && v.startsWith('organism-corpus');
  } catch {
    return false;
  }
}

const NEEDS = '--judge local --judge-model PATH_OR_HUB_ID, or --judge endpoint --judge-url URL --judge-model NAME';

/** Checks the flags' combination before anything slow runs; returns the judge kind. */
export function judgeKind(f: JudgeFlags, modelDir: string): 'exact' | 'local' | 'endpoint' {
  const kind = f.judge ?? (f.judgeUrl ? 'endpoint' : isOrganism(modelDir) ? 'exact' : undefined);
  if (kind === undefined) throw new Error(`${modelDir} is not the organism, so its exact judges cannot score it: pass ${NEEDS}`);
  if (kind === 'exact') {
    if (!isOrganism(modelDir)) throw new Error(`--judge exact reads only the organism's language and ${modelDir} is not the organism: pass ${NEEDS}`);
    if (f.judgeModel || f.judgeUrl) throw new Error(`--judge exact takes no ${f.judgeUrl ? '--judge-url' : '--judge-model'} (that is for --judge local|endpoint)`);
  }
  if (kind === 'local') {
    if (!f.judgeModel) throw new Error('--judge local needs --judge-model PATH_OR_HUB_ID (the judge model to run here)');
    if (f.judgeUrl) throw new Error('--judge-url is for --judge endpoint, not --judge local');
  }
  if (kind === 'endpoint') {
    if (!f.judgeUrl) throw new Error('--judge endpoint needs --judge-url URL (an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1)');
    if (!f.judgeModel) throw new Error('--judge endpoint needs --judge-model NAME (the model name the endpoint serves)');
  }
  return kind;
}

export async function makeJudge(f: JudgeFlags, modelDir: string): Promise<Judge> {
  const kind = judgeKind(f, modelDir);
  if (kind === 'exact') return new ExactJudge();
  return modelJudge(kind, f);
}

/** A judge model (local or endpoint) for questions the organism's programs cannot answer. */
export async function makeModelJudge(f: JudgeFlags): Promise<RubricJudge> {
  if (f.judge === 'exact') throw new Error(`--judge exact scores only the organism's own concepts; a figure judged by a model needs ${NEEDS}`);
  if (f.judge === undefined && !f.judgeUrl) throw new Error(`a figure judged by a model needs ${NEEDS}`);
  return modelJudge(judgeKind(f, '') as 'local' | 'endpoint', f);
}

/** Whether any judge flag was given (they apply only where a judge model may score). */
export function judgeFlagsGiven(f: Partial<JudgeFlags>): boolean {
  return f.judge !== undefined || f.judgeModel !== undefined || f.judgeUrl !== undefined;
}

async function modelJudge(kind: 'local' | 'endpoint', f: JudgeFlags): Promise<RubricJudge> {
  const cache = f.judgeCache === false ? null : JudgementCache.open(f.judgeCache);
  if (kind === 'local') return LocalModelJudge.load(modelRef(f.judgeModel), { cache, maxTokens: f.judgeMaxTokens });
  return new EndpointJudge({
    url: f.judgeUrl!, model: f.judgeModel!, apiKey: process.env[f.judgeKeyEnv] ?? null, keyEnv: f.judgeKeyEnv, cache,
    maxTokens: f.judgeMaxTokens, concurrency: f.judgeConcurrency, timeoutMs: f.judgeTimeout * 1000, retries: f.judgeRetries,
  });
}
