// Typed readers for fields of a JSON config, each failing with the file, the field and what was
// expected. Used by config.ts and generation.ts.

export type Json = Record<string, unknown>;

export class ConfigReader {
  constructor(
    readonly raw: Json,
    readonly source: string,
    /** Prefix for field names in messages, e.g. "text_config.". */
    readonly prefix = '',
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  private fail(key: string, expected: string): never {
    throw new Error(`${this.source}: field "${this.prefix}${key}" must be ${expected}, got ${JSON.stringify(this.raw[key])}`);
  }

  /** A positive integer, or the default (when given) if the field is absent or null. */
  posInt(key: string, dflt?: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (dflt === undefined) throw new Error(`${this.source}: required field "${this.prefix}${key}" is missing`);
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) this.fail(key, 'a positive integer');
    return v;
  }

  /** A positive integer or null (absent/null → dflt). */
  optPosInt(key: string, dflt: number | null = null): number | null {
    return this.has(key) ? this.posInt(key) : dflt;
  }

  /** A finite positive number. */
  posNum(key: string, dflt?: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (dflt === undefined) throw new Error(`${this.source}: required field "${this.prefix}${key}" is missing`);
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(key, 'a positive number');
    return v;
  }

  optPosNum(key: string, dflt: number | null = null): number | null {
    return this.has(key) ? this.posNum(key) : dflt;
  }

  optNum(key: string, dflt: number | null = null): number | null {
    if (!this.has(key)) return dflt;
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    if (!this.has(key)) return dflt;
    const v = this.raw[key];
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  optString(key: string, dflt: string | null = null): string | null {
    if (!this.has(key)) return dflt;
    const v = this.raw[key];
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  optObject(key: string): Json | null {
    if (!this.has(key)) return null;
    const v = this.raw[key];
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'an object or null');
    return v as Json;
  }

  stringArray(key: string): string[] | null {
    if (!this.has(key)) return null;
    const v = this.raw[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(key, 'an array of strings');
    return v as string[];
  }

  /** A token id (non-negative integer) or null. */
  optTokenId(key: string): number | null {
    if (!this.has(key)) return null;
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(key, 'a token id (non-negative integer)');
    return v;
  }

  /** A token id or an array of them (eos_token_id may be either); absent → []. */
  tokenIds(key: string): number[] {
    if (!this.has(key)) return [];
    const v = this.raw[key];
    const arr = Array.isArray(v) ? v : [v];
    if (arr.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)) this.fail(key, 'a token id or an array of token ids');
    return [...new Set(arr as number[])];
  }
}

export function asObject(x: unknown, source: string, what = 'a JSON object'): Json {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${source}: expected ${what}`);
  return x as Json;
}
