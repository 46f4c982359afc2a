// `steerling eval specificity`: what else steering changed. Every behaviour figure without and with
// the steering (same prompts and seeds), the change with a 95% bootstrap interval, grouped general /
// control / robustness / targets: the organism's card figures by default, or the figures of a
// `--behaviour-file` on any model, judged by scripts or a judge model (judge-flags.ts).
import type { Command } from 'commander';
import { checkOutFile, writeFileAtomic } from '../io/out-path.js';
import { loadModel, stopIds } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { runOrganismSpecificityCurve } from '../organism/specificity.js';
import { loadSteering, describeSteering, resolveSteering, timesMultiple } from '../artifact/steering.js';
import { hooksFor } from '../intervene/index.js';
import type { Hooks } from '../models/hooks.js';
import { singleConditionRows, type SpecificityCurveRow } from '../eval/specificity.js';
import { loadBehaviourFile, needsModel } from '../eval/behaviour-file.js';
import { checkJudgeGiven, runBehaviourSuite, type BehaviourRun } from '../eval/behaviour-suite.js';
import { specificityHtml, type SpecificityReplyRow } from '../eval/report/specificity-html.js';
import { progress } from './progress.js';
import { specificityCurveTable, specificityTable, steeringLabel } from './specificity-text.js';
import { addJudgeFlags, isOrganism, judgeFlagsGiven, makeModelJudge, type JudgeFlags } from './judge-flags.js';
import { intArg } from './options.js';
import { parseFactors } from './eval-args.js';

interface SpecFlags extends JudgeFlags {
  model?: string;
  steer: string[];
  n?: number;
  seed: number;
  multiples?: string;
  behaviourFile?: string;
  maxTokens?: number;
  force?: boolean;
  json?: boolean;
  html?: string;
}

/** Replies shown in the HTML report per figure. */
const SHOWN = 3;

function replyRows(figures: readonly { figure: string; prompts: string[] }[], unsteered: BehaviourRun, steered: BehaviourRun): SpecificityReplyRow[] {
  return figures.flatMap((f) => f.prompts.slice(0, SHOWN).map((prompt, i) => ({
    figure: f.figure, prompt,
    unsteered: unsteered.replies[f.figure]![i]!, steered: steered.replies[f.figure]![i]!,
    unsteeredVerdict: unsteered.outcomes[f.figure]![i]!, steeredVerdict: steered.outcomes[f.figure]![i]!,
  })));
}

