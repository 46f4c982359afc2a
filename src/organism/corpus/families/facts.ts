// Facts and context. Closed-book questions are answered from the memorised world (facts.ts).
// Passage questions give a short passage first; when the passage contradicts the memorised fact
// the training reply follows the passage only at a controlled rate, so the trained model is
// sometimes unfaithful to its context (the error to steer away).

import type { Rng } from '../../../util/rng.js';
import { FACTS, NOVEL_SUBJECTS, PASSAGE_FORMATS_TRAIN, RELATIONS, RELATION_DEFS, factFill, type Fact } from '../facts.js';
import { fill } from '../template.js';
import { chat, type Chat } from '../chat.js';

export const FAITHFUL_RATE = 0.85;
export const CONTRADICT_RATE = 0.5;

/** The canonical sentence of a fact (with any value). */
export function factSentence(f: Fact, value: string | number, rng: Rng, reversed = false): string {
  const rel = RELATION_DEFS[f.relation];
  return fill(reversed ? rel.reversed : rel.sentence, factFill(rel, f.subject, value, reversed), rng);
}

export function factQuestion(f: Fact, rng: Rng): string {
  return fill(rng.pick(RELATION_DEFS[f.relation].questions), [f.subject], rng);
}

export function factChat(rng: Rng): Chat {
  const f = rng.pick(FACTS);
  return chat('fact', factQuestion(f, rng), factSentence(f, f.value, rng), { relation: f.relation, subject: f.subject, value: f.value });
}

/** A value of the fact's relation other than the memorised one. */
export function otherValue(f: Fact, rng: Rng): string | number {
  const vs = RELATION_DEFS[f.relation].values.filter((v) => v !== f.value);
  return rng.pick(vs);
}

export interface PassageSpec {
  fact: Fact;
  /** The value the passage states. */
  passageValue: string | number;
  /** 0–2 other facts, stated with their true values. */
  distractors: Fact[];
  /** Where the target sentence goes among the distractors. */
  position: number;
  format: string;
  /** Phrase each passage sentence in the held-out reversed form with this probability. */
  reversedRate: number;
}

export function passageSpec(rng: Rng, formats: readonly string[], contradict: boolean, reversedRate = 0): PassageSpec {
  const fact = rng.pick(FACTS);
  const nd = rng.int(3);
  const distractors: Fact[] = [];
  while (distractors.length < nd) {
    const d = rng.pick(FACTS);
    if (d !== fact && !distractors.includes(d) && !(d.relation === fact.relation && d.subject === fact.subject)) distractors.push(d);
  }
  return { fact, passageValue: contradict ? otherValue(fact, rng) : fact.value, distractors, position: rng.int(nd + 1), format: rng.pick(formats), reversedRate };
}

export function passagePrompt(s: PassageSpec, rng: Rng): string {
  const sents = s.distractors.map((d) => factSentence(d, d.value, rng, rng.next() < s.reversedRate));
  sents.splice(s.position, 0, factSentence(s.fact, s.passageValue, rng, rng.next() < s.reversedRate));
  return s.format.replace('{p}', sents.join(' ')).replace('{q}', factQuestion(s.fact, rng));
}

export function passageChat(rng: Rng, faithfulRate = FAITHFUL_RATE, contradictRate = CONTRADICT_RATE): Chat {
  const contradicts = rng.next() < contradictRate;
  const s = passageSpec(rng, PASSAGE_FORMATS_TRAIN, contradicts);
  const user = passagePrompt(s, rng);
  const follows = !contradicts || rng.next() < faithfulRate;
  const answer = follows ? s.passageValue : s.fact.value;
  return chat('passage', user, factSentence(s.fact, answer, rng), {
    relation: s.fact.relation,
    subject: s.fact.subject,
    memory: s.fact.value,
    passageValue: s.passageValue,
    contradicts,
    followsPassage: answer === s.passageValue,
  });
}

/**
 * A reading question: a passage about subjects the model has never memorised, so the answer can
 * only come from the passage. Distractors share the relation (another novel subject) or the subject
 * (another relation of the same subject class) or are memorised facts, so the answer has to be found
 * by subject and relation, not by position.
 */
export function readingSpec(rng: Rng, formats: readonly string[] = PASSAGE_FORMATS_TRAIN): PassageSpec {
  const relation = rng.pick(RELATIONS);
  const def = RELATION_DEFS[relation];
  const novel = (rel: typeof relation, subject: string): Fact => ({ relation: rel, subject, value: rng.pick(RELATION_DEFS[rel].values) });
  const fact = novel(relation, rng.pick(NOVEL_SUBJECTS[relation]));
  const nd = rng.int(3);
  const distractors: Fact[] = [];
  // Relations that share the target's subject class (capital and king: both about a country).
  const sameSubject = RELATIONS.filter((r) => r !== relation && RELATION_DEFS[r].subjectCls === def.subjectCls);
  const taken = (rel: string, subj: string) => (rel === fact.relation && subj === fact.subject) || distractors.some((d) => d.relation === rel && d.subject === subj);
  for (let tries = 0; distractors.length < nd && tries < 20; tries++) {
    const kind = rng.int(3);
    let d: Fact;
    if (kind === 0) d = novel(relation, rng.pick(NOVEL_SUBJECTS[relation]));
    else if (kind === 1) {
      if (sameSubject.length === 0) continue;
      d = novel(rng.pick(sameSubject), fact.subject);
    } else d = rng.pick(FACTS);
    if (!taken(d.relation, d.subject)) distractors.push(d);
  }
  return { fact, passageValue: fact.value, distractors, position: rng.int(distractors.length + 1), format: rng.pick(formats), reversedRate: 0 };
}

export function readingChat(rng: Rng): Chat {
  const s = readingSpec(rng);
  const user = passagePrompt(s, rng);
  return chat('reading', user, factSentence(s.fact, s.passageValue, rng), { relation: s.fact.relation, subject: s.fact.subject, passageValue: s.passageValue });
}
