// A method's own options, declared once on the method: `steerling train` builds its flags and help
// from the declarations, and the method checks what it is given against them (readOptions), from
// the command line or the library alike.

import type { SteeringMethod } from './types.js';

/**
 * int, number: a number (the command line parses it with the bounds); string: text, checked by
 * `parse` when there are choices; boolean: a switch; list: comma-separated on the command line,
 * an array in the library (`parse` turns either into the method's type).
 */
export type OptionType = 'int' | 'number' | 'string' | 'boolean' | 'list';

export interface MethodOption {
  /** Key in the method's options object, e.g. 'rhoAttn'. */
  key: string;
  /** Its command-line flag, e.g. '--rho-attn'; absent: the library takes it, the command line does not. */
  flag?: string;
  /** The value's placeholder in help, e.g. '<rho>' (none for a boolean switch). */
  value?: string;
  type: OptionType;
  /** Bounds of a number, inclusive. */
  min?: number;
  max?: number;
  /** The default, as help shows it (the method applies it; absent: help says what happens). */
  default?: string | number | boolean;
  help: string;
  /** Checks and converts a given value (string or list options); throws one line naming the flag. */
  parse?: (v: unknown) => unknown;
  /**
   * The error when the flag is given to a method that does not take it (`owners`: the methods that
   * do); default "FLAG applies to OWNERS only".
   */
  elsewhere?: (method: SteeringMethod, owners: readonly string[]) => string;
}

/** What else a method's options are checked against. */
export interface OptionContext {
  /** The hook site given, if any (some options apply only with or without one). */
  site?: string | undefined;
  /**
   * Values the model suggests for options left out (the command line: the organism's refusal-start
   * word); a method takes one only where it would otherwise have none and needs it.
   */
  suggested?: Readonly<Record<string, unknown>>;
}

/** The name an option goes by in messages: its flag, or its key where it has none. */
export const optionName = (o: MethodOption): string => o.flag ?? o.key;

function bounds(o: MethodOption): string {
  const lo = o.min ?? -Infinity;
  const hi = o.max ?? Infinity;
  if (hi === Infinity) return lo === -Infinity ? '' : ` ≥ ${lo}`;
  return ` in [${lo}, ${hi}]`;
}

function checkValue(o: MethodOption, v: unknown): unknown {
  const name = optionName(o);
  const got = typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
  const inRange = (n: number) => n >= (o.min ?? -Infinity) && n <= (o.max ?? Infinity);
  switch (o.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || !inRange(v)) throw new Error(`${name} must be an integer${bounds(o)}, got ${got}`);
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v)) throw new Error(`${name} must be a number${bounds(o)}, got ${got}`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new Error(`${name} is a switch (true or false), got ${got}`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new Error(`${name} must be text, got ${got}`);
      return o.parse ? o.parse(v) : v;
    case 'list':
      if (typeof v !== 'string' && !Array.isArray(v)) throw new Error(`${name} must be a comma-separated list or an array, got ${got}`);
      return o.parse ? o.parse(v) : v;
  }
}

/**
 * Checks given options against a method's declarations: every key must be one it takes, every
 * value of its type and bounds (and `parse` applied). Keys whose value is undefined count as not given.
 */
export function readOptions<O extends object>(method: string, declared: readonly MethodOption[], given: object = {}): O {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const o = declared.find((d) => d.key === key);
    if (!o) throw new Error(`${method}: unknown option "${key}" (${declared.length ? `it takes ${declared.map((d) => d.key).join(', ')}` : 'it takes none'})`);
    out[key] = checkValue(o, v);
  }
  return out as O;
}

/** A parser for a string option with fixed choices: "FLAG must be a, b or c, got "x"". */
export function choice<T extends string>(flag: string, choices: readonly T[]): (v: unknown) => T {
  return (v) => {
    if ((choices as readonly unknown[]).includes(v)) return v as T;
    throw new Error(`${flag} must be ${choices.join(', ').replace(/, (\w+)$/, ' or $1')}, got "${String(v)}"`);
  };
}
