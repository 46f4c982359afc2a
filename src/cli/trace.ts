// `steerling trace`: causal tracing — where a concept asked for in the prompt flows to the reply.
//
//   steerling trace --concept topic:ocean                                   (the organism builds its pairs)
//   steerling trace --model M --pairs pairs.jsonl --concept-words dog,puppy [--html trace.html] [--json]
import type { Command } from 'commander';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { loadModel, stopIds } from '../models/load.js';
import { CHAT_TEMPLATE_HELP, CHAT_TEMPLATE_OPTION, chatTemplateOptions } from './chat-template-flag.js';
import { intArg } from './options.js';
import { modelRef } from './model-ref.js';
import { progress } from './progress.js';
import { useColour } from './detect.js';
import { causalTrace, MEASURES, type Measure } from '../trace/trace.js';
import { conceptFromWords } from '../trace/concept.js';
import { organismConcept, organismConceptWords, organismPairs, readPairFile, type TracePair } from '../trace/pairs.js';
import { parseLayers, parseSiteKinds, DEFAULT_SITE_KINDS } from '../trace/sites.js';
import { renderTrace } from '../trace/heatmap.js';
import { traceHtml, traceJson } from '../trace/report.js';

interface TraceFlags {
  model?: string;
  pairs?: string;
  concept?: string;
  conceptWords?: string;
  n: number;
  seed: number;
  clause: number;
  sites: string;
  layers?: string;
  replyTokens: number;
  replyRows?: number;
  measure: string;
  chat?: boolean;
  chatTemplate?: string;
  system?: string;
  batch: number;
  color: boolean;
  json?: boolean;
  html?: string;
}

/** Registers `steerling trace` (flags are validated before the model loads). */
export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('causal tracing: patch the activations of a run that asks for a concept into one that does not, per site kind, layer and position, and show how much of the concept each patch brings into the reply')
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .option('--pairs <file.jsonl>', 'pairs, one JSON object a line: {"source": "<prompt asking for the concept>", "base": "<neutral prompt>", "reply": "<optional reply to score over; default: the base model\'s greedy reply>"}')
    .option('--concept <id>', 'an organism concept (topic:ocean, sentiment:positive, ...): its word list, and, without --pairs, its frame pairs (the same instruction without and with an eliciting clause)')
    .option('--concept-words <w1,w2,...>', 'the words whose probability is measured (each may take several tokens); replaces --concept\'s list')
    .option('--n <n>', 'with --concept and no --pairs: number of pairs (distinct neutral instructions)', intArg('--n', 1), 8)
    .option('--seed <s>', 'with --concept and no --pairs: which instructions', intArg('--seed'), 7)
    .option('--clause <k>', 'with --concept and no --pairs: which eliciting clause (0 "and bring in the topic X", 1 "and mention X", 2 "and talk about X too", 3 "and include something about X")', intArg('--clause'), 0)
    .option('--sites <kinds>', `site kinds, one heatmap each: resid (resid_post), attn (attn.out), mlp (mlp.out), or any of resid_pre, resid_mid, attn.z, mlp.act`, DEFAULT_SITE_KINDS.join(','))
    .option('--layers <i,j,...>', 'layers to patch (default: all)')
    .option('--reply-tokens <n>', 'reply length in tokens (generated replies stop there; given ones are cut)', intArg('--reply-tokens', 1), 24)
    .option('--reply-rows <n>', 'trace only the first n reply tokens one by one (default: all); the "reply all" row still patches every reply position', intArg('--reply-rows'))
    .option('--measure <m>', 'prob: mean P(concept) over the reply positions (default); logprob: mean log P(concept)', 'prob')
    .option('--chat', "render prompts as a user turn with the chat template (default when the tokenizer has one)")
    .option('--no-chat', 'plain-text prompts (BOS + text)')
    .option(CHAT_TEMPLATE_OPTION, `${CHAT_TEMPLATE_HELP} (implies --chat)`)
    .option('--system <text>', 'system message (with --chat)')
    .option('--batch <n>', 'patched runs per forward batch', intArg('--batch', 1), 32)
    .option('--no-color', 'shade blocks instead of ANSI colours (also when stdout is not a terminal, or NO_COLOR is set)')
    .option('--json', 'print the trace as one JSON object')
    .option('--html <file>', 'also write an HTML report with one heatmap per site kind')
    .action(async (f: TraceFlags, cmd: Command) => {
      if (f.html !== undefined) checkOutFile(f.html, '--html');
      const quiet = Boolean(cmd.optsWithGlobals()['quiet']);
      // Cheap checks first: bad flags and a bad pair file fail before the model loads.
      if (!f.pairs && !f.concept) throw new Error('give --pairs FILE.jsonl with --concept-words w1,w2, or --concept CONCEPT (the organism builds the pairs)');
      if (f.pairs && !f.concept && !f.conceptWords) throw new Error('--pairs needs --concept-words w1,w2 (the words whose probability is measured) or --concept CONCEPT');
      if (!(MEASURES as readonly string[]).includes(f.measure)) throw new Error(`--measure must be ${MEASURES.join(' or ')}, got "${f.measure}"`);
      const kinds = parseSiteKinds(f.sites);
      const concept = f.concept ? organismConcept(f.concept) : null;
      const pairs: TracePair[] = f.pairs ? readPairFile(f.pairs) : organismPairs(concept!, { n: f.n, seed: f.seed, clause: f.clause });
      const template = chatTemplateOptions(f.chatTemplate);
      const m = await loadModel(modelRef(f.model), template);
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; steerling trace needs one`);
      const tok = m.tokenizer;
      const words = f.conceptWords !== undefined ? f.conceptWords.split(',') : organismConceptWords(concept!);
      const conceptTokens = conceptFromWords(tok, words);
      if (f.chatTemplate !== undefined && f.chat === false) throw new Error('--chat-template and --no-chat contradict each other: drop one');
      const chat = f.chat ?? tok.chatTemplate !== null;
      if (chat && tok.chatTemplate === null) throw new Error(`${m.dir} has no chat template; give one with --chat-template FILE, or run without --chat`);
      const layers = parseLayers(f.layers, m.model.arch.layers);
      const bar = progress({ quiet, unit: 'run', label: 'patching' });
      let res;
      try {
        res = causalTrace(m.model, tok, pairs, conceptTokens, {
          sites: kinds, layers, chat, system: f.system, replyTokens: f.replyTokens, replyRows: f.replyRows, eosTokenIds: stopIds(m), batchSize: f.batch,
          measure: f.measure as Measure, onProgress: (d, t) => bar.update(d, t),
        });
      } finally {
        bar.stop();
      }
      const meta = { model: m.repoId ?? m.dir, pairs: f.pairs ?? `${f.concept} (n ${f.n}, seed ${f.seed}, clause ${f.clause})`, chat: String(chat) };
      if (f.html) writeFileAtomic(f.html, await traceHtml(res, meta), '--html');
      if (f.json) {
        console.log(JSON.stringify(traceJson(res, meta)));
        return;
      }
      console.log(renderTrace(res, { colour: f.color && useColour() }));
    });
}
