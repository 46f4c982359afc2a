// The organism's exact program judges behind the steering Judge interface: the same concept,
// instruction and fluency scores runAxBench always used (concept.ts, instruction.ts, fluency.ts), with a one-line reading
// of each as the "text" for reports. Free and deterministic, so there is nothing to cache; the
// ratings always parse. They understand only the organism's language and concepts.

import type { Judge, JudgeItem, JudgeStats, ReplyJudgement } from '../../eval/judges/judge.js';
import { conceptCount, conceptScore, conceptShare } from './concept.js';
import { fluency, fluencyScore } from './fluency.js';
import { instructionScore } from './instruction.js';
import { isConceptId } from '../corpus/concepts.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;

export class ExactJudge implements Judge {
  readonly id = 'exact (organism)';

  stats(): JudgeStats {
    return { calls: 0, cached: 0, unparsed: 0 };
  }

  async judge(items: readonly JudgeItem[]): Promise<ReplyJudgement[]> {
    return items.map(({ instruction, reply, concept }) => {
      if (!isConceptId(concept.id)) throw new Error(`exact judges know only the organism's concepts, not "${concept.id}"; use --judge local|endpoint`);
      const c = conceptScore(reply, concept.id);
      const ins = instructionScore(instruction, reply);
      const fl = fluency(reply);
      return {
        concept: { score: c, parsed: true, text: `${conceptCount(reply, concept.id)} words of ${concept.id}, ${pct(conceptShare(reply, concept.id))} of the content words` },
        instruction: { score: ins, parsed: true, text: `instruction score ${ins} (the reply read against what the prompt asks)` },
        fluency: { score: fluencyScore(reply), parsed: true, text: `${fl.parses ? 'parses' : 'does not parse'}; ${pct(fl.fraction)} of the words parse; a sentence repeats at most ${fl.maxRepeat}×` },
      };
    });
  }
}
