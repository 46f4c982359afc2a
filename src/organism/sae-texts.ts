// The organism's chats as token ids for SAE training and measurement: chats drawn from the
// generator's mixture, kept when their request lies in the asked-for half of the prompt split
// (corpus/split.ts), so an SAE trained on the 'train' half is measured on texts it never read.
import type { Tokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';
import { generateChats, inSplit, trainingText, userText, type SetSplit } from './corpus/index.js';

export function organismTexts(tok: Tokenizer, o: { split: SetSplit; chats: number; seed: number }): number[][] {
  const rng = new Rng(o.seed);
  const out: number[][] = [];
  for (let tries = 0; out.length < o.chats && tries < 20; tries++) {
    for (const c of generateChats(rng, o.chats)) {
      if (out.length >= o.chats) break;
      if (inSplit(userText(c), o.split)) out.push(tok.encode(trainingText(c), { addSpecialTokens: false }));
    }
  }
  return out;
}
