// Server-sent events: the `data:` payloads of a text/event-stream response, one per event, in
// order. Network reads split events anywhere (inside a UTF-8 character, between the CR and LF of
// a line end), so bytes are decoded as a stream and text is held until the blank line that ends
// its event. As the SSE spec says, an event cut off by the end of the stream is dropped.

export class SseParser {
  #buffer = '';
  #pendingCr = false;

  /** Feeds text; returns the payloads of the events it completed. */
  push(text) {
    // A CR at the end of a read may be the first half of a CRLF: decide once the next read comes.
    if (this.#pendingCr) text = `\r${text}`;
    this.#pendingCr = text.endsWith('\r');
    if (this.#pendingCr) text = text.slice(0, -1);
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

  /** The stream has ended: a held CR still ends a line. */
  end() {
    return this.#pendingCr ? this.push('\n') : [];
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
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}
