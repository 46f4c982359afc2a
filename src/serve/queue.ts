// A bounded work queue: the model runs one request at a time (generation is CPU work on the main
// thread, stepped so the event loop stays alive), at most `maxWaiting` more wait their turn, and
// any further request is refused at once (the server answers 429) instead of piling up.

export class QueueFullError extends Error {
  constructor(readonly maxWaiting: number) {
    super(`the server is busy: one request is running and ${maxWaiting} ${maxWaiting === 1 ? 'is' : 'are'} waiting (--queue ${maxWaiting}); retry later`);
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

  constructor(readonly maxWaiting: number) {
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0)) throw new Error(`queue length must be a non-negative integer, got ${maxWaiting}`);
  }

  get busy(): boolean {
    return this.running;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Runs `job` when the model is free. Throws QueueFullError at once when the queue is full, and
   * QueueTimeoutError when the turn has not come within `waitMs`.
   */
  async run<T>(job: () => Promise<T>, waitMs = Infinity): Promise<T> {
    if (this.running) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(this.maxWaiting);
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
    try {
      return await job();
    } finally {
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
