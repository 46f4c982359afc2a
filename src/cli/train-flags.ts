// `steerling train`'s method flags, built from what the methods declare (methods/options.ts): one
// flag per declared option, shared by the methods that declare it alike (--steps for every trained
// method), grouped in help under those methods; and which given flags a method takes.
import { Option, type Command } from 'commander';
import type { SteeringMethod } from '../methods/types.js';
import type { MethodOption } from '../methods/options.js';
import { intArg, numArg } from './options.js';

export interface MethodFlag {
  /** The declaration (the same in every owner but for its default). */
  option: MethodOption & { flag: string };
  /** The methods that declare it, in registry order. */
  owners: SteeringMethod[];
  /** The name commander files its value under. */
  attribute: string;
}

const declaredAlike = (a: MethodOption, b: MethodOption) => a.key === b.key && a.type === b.type && a.value === b.value && a.help === b.help && a.min === b.min && a.max === b.max;

/** Every flag the methods declare; one declared differently by two methods is a programming error. */
export function methodFlags(methods: readonly SteeringMethod[]): MethodFlag[] {
  const byFlag = new Map<string, MethodFlag>();
  for (const m of methods) {
    for (const o of m.options) {
      if (o.flag === undefined) continue;
      const f = byFlag.get(o.flag);
      if (!f) byFlag.set(o.flag, { option: { ...o, flag: o.flag }, owners: [m], attribute: new Option(o.flag).attributeName() });
      else if (!declaredAlike(f.option, o)) throw new Error(`${o.flag}: ${m.name} declares it unlike ${f.owners[0]!.name}`);
      else f.owners.push(m);
    }
  }
  return [...byFlag.values()];
}

const ownerNames = (f: MethodFlag) => f.owners.map((m) => m.name);

/** "(default X)", or each owner's own when they differ. */
function defaultsText(f: MethodFlag): string {
  const ds = f.owners.map((m) => m.options.find((o) => o.flag === f.option.flag)!.default);
  if (ds.every((d) => d === undefined)) return '';
  if (ds.every((d) => d === ds[0])) return ` (default ${String(ds[0])})`;
  return ` (default ${f.owners.map((m, i) => `${m.name} ${ds[i] === undefined ? '-' : String(ds[i])}`).join(', ')})`;
}

/** Adds the flags to the command, each in a help group named after its methods. */
export function addMethodFlags(cmd: Command, flags: readonly MethodFlag[]): void {
  for (const f of flags) {
    const o = f.option;
    const opt = new Option(o.value ? `${o.flag} ${o.value}` : o.flag, o.help + defaultsText(f)).helpGroup(`Options for ${ownerNames(f).join(', ')}:`);
    if (o.type === 'int') opt.argParser(intArg(o.flag, o.min ?? 0));
    else if (o.type === 'number') opt.argParser(numArg(o.flag, o.min ?? -Infinity, o.max ?? Infinity));
    cmd.addOption(opt);
  }
}

/**
 * The method's options as given on the command line (values by key); fails in one line when a flag
 * of another method was given.
 */
export function givenOptions(m: SteeringMethod, flags: readonly MethodFlag[], values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const foreign = flags.filter((f) => values[f.attribute] !== undefined && !f.owners.includes(m));
  const first = foreign[0];
  if (first) {
    if (first.option.elsewhere) throw new Error(first.option.elsewhere(m, ownerNames(first)));
    const alike = foreign.filter((f) => !f.option.elsewhere && ownerNames(f).join() === ownerNames(first).join()).map((f) => f.option.flag);
    throw new Error(`${alike.join(', ')} appl${alike.length > 1 ? 'y' : 'ies'} to ${ownerNames(first).join(', ')} only`);
  }
  const given: Record<string, unknown> = {};
  for (const f of flags) if (f.owners.includes(m) && values[f.attribute] !== undefined) given[f.option.key] = values[f.attribute];
  return given;
}
