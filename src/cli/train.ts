// `steerling train <method>`: fit a steering artifact from a JSONL data file and save it.
//
//   steerling train diffmean --model M --data dog.jsonl --site layers.2.resid_post --out dog.steer.safetensors
//   steerling train cdas --model M --data ocean-contrast.jsonl --site layers.1.resid_post --out ocean --steps 200
//   steerling train cdas ... --source-position clause --base-positions reply --rank 4      (ours, not the paper's)
//   steerling train steer2edit --model M --data refusal.jsonl --chat --out refusal-edit --rho-attn 0.18 --rho-mlp 0.55 --alpha 0.8
//   steerling train lineas --model M --data ocean-texts.jsonl --chat --out ocean        (every block's output)
import type { Command } from 'commander';
import { loadModel } from '../models/load.js';
import { METHODS, method as methodByName } from '../methods/index.js';
import type { Reduce } from '../activations/collect.js';
import { parsePositions } from '../intervene/positions.js';
import type { Artifact } from '../artifact/artifact.js';
import { train, trainingData, checkTrainingData, artifactPath, ARTIFACT_SUFFIX } from '../api/train.js';
import type { PositionSpec } from '../intervene/positions.js';
import { intArg, numArg } from './options.js';
import type { SteeringMethod, AblationSelectionOptions } from '../methods/types.js';
import { NoCandidateLeft } from '../methods/ablation-select.js';
import { candidateRows, formatCandidates, rowsOf } from './ablation-table.js';
import { refusalTokenIds } from './refusal-tokens.js';
import { modelRef } from './model-ref.js';
import { progress } from './progress.js';
import { STEER2EDIT_DEFAULTS } from '../methods/steer2edit/options.js';
import { SOURCE_POSITIONS, BASE_POSITIONS, resolveVariant, type CdasVariant } from '../methods/cdas/variants.js';

export { artifactPath, ARTIFACT_SUFFIX };

interface TrainFlags {
  model?: string;
  data: string;
  site?: string;
  select?: boolean;
  refusalTokens?: string;
  pruneLayers?: number;
  threshold?: number;
  out: string;
  positions: string;
  reduce?: string;
  chat?: boolean;
  name?: string;
  seed?: number;
  steps?: number;
  epochs?: number;
  lr?: number;
  batch?: number;
  sourceTokens?: string;
  sourcePosition?: string;
  basePositions?: string;
  rank?: number;
  beta?: number;
  l1?: number;
  group?: number;
  strengthRule?: string;
  rhoAttn?: number;
  rhoMlp?: number;
  alpha?: number;
  layers?: string;
  json?: boolean;
}

/** Methods whose default strength is calibrated (methods/calibrate.ts) unless --strength-rule rho. */
const CALIBRATED = new Set(['diffmean', 'pca', 'probe']);
/** Methods trained by gradient steps: they take --steps, --epochs, --lr and --batch. */
const TRAINED = ['cdas', 'reps', 'bipo', 'lineas'];
/** Flags that belong to one method. */
const METHOD_FLAGS: Record<string, { flag: string; method: string }> = {
  beta: { flag: '--beta', method: 'bipo' },
  l1: { flag: '--l1', method: 'lineas' },
  group: { flag: '--group', method: 'lineas' },
  sourceTokens: { flag: '--source-tokens', method: 'cdas' },
  sourcePosition: { flag: '--source-position', method: 'cdas' },
  basePositions: { flag: '--base-positions', method: 'cdas' },
  rank: { flag: '--rank', method: 'cdas' },
};

/** Positions in the spelling --positions accepts. */
export function positionsText(p: PositionSpec): string {
  if (typeof p === 'string') return p;
  return 'last' in p ? `last:${p.last}` : p.indices.join(',');
}

const fmt = (x: number) => (Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(2) : x.toFixed(3));

