// Instruction judge for the organism (AxBench's "is the reply about the instruction", 0/1/2):
// read the prompt back (prompt.ts) and check the reply against what that kind of prompt asks.

import { REPLY_INDEX, parseReply, captured, type ParsedReply, type ParsedSentence } from '../corpus/grammar.js';
import { analyzePrompt, type PromptInfo } from '../corpus/prompt.js';
import { conceptCount } from './concept.js';
import { finalAnswer, taskCorrectFor } from './tasks.js';
import { readFact } from './facts.js';

function body(s: ParsedSentence): string[] {
  return s.prefix ? s.tokens.slice(2) : s.tokens;
}

/** Sentences some form of which has an id starting with one of the prefixes. */
function countForms(p: ParsedReply, prefixes: readonly string[]): number {
  let n = 0;
  for (const s of p.sentences) {
    if (!s.template) continue;
    if (REPLY_INDEX.matchAll(body(s)).some((m) => prefixes.some((x) => m.template.id.startsWith(x)))) n++;
  }
  return n;
}

/** 2 when at least half the sentences have the expected forms, 1 when some do, else 0. */
function byShare(p: ParsedReply, prefixes: readonly string[]): 0 | 1 | 2 {
  const n = countForms(p, prefixes);
  if (n === 0 || p.sentences.length === 0) return 0;
  return n * 2 >= p.sentences.length ? 2 : 1;
}

export function instructionScoreFor(info: PromptInfo, reply: string): 0 | 1 | 2 {
  const p = parseReply(reply);
  switch (info.kind) {
    case 'frame':
      return byShare(p, [`frame.${info.frame}.`]);
    case 'topic': {
      const n = countForms(p, ['topic.']);
      const w = conceptCount(reply, `topic:${info.topic}`);
      if (n * 2 >= p.sentences.length && n > 0 && w >= 2) return 2;
      return n > 0 || w > 0 ? 1 : 0;
    }
    case 'opinion': {
      const first = p.sentences.find((s) => s.template?.id === 'opinion.s0');
      if (first && captured(first, 'NOUN') === info.noun) return 2;
      return countForms(p, ['opinion.']) > 0 ? 1 : 0;
    }
    case 'sum':
    case 'count':
    case 'repeat':
    case 'list': {
      if (taskCorrectFor(info, reply)) return 2;
      const form = { sum: 'sum.step', count: 'count.r', repeat: 'repeat.r', list: 'list.r' }[info.kind];
      return countForms(p, [form]) > 0 || finalAnswer(p) !== null ? 1 : 0;
    }
    case 'make':
      return byShare(p, ['make.h']);
    case 'lookalike':
      return byShare(p, ['scary.h']);
    case 'fact':
    case 'passage': {
      const f = readFact(reply);
      if (!f || f.relation !== info.relation || f.subject !== info.subject) return 0;
      const want = info.kind === 'fact' ? info.memory : info.passageValue;
      return f.value === want ? 2 : 1;
    }
    case 'novel': // a question about a subject the model was never told about, without a passage
    case 'unknown':
      return 0;
  }
}

/** Whether the reply does what the prompt asks, on AxBench's 0/1/2 scale. */
export function instructionScore(prompt: string, reply: string): 0 | 1 | 2 {
  return instructionScoreFor(analyzePrompt(prompt).info, reply);
}
