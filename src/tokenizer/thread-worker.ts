// The worker side of TokenizerThread (thread.ts): a copy of the tokenizer that answers
// { id, op, args } messages with { id, value } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer, type TokenizerSources } from './tokenizer.js';

const tok = new Tokenizer(workerData as TokenizerSources);

parentPort!.on('message', (m: { id: number; op: 'encode' | 'applyChatTemplate'; args: unknown[] }) => {
  try {
    const value = m.op === 'encode'
      ? tok.encode(...(m.args as Parameters<Tokenizer['encode']>))
      : tok.applyChatTemplate(...(m.args as Parameters<Tokenizer['applyChatTemplate']>));
    parentPort!.postMessage({ id: m.id, value });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
