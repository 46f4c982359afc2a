// `steerling export gguf|merged|peft` and `steerling edit`: steering artifacts as files that other
// engines load — a llama.cpp control vector (`llama-cli -m MODEL.gguf --control-vector FILE.gguf`),
// a checkpoint with the steering folded into its weights, or a PEFT LoRA adapter.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadArtifact } from '../artifact/io.js';
import { additiveBlocks, toControlVector } from '../export/control-vector.js';
import { writeGGUF } from '../export/gguf.js';
import { parseSteerSpec } from '../artifact/steer-spec.js';
import { ablationDirection, writeBiasFolded, writeOrthogonalised, type MergeReport } from '../export/merged.js';
import { checkArtifactFits } from '../artifact/apply.js';
import { loadModel } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { weightEditTerms, writeWeightEdited } from '../export/weight-edits.js';
import { peftAdapter, writePeftAdapter } from '../export/peft.js';
import { resolve } from 'node:path';

interface MergedFlags {
  model?: string;
  steer: string[];
  out: string;
  force?: boolean;
  json?: boolean;
}

interface GgufFlags {
  steer: string[];
  out: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('turn steering artifacts into files that serving engines load');
  exp
    .command('gguf')
    .description("a llama.cpp control vector (GGUF): additive artifacts at layers.N.resid_post (N ≥ 1), strengths baked in")
    .requiredOption('--steer <artifact[:strength]>', 'artifact to export, as for generate (A, A:4, A:x2); repeat to sum several', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption('--out <file>', 'the .gguf file to write')
    .option('--json', 'print what was written as one JSON object')
    .action((f: GgufFlags) => {
      const sources = f.steer.map((raw) => {
        const spec = parseSteerSpec(raw);
        if (spec.target) throw new Error(`--steer ${raw}: a clamp target does not apply to control vectors (they only add)`);
        if (!existsSync(spec.path)) throw new Error(`--steer: artifact file ${spec.path} does not exist`);
        return { artifact: loadArtifact(spec.path), ...(spec.strength !== undefined ? { strength: spec.strength } : {}), ...(spec.multiple !== undefined ? { multiple: spec.multiple } : {}) };
      });
      const cv = toControlVector(sources);
      writeGGUF(f.out, cv.file);
      for (const n of cv.notes) process.stderr.write(`steerling: note: ${n}\n`);
      const hint = cv.file.metadata.get('controlvector.model_hint')?.value;
      if (f.json) {
        console.log(JSON.stringify({ out: f.out, model_hint: hint, layers: cv.layers, notes: cv.notes }));
        return;
      }
      console.log(`wrote ${f.out}: llama.cpp control vector for a ${hint} model`);
      for (const l of cv.layers) console.log(`  direction.${l.layer}  ${l.from.map((x) => `${x.artifact} (${x.site}, strength ${+x.strength.toFixed(4)})`).join(' + ')}`);
      console.log(`use: llama-cli -m MODEL.gguf --control-vector ${f.out}   (or --control-vector-scaled ${f.out}:K to scale it by K)`);
    });

  const merged = exp
    .command('merged')
    .description('a Hugging Face checkpoint with the steering folded into the weights: Steer2Edit weight edits (Llama, Mistral, Qwen2/3, GPT-2), a directional ablation (orthogonalised; Llama, Mistral, Qwen2/3) or additive directions (MLP biases; Llama)');
  mergedOptions(merged).action(mergedAction);

  exp
    .command('peft')
    .description('a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) holding Steer2Edit weight edits, for PeftModel.from_pretrained or vLLM LoRA serving')
    .option('-m, --model <model>', 'the model the artifacts were fitted on (folder, hub cache id, or organism)')
    .requiredOption('--steer <artifact[:strength]>', 'a weight-edit artifact as for generate (A, A:-1, A:x0.5); repeat to add several (the LoRA rank is the most edits of one matrix)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption('--out <dir>', 'a new folder for the adapter')
    .option('--force', 'skip the check that the artifacts were fitted on this model')
    .option('--json', 'print what was written as one JSON object')
    .action(async (f: MergedFlags) => {
      const { m, specs, provenance } = await loadForFold(f);
      const edits = weightEditTerms(specs.map((s) => ({ artifact: s.artifact, ...(s.spec.strength !== undefined ? { strength: s.spec.strength } : {}), ...(s.spec.multiple !== undefined ? { multiple: s.spec.multiple } : {}) })));
      const adapter = peftAdapter(m.dir, m.config.modelType, edits, m.repoId ?? resolve(m.dir));
      const rep = writePeftAdapter(f.out, adapter, { ...provenance, edit: 'steer2edit weight edits as LoRA (scale lora_alpha/r = 1)' });
      if (f.json) {
        console.log(JSON.stringify(rep));
        return;
      }
      console.log(`wrote ${rep.out}: LoRA r=${rep.r}, lora_alpha=${rep.lora_alpha} (scale 1) on ${rep.modules.length} modules`);
      console.log(`use: PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(BASE), "${rep.out}")   (or merge_and_unload() for the edited weights)`);
    });
}

/** `steerling edit`: the name the design's command list uses for writing the edited checkpoint (= export merged). */
export function registerEdit(program: Command): void {
  const edit = program
    .command('edit')
    .description('write the edited checkpoint: weight edits (steer2edit), a directional ablation or additive directions folded into the weights (the same as `steerling export merged`)');
  mergedOptions(edit).action(mergedAction);
}

function mergedOptions(c: Command): Command {
  return c
    .option('-m, --model <model>', 'the model the artifacts were fitted on (folder, hub cache id, or organism)')
    .requiredOption('--steer <artifact[:strength]>', 'weight-edit artifacts (A, A:-1, A:x2; repeat to sum), an ablation artifact (at strength 1), or additive artifacts as for generate (repeat to sum)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption('--out <dir>', 'a new folder for the edited checkpoint')
    .option('--force', 'skip the check that the artifacts were fitted on this model')
    .option('--json', 'print what was written as one JSON object');
}

async function loadForFold(f: MergedFlags) {
  const specs = f.steer.map((raw) => {
    const spec = parseSteerSpec(raw);
    if (spec.target) throw new Error(`--steer ${raw}: a clamp target does not fold into weights`);
    if (!existsSync(spec.path)) throw new Error(`--steer: artifact file ${spec.path} does not exist`);
    return { raw, spec, artifact: loadArtifact(spec.path) };
  });
  const m = await loadModel(modelRef(f.model));
  if (!f.force) for (const s of specs) checkArtifactFits(s.artifact, m.model);
  const provenance = { artifacts: specs.map((s) => s.raw), methods: specs.map((s) => s.artifact.meta.method), created: new Date().toISOString() };
  return { m, specs, provenance };
}

async function mergedAction(f: MergedFlags): Promise<void> {
  const { m, specs, provenance } = await loadForFold(f);
  const kinds = new Set(specs.flatMap((s) => s.artifact.meta.interventions.map((r) => r.kind)));
  let rep: MergeReport;
  let what: string;
  if (kinds.has('weight-edit')) {
    const edits = weightEditTerms(specs.map((s) => ({ artifact: s.artifact, ...(s.spec.strength !== undefined ? { strength: s.spec.strength } : {}), ...(s.spec.multiple !== undefined ? { multiple: s.spec.multiple } : {}) })));
    rep = writeWeightEdited(m.dir, m.config.modelType, edits, f.out, { ...provenance, edit: 'steer2edit rank-1 weight edits' });
    what = `weight edits folded into ${rep.edited.length} matrices`;
  } else if (kinds.has('ablate')) {
    if (specs.length !== 1) throw new Error('export merged: fold one ablation at a time (several ablations are not one orthogonalisation)');
    const s = specs[0]!;
    if (s.spec.multiple !== undefined) throw new Error(`--steer ${s.raw}: an ablation folds into the weights at strength 1 only`);
    const u = ablationDirection(s.artifact, m.model.arch.layers, s.spec.strength);
    rep = writeOrthogonalised(m.dir, m.config.modelType, m.model.arch.hidden, u, f.out, { ...provenance, edit: 'orthogonalised residual writers' });
    what = `${rep.edited.length} tensors orthogonalised to ${s.artifact.meta.name}'s direction${rep.untied ? ' (LM head untied: it keeps the original embedding)' : ''}`;
  } else {
    const b = additiveBlocks(specs.map((s) => ({ artifact: s.artifact, ...(s.spec.strength !== undefined ? { strength: s.spec.strength } : {}), ...(s.spec.multiple !== undefined ? { multiple: s.spec.multiple } : {}) })), 0);
    for (const n of b.notes) process.stderr.write(`steerling: note: ${n}\n`);
    rep = writeBiasFolded(m.dir, m.config.modelType, m.model.arch.hidden, m.config.intermediateSize, m.model.arch.layers, b.vectors, f.out, { ...provenance, edit: 'additive directions as MLP down_proj biases', layers: b.layers });
    what = `steering folded into ${rep.edited.join(', ')} (mlp_bias switched on)`;
  }
  if (f.json) {
    console.log(JSON.stringify(rep));
    return;
  }
  console.log(`wrote ${rep.out}: ${what}`);
  console.log(`copied ${rep.copied.join(', ') || 'nothing else'}; serve it as any checkpoint (steerling generate --model ${rep.out}, transformers, vLLM)`);
}
