// `steerling generate`: text from a prompt (or a chat turn), streamed to stdout or as one JSON object.
import type { Command } from 'commander';
import { loadModel, stopIds } from '../models/load.js';
import { generate } from '../generate/generate.js';
import { intArg, collect, addSamplingOptions, type SamplingFlags } from './options.js';
import { modelRef } from './model-ref.js';
import { loadSteering, describeSteering } from '../artifact/steer-spec.js';
import { loadControlVectors } from './control-vector-flag.js';
import { hooksFor } from '../intervene/apply.js';

interface GenerateFlags extends SamplingFlags {
  model?: string;
  prompt: string;
  chat?: boolean;
  system?: string;
  maxTokens: number;
  seed: number;
  stop?: string[];
  json?: boolean;
  steer?: string[];
  controlVector?: string[];
  force?: boolean;
}

export function registerGenerate(program: Command): void {
  addSamplingOptions(program
    .command('generate')
    .description('generate text from a prompt with any supported model'))
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .option('-p, --prompt <text>', 'prompt text ("" starts from BOS alone)', '')
    .option('--chat', 'wrap the prompt as a user turn with the model\'s chat template')
    .option('--system <text>', 'system message (with --chat)')
    .option('-n, --max-tokens <n>', 'tokens to generate', intArg('--max-tokens'), 64)
    .option('--seed <s>', 'random seed', intArg('--seed'), 0)
    .option('--stop <text>', 'stop string (repeatable)', collect)
    .option('--json', 'print one JSON object instead of streaming text')
    .option('--steer <artifact[:strength]>', 'steer with an artifact: A (its default strength), A:4 (absolute), A:x2 (2 × default), A:neg[:S] (clamp artifacts: the negative class mean); repeatable, they compose', collect)
    .option('--control-vector <file[:scale]>', 'add a llama.cpp control vector (GGUF) as llama.cpp does, times scale (default 1); repeatable', collect)
    .option('--force', 'use --steer artifacts (and control vectors) even when they were made for another model')
    .action(async (f: GenerateFlags) => {
      const t0 = performance.now();
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; steerling generate needs one`);
      const tok = m.tokenizer;
      const steering = loadSteering(f.steer ?? [], m.model, f.force ?? false);
      const cvs = loadControlVectors(f.controlVector ?? [], m.model, f.force ?? false);
      const all = [...steering.flatMap((s) => s.interventions), ...cvs];
      const hooks = all.length ? hooksFor(all, m.model.arch.layers) : null;
      const tLoad = performance.now();
      let promptIds: number[];
      if (f.chat) {
        const messages = [...(f.system ? [{ role: 'system', content: f.system }] : []), { role: 'user', content: f.prompt }];
        promptIds = tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
      } else {
        promptIds = tok.encode(f.prompt, { addSpecialTokens: true });
      }
      if (promptIds.length === 0) {
        const bos = m.config.bosTokenId ?? m.generationConfig?.bosTokenId;
        if (bos === null || bos === undefined) throw new Error('empty prompt and the model has no BOS token to start from');
        promptIds = [bos];
      }
      const dt = tok.detokenizer({ skipSpecialTokens: true });
      let firstTokenAt = 0;
      const [res] = generate(m.model, [promptIds], {
        maxTokens: f.maxTokens,
        temperature: f.temperature,
        topK: f.topK,
        topP: f.topP,
        repetitionPenalty: f.repetitionPenalty,
        seed: f.seed,
        eosTokenIds: stopIds(m),
        stop: f.stop,
        hooks,
        decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }),
        onToken: (_row, id) => {
          if (!firstTokenAt) firstTokenAt = performance.now();
          if (!f.json) process.stdout.write(dt.push(id));
        },
      });
      const tEnd = performance.now();
      const r = res!;
      if (f.json) {
        const decodeMs = firstTokenAt ? tEnd - firstTokenAt : 0;
        console.log(
          JSON.stringify({
            text: r.text,
            token_ids: [...promptIds, ...r.tokens],
            prompt_tokens: promptIds.length,
            generated_tokens: r.tokens.length,
            finish_reason: r.finishReason,
            load_ms: tLoad - t0,
            prefill_ms: firstTokenAt ? firstTokenAt - tLoad : null,
            decode_ms: decodeMs,
            decode_tok_s: r.tokens.length > 1 && decodeMs > 0 ? (r.tokens.length - 1) / (decodeMs / 1000) : null,
            total_ms: tEnd - t0,
            ...(steering.length ? { steering: steering.map(describeSteering) } : {}),
          }),
        );
      } else {
        process.stdout.write(dt.flush() + '\n');
      }
    });
}
