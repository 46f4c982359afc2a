// `steerling export gguf`: steering artifacts as a llama.cpp control vector, so the steering runs
// in llama.cpp (`llama-cli -m MODEL.gguf --control-vector FILE.gguf`) and everything built on it.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadArtifact } from '../artifact/io.js';
import { toControlVector } from '../export/control-vector.js';
import { writeGGUF } from '../export/gguf.js';
import { parseSteerSpec } from './steer-flag.js';
import { ablationDirection, writeOrthogonalised } from '../export/merged.js';
import { checkArtifactFits } from '../artifact/apply.js';
import { loadModel } from '../models/load.js';
import { modelRef } from './model-ref.js';

interface MergedFlags {
  model?: string;
  steer: string;
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

  exp
    .command('merged')
    .description('a Hugging Face checkpoint with a directional ablation folded into the weights (orthogonalised; Llama, Mistral, Qwen2/3)')
    .option('-m, --model <model>', 'the model the artifact was fitted on (folder, hub cache id, or organism)')
    .requiredOption('--steer <artifact>', 'an ablation artifact (steerling train ablation), at strength 1')
    .requiredOption('--out <dir>', 'a new folder for the edited checkpoint')
    .option('--force', 'skip the check that the artifact was fitted on this model')
    .option('--json', 'print what was written as one JSON object')
    .action(async (f: MergedFlags) => {
      const spec = parseSteerSpec(f.steer);
      if (spec.target || spec.multiple !== undefined) throw new Error(`--steer ${f.steer}: an ablation folds into the weights at strength 1 only`);
      if (!existsSync(spec.path)) throw new Error(`--steer: artifact file ${spec.path} does not exist`);
      const art = loadArtifact(spec.path);
      const m = await loadModel(modelRef(f.model));
      if (!f.force) checkArtifactFits(art, m.model);
      const u = ablationDirection(art, m.model.arch.layers, spec.strength);
      const rep = writeOrthogonalised(m.dir, m.config.modelType, m.model.arch.hidden, u, f.out, { artifact: art.meta.name, method: art.meta.method, edit: 'orthogonalise residual writers', created: new Date().toISOString() });
      if (f.json) {
        console.log(JSON.stringify(rep));
        return;
      }
      console.log(`wrote ${rep.out}: ${rep.edited.length} tensors orthogonalised to ${art.meta.name}'s direction${rep.untied ? ' (LM head untied: it keeps the original embedding)' : ''}`);
      console.log(`copied ${rep.copied.join(', ') || 'nothing else'}; serve it as any checkpoint (steerling generate --model ${rep.out}, transformers, vLLM)`);
    });
}
