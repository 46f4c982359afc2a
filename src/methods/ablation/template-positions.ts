// The post-instruction positions of a chat template (Arditi et al.): the template's tokens after the
// user's text and before the assistant's first token, e.g. " <|end|> <|assistant|>" on the organism
// or "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" on Llama 3. Directional-ablation
// candidates are read at each of them.
import type { Tokenizer } from '../../tokenizer/index.js';

const MARKER = 'steerlingmarker';

/**
 * How many trailing tokens of every chat-rendered prompt belong to the template: the tokens of the
 * rendered text after the user's content, as far as every prompt's ids actually end with them (a
 * tokenizer may merge across the boundary). At least 1: without a chat template (or with one that
 * writes nothing after the user's text) the one position is the prompt's last token.
 */
export function postInstructionCount(tok: Tokenizer, promptIds: readonly (readonly number[])[], chat: boolean): number {
  if (!chat || promptIds.length === 0) return 1;
  const text = tok.applyChatTemplate([{ role: 'user', content: MARKER }], { addGenerationPrompt: true }).text;
  const at = text.lastIndexOf(MARKER);
  if (at < 0) return 1;
  const tail = tok.encode(text.slice(at + MARKER.length), { addSpecialTokens: false });
  let k = tail.length;
  for (const ids of promptIds) {
    let j = 0;
    while (j < k && j < ids.length - 1 && ids[ids.length - 1 - j] === tail[tail.length - 1 - j]) j++;
    k = j;
  }
  return Math.max(1, k);
}
