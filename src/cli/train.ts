// `steerling train <method>`: fit a steering artifact from a JSONL data file and save it. The flags
// every method shares are declared here; each method's own come from its declarations
// (train-flags.ts), and the method checks them itself.
//
//   steerling train diffmean --model M --data dog.jsonl --site layers.2.resid_post --out dog.steer.safetensors
//   steerling train cdas --model M --data ocean-contrast.jsonl --site layers.1.resid_post --out ocean --steps 200
//   steerling train cdas ... --source-position clause --base-positions reply --rank 4      (ours, not the paper's)
//   steerling train steer2edit --model M --data refusal.jsonl --chat --out refusal-edit --rho-attn 0.18 --rho-mlp 0.55 --alpha 0.8
//   steerling train lineas --model M --data ocean-texts.jsonl --chat --out ocean        (every block's output)
import type { Command } from 'commander';
import { loadModel } from '../models/load.js';
import { CHAT_TEMPLATE_HELP, CHAT_TEMPLATE_OPTION, chatTemplateOptions, noChatTemplate } from './chat-template-flag.js';
import { METHODS, method as methodByName } from '../methods/index.js';
import { checkReduce, reducesOf, siteFor, DEFAULT_REDUCES } from '../methods/common-settings.js';
import { NoCandidateLeft } from '../methods/ablation/select.js';
import { parsePositions } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import { train, trainingData, checkTrainingData, artifactPath, ARTIFACT_SUFFIX } from '../api/train.js';
import { intArg } from './options.js';
import { candidateRows, formatCandidates, rowsOf } from './ablation-table.js';
import { suggestedOptions } from './suggested-options.js';
import { modelRef } from './model-ref.js';
import { progress } from './progress.js';
import { addMethodFlags, givenOptions, methodFlags } from './train-flags.js';
import { trainSummary } from './train-summary.js';

export { artifactPath, ARTIFACT_SUFFIX };

/** The flags every method shares. */
interface SharedFlags {
  model?: string;
  data: string;
  site?: string;
  out: string;
  positions: string;
  reduce?: string;
  chat?: boolean;
  chatTemplate?: string;
  name?: string;
  seed?: number;
  json?: boolean;
}

const methods = Object.values(METHODS);
const list = (xs: readonly string[]) => xs.join(' | ');

/** How each method that does not simply need a site takes one. */
const siteNotes = methods.filter((m) => m.site.use !== 'required').map((m) => `${m.name} ${m.site.note ?? ''}`.trim());
/** Methods that read activations with more than the usual reductions. */
const reduceNotes = methods.filter((m) => reducesOf(m).join() !== DEFAULT_REDUCES.join()).map((m) => `${m.name}: ${list(reducesOf(m))}`);

export function registerTrain(program: Command): void {
  const flags = methodFlags(methods);
  const cmd = program
    .command('train')
    .description('learn a steering artifact from data (each method\'s own options are grouped below)')
    .argument('<method>', `steering method: ${list(Object.keys(METHODS))}`)
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .requiredOption('-d, --data <file.jsonl>', 'JSONL of {"prompt"?, "positive", "negative"} pairs or {"text", "label"} records; cdas: {"negative_input", "negative_output", "positive_input", "positive_output"} or pairs with "concept_prompt"')
    .option('-s, --site <site>', `hook site to read and steer, e.g. layers.2.resid_post (required, except: ${siteNotes.join('; ')})`)
    .requiredOption('-o, --out <file>', `artifact to write (NAME${ARTIFACT_SUFFIX}; the suffix is added when missing)`)
    .option('--positions <spec>', 'where the artifact steers: all | prompt | generated | last:K | i,j,...', 'all')
    .option('--reduce <how>', `summarise each example by the mean over its completion tokens or its last token: mean | last (default: mean)${reduceNotes.length ? `; ${reduceNotes.join('; ')} (all: every token a sample)` : ''}`)
    .option('--chat', "render prompts as a user turn with the model's chat template")
    .option(CHAT_TEMPLATE_OPTION, `${CHAT_TEMPLATE_HELP} (implies --chat)`)
    .option('--name <name>', 'artifact name (default: the output file name)')
    .option('--seed <s>', 'random seed (recorded; used by stochastic methods)', intArg('--seed'));
  addMethodFlags(cmd, flags);
  cmd
    .option('--json', 'print the artifact metadata as one JSON object')
    .action(async (methodName: string, f: SharedFlags, c: Command) => {
      const quiet = Boolean(c.optsWithGlobals()['quiet']);
      const m = methodByName(methodName);
      // Cheap checks first: bad flags and a bad data file fail before the model loads.
      const reduce = checkReduce(m, f.reduce);
      const given = givenOptions(m, flags, c.opts());
      siteFor(m, f.site);
      m.parseOptions(given, { site: f.site });
      // Only positions the user names: each method has its own default (CDAS: where it trained).
      const positions = c.getOptionValueSource('positions') === 'default' ? undefined : parsePositions(f.positions);
      const out = artifactPath(f.out);
      const data = trainingData(m, f.data);
      checkTrainingData(m, data);
      const chat = (f.chat ?? false) || f.chatTemplate !== undefined;
      const loaded = await loadModel(modelRef(f.model), chatTemplateOptions(f.chatTemplate));
      if (!loaded.tokenizer) throw new Error(`${loaded.dir} has no tokenizer.json; steerling train needs one`);
      if (chat && loaded.tokenizer.chatTemplate === null) throw noChatTemplate(loaded.dir);
      const options = m.parseOptions(given, { site: f.site, suggested: suggestedOptions(loaded.dir) });
      const bar = progress({ quiet, unit: (phase) => (phase === 'activations' ? 'ex' : 'step') });
      let art: Artifact;
      try {
        // train() checks the site, fits and saves the artifact.
        art = train(m, {
          model: loaded,
          data,
          out,
          ...(f.site !== undefined ? { site: f.site } : {}),
          ...(positions !== undefined ? { positions } : {}),
          ...(reduce !== undefined ? { reduce } : {}),
          chat,
          ...(f.seed !== undefined ? { seed: f.seed } : {}),
          ...(f.name !== undefined ? { name: f.name } : {}),
          options,
          onProgress: (done, total, phase, info) => bar.update(done, total, phase, info),
        });
      } catch (e) {
        bar.stop();
        // Show why every candidate went (stdout: stderr keeps the one-line error), then fail.
        if (e instanceof NoCandidateLeft && !f.json) console.log(formatCandidates(rowsOf(e.candidates, null), e.baseline));
        throw e;
      } finally {
        bar.stop();
      }
      const rows = candidateRows(art.meta);
      if (f.json) console.log(JSON.stringify({ path: out, ...art.meta, ...(rows ? { candidates: rows } : {}) }));
      else console.log(trainSummary(art, out));
    });
}
