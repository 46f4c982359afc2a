// A bounded work queue: the model runs one request at a time (generation is CPU work on the main
// thread, stepped so the event loop stays alive), at most `maxWaiting` more wait their turn, and
// any further request is refused at once (the server answers 429) instead of piling up.

export class QueueFullError extends Error {
  /** Seconds until a place in the queue is likely to free up (the HTTP Retry-After header). */
  readonly retryAfterSeconds: number;
  constructor(readonly maxWaiting: number, retryAfterSeconds = 1) {
    super(`the server is busy: one request is running and ${maxWaiting} ${maxWaiting === 1 ? 'is' : 'are'} waiting (--queue ${maxWaiting}); retry later`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class QueueTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`the request timed out after ${Math.round(waitedMs / 1000)} s waiting for the model`);
  }
}

interface Waiter {
  start: () => void;
  fail: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

export class WorkQueue {
  private running = false;
  private readonly waiting: Waiter[] = [];
  /** Moving average of how long a job holds the model (ms), for Retry-After; null until one finished. */
  private jobMs: number | null = null;

  constructor(readonly maxWaiting: number) {
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0)) throw new Error(`queue length must be a non-negative integer, got ${maxWaiting}`);
  }

  get busy(): boolean {
    return this.running;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** True when a new job would be refused now: lets the server refuse before reading a request's body. */
  get full(): boolean {
    return this.running && this.waiting.length >= this.maxWaiting;
  }

  /**
   * A refusal for a full queue. A place frees when the running job ends, about one average job
   * from now; clients told a time back off instead of retrying at once and crowding out the work.
   */
  fullError(): QueueFullError {
    const s = this.jobMs === null ? 1 : Math.ceil(this.jobMs / 1000);
    return new QueueFullError(this.maxWaiting, Math.min(60, Math.max(1, s)));
  }

  /**
   * Runs `job` when the model is free. Throws QueueFullError at once when the queue is full, and
   * QueueTimeoutError when the turn has not come within `waitMs`.
   */
  async run<T>(job: () => Promise<T>, waitMs = Infinity): Promise<T> {
    if (this.full) throw this.fullError();
    if (this.running) {
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = { start: resolve, fail: reject, timer: null };
        if (Number.isFinite(waitMs)) {
          w.timer = setTimeout(() => {
            const i = this.waiting.indexOf(w);
            if (i >= 0) this.waiting.splice(i, 1);
            reject(new QueueTimeoutError(waitMs));
          }, waitMs);
        }
        this.waiting.push(w);
      });
    }
    this.running = true;
    const began = Date.now();
    try {
      return await job();
    } finally {
      const ms = Date.now() - began;
      this.jobMs = this.jobMs === null ? ms : 0.8 * this.jobMs + 0.2 * ms;
      const next = this.waiting.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.start(); // the slot passes straight on: `running` stays true
      } else {
        this.running = false;
      }
    }
  }
}
