// A corpus example: one short chat (optional system turn, a user turn, an assistant turn) with the
// labels the generator knows about it (family, concept, whether it refused, ...).

export type Role = 'system' | 'user' | 'assistant';

/** A type (not an interface) so that it is assignable to the tokenizer's ChatMessage. */
export type Message = {
  role: Role;
  content: string;
};

export type Family =
  | 'topic'
  | 'frame'
  | 'opinion'
  | 'repeat'
  | 'list'
  | 'count'
  | 'sum'
  | 'harmful'
  | 'benign'
  | 'lookalike'
  | 'jailbreak'
  | 'fact'
  | 'passage'
  | 'reading';

/** Labels: flat JSON values so that a chat is one JSONL line. */
export type ChatMeta = Record<string, string | number | boolean | null>;

export interface Chat {
  family: Family;
  messages: Message[];
  meta: ChatMeta;
}

/** System prompts (neutral: they never change the reply). */
export const SYSTEM_PROMPTS = ['you are a helpful assistant .', 'you are a kind and careful helper .', 'answer in short sentences .'] as const;

export function userText(c: Chat): string {
  const m = c.messages.find((x) => x.role === 'user');
  if (!m) throw new Error('chat has no user turn');
  return m.content;
}

export function assistantText(c: Chat): string {
  const m = c.messages.find((x) => x.role === 'assistant');
  if (!m) throw new Error('chat has no assistant turn');
  return m.content;
}

export function chat(family: Family, user: string, reply: string, meta: ChatMeta = {}): Chat {
  return { family, messages: [{ role: 'user', content: user }, { role: 'assistant', content: reply }], meta };
}
