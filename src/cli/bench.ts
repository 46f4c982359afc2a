// `steerling bench <what>`: micro and model benchmarks; each prints one JSON object on stdout.
import type { Command } from 'commander';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks (one JSON object on stdout each)');
  void bench;
}
