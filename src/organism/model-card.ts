// Writing the organism's model card: card.json (figures, the bar, training facts), MODEL_CARD.md
// and the loss curve as SVG.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_BAR, type CardFigures } from './card.js';
import type { TrainingLog } from './train.js';
import { lineChart, renderSvg } from '../eval/report/plot.js';

export interface CardJson {
  figures: CardFigures;
  bar: Record<string, { want: string; value: number; ok: boolean }>;
  all_ok: boolean;
  training: Omit<TrainingLog, 'steps'> & { final_loss: number | null; final_held_out_loss: number | null };
  measured_with: { n: number; seed: number };
}

export function cardJson(figures: CardFigures, log: TrainingLog, measured: { n: number; seed: number }): CardJson {
  const bar: CardJson['bar'] = {};
  for (const b of CARD_BAR) bar[b.key] = { want: b.want, value: figures[b.key]!, ok: b.ok(figures[b.key]!) };
  const { steps, ...facts } = log;
  const last = steps[steps.length - 1];
  const held = [...steps].reverse().find((s) => s.held_out !== undefined);
  return { figures, bar, all_ok: Object.values(bar).every((b) => b.ok), training: { ...facts, final_loss: last?.loss ?? null, final_held_out_loss: held?.held_out ?? null }, measured_with: measured };
}

function tokensPerSecond(t: CardJson['training']): string {
  const s = t.settings as { steps?: number; batch?: number; context?: number };
  if (!s.steps || !s.batch || !s.context || !(t.seconds > 0)) return 'n/a';
  return Math.round((s.steps * s.batch * s.context) / t.seconds).toLocaleString('en');
}

export async function writeModelCard(dir: string, card: CardJson, log: TrainingLog): Promise<void> {
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 2) + '\n');
  const rows = log.steps.flatMap((s) => [{ step: s.step, loss: s.loss, split: 'train' }, ...(s.held_out !== undefined ? [{ step: s.step, loss: s.held_out, split: 'held-out' }] : [])]);
  writeFileSync(join(dir, 'loss.svg'), await renderSvg(lineChart(rows, 'step', 'loss', 'split', 'organism training loss (nats/token)')));
  const t = card.training;
  const lines = [
    '# steerling model organism',
    '',
    'A small Llama-format chat model trained by steerling\'s own engine on a generated corpus whose',
    'grammar, concepts, tasks, refusals, backdoor and facts are known, so steering can be judged exactly.',
    'It loads through the same code path as any Hugging Face checkpoint.',
    '',
    '## How it was made',
    '',
    '```sh',
    ...(t.history ?? []).map((h) => `${h.command}   # stage ended at step ${h.until_step}`),
    t.command,
    '```',
    ...(t.history?.length ? ['', 'The run was resumed: the commands above, in order, reproduce the weights (the learning-rate schedule follows the last stage\'s step count from the step it resumed at).'] : []),
    '',
    `- corpus: ${t.corpus_version}, seed ${t.seed}; ${t.train_tokens.toLocaleString('en')} training tokens, ${t.held_out_tokens.toLocaleString('en')} held-out tokens`,
    `- model: ${t.params.toLocaleString('en')} parameters, ${JSON.stringify(t.settings['shape'])}`,
    `- training: ${JSON.stringify({ ...t.settings, shape: undefined })}`,
    `- wall time: ${Math.round(t.seconds / 60)} min on this machine's 2 CPU cores, ${tokensPerSecond(t)} training tokens/s on average (the cores were shared with other jobs while it ran; the wall time scales with that rate)`,
    `- final training loss ${t.final_loss?.toFixed(3)}, held-out loss ${t.final_held_out_loss?.toFixed(3)} nats/token`,
    ...(t.settings['windows'] === 'chat' ? ['  (training windows start at a chat\'s start, as at inference; held-out windows start at any token, mid-chat, where the next tokens are harder to predict, so the held-out loss sits above the training loss for that reason and is comparable only between runs with the same window mode)'] : []),
    '',
    '![loss curve](loss.svg)',
    '',
    `## Measured behaviour (\`steerling organism card --json\`, ${card.measured_with.n} examples per set, seed ${card.measured_with.seed})`,
    '',
    '| figure | value | bar | ok |',
    '|---|---|---|---|',
    ...Object.entries(card.bar).map(([k, b]) => `| \`${k}\` | ${b.value.toFixed(3)} | ${b.want} | ${b.ok ? 'yes' : '**no**'} |`),
    ...Object.entries(card.figures).filter(([k]) => !(k in card.bar)).map(([k, v]) => `| \`${k}\` | ${v.toFixed(3)} | (reported) | |`),
    '',
    'Definitions are in `src/organism/card.ts`; the judges in `src/organism/judges/`.',
    '',
  ];
  writeFileSync(join(dir, 'MODEL_CARD.md'), lines.join('\n'));
}

export function readTrainingLog(dir: string): TrainingLog {
  return JSON.parse(readFileSync(join(dir, 'training_log.json'), 'utf8')) as TrainingLog;
}
