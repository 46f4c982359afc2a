// Calls to this server's own routes (same origin), with the API key when one is given, and errors
// turned into one line the page can show: the HTTP status and the server's own message.
import { ssePayloads } from './sse.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const HINTS = {
  401: ' (enter the server\'s API key above and press Connect)',
};

/** One line: the server's message on one line, with the status in front. */
function errorLine(status, message) {
  const text = String(message).replace(/\s+/g, ' ').trim();
  return `${status ? `HTTP ${status}: ` : ''}${text}${HINTS[status] ?? ''}`;
}

async function failure(res) {
  let message = res.statusText || 'request failed';
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's page, say): the status text will do.
  }
  return new ApiError(res.status, errorLine(res.status, message));
}

export class Api {
  /** `key()` returns the API key to send ('' for none). */
  constructor(key) {
    this.key = key;
  }

  headers(json) {
    const h = {};
    if (json) h['content-type'] = 'application/json';
    const k = this.key().trim();
    if (k) h.authorization = `Bearer ${k}`;
    return h;
  }

  async request(method, path, body, signal) {
    let res;
    try {
      res = await fetch(path, { method, headers: this.headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, errorLine(0, `could not reach the server: ${e.message}`));
    }
    if (!res.ok) throw await failure(res);
    return res;
  }

  async get(path) {
    return (await this.request('GET', path)).json();
  }

  async post(path, body, signal) {
    return (await this.request('POST', path, body, signal)).json();
  }

  /** A streamed completion: yields each chunk object; an error event ends it with ApiError. */
  async *stream(path, body, signal) {
    const res = await this.request('POST', path, { ...body, stream: true }, signal);
    for await (const payload of ssePayloads(res.body)) {
      if (payload === '[DONE]') return;
      const event = JSON.parse(payload);
      if (event.error) throw new ApiError(0, errorLine(0, event.error.message));
      yield event;
    }
    throw new ApiError(0, errorLine(0, 'the server closed the stream before the reply was finished'));
  }
}
