// Where CDAS reads and writes (methods.md §1.3): the paper reads the source at one position, the
// last token of the assistant-turn header, and writes it into every base position but BOS, through
// a rank-1 subspace. The other choices here are ours (issue 19): on the organism the concept is
// carried by the reply's own words and by the instruction's concept clause read through attention,
// not by the header token, so the source can be read where the trace points and written only where
// it matters.
//
//   source position   header  the header's last token (the paper)
//                     clause  ours: the mean over the instruction's concept clause — the tokens in
//                             which the concept-eliciting prompt differs from the plain one
//                             (spans.ts; the plain prompt, which has none, reads the word the clause
//                             would follow)
//                     reply   ours: the mean over the source's reply tokens
//   base positions    all     every base token but BOS (the paper)
//                     prompt  ours: the base prompt's tokens only (the reply sees them through attention)
//                     reply   ours: the base reply's tokens only
//   rank              1       the paper's vector CDAS; R > 1 (ours here, the repository has a subspace
//                             config) trains R orthonormal rows and clamps each coordinate to its class mean

import type { PositionSpec } from '../../intervene/positions.js';

export const SOURCE_POSITIONS = ['header', 'clause', 'reply'] as const;
export type SourcePosition = (typeof SOURCE_POSITIONS)[number];
export const BASE_POSITIONS = ['all', 'prompt', 'reply'] as const;
export type BasePositions = (typeof BASE_POSITIONS)[number];

export interface CdasVariant {
  sourcePosition: SourcePosition;
  basePositions: BasePositions;
  rank: number;
}

/** The paper's setting. */
export const PAPER_VARIANT: CdasVariant = { sourcePosition: 'header', basePositions: 'all', rank: 1 };

/** Parses --source-position; the error names the choices. */
export function parseSourcePosition(s: string): SourcePosition {
  if ((SOURCE_POSITIONS as readonly string[]).includes(s)) return s as SourcePosition;
  throw new Error(`--source-position must be ${SOURCE_POSITIONS.join(', ').replace(/, (\w+)$/, ' or $1')} (header is the paper's), got "${s}"`);
}

/** Parses --base-positions; the error names the choices. */
export function parseBasePositions(s: string): BasePositions {
  if ((BASE_POSITIONS as readonly string[]).includes(s)) return s as BasePositions;
  throw new Error(`--base-positions must be ${BASE_POSITIONS.join(', ').replace(/, (\w+)$/, ' or $1')} (all is the paper's), got "${s}"`);
}

/** A rank must be a whole number ≥ 1 (and at most the site's width, checked when training). */
export function checkRank(r: number): number {
  if (!(Number.isInteger(r) && r >= 1)) throw new Error(`--rank must be a whole number ≥ 1, got ${r}`);
  return r;
}

/** What a caller may name (command-line flags, unvalidated); what it leaves out is the paper's. */
export interface VariantChoices {
  sourcePosition?: string | undefined;
  basePositions?: string | undefined;
  rank?: number | undefined;
}

/** The variant with the paper's choices filled in, validated. */
export function resolveVariant(v: VariantChoices = {}): CdasVariant {
  return {
    sourcePosition: parseSourcePosition(v.sourcePosition ?? PAPER_VARIANT.sourcePosition),
    basePositions: parseBasePositions(v.basePositions ?? PAPER_VARIANT.basePositions),
    rank: checkRank(v.rank ?? PAPER_VARIANT.rank),
  };
}

/**
 * Where the clamp acts at use time when the user names no positions: where training wrote (the
 * base prompt is the prompt, the base reply is what gets generated).
 */
export function usePositions(base: BasePositions): PositionSpec {
  return base === 'all' ? 'all' : base === 'prompt' ? 'prompt' : 'generated';
}
