// Parsers for numeric CLI options that fail with a message naming the flag.
import { InvalidArgumentError, type Command } from 'commander';

export function intArg(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    // Number('') is 0 and Number('1e300') an "integer": neither is what the user meant.
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

export function numArg(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** The sampling flags `generate` and `chat` share (temperature 0 is greedy). */
export interface SamplingFlags {
  temperature: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

export function addSamplingOptions(cmd: Command): Command {
  return cmd
    .option('-t, --temperature <t>', 'sampling temperature (0 = greedy)', numArg('--temperature', 0), 0)
    .option('--top-k <k>', 'keep the k most likely tokens', intArg('--top-k'))
    .option('--top-p <p>', 'nucleus sampling mass', numArg('--top-p', 0, 1))
    .option('--repetition-penalty <r>', 'penalise tokens already present (1 = off)', numArg('--repetition-penalty', 0));
}
