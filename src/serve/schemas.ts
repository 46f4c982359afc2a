// JSON schemas for request bodies (checked by fastify's Ajv before a handler runs). Top-level
// fields we do not know are ignored, as OpenAI does; fields we know must have the right type.
// The `steering` list is ours, so its items are strict: no unknown keys, never a file path.

import { steeringRequestSchema, type SteeringRequest } from '../artifact/steering.js';

const nullable = (t: string | string[]) => ({ type: [...(Array.isArray(t) ? t : [t]), 'null'] });

export const steeringSchema = { type: 'array', maxItems: 16, items: steeringRequestSchema } as const;

const sampling = {
  model: { type: 'string', maxLength: 256 },
  max_tokens: { ...nullable('integer'), minimum: 1 },
  temperature: { ...nullable('number'), minimum: 0, maximum: 2 },
  top_p: { ...nullable('number'), exclusiveMinimum: 0, maximum: 1 },
  top_k: { ...nullable('integer'), minimum: 0 },
  repetition_penalty: { ...nullable('number'), exclusiveMinimum: 0 },
  stop: { ...nullable(['string', 'array']), minLength: 1, maxLength: 256, maxItems: 4, items: { type: 'string', minLength: 1, maxLength: 256 } },
  seed: nullable('integer'),
  n: { ...nullable('integer'), minimum: 1, maximum: 1 },
  stream: nullable('boolean'),
  stream_options: { ...nullable('object'), properties: { include_usage: { type: 'boolean' } } },
  user: { type: 'string' },
  steering: steeringSchema,
} as const;

export const chatCompletionSchema = {
  type: 'object',
  required: ['messages'],
  properties: {
    ...sampling,
    max_completion_tokens: { ...nullable('integer'), minimum: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 512,
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: {
            ...nullable(['string', 'array']),
            items: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, text: { type: 'string' } } },
          },
          name: { type: 'string' },
        },
      },
    },
  },
} as const;

export const completionSchema = {
  type: 'object',
  required: ['prompt'],
  properties: {
    ...sampling,
    prompt: { type: ['string', 'array'], minItems: 1, maxItems: 1, items: { type: 'string' } },
    echo: nullable('boolean'),
  },
} as const;

export const detectSchema = {
  type: 'object',
  required: ['artifact', 'text'],
  properties: {
    model: { type: 'string', maxLength: 256 },
    artifact: { type: 'string', minLength: 1, maxLength: 128 },
    text: { type: 'string', minLength: 1 },
  },
} as const;

/** The sampling fields as they arrive (after schema checks). */
export interface SamplingBody {
  model?: string;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  repetition_penalty?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  steering?: SteeringRequest[];
}

export interface ChatMessageBody {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | { type: string; text?: string }[] | null;
  name?: string;
}

export interface ChatCompletionBody extends SamplingBody {
  messages: ChatMessageBody[];
}

export interface CompletionBody extends SamplingBody {
  prompt: string | string[];
  echo?: boolean | null;
}

export interface DetectBody {
  model?: string;
  artifact: string;
  text: string;
}
