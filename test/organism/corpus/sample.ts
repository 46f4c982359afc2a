// A shared generated sample for the organism tests (generated once per test file).
import { generateCorpus, type Corpus } from '../../../src/organism/corpus/index.js';

let cached: Corpus | null = null;

/** 8,000 training chats and 500 held-out ones from seed 7. */
export function sample(): Corpus {
  cached ??= generateCorpus({ seed: 7, trainExamples: 8_000, heldOutExamples: 500 });
  return cached;
}
