// The steerling command line. One file per command under src/cli/; this file wires them.
import { Command } from 'commander';
import { registerBench } from './bench.js';

const program = new Command();
program.name('steerling').description('Find, learn, evaluate and ship steering interventions for language models').version('0.1.0');

program
  .command('demo')
  .description('end-to-end demo on the embedded model organism')
  .action(() => {
    console.log('steerling demo: the end-to-end demo (learn a concept direction on the embedded model organism, steer, judge, report) arrives with the organism and methods; the engine is in place.');
  });

registerBench(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`steerling: ${(e as Error).message}`);
  process.exit(1);
});