export function trainSummary(art: Artifact, path: string): string {
  const m = art.meta;
  const lines = [`saved ${path}`, `  method     ${m.method} (${m.training.examples} examples${m.training.steps ? `, ${m.training.steps} steps` : ''})`];

  const sites = [...new Set(m.interventions.map((iv) => iv.site))];
  const iv = m.interventions[0]!;
  const positions = [...new Set(m.interventions.map((x) => positionsText(x.positions)))].join(' ');
  lines.push(`  site       ${sites.join(', ')}   positions ${positions}${m.interventions.length > 1 ? `   (${m.interventions.length} interventions)` : ''}`);
  lines.push(`  strength   default ${fmt(iv.default_strength)}, range [${fmt(iv.strength_range[0])}, ${fmt(iv.strength_range[1])}]`);
  const s = m.stats ?? {};
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  if (num('mu_pos') !== undefined && num('mu_neg') !== undefined) lines.push(`  classes    μ+ ${fmt(num('mu_pos')!)}  μ− ${fmt(num('mu_neg')!)}  (projections onto the direction)`);
  if (num('separation') !== undefined) lines.push(`  separation ${fmt(num('separation')!)}  (|μ+ − μ−| over the pooled std; above ~2 the classes barely overlap)`);
  const moved = s['moved_scales'];
  if (Array.isArray(moved) && Array.isArray(s['moved_biases'])) lines.push(`  maps       coordinates off the identity per site: ω ${moved.join(' ')}, b ${(s['moved_biases'] as number[]).join(' ')} (of ${m.model.hidden_size}); λ interpolates h + λ·(map(h) − h)`);
  if (num('loss_start') !== undefined && num('loss_end') !== undefined) lines.push(`  loss       ${fmt(num('loss_start')!)} → ${fmt(num('loss_end')!)}  (first and last tenth of the steps)`);
  else if (m.training.final_loss !== null) lines.push(`  final loss ${fmt(m.training.final_loss)}`);
  if (m.method === 'selective') {
    const layers = (s['selected_layers'] as number[]) ?? [];
    const angles = ((s['layer_angle_deg'] as number[]) ?? []).map((x) => `${x.toFixed(1)}°`);
    lines.push(`  plane      b1 read at ${String(m.settings['site'])}; layers ${layers.join(', ')} rotated (their class means on opposite sides of b1)`);
    lines.push(`  angle      class means ${angles.join(', ')} apart in the plane → ${fmt(iv.default_strength)}° per layer; --steer ${path}:x-1 turns away from the positive class`);
    if (iv.values?.['threshold'] !== undefined) lines.push(`  adaptive   only tokens with h·b1 > ${iv.values['threshold']} turn`);
  }
  const rows = candidateRows(m);
  if (rows) {
    const st = m.stats!;
    lines.push(`  direction  read at ${m.settings['site']}, position ${st['selected_position']} (chosen from ${rows.length} candidates)`);
    lines.push(formatCandidates(rows, { positive: st['baseline_refusal_positive'] as number, negative: st['baseline_refusal_negative'] as number }));
  }
  if (num('heads_edited') !== undefined) {
    const family = (k: string, what: string) => (num(`${k}_total`) ? `${num(`${k}_edited`)}/${num(`${k}_total`)} ${what}` : `${what} off`);
    lines.push(`  edits      ${family('heads', 'attention heads')}, ${family('neurons', 'MLP neurons')} (one rank-1 edit per edited o_proj / down_proj)`);
    if (num('kl_default') !== undefined) lines.push(`  at 1       the edit moves the negative texts' next-token distribution by ${fmt(num('kl_default')!)} nats/token (the range ends at 1.0)`);
    if (iv.strength_range[1] < 1) lines.push(`  note       the derived edit (strength 1) is past the range: the text is likely to break; use a smaller strength (e.g. :x${fmt(iv.strength_range[1] / 2)}) or larger --rho-attn / --rho-mlp`);
    lines.push(`  steer      --steer ${path}[:S] applies the edit × S as hooks; steerling export merged / peft writes it into weights`);
  }
  if (m.method === 'cdas') {
    const paper = m.settings['variant'] === 'paper';
    lines.push(`  variant    source ${String(m.settings['source_position'] ?? 'header')}, base ${String(m.settings['base_positions'] ?? 'all')}, rank ${String(m.settings['rank'] ?? 1)}${paper ? ' (the paper\'s)' : ' (ours, not the paper\'s setting)'}`);
  }
  if (iv.kind === 'clamp' && iv.values?.['mu_neg'] !== undefined) lines.push(`  steer      --steer ${path} clamps to μ+ (induce), --steer ${path}:neg to μ− (suppress); strength s clamps to μ− + s·(μ+ − μ−) (:neg swaps the means)`);
  return lines.join('\n');
}

