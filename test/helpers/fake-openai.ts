// A scripted stand-in for an OpenAI-compatible server on 127.0.0.1 (node:http), for testing the
// endpoint judge offline: every request is recorded, and a script decides each answer (status,
// body, headers, a delay, or never answering).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; temperature?: number; max_tokens?: number; messages?: { role: string; content: string }[] };
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

export interface FakeServer {
  /** The base URL, …/v1. */
  url: string;
  requests: FakeRequest[];
  /** The most requests that were open at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** An OpenAI chat completion whose message is `content`. */
export function chat(content: string | null): unknown {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'fake', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] };
}

/** The rubric a prompt asks about, read from its section markers. */
export function aspectOf(prompt: string): 'concept' | 'instruction' | 'fluency' {
  return prompt.includes('[Concept Start]') ? 'concept' : prompt.includes('[Instruction Start]') ? 'instruction' : 'fluency';
}

export async function fakeOpenAI(script: (req: FakeRequest, n: number) => FakeAnswer): Promise<FakeServer> {
  const state = { requests: [] as FakeRequest[], inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const r: FakeRequest = { path: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as FakeRequest['body']) : {} };
      state.requests.push(r);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const a = script(r, state.requests.length - 1);
      if (a.hang) return;
      setTimeout(() => {
        state.inFlight--;
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {}));
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: state.requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
