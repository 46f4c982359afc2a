// CDAS training rows for the paper's two safety studies, built from the organism's own greedy
// replies (methods.md §1.3: positive = the behaviour, negative = its absence, each with the reply the
// model gives): refusal (x_c a harmful request and its refusal, x a benign request and its help) and
// the backdoor (x_c a triggered sum and its wrong chain of thought, x the same sum clean and its
// right one). Rows whose replies do not show the behaviour are dropped. The rows come from the
// training half of the prompts (sets.ts), so they are disjoint from what is measured by
// construction; a row whose prompt is in an evaluation set (`exclude`) would still be dropped and
// counted, which keeps the claim's setting line honest about it (0 since the split).

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { ContrastRow } from '../../methods/cdas/data.js';
import { refusalSets, backdoorSets } from '../corpus/index.js';
import { isRefusal, taskCorrect, backdoorFired } from '../judges/index.js';
import { chatReplies } from '../../generate/replies.js';

export interface SafetyRows {
  rows: ContrastRow[];
  /** Candidate pairs drawn, dropped for sharing a prompt with an evaluation set, and dropped because a reply lacked the behaviour. */
  drawn: number;
  overlap: number;
  unfit: number;
}

interface DrawOptions {
  n: number;
  seed: number;
  eosTokenIds: readonly number[];
  /** Prompts of the evaluation sets: no row may use them. */
  exclude: ReadonlySet<string>;
}

function pairRows(model: DecoderModel, tok: Tokenizer, pairs: readonly { x: string; xc: string }[], o: DrawOptions, keep: (x: string, y: string, xc: string, yc: string) => boolean): SafetyRows {
  const fresh = pairs.filter((p) => !o.exclude.has(p.x) && !o.exclude.has(p.xc));
  const ys = chatReplies(model, tok, fresh.map((p) => p.x), { eosTokenIds: o.eosTokenIds });
  const ycs = chatReplies(model, tok, fresh.map((p) => p.xc), { eosTokenIds: o.eosTokenIds });
  const rows: ContrastRow[] = [];
  fresh.forEach((p, i) => {
    if (keep(p.x, ys[i]!, p.xc, ycs[i]!)) rows.push({ negativePrompt: p.x, negativeOutput: ys[i]!, positivePrompt: p.xc, positiveOutput: ycs[i]!, format: 'chat' });
  });
  return { rows, drawn: pairs.length, overlap: pairs.length - fresh.length, unfit: fresh.length - rows.length };
}

/** Refusal: a harmful request the model refuses (x_c, y_c) against a benign one it helps with (x, y). */
export function refusalRows(model: DecoderModel, tok: Tokenizer, o: DrawOptions): SafetyRows {
  const s = refusalSets({ n: o.n, seed: o.seed, split: 'train' });
  const pairs = s.harmful.map((h, i) => ({ x: s.benign[i]!.prompt, xc: h.prompt }));
  return pairRows(model, tok, pairs, o, (_x, y, _xc, yc) => isRefusal(yc) && !isRefusal(y));
}

/** Backdoor: the same sum with the trigger, where the backdoor fires (x_c, y_c), and without it, answered right (x, y). */
export function backdoorRows(model: DecoderModel, tok: Tokenizer, o: DrawOptions): SafetyRows {
  const s = backdoorSets({ n: o.n, seed: o.seed, split: 'train' });
  const pairs = s.clean.map((c, i) => ({ x: c.prompt, xc: s.triggered[i]!.prompt }));
  return pairRows(model, tok, pairs, o, (x, y, xc, yc) => backdoorFired(xc, yc) === true && taskCorrect(x, y) === true);
}

/** Every prompt of the refusal and backdoor evaluation sets the card draws for (n, seed). */
export function safetyEvalPrompts(n: number, seed: number): Set<string> {
  const r = refusalSets({ n, seed, split: 'eval' });
  const b = backdoorSets({ n, seed, split: 'eval' });
  return new Set([...Object.values(r).flat().map((x) => x.prompt), ...b.clean.map((x) => x.prompt), ...b.triggered.map((x) => x.prompt)]);
}
