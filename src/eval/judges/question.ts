// A judge model answering one yes/no question about a reply (a behaviour figure's judge in
// `eval specificity --behaviour-file`): the same judge models, cache and rating format as the
// AxBench rubric, with "Rating: [[1]]" for yes and "Rating: [[0]]" for no. A text without a
// rating in range counts as no and is counted as unparsed.
import { createHash } from 'node:crypto';
import { parseRating } from './rating.js';
import type { RubricJudge } from './rubric-judge.js';

const TEMPLATE = `[System]
Act as an impartial judge and answer one yes-or-no question about the reply below, which was written in answer to the prompt shown. Judge only what the question asks; ignore everything else about the reply.

First explain your answer briefly, pointing to the parts of the reply it rests on. Then end with exactly "Rating: [[1]]" if the answer is yes, or "Rating: [[0]]" if it is no.

[Question Start]
{question}
[Question End]

[Prompt Start]
{prompt}
[Prompt End]

[Reply Start]
{reply}
[Reply End]`;

export const QUESTION_VERSION = createHash('sha256').update(TEMPLATE).digest('hex').slice(0, 12);

export function questionPrompt(question: string, prompt: string, reply: string): string {
  // One pass over the placeholders, so a reply that itself holds "{question}" stays as written.
  const values: Record<string, string> = { question, prompt, reply };
  return TEMPLATE.replace(/\{(question|prompt|reply)\}/g, (_, k: string) => values[k]!);
}

/** The judge model's yes (true) or no for each reply, and its text. */
export async function askQuestion(judge: RubricJudge, question: string, items: readonly { prompt: string; reply: string }[]): Promise<{ yes: boolean; parsed: boolean; text: string }[]> {
  const texts = await judge.askAll(items.map((it) => questionPrompt(question, it.prompt, it.reply)), `question ${QUESTION_VERSION}`);
  const out = texts.map((text) => {
    const r = parseRating(text, 1);
    return { yes: r.parsed && r.score >= 0.5, parsed: r.parsed, text };
  });
  judge.noteUnparsed(out.filter((x) => !x.parsed).length);
  return out;
}