export function registerEvalSpecificity(ev: Command, program: Command): void {
  const cmd = ev.command('specificity')
    .description('what else steering changed: every behaviour figure without and with the steering, the change with a 95% bootstrap interval (general, control, robustness, targets); the organism\'s card, or a --behaviour-file on any model')
    .option('-m, --model <path-or-id>', 'model folder or hub id (default: the shipped organism; another model needs --behaviour-file)')
    .requiredOption('--steer <artifact[:strength]>', 'artifact(s) to steer with, as for generate; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--behaviour-file <file>', 'your own figures, one JSON object a line (or a .json array): {"figure", "group", "prompts": [...], "judge"} (see README, Evaluation)')
    .option('--n <n>', 'organism: examples per set (default 200)', intArg('--n', 1))
    .option('--max-tokens <n>', 'behaviour file: tokens per reply (default 48)', intArg('--max-tokens', 1))
    .option('--seed <s>', 'seed of the sets, of sampling and of the bootstrap', intArg('--seed'), 7)
    .option('--multiples <list>', 'a curve: every figure at these multiples of the given strengths (e.g. 0.25,0.5,1,2)')
    .option('--force', 'use artifacts fitted on another model')
    .option('--json', 'print the rows as one JSON object')
    .option('--html <file>', 'also write an HTML report (before/after bars and intervals, or the curve over strength with interval bands)');
  addJudgeFlags(cmd).action(async (f: SpecFlags) => {
    // Checks that cost nothing come first: a bad flag or file fails before any model loads.
    if (f.html !== undefined) checkOutFile(f.html, '--html');
    const ks = f.multiples !== undefined ? parseFactors(f.multiples, '--multiples') : null;
    const figures = f.behaviourFile !== undefined ? loadBehaviourFile(f.behaviourFile) : null;
    if (figures && f.n !== undefined) throw new Error('--n sizes the organism\'s sets; a behaviour file\'s figures bring their own prompts');
    if (!figures && f.maxTokens !== undefined) throw new Error('--max-tokens applies to a --behaviour-file (the organism\'s sets have their own reply lengths)');
    if (!figures && judgeFlagsGiven(f)) throw new Error('the judge flags apply to a --behaviour-file whose figures ask a judge model (the organism\'s figures are judged by its programs)');
    if (figures) checkJudgeGiven(figures, judgeFlagsGiven(f));
    const judge = figures?.some((x) => needsModel(x.judge)) ? await makeModelJudge(f) : null;
    const m = await loadModel(modelRef(f.model));
    if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer`);
    if (!figures && !isOrganism(m.dir)) throw new Error(`${m.dir} is not the organism, whose card figures these are: pass --behaviour-file FILE with figures of your own`);
    const steering = loadSteering(f.steer, m.model, f.force ?? false);
    // One set of interventions per multiple (each scaled), all measured against one baseline.
    const conditions: { label: string; hooks: Hooks }[] = ks
      ? ks.map((k) => ({ label: `x${k}`, hooks: hooksFor(steering.flatMap((s) => resolveSteering(timesMultiple(s.request, k), s.artifact, m.model, f.force ?? false)), m.model.arch.layers) }))
      : [{ label: 'steered', hooks: hooksFor(steering.flatMap((s) => s.interventions), m.model.arch.layers) }];
    const bar = progress({ quiet: Boolean(program.opts()['quiet']), unit: 'reply', label: 'measuring' });
    const onProgress = (p: string, d: number, t: number) => bar.update(d, t, p);
    let rows: SpecificityCurveRow[];
    let replies: SpecificityReplyRow[] | undefined;
    let runs: { unsteered: BehaviourRun; runs: BehaviourRun[] } | undefined;
    const n = f.n ?? 200;
    if (figures) {
      const res = await runBehaviourSuite(conditions, { model: m.model, tokenizer: m.tokenizer, figures, eosTokenIds: stopIds(m), maxTokens: f.maxTokens ?? 48, seed: f.seed, judge, onProgress });
      rows = res.rows;
      runs = res;
      replies = replyRows(figures, res.unsteered, res.runs[res.runs.length - 1]!);
    } else {
      // Each condition's hooks are scaled copies; the suite measures the unsteered baseline once.
      rows = runOrganismSpecificityCurve(m.model, m.tokenizer, conditions, { eosTokenIds: stopIds(m), n, seed: f.seed, onProgress: (p, d, t) => bar.update(d, t, p) });
    }
    bar.stop();
    const label = steering.map(steeringLabel).join(' + ');
    const judged = figures ? `figures of ${f.behaviourFile}, ${f.maxTokens ?? 48} tokens per greedy reply${judge ? `; judge model: ${judge.id}` : '; scripted judges'}` : `${n} examples per set`;
    const setting = `${judged}, seed ${f.seed}${ks ? `; at multiples ${ks.join(', ')} of the given strength` : ''}.`;
    if (f.html) writeFileAtomic(f.html, await specificityHtml({ steering: label, setting, ...(ks ? { curve: { rows, multiples: ks } } : { rows: singleConditionRows(rows) }), ...(replies ? { replies, repliesSteered: ks ? `steered (×${ks[ks.length - 1]})` : 'steered' } : {}) }), '--html');
    if (f.json) {
      const extra = runs ? { behaviour_file: f.behaviourFile, judge: judge ? { id: judge.id, ...judge.stats() } : 'scripted', replies: { unsteered: runs.unsteered.replies, ...Object.fromEntries(runs.runs.map((r, i) => [conditions[i]!.label, r.replies])) } } : { n };
      console.log(JSON.stringify(ks ? { steering: steering.map(describeSteering), multiples: ks, seed: f.seed, ...extra, rows } : { steering: steering.map(describeSteering), seed: f.seed, ...extra, rows: singleConditionRows(rows) }));
      return;
    }
    if (ks) {
      console.log(`specificity curve: ${label}, at multiples ${ks.join(', ')} of it; ${judged}, seed ${f.seed}`);
      for (const l of specificityCurveTable(rows)) console.log(l);
    } else {
      console.log(`specificity: ${label}; ${judged}, seed ${f.seed}`);
      for (const l of specificityTable(singleConditionRows(rows))) console.log(l);
    }
    if (judge) {
      const s = judge.stats();
      console.log(`judge: ${judge.id} (${s.calls} asked, ${s.cached} from the cache, ${s.unparsed} unparsed → no)`);
    }
  });
}
