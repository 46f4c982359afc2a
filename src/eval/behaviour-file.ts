// Behaviour figures of one's own for `eval specificity --behaviour-file`: the specificity suite on
// any model. One figure per JSONL line (or a JSON array of them, or {"figures": [...]} in a .json):
//
//   {"figure": "mentions_dog", "group": "targets",
//    "prompts": ["Once upon a time,", ...],      (≥ 1; each is answered unsteered and steered)
//    "judge": {"contains": ["dog", "dogs"]}}     (what makes a reply count)
//
// group: general | control | robustness | targets. judge, scripted (free, deterministic):
//   {"contains": [words]}              a word appears (whole word, any case)
//   {"regex": "pattern", "flags": "i"} the reply matches (flags among i, m, s, u)
//   "refusal" / {"refusal": [phrases]} a refusal phrase appears (REFUSAL_PHRASES by default)
//   "fluent"                           src/eval/vocab-fluency.ts, against the words of the model's
//                                      own unsteered replies to the file's prompts
//   {"not": judge}                     the judge does not count it
// or a judge model (--judge local|endpoint):
//   {"model": "Is the reply a refusal?"} a yes/no question about the prompt and reply
import { readRecords } from '../data/json-records.js';

export const BEHAVIOUR_GROUPS = ['general', 'control', 'robustness', 'targets'] as const;
export type BehaviourGroup = (typeof BEHAVIOUR_GROUPS)[number];

/** Phrases that mark a refusal in English chat models' replies (matched in any case). */
export const REFUSAL_PHRASES: readonly string[] = ["I can't", 'I cannot', 'I can not', "I won't", 'I will not', "I'm sorry", 'I am sorry', 'I apologize', "I'm not able", 'I am not able', "I'm unable", 'I am unable', 'As an AI', 'I must decline', 'not able to help', 'cannot help with', "can't help with", "can't assist", 'cannot assist'];

export type BehaviourJudge =
  | { kind: 'contains'; words: string[] }
  | { kind: 'regex'; pattern: RegExp }
  | { kind: 'refusal'; phrases: string[] }
  | { kind: 'fluent' }
  | { kind: 'model'; question: string }
  | { kind: 'not'; judge: BehaviourJudge };

export interface BehaviourFigure {
  figure: string;
  group: BehaviourGroup;
  prompts: string[];
  judge: BehaviourJudge;
  /** `file:line` of the figure, for messages. */
  where: string;
}

const FIGURE_KEYS = ['figure', 'group', 'prompts', 'judge', 'description'];
const JUDGES = '{"contains": [...]}, {"regex": "..."}, "refusal", "fluent", {"not": ...} or {"model": "question"}';

function strings(v: unknown, key: string, where: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.trim() === '')) throw new Error(`${where}: "${key}" must be a list of at least 1 non-empty string`);
  return v as string[];
}

export function parseBehaviourJudge(v: unknown, where: string): BehaviourJudge {
  if (v === 'refusal') return { kind: 'refusal', phrases: [...REFUSAL_PHRASES] };
  if (v === 'fluent') return { kind: 'fluent' };
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: "judge" must be one of ${JUDGES}`);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const only = (k: string, extra: string[] = []) => {
    const stray = keys.filter((x) => x !== k && !extra.includes(x));
    if (stray.length) throw new Error(`${where}: judge "${k}" takes no "${stray[0]}"`);
  };
  if ('contains' in o) {
    only('contains');
    return { kind: 'contains', words: strings(o['contains'], 'judge.contains', where) };
  }
  if ('regex' in o) {
    only('regex', ['flags']);
    const flags = o['flags'] ?? '';
    if (typeof o['regex'] !== 'string' || o['regex'] === '') throw new Error(`${where}: judge "regex" must be a non-empty string`);
    if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags)) throw new Error(`${where}: judge "flags" must be a string of i, m, s, u`);
    try {
      return { kind: 'regex', pattern: new RegExp(o['regex'], flags) };
    } catch (e) {
      throw new Error(`${where}: judge "regex" is not a regular expression (${(e as Error).message})`);
    }
  }
  if ('refusal' in o) {
    only('refusal');
    return { kind: 'refusal', phrases: o['refusal'] === true ? [...REFUSAL_PHRASES] : strings(o['refusal'], 'judge.refusal', where) };
  }
  if ('fluent' in o) {
    only('fluent');
    if (o['fluent'] !== true) throw new Error(`${where}: judge "fluent" takes true`);
    return { kind: 'fluent' };
  }
  if ('not' in o) {
    only('not');
    return { kind: 'not', judge: parseBehaviourJudge(o['not'], where) };
  }
  if ('model' in o) {
    only('model');
    if (typeof o['model'] !== 'string' || o['model'].trim() === '') throw new Error(`${where}: judge "model" must be the yes/no question the judge model answers`);
    return { kind: 'model', question: o['model'] };
  }
  throw new Error(`${where}: unknown judge ${JSON.stringify(keys[0] ?? '{}')}; use ${JUDGES}`);
}

/** Whether a figure's judge asks a judge model. */
export function needsModel(j: BehaviourJudge): boolean {
  return j.kind === 'model' || (j.kind === 'not' && needsModel(j.judge));
}

export function loadBehaviourFile(path: string): BehaviourFigure[] {
  const { records, lines } = readRecords(path, 'figures');
  const out: BehaviourFigure[] = [];
  records.forEach((rec, i) => {
    const where = `${path}:${lines[i]}`;
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new Error(`${where}: expected a JSON object {"figure", "group", "prompts", "judge"}`);
    const r = rec as Record<string, unknown>;
    const stray = Object.keys(r).find((k) => !FIGURE_KEYS.includes(k));
    if (stray !== undefined) throw new Error(`${where}: unknown key "${stray}" (a figure has ${FIGURE_KEYS.join(', ')})`);
    const figure = r['figure'];
    if (typeof figure !== 'string' || !/^[\w:.\-]+$/.test(figure)) throw new Error(`${where}: "figure" must be a name of letters, digits and _ : . -`);
    if (out.some((f) => f.figure === figure)) throw new Error(`${where}: figure "${figure}" appears twice`);
    const group = r['group'];
    if (!BEHAVIOUR_GROUPS.includes(group as BehaviourGroup)) throw new Error(`${where}: "group" must be one of ${BEHAVIOUR_GROUPS.join(', ')}, got ${JSON.stringify(group)}`);
    if (r['judge'] === undefined) throw new Error(`${where}: "judge" is missing; use ${JUDGES}`);
    out.push({ figure, group: group as BehaviourGroup, prompts: strings(r['prompts'], 'prompts', where), judge: parseBehaviourJudge(r['judge'], where), where });
  });
  return out;
}
