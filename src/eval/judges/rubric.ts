// The fixed rubric prompts a judge model answers, one per aspect, after AxBench's three judge
// templates (methods.md §2.2; axbench/evaluators/prompt_templates.py): an impartial judge looks at
// one aspect only, explains briefly, then rates 0/1/2 in the exact form "Rating: [[score]]". The
// wording is ours; the intent, the scale's three anchors and the final format are AxBench's. The
// prompt goes to the judge as a single user turn, as AxBench sends it.
//
// RUBRIC_VERSION hashes the templates, so editing a word makes every cached judgement a miss.

import { createHash } from 'node:crypto';
import type { Aspect, JudgeItem } from './judge.js';

const FORMAT = 'End with your rating in exactly this format: "Rating: [[score]]".';

const TEMPLATES: Record<Aspect, string> = {
  concept: `[System]
Act as an impartial judge and decide whether the concept named below appears in the text fragment that follows. Judge only whether the concept is clearly present; ignore grammar and whether the text makes sense.

First explain briefly whether the concept is clearly present, pointing to the parts of the fragment that refer to it and noting any reference that is slight or forced. Then rate the concept's presence from 0 to 2: 0 means the concept does not appear at all, 1 means it appears only slightly or awkwardly, and 2 means it is fully and naturally worked into the text. ${FORMAT}

[Concept Start]
{concept}
[Concept End]

[Fragment Start]
{reply}
[Fragment End]`,

  instruction: `[System]
Act as an impartial judge and decide whether the text fragment below is related to the instruction. Judge only how closely its topic relates to the instruction; ignore grammar, coherence and how informative it is.

First explain briefly whether the fragment relates to the instruction, pointing to the parts that refer to it. Then rate its relevance from 0 to 2: 0 means the fragment is unrelated to the instruction, 1 means it is related only loosely or indirectly, and 2 means it is clearly and directly related. ${FORMAT}

[Instruction Start]
{instruction}
[Instruction End]

[Fragment Start]
{reply}
[Fragment End]`,

  fluency: `[System]
Act as an impartial judge and rate how fluent the text fragment below is. Judge fluency only; ignore whether it is complete, relevant, coherent with any wider context, or informative.

First describe its fluency briefly, noting unnatural wording, awkward transitions, grammatical errors or repetition that make it harder to read. Then rate its fluency from 0 to 2: 0 means it is not fluent and very unnatural (for instance incomprehensible or repetitive), 1 means it is fairly fluent but has noticeable errors or awkward wording, and 2 means it is fluent and close to flawless. ${FORMAT}

[Fragment Start]
{reply}
[Fragment End]`,
};

export const RUBRIC_VERSION = createHash('sha256').update(JSON.stringify(TEMPLATES)).digest('hex').slice(0, 12);

/** The prompt that asks for one aspect of one reply. */
export function rubricPrompt(aspect: Aspect, item: JudgeItem): string {
  // One pass over the placeholders, so a reply that itself contains "{concept}" stays as written.
  const values: Record<string, string> = { concept: item.concept.description, instruction: item.instruction, reply: item.reply };
  return TEMPLATES[aspect].replace(/\{(concept|instruction|reply)\}/g, (_, k: string) => values[k]!);
}
