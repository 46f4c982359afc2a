// Server-sent events: the `data:` payloads of a text/event-stream response, one per event, in
// order. Network reads split events anywhere (even inside a UTF-8 character), so bytes are
// decoded as a stream and text is held until the blank line that ends its event.

export class SseParser {
  #buffer = '';

  /** Feeds text; returns the payloads of the events it completed. */
  push(text) {
    this.#buffer += text.replace(/\r\n?/g, '\n');
    const payloads = [];
    let end;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length) payloads.push(data.join('\n'));
    }
    return payloads;
  }
}

/** The payloads of a streamed response body, as they arrive. */
export async function* ssePayloads(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode() + '\n\n');
  } finally {
    reader.releaseLock();
  }
}
