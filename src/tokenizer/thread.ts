// Tokenizing off the event loop: a worker thread with its own copy of a tokenizer. A server
// tokenizes prompts here, so that a long one (seconds of BPE on a slow tokenizer) never stalls the
// requests around it. Jobs run one at a time in the order given; the worker starts on first use
// (or warm()), holds the process open only while it has work, and is started again if it dies.
//
//   const thread = new TokenizerThread(tok);
//   const ids = await thread.encode('Once upon a time');   // as tok.encode
//   await thread.close();
import { Worker } from 'node:worker_threads';
import type { ChatMessage } from './chat-template.js';
import type { ApplyChatTemplateOptions, ChatTemplateResult, EncodeOptions, Tokenizer } from './tokenizer.js';

interface Job {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class TokenizerThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly jobs = new Map<number, Job>();

  constructor(private readonly tokenizer: Tokenizer) {}

  encode(text: string, opts: EncodeOptions = {}): Promise<number[]> {
    return this.call('encode', [text, opts]) as Promise<number[]>;
  }

  applyChatTemplate(messages: readonly ChatMessage[], opts: ApplyChatTemplateOptions = {}): Promise<ChatTemplateResult> {
    return this.call('applyChatTemplate', [messages, opts]) as Promise<ChatTemplateResult>;
  }

  /** Starts the worker now, so that the first job does not wait for it. */
  warm(): void {
    this.start();
  }

  /** Stops the worker; jobs still running fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.failAll(new Error('the tokenizer thread was closed'));
  }

  private call(op: string, args: unknown[]): Promise<unknown> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, op, args });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: this.tokenizer.sources });
    w.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (this.jobs.size === 0) w.unref();
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.value);
    });
    const died = (e: Error) => {
      if (this.worker === w) this.worker = null;
      this.failAll(new Error(`the tokenizer thread stopped: ${e.message}`));
    };
    w.on('error', died);
    w.on('exit', (code) => died(new Error(`exit code ${code}`)));
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    for (const job of this.jobs.values()) job.reject(e);
    this.jobs.clear();
  }
}
