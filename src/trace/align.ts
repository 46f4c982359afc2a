// Aligning a source prompt with a base prompt by role, so that an activation of the source can be
// put at "the same place" in the base (methods.md §7: align by role where lengths differ).
//
//   source  <s> <|user|> write a poem about a garden and bring in the topic ocean <|end|> <|assistant|> r0 r1 …
//   base    <s> <|user|> write a poem about a garden                             <|end|> <|assistant|> r0 r1 …
//           └──────────── prefix ───────────────┘  └──────── source-only ──────┘ └───── suffix ─────┘ └ reply ┘
//
// - prefix: the longest common start. Its activations are the same in both runs (a causal model
//   sees the same tokens at the same positions), so patching it is a check that must give 0; it is
//   one row, patched as a whole.
// - source-only span: where the prompts differ. When both sides have the same number of tokens
//   (a word swapped for a word, the classic setting) they pair up 1:1. When they do not (a clause
//   the base lacks), a source token has no counterpart, and each is *substituted* at the base's
//   last token before the shared suffix (the last instruction word, where the clause would begin):
//   the row answers "if that base position carried this source token's state, how much of the
//   concept gets through?" A token's state in a RoPE model holds no absolute position, so moving
//   it a few places is mild; the substitution also removes what the base token held, which the
//   prefix-only checks show is little for the concept measure. Keys count from the span's end, so
//   the concept word (last in the organism's clauses) keeps its row across pairs whose clauses or
//   spans differ in length.
// - suffix: the longest common end of the prompts (the template tokens after the user text, e.g.
//   `<|end|> <|assistant|>`), paired 1:1, keyed from the end.
// - reply: the same reply tokens fed to both runs, paired 1:1, and one more row, reply[all], that
//   patches every reply position at once (pooled over pairs whose replies differ word for word,
//   the per-index rows are averages over different words; the window is comparable across pairs).

/** What a row of the heatmap is. */
export type Role = 'prefix' | 'source' | 'suffix' | 'reply';

/** One patch position group: the base positions that receive the source positions' activations. */
export interface AlignedRow {
  /** Same key = same row across pairs: prefix, source[-k], suffix[-k], reply[k], reply[all]. */
  key: string;
  role: Role;
  /** The source token id the row is about (null for the prefix window). */
  sourceId: number | null;
  /** The base token id it replaces, when the row pairs 1:1 or substitutes (null for the prefix window). */
  baseId: number | null;
  base: number[];
  source: number[];
}

export interface PairAlignment {
  rows: AlignedRow[];
  prefix: number;
  suffix: number;
  /** Lengths of the differing spans (source, base). */
  sourceSpan: number;
  baseSpan: number;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

/**
 * Aligns source and base prompts (token ids) followed by the same reply input tokens in both runs
 * (one row each for the first `replyRows`, default all, and reply[all] for every one of them).
 * Throws when the prompts are identical (nothing to trace).
 */
export function alignPair(source: readonly number[], base: readonly number[], reply: readonly number[], opts: { replyRows?: number } = {}): PairAlignment {
  const ps = source.length;
  const pb = base.length;
  let a = 0;
  while (a < ps && a < pb && source[a] === base[a]) a++;
  if (a === ps && a === pb) throw new Error('the source and base prompts are the same tokens');
  let c = 0;
  // The suffix may not overlap the prefix on either side.
  while (c < ps - a && c < pb - a && source[ps - 1 - c] === base[pb - 1 - c]) c++;
  const ns = ps - c - a;
  const nb = pb - c - a;
  const rows: AlignedRow[] = [];
  if (a > 0) rows.push({ key: 'prefix', role: 'prefix', sourceId: null, baseId: null, base: range(0, a), source: range(0, a) });
  // The base slot a source-only token is substituted at: its last token before the suffix.
  const slot = nb > 0 ? pb - c - 1 : a - 1;
  for (let i = 0; i < ns; i++) {
    const s = a + i;
    const b = ns === nb ? a + i : slot;
    if (b < 0) continue; // no base token before the suffix at all: nothing to substitute at
    rows.push({ key: `source[-${ns - i}]`, role: 'source', sourceId: source[s]!, baseId: base[b]!, base: [b], source: [s] });
  }
  for (let j = 0; j < c; j++) {
    rows.push({ key: `suffix[-${c - j}]`, role: 'suffix', sourceId: source[ps - c + j]!, baseId: base[pb - c + j]!, base: [pb - c + j], source: [ps - c + j] });
  }
  // Rows for the first replyRows reply tokens one by one (the rest only inside reply[all]).
  reply.slice(0, opts.replyRows ?? reply.length).forEach((id, k) => rows.push({ key: `reply[${k}]`, role: 'reply', sourceId: id, baseId: id, base: [pb + k], source: [ps + k] }));
  if (reply.length > 1) rows.push({ key: 'reply[all]', role: 'reply', sourceId: null, baseId: null, base: range(pb, pb + reply.length), source: range(ps, ps + reply.length) });
  return { rows, prefix: a, suffix: c, sourceSpan: ns, baseSpan: nb };
}

/** Every aligned position once (prefix, a 1:1 source span, suffix, reply): the "full patch". */
export function fullPatch(al: PairAlignment): { base: number[]; source: number[] } {
  const base: number[] = [];
  const source: number[] = [];
  // reply[all] holds every reply position (the single reply row when there is one reply input token).
  const hasAll = al.rows.some((r) => r.key === 'reply[all]');
  for (const r of al.rows) {
    if (r.role === 'reply' && (r.key === 'reply[all]') !== hasAll) continue;
    if (r.role === 'source' && al.sourceSpan !== al.baseSpan) continue; // substitutions share one slot
    base.push(...r.base);
    source.push(...r.source);
  }
  return { base, source };
}
