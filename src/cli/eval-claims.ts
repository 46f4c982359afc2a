// `steerling eval claims`: the CDAS paper's claims (AxBench against RePS, refusal override with
// utility kept, the backdoor neutralised), Steer2Edit against the steering it came from, and the
// specificity loss, measured on the organism in one run with 95% intervals (src/organism/claims/).
import type { Command } from 'commander';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { loadModel, stopIds } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { intArg } from './options.js';
import { progress } from './progress.js';
import { CONCEPTS, isConceptId, type ConceptId } from '../organism/corpus/index.js';
import { runClaims, renderClaims, claimsMarkdown, CLAIM_TOPICS } from '../organism/claims/index.js';
import { claimsHtml } from '../organism/claims/render-html.js';

interface ClaimsFlags {
  model?: string;
  concepts?: string;
  topicLayer?: number;
  safetyLayer?: number;
  instructions: number;
  maxTokens: number;
  n: number;
  seed: number;
  trainPairs: number;
  cdasSteps: number;
  json?: boolean;
  out?: string;
  markdown?: string;
  html?: string;
}

function topicList(s: string): ConceptId[] {
  return s.split(',').map((c) => {
    const id = c.includes(':') ? c : `topic:${c}`;
    if (!isConceptId(id)) throw new Error(`--concepts: unknown concept "${c}" (choose from ${CONCEPTS.join(', ')})`);
    return id;
  });
}

export function registerEvalClaims(ev: Command, program: Command): void {
  ev.command('claims')
    .description('the CDAS paper\'s claims (AxBench vs RePS, refusal override with utility, backdoor neutralised), Steer2Edit vs its source steering, and the specificity loss, on the organism with 95% intervals')
    .option('-m, --model <dir>', 'organism folder (default: the shipped one)')
    .option('--concepts <list>', `topics for the AxBench rows (default ${CLAIM_TOPICS.join(',')})`)
    .option('--topic-layer <i>', 'block whose output the topic steering acts on (default 1, where `steerling trace` finds the topic\'s path)', intArg('--topic-layer'))
    .option('--safety-layer <i>', 'block for refusal and the backdoor (default: the middle one)', intArg('--safety-layer'))
    .option('--instructions <n>', 'AxBench instructions per concept (half select, half test)', intArg('--instructions', 2), 10)
    .option('--max-tokens <n>', 'AxBench tokens per reply', intArg('--max-tokens', 1), 128)
    .option('--n <n>', 'examples per card set (the safety and specificity measurements)', intArg('--n', 1), 200)
    .option('--seed <s>', 'seed of the card sets', intArg('--seed'), 7)
    .option('--train-pairs <n>', 'candidate pairs drawn for each safety training set', intArg('--train-pairs', 1), 96)
    .option('--cdas-steps <n>', 'training steps of our CDAS variant', intArg('--cdas-steps', 1), 200)
    .option('--json', 'print the whole result as one JSON object')
    .option('--out <file>', 'also write the result as JSON')
    .option('--markdown <file>', 'also write the tables as Markdown (the README\'s)')
    .option('--html <file>', 'also write an HTML report (each claim\'s rows with their intervals)')
    .action(async (f: ClaimsFlags) => {
      // Checked before a run of many minutes, not after it.
      if (f.out !== undefined) checkOutFile(f.out, '--out');
      if (f.markdown !== undefined) checkOutFile(f.markdown, '--markdown');
      if (f.html !== undefined) checkOutFile(f.html, '--html');
      const concepts = f.concepts ? topicList(f.concepts) : undefined;
      const m = await loadModel(modelRef(f.model));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
      const bar = progress({ quiet: Boolean(program.opts()['quiet']), unit: 'step', label: 'claims' });
      const res = await runClaims({
        model: m.model, tokenizer: m.tokenizer, eosTokenIds: stopIds(m), modelName: f.model ?? 'the organism',
        ...(concepts ? { concepts } : {}), ...(f.topicLayer !== undefined ? { topicLayer: f.topicLayer } : {}), ...(f.safetyLayer !== undefined ? { safetyLayer: f.safetyLayer } : {}),
        instructions: f.instructions, maxTokens: f.maxTokens, n: f.n, seed: f.seed, trainPairs: f.trainPairs, oursSteps: f.cdasSteps,
        onProgress: (what, d, t) => bar.update(d, t, what),
      });
      bar.stop();
      if (f.out) writeFileAtomic(f.out, JSON.stringify(res, null, 2) + '\n', '--out');
      if (f.markdown) writeFileAtomic(f.markdown, claimsMarkdown(res) + '\n', '--markdown');
      if (f.html) writeFileAtomic(f.html, await claimsHtml(res), '--html');
      console.log(f.json ? JSON.stringify(res) : renderClaims(res));
    });
}
