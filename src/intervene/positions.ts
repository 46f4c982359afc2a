// Which token positions an intervention acts on. Positions are counted per row from its first real
// (non-padding) token, so the same spec means the same tokens in a padded batch and alone.
//
//   'all'        every position (BOS excluded when excludeBos)
//   'prompt'     positions inside the prompt
//   'generated'  positions after the prompt (tokens being generated)
//   { last: k }  the last k positions of the prompt (of the chunk when the prompt length is unknown)
//   { indices }  explicit positions

import type { HookContext } from '../models/hooks.js';

export type PositionSpec = 'all' | 'prompt' | 'generated' | { last: number } | { indices: readonly number[] };

export function validatePositions(p: unknown): PositionSpec {
  if (p === 'all' || p === 'prompt' || p === 'generated') return p;
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (typeof o['last'] === 'number' && Number.isInteger(o['last']) && o['last'] > 0) return { last: o['last'] };
    if (Array.isArray(o['indices']) && o['indices'].every((i) => Number.isInteger(i) && i >= 0)) return { indices: o['indices'] as number[] };
  }
  throw new Error(`invalid positions ${JSON.stringify(p)}: expected "all", "prompt", "generated", {"last": k} or {"indices": [i, ...]}`);
}

/** Parses the CLI form: all | prompt | generated | last:K | 3,5,8. */
export function parsePositions(s: string): PositionSpec {
  if (s === 'all' || s === 'prompt' || s === 'generated') return s;
  const m = /^last:(\d+)$/.exec(s);
  if (m) return validatePositions({ last: Number(m[1]) });
  if (/^\d+(,\d+)*$/.test(s)) return { indices: s.split(',').map(Number) };
  throw new Error(`invalid positions "${s}": expected all, prompt, generated, last:K or a comma-separated list of indices`);
}

/**
 * A [batch·t] 0/1 mask of the positions to act on for a chunk of t tokens, or null when every
 * position qualifies (the common case, which then costs nothing).
 */
export function positionMask(spec: PositionSpec, ctx: HookContext, batch: number, t: number, excludeBos: boolean): Float32Array | null {
  const pad = ctx.padding;
  const prompt = ctx.promptLength;
  const m = new Float32Array(batch * t);
  let all = true;
  for (let b = 0; b < batch; b++) {
    const pb = pad ? pad[b]! : 0;
    for (let j = 0; j < t; j++) {
      const abs = ctx.offset + j; // position in the padded row
      const pos = abs - pb; // position counted from the row's first real token
      let on: boolean;
      if (pos < 0) on = false;
      else if (excludeBos && pos === 0) on = false;
      else if (spec === 'all') on = true;
      else if (spec === 'prompt') on = prompt === null ? true : abs < prompt;
      else if (spec === 'generated') on = prompt === null ? false : abs >= prompt;
      else if ('last' in spec) {
        const end = prompt ?? ctx.offset + t;
        on = abs >= end - spec.last && abs < end;
      } else on = spec.indices.includes(pos);
      m[b * t + j] = on ? 1 : 0;
      if (!on) all = false;
    }
  }
  return all ? null : m;
}
