// The demo's opening on a real pretrained model: stories260K (Llama, from llama2.c's tinyllamas,
// shipped in this package). DiffMean learns a "dog" direction from 48 story openings that continue
// with a dog or with another noun (examples/stories260K/dog.jsonl); neutral openings are continued
// greedily unsteered, at the derived default strength and at twice it (past the range the data
// supports), and every continuation is judged by two measured checks: does it mention a dog, and is
// it fluent (src/eval/vocab-fluency.ts). What a newcomer should see first: steering that works at
// the strength the data gives, and where pushing harder breaks the text.
import { loadModel, type LoadedModel } from '../models/load.js';
import { loadConceptData } from '../data/concept-data.js';
import { NEUTRAL_OPENINGS, VOCAB_OPENINGS } from '../data/story-openings.js';
import { METHODS } from '../methods/index.js';
import { artifactInterventions } from '../artifact/apply.js';
import { hooksFor } from '../intervene/index.js';
import { generate } from '../generate/generate.js';
import { fluent, vocabularyOf } from '../eval/vocab-fluency.js';
import type { Hooks } from '../models/hooks.js';
import { saveArtifact } from '../artifact/io.js';
import { join } from 'node:path';
import type { ReportSection } from '../eval/report/html.js';
import { STORIES_DIR, STORIES_DOG_PAIRS } from './model-ref.js';

const SITE = 'layers.2.resid_post'; // the middle of its five blocks
const MULTIPLES = [0, 1, 2];
const MAX_TOKENS = 40;
const DOG = /\bdog/i;
/** Openings printed in full (the rest are counted in the table). */
const SHOWN = 3;

interface StoriesRow { strength: number; multiple: number; texts: string[]; dog: number; fluent: number }

function continuations(m: LoadedModel, prompts: readonly string[], hooks: Hooks | null): string[] {
  const tok = m.tokenizer!;
  // One prompt at a time: a padded batch may differ from a single greedy run in the last float bits.
  return prompts.map((p) => generate(m.model, [tok.encode(p)], { maxTokens: MAX_TOKENS, hooks, eosTokenIds: [2], decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }) })[0]!.text!.replace(/\s+/g, ' ').trim());
}

/** Runs the opening, prints it, saves its artifact in `out`, and returns its report sections. */
export async function storiesOpening(out: string, say: (s: string) => void): Promise<{ sections: ReportSection[]; artifact: string }> {
  const m = await loadModel(STORIES_DIR);
  const data = loadConceptData(STORIES_DOG_PAIRS);
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: SITE, name: 'dog', hubId: null });
  const artifact = join(out, 'stories260K-dog.steer.safetensors');
  saveArtifact(artifact, art);
  const iv = art.meta.interventions[0]!;
  const hi = iv.strength_range[1];
  const vocabRuns = continuations(m, VOCAB_OPENINGS, null);
  const vocab = vocabularyOf([...vocabRuns.map((t, i) => `${VOCAB_OPENINGS[i]} ${t}`), ...data.examples.map((e) => e.prompt + e.completion)]);
  const rows: StoriesRow[] = MULTIPLES.map((k) => {
    const strength = k * iv.default_strength;
    const hooks = k === 0 ? null : hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers);
    const texts = continuations(m, NEUTRAL_OPENINGS, hooks);
    return { strength, multiple: k, texts, dog: texts.filter((t) => DOG.test(t)).length, fluent: texts.filter((t) => fluent(t, vocab)).length };
  });
  const n = NEUTRAL_OPENINGS.length;
  const where = (r: StoriesRow) => (r.multiple === 0 ? 'unsteered' : Math.abs(r.strength) <= hi ? `×${r.multiple}, inside the range` : `×${r.multiple}, past the range`);
  say(`1. A real pretrained model: stories260K (Llama, ${m.model.arch.layers} blocks, hidden ${m.model.arch.hidden}).`);
  say(`learned a DiffMean "dog" direction at ${SITE} from ${data.examples.length / 2} pairs (${STORIES_DOG_PAIRS.split('/').slice(-3).join('/')}): default strength ${iv.default_strength.toFixed(2)} (derived from the data), range ±${hi.toFixed(2)} → ${artifact}`);
  say('strength  mentions a dog  fluent');
  for (const r of rows) say(`${r.strength.toFixed(2).padStart(8)}  ${`${r.dog}/${n}`.padStart(14)}  ${`${r.fluent}/${n}`.padStart(6)}  ${where(r)}`);
  for (let i = 0; i < SHOWN; i++) {
    say(`"${NEUTRAL_OPENINGS[i]}"`);
    for (const r of rows) say(`  [${r.strength.toFixed(2)}] ${r.texts[i]}`);
  }
  say(`try it: steerling generate --model stories260K --steer ${artifact} -p "Once upon a time,"`);
  const sections: ReportSection[] = [
    {
      heading: 'stories260K: a dog, at the strength the data gives',
      text: [`A real pretrained model (stories260K, Llama, ${m.model.arch.layers} blocks). DiffMean learned a "dog" direction at ${SITE} from ${data.examples.length / 2} story openings that continue with a dog or another noun; default strength ${iv.default_strength.toFixed(3)}, derived from the data, range ±${hi.toFixed(3)}. ${n} neutral openings continued greedily (${MAX_TOKENS} tokens). "Mentions a dog": the word dog appears. "Fluent": at least 80% of the letters are in words the unsteered model itself writes, and no word repeats more than 3 times in a row.`],
      table: { columns: ['strength', 'multiple of the default', 'mentions a dog', 'fluent'], rows: rows.map((r) => [r.strength, r.multiple, `${r.dog}/${n}`, `${r.fluent}/${n}`]) },
    },
    { heading: 'stories260K: continuations', table: { columns: ['opening', ...rows.map((r) => `strength ${r.strength.toFixed(2)}`)], rows: NEUTRAL_OPENINGS.map((p, i) => [p, ...rows.map((r) => r.texts[i]!)]) } },
  ];
  return { sections, artifact };
}
