// `steerling export gguf|merged|peft` and `steerling edit`: steering artifacts as files that other
// engines load — a llama.cpp control vector (`llama-cli -m MODEL.gguf --control-vector FILE.gguf`),
// a checkpoint with the steering folded into its weights, or a PEFT LoRA adapter.
import type { Command } from 'commander';
import { loadModel } from '../models/load.js';
import { modelRef } from './model-ref.js';
import { exportGguf, exportMerged, exportPeft, exportSources } from '../api/export.js';

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
      const cv = exportGguf(f.steer, f.out);
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
      const { m, sources } = await loadForFold(f);
      const rep = exportPeft(m, sources, f.out, { force: f.force ?? false });
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

/** The artifacts (checked before the model loads), then the model. */
async function loadForFold(f: MergedFlags) {
  const sources = exportSources(f.steer);
  const m = await loadModel(modelRef(f.model));
  return { m, sources };
}

async function mergedAction(f: MergedFlags): Promise<void> {
  const { m, sources } = await loadForFold(f);
  const { kind, report: rep } = exportMerged(m, sources, f.out, { force: f.force ?? false, onNote: (n) => process.stderr.write(`steerling: note: ${n}\n`) });
  const what =
    kind === 'weight-edit' ? `weight edits folded into ${rep.edited.length} matrices`
    : kind === 'ablation' ? `${rep.edited.length} tensors orthogonalised to ${sources[0]!.artifact.meta.name}'s direction${rep.untied ? ' (LM head untied: it keeps the original embedding)' : ''}`
    : `steering folded into ${rep.edited.join(', ')} (mlp_bias switched on)`;
  if (f.json) {
    console.log(JSON.stringify(rep));
    return;
  }
  console.log(`wrote ${rep.out}: ${what}`);
  console.log(`copied ${rep.copied.join(', ') || 'nothing else'}; serve it as any checkpoint (steerling generate --model ${rep.out}, transformers, vLLM)`);
}