/**
 * Which flags go with which method; true when ablation chooses its direction itself (no --site).
 * Methods that cannot choose need --site.
 */
function checkSiteFlags(m: SteeringMethod, f: TrainFlags): boolean {
  if (f.site === undefined && !m.choosesSite && m.name !== 'steer2edit' && m.name !== 'lineas') throw new Error(`--site is required for ${m.name} (the hook site to read and steer, e.g. --site layers.2.resid_post)`);
  if (f.select && m.name !== 'ablation') throw new Error(`--select applies to ablation; ${m.name} ${m.choosesSite ? 'chooses its layers without it' : 'needs --site'}`);
  if (f.select && f.site !== undefined) throw new Error('--select chooses the site itself: drop --site (or drop --select to read at that site)');
  const selecting = m.name === 'ablation' && f.site === undefined;
  for (const [flag, given] of [['--refusal-tokens', f.refusalTokens !== undefined], ['--prune-layers', f.pruneLayers !== undefined]] as const) {
    if (given && !selecting) throw new Error(`${flag} applies to ablation's automatic selection (ablation without --site)`);
  }
  if (f.threshold !== undefined && m.name !== 'selective') throw new Error(`--threshold applies to selective; ${m.name} has no adaptive gate`);
  return selecting;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('learn a steering artifact from data')
    .argument('<method>', `steering method: ${Object.keys(METHODS).join(' | ')}`)
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .requiredOption('-d, --data <file.jsonl>', 'JSONL of {"prompt"?, "positive", "negative"} pairs or {"text", "label"} records; cdas: {"negative_input", "negative_output", "positive_input", "positive_output"} or pairs with "concept_prompt"')
    .option('-s, --site <site>', 'hook site to read and steer, e.g. layers.2.resid_post (required, except: ablation and selective choose their own without it; steer2edit edits every layer\'s o_proj and down_proj; lineas takes a comma-separated list or all, default every block\'s resid_post)')
    .requiredOption('-o, --out <file>', `artifact to write (NAME${ARTIFACT_SUFFIX}; the suffix is added when missing)`)
    .option('--positions <spec>', 'where the artifact steers: all | prompt | generated | last:K | i,j,...', 'all')
    .option('--reduce <how>', 'summarise each example by the mean over its completion tokens or its last token: mean | last (default: mean; ablation always reads the last token); lineas also all (every token a sample)')
    .option('--chat', "render prompts as a user turn with the model's chat template")
    .option('--name <name>', 'artifact name (default: the output file name)')
    .option('--seed <s>', 'random seed (recorded; used by stochastic methods)', intArg('--seed'))
    .option('--steps <n>', `trained methods (${TRAINED.join(', ')}): optimiser steps (default: --epochs passes over the data)`, intArg('--steps', 1))
    .option('--epochs <n>', `trained methods (${TRAINED.join(', ')}): passes over the data when --steps is not given (default cdas 10, reps 18, bipo 10, lineas 60)`, intArg('--epochs', 1))
    .option('--lr <lr>', `trained methods (${TRAINED.join(', ')}): peak learning rate, decayed to 0 (default cdas and reps 0.04, bipo 0.02, lineas 0.1)`, numArg('--lr', 0))
    .option('--batch <b>', `trained methods (${TRAINED.join(', ')}): rows per step (default cdas 8, reps 6, bipo 4 pairs; lineas 32 source texts)`, intArg('--batch', 1))
    .option('--beta <b>', 'bipo: the DPO temperature β (default 0.1)', numArg('--beta', 0))
    .option('--l1 <w>', 'lineas: ℓ1 weight on each map\'s ω − 1 and b (default 0.1; 0 turns it off)', numArg('--l1', 0))
    .option('--group <w>', 'lineas: group-lasso weight on each site\'s ω − 1 and b (default 1; large values drop whole sites)', numArg('--group', 0))
    .option('--source-tokens <text>', "cdas: the assistant-turn header whose last token is the source position (default: from the chat template)")
    .option('--source-position <where>', `cdas: where the source is read: ${SOURCE_POSITIONS.join(' | ')} (default header, the paper's; clause = mean over the instruction's concept clause, reply = mean over the source reply: ours)`)
    .option('--base-positions <where>', `cdas: which base positions training writes (and the clamp acts on, unless --positions): ${BASE_POSITIONS.join(' | ')} (default all, the paper's; prompt, reply: ours)`)
    .option('--rank <r>', 'cdas: rows of the interchanged subspace (default 1, the paper\'s; R > 1 clamps each coordinate to its class mean)', intArg('--rank', 1))
    .option('--strength-rule <rule>', 'diffmean/pca/probe: kl = calibrate the default strength on the model (KL 0.4 nats/token on the concept-absent texts; default), rho = 0.35·ρ without running the model')
    .option('--select', 'ablation: choose the layer and template position by bypass/induce/KL scores on a held-out quarter of the data (the default without --site)')
    .option('--refusal-tokens <list>', 'ablation --select: comma-separated tokens that start a refusal, e.g. I,As (default on the organism: its refusal form\'s first word)')
    .option('--prune-layers <p>', 'ablation --select: discard candidates from the last share p of the layers (default 0.2, the paper\'s; 0 on a model of few layers)', numArg('--prune-layers', 0, 0.99))
    .option('--threshold <t>', 'selective: adaptive, rotate only tokens whose projection on the direction exceeds t (default: every token)', numArg('--threshold'))
    .option('--rho-attn <rho>', `steer2edit: Elastic-Net ρ for attention heads; ≤ 0 edits no head (default ${STEER2EDIT_DEFAULTS.rhoAttn})`, numArg('--rho-attn'))
    .option('--rho-mlp <rho>', `steer2edit: Elastic-Net ρ for MLP neurons; ≤ 0 edits no neuron (default ${STEER2EDIT_DEFAULTS.rhoMlp})`, numArg('--rho-mlp'))
    .option('--alpha <a>', `steer2edit: L1/L2 mix in [0, 1); a component is edited when its score |g| > ρ·α (default ${STEER2EDIT_DEFAULTS.alpha})`, numArg('--alpha'))
    .option('--layers <i,j,...>', 'steer2edit: edit only these layers (default: all)')
    .option('--json', 'print the artifact metadata as one JSON object')
    .action(async (methodName: string, f: TrainFlags, cmd: Command) => {
      const quiet = Boolean(cmd.optsWithGlobals()['quiet']);
      const m = methodByName(methodName);
      const reduces = m.name === 'lineas' ? ['mean', 'last', 'all'] : ['mean', 'last'];
      if (f.reduce !== undefined && !reduces.includes(f.reduce)) throw new Error(`--reduce must be ${reduces.join(', ').replace(/, (\w+)$/, ' or $1')}, got "${f.reduce}"`);
      if (f.strengthRule !== undefined && f.strengthRule !== 'kl' && f.strengthRule !== 'rho') throw new Error(`--strength-rule must be kl or rho, got "${f.strengthRule}"`);
      if (f.strengthRule !== undefined && !CALIBRATED.has(m.name)) throw new Error(`--strength-rule applies to ${[...CALIBRATED].join(', ')}; ${m.name} derives its strength its own way`);
      const s2e = m.name === 'steer2edit';
      const s2eFlags = { '--rho-attn': f.rhoAttn, '--rho-mlp': f.rhoMlp, '--alpha': f.alpha, '--layers': f.layers };
      const given = Object.entries(s2eFlags).filter(([, v]) => v !== undefined).map(([k]) => k);
      if (!s2e && given.length) throw new Error(`${given.join(', ')} appl${given.length > 1 ? 'y' : 'ies'} to steer2edit only`);
      if (s2e && f.site !== undefined) throw new Error('steer2edit edits the o_proj and down_proj of every layer (restrict with --layers); --site does not apply');
      const selecting = checkSiteFlags(m, f);
      const layers = f.layers === undefined ? undefined : f.layers.split(',').map((x) => {
        if (!/^\d+$/.test(x.trim())) throw new Error(`--layers ${f.layers}: expected comma-separated layer numbers`);
        return Number(x);
      });
      const positions = parsePositions(f.positions);
      const out = artifactPath(f.out);
      // Cheap checks first: a bad data file fails before the model loads.
      const data = trainingData(m, f.data);
      const training = { ...(f.steps !== undefined ? { steps: f.steps } : {}), ...(f.epochs !== undefined ? { epochs: f.epochs } : {}), ...(f.lr !== undefined ? { lr: f.lr } : {}), ...(f.batch !== undefined ? { batchSize: f.batch } : {}) };
      const trained = TRAINED.includes(m.name);
      if (!trained && Object.keys(training).length > 0) throw new Error(`--steps, --epochs, --lr and --batch apply to trained methods (${TRAINED.join(', ')}); ${m.name} is fitted in one pass`);
      for (const [key, { flag, method }] of Object.entries(METHOD_FLAGS)) {
        if (f[key as keyof TrainFlags] !== undefined && m.name !== method) throw new Error(`${flag} applies to ${method} only`);
      }
      const variant: CdasVariant | null = m.name === 'cdas' ? resolveVariant(f) : null;
      checkTrainingData(m, data);
      const loaded = await loadModel(modelRef(f.model));
      if (!loaded.tokenizer) throw new Error(`${loaded.dir} has no tokenizer.json; steerling train needs one`);
      let selection: AblationSelectionOptions | undefined;
      if (selecting) {
        const ids = refusalTokenIds(loaded.tokenizer, f.refusalTokens, loaded.dir);
        if (!ids) throw new Error(`ablation without --site chooses the direction by refusal scores: pass --refusal-tokens (the tokens a refusal starts with, e.g. I,As) or --site`);
        selection = { refusalTokens: ids, ...(f.pruneLayers !== undefined ? { pruneLayers: f.pruneLayers } : {}) };
      }
      const bar = progress({ quiet, unit: (phase) => (phase === 'activations' ? 'ex' : 'step') });
      let art: Artifact;
      try {
        // train() checks the site, fits and saves the artifact.
        art = train(m, {
          model: loaded,
          data,
          out,
          ...(f.site !== undefined ? { site: f.site } : {}),
          ...(selection ? { selection } : {}),
          ...(f.threshold !== undefined ? { threshold: f.threshold } : {}),
          // CDAS's clamp acts where training wrote unless --positions says otherwise.
          ...(s2e || (variant && cmd.getOptionValueSource('positions') === 'default') ? {} : { positions }),
          ...(variant ? { cdas: variant } : {}),
          ...(f.reduce !== undefined ? { reduce: f.reduce as Reduce } : {}),
          chat: f.chat ?? false,
          ...(f.strengthRule === 'rho' ? { calibrate: false } : {}),
          ...(f.seed !== undefined ? { seed: f.seed } : {}),
          ...(trained ? { training: { ...training, ...(f.beta !== undefined ? { beta: f.beta } : {}), ...(f.l1 !== undefined ? { l1: f.l1 } : {}), ...(f.group !== undefined ? { group: f.group } : {}) } } : {}),
          ...(f.sourceTokens !== undefined ? { sourceTokens: f.sourceTokens } : {}),
          ...(s2e ? { steer2edit: { ...(f.rhoAttn !== undefined ? { rhoAttn: f.rhoAttn } : {}), ...(f.rhoMlp !== undefined ? { rhoMlp: f.rhoMlp } : {}), ...(f.alpha !== undefined ? { alpha: f.alpha } : {}), ...(layers ? { layers } : {}) } } : {}),
          ...(f.name !== undefined ? { name: f.name } : {}),
          onProgress: (done, total, phase, info) => bar.update(done, total, phase, info),
        });
      } catch (e) {
        bar.stop();
        // Show why every candidate went (stdout: stderr keeps the one-line error), then fail.
        if (e instanceof NoCandidateLeft && !f.json) console.log(formatCandidates(rowsOf(e.candidates, null), e.baseline));
        throw e;
      } finally {
        bar.stop();
      }
      const rows = candidateRows(art.meta);
      if (f.json) console.log(JSON.stringify({ path: out, ...art.meta, ...(rows ? { candidates: rows } : {}) }));
      else console.log(trainSummary(art, out));
    });
}
