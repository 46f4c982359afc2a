// The steerling command line. One file per command under src/cli/; this file wires them and
// turns errors into one clear line (stack traces only with --verbose).
import { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerGenerate } from './generate.js';
import { registerChat } from './chat.js';
import { registerTrain } from './train.js';
import { registerDetect } from './detect.js';
import { registerInspect } from './inspect.js';
import { registerSweep } from './sweep.js';
import { registerDemo } from './demo.js';
import { registerOrganism } from './organism.js';
import { registerEdit, registerExport } from './export.js';
import { registerEval } from './eval.js';
import { registerServe } from './serve.js';
import { registerTrace } from './trace.js';
import { registerSae } from './sae.js';
import { escapeControl } from '../util/escape.js';

const program = new Command();
program
  .name('steerling')
  .description('Find, learn, evaluate and ship steering interventions for language models')
  .version('0.1.0')
  .option('--verbose', 'print stack traces on errors')
  .option('--quiet', 'no progress bars')
  .showHelpAfterError('(run with --help for usage)');

registerDemo(program);
registerGenerate(program);
registerChat(program);
registerTrain(program);
registerDetect(program);
registerInspect(program);
registerSweep(program);
registerOrganism(program);
registerEdit(program);
registerExport(program);
registerEval(program);
registerTrace(program);
registerSae(program);
registerServe(program);
registerBench(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error;
  // Messages may quote files and names from strangers: no control character reaches the terminal raw.
  console.error(`steerling: ${String(err?.message ?? e).split('\n').map(escapeControl).join('\n')}`);
  if (program.opts().verbose) console.error(err.stack);
  process.exit(1);
});
