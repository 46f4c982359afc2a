// The page's server-sent-events reader (web/sse.js, plain browser JS that also runs in Node): the
// payloads of a real /v1/chat/completions stream come out whole and in order however the bytes
// are split, even inside a multi-byte character or a CRLF; an event cut off by the end is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';

interface SseModule {
  ssePayloads: (body: ReadableStream<Uint8Array>) => AsyncGenerator<string>;
}
const { ssePayloads } = (await import(new URL('../../../web/sse.js', import.meta.url).href)) as SseModule;

/** A body that delivers `bytes` in pieces cut at `cuts`. */
function body(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const edges = [0, ...cuts, bytes.length];
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i + 1 < edges.length) c.enqueue(bytes.slice(edges[i]!, edges[++i]!));
      else c.close();
    },
  });
}

async function collect(b: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of ssePayloads(b)) out.push(p);
  return out;
}

test('playground SSE reader: whole payloads in order at every split point, CRLF and multi-line data too', async () => {
  const events = [
    JSON.stringify({ choices: [{ delta: { role: 'assistant', content: '' } }] }),
    JSON.stringify({ choices: [{ delta: { content: 'the sea — ' } }] }),
    JSON.stringify({ choices: [{ delta: { content: 'é🌊 waves' } }] }),
    '[DONE]',
  ];
  const text = events.map((e) => `data: ${e}\n\n`).join('');
  const bytes = new TextEncoder().encode(text);
  for (let k = 1; k < bytes.length; k++) assert.deepEqual(await collect(body(bytes, [k])), events, `split at byte ${k}`);
  const every = Array.from({ length: bytes.length - 1 }, (_, k) => k + 1);
  assert.deepEqual(await collect(body(bytes, every)), events, 'one byte at a time');

  // CRLF and bare CR line ends, comments, other fields, and an event the stream cut off (dropped).
  const crlf = new TextEncoder().encode(': comment\r\ndata: a\r\ndata: b\r\n\r\nevent: x\rdata:c\r\rdata: cut');
  for (let k = 1; k < crlf.length; k++) assert.deepEqual(await collect(body(crlf, [k])), ['a\nb', 'c'], `CRLF split at ${k}`);
});
