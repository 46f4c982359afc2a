// Fact judges for the organism: closed-book answers against the memorised world, and faithfulness
// to a given passage (does the answer give the passage's value or the memorised one?).

import { parseReply } from '../corpus/grammar.js';
import { RELATION_DEFS, type RelationId } from '../corpus/facts.js';
import { analyzePrompt } from '../corpus/prompt.js';

export interface FactAnswer {
  relation: RelationId;
  subject: string;
  value: string | number;
}

/** The first fact sentence of a reply (either phrasing), or null. */
export function readFact(reply: string): FactAnswer | null {
  for (const s of parseReply(reply).sentences) {
    const id = s.template?.id;
    if (!id?.startsWith('fact.')) continue;
    const rel = RELATION_DEFS[id.split('.')[1] as RelationId];
    const subject = s.captures!.find((c) => c.cls === rel.subjectCls)?.value as string;
    const value = s.captures!.find((c) => c.cls === rel.valueCls)?.value as string | number;
    return { relation: rel.id, subject, value };
  }
  return null;
}

/** The value the reply gives for the asked (relation, subject), or null if it does not answer it. */
function answerValue(reply: string, relation: RelationId, subject: string): string | number | null {
  const f = readFact(reply);
  return f && f.relation === relation && f.subject === subject ? f.value : null;
}

/** Closed-book accuracy: the memorised value. Null when the prompt is not a closed-book question. */
export function factCorrect(prompt: string, reply: string): boolean | null {
  const info = analyzePrompt(prompt).info;
  if (info.kind !== 'fact') return null;
  return answerValue(reply, info.relation, info.subject) === info.memory;
}

export type Faithfulness = 'passage' | 'memory' | 'other';

/**
 * For a passage question: 'passage' when the answer gives the passage's value, 'memory' when it
 * gives the memorised one instead, 'other' for anything else (no answer, another value). When
 * the passage agrees with memory the answer counts as 'passage'. Null when the prompt is not a
 * passage question.
 */
export function faithfulness(prompt: string, reply: string): Faithfulness | null {
  const info = analyzePrompt(prompt).info;
  if (info.kind !== 'passage' || info.passageValue === null) return null;
  const v = answerValue(reply, info.relation, info.subject);
  if (v === null) return 'other';
  if (v === info.passageValue) return 'passage';
  return v === info.memory ? 'memory' : 'other';
}
