// `steerling inspect A`: what an artifact holds — method and settings, the model it was fitted on,
// each intervention (site, kind, positions, tensors with shapes and norms, strength), training
// facts and the method's statistics. Reads the file only; no model needed.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadArtifact } from '../artifact/io.js';
import type { Artifact } from '../artifact/artifact.js';
import { escapeControl } from '../util/escape.js';

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  norm: number;
}

export function tensorInfo(art: Artifact): TensorInfo[] {
  return [...art.tensors.entries()].map(([name, t]) => {
    const f = t.toFloat('f32').data as Float32Array;
    let s = 0;
    for (const x of f) s += x * x;
    return { name, dtype: t.dtype, shape: [...t.shape], norm: Math.sqrt(s) };
  });
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(3) : x.toFixed(4));
const val = (v: unknown): string => (typeof v === 'number' ? num(v) : Array.isArray(v) ? `[${v.map(val).join(', ')}]` : JSON.stringify(v));

export function renderInspect(art: Artifact, path: string): string {
  const m = art.meta;
  const info = new Map(tensorInfo(art).map((t) => [t.name, t]));
  const out: string[] = [];
  out.push(`${path}`);
  out.push(`  name       ${m.name}`);
  out.push(`  method     ${m.method}   (format ${m.format}, created ${m.created})`);
  const settings = Object.entries(m.settings).map(([k, v]) => `${k}=${val(v)}`);
  if (settings.length) out.push(`  settings   ${settings.join('  ')}`);
  const fp = m.model;
  out.push(`  model      ${fp.model_type}, hidden ${fp.hidden_size}, ${fp.num_layers} layers, vocab ${fp.vocab_size}${fp.hub_id ? `, ${fp.hub_id}` : ''}`);
  out.push(`             config ${fp.config_hash}, weights ${fp.weights_hash} (embeddings and layers 0..${fp.weights_through_layer})`);
  out.push(`  interventions (${m.interventions.length})`);
  m.interventions.forEach((iv, i) => {
    out.push(`    [${i}] ${iv.kind} at ${iv.site}   positions ${JSON.stringify(iv.positions)}${iv.excludeBos ? ' (BOS excluded)' : ''}`);
    out.push(`        strength default ${num(iv.default_strength)}, range [${num(iv.strength_range[0])}, ${num(iv.strength_range[1])}]`);
    for (const [role, name] of Object.entries(iv.tensors)) {
      const t = info.get(name);
      out.push(`        ${role.padEnd(9)} ${name}  ${t ? `${t.dtype}[${t.shape.join(', ')}]  norm ${num(t.norm)}` : '(missing)'}`);
    }
    if (iv.values) out.push(`        values   ${Object.entries(iv.values).map(([k, v]) => `${k}=${num(v)}`).join('  ')}`);
  });
  const tr = m.training;
  out.push(`  training   ${tr.examples} examples, ${tr.steps} steps, seed ${tr.seed ?? '–'}, final loss ${tr.final_loss === null ? '–' : num(tr.final_loss)}, data ${tr.data_hash ?? '–'}`);
  if (m.stats) out.push(`  stats      ${Object.entries(m.stats).map(([k, v]) => `${k}=${val(v)}`).join('  ')}`);
  // Names, sites, settings and tensor names come from the file: each line is printed escaped.
  return out.map(escapeControl).join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what a steering artifact holds')
    .argument('<artifact>', 'a NAME.steer.safetensors file')
    .option('--json', 'print the metadata and tensor summaries as one JSON object')
    .action((path: string, f: { json?: boolean }) => {
      if (!existsSync(path)) throw new Error(`${path}: no such file`);
      const art = loadArtifact(path);
      if (f.json) console.log(JSON.stringify({ path, meta: art.meta, tensors: tensorInfo(art) }));
      else console.log(renderInspect(art, path));
    });
}
