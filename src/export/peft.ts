// Weight edits as a PEFT LoRA adapter: a folder that `PeftModel.from_pretrained(base, DIR)` (and
// vLLM's LoRA serving) loads onto the unedited base model. Checked against huggingface/peft:
//
//   adapter_config.json        LoraConfig fields (tuners/lora/config.py, config.py): peft_type
//                              "LORA", task_type "CAUSAL_LM", r, lora_alpha, target_modules, ...
//   adapter_model.safetensors  get_peft_model_state_dict's names (utils/save_and_load.py): the
//                              module path under PeftModel (`base_model.model.` + the base model's
//                              module, e.g. model.layers.3.self_attn.o_proj) + `.lora_A.weight`
//                              [r, in] and `.lora_B.weight` [out, r], the adapter name removed
//
// LoRA adds scale·B·A to a module's weight with scale = lora_alpha / r (use_rslora false). Each
// edited matrix here is a sum of k rank-1 terms Σ s_i·u_i k_iᵀ (one per artifact that edits it), so
// A stacks the k_iᵀ, B the s_i·u_i, r is the largest k (unused rows and columns are zero) and
// lora_alpha = r makes scale 1: B·A equals the edit exactly. target_modules lists the edited
// modules by full name (PEFT matches a name exactly or as a dotted suffix), so no other module gets
// an adapter. GPT-2's Conv1D modules need fan_in_fan_out true; A and B keep the shapes above.
// The config holds only long-standing LoraConfig keys (older PEFT versions refuse unknown ones).

import { intoNewFolder, writeFileAtomic } from '../io/out-path.js';
import { join } from 'node:path';
import { Checkpoint } from '../io/checkpoint.js';
import { writeSafetensors } from '../io/safetensors-write.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { checkTerms, matrixName, outIn, type EditedMatrix } from './weight-edits.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
/** PeftModel's prefix in front of the base model's own module names. */
export const PEFT_PREFIX = 'base_model.model.';

export interface PeftAdapter {
  config: Record<string, unknown>;
  tensors: Map<string, Tensor>;
  r: number;
  modules: string[];
}

/** The adapter for `edits` on the checkpoint at `dir` (its tensor names and shapes decide the modules). */
export function peftAdapter(dir: string, modelType: string, edits: ReadonlyMap<string, EditedMatrix>, baseModel: string | null): PeftAdapter {
  if (edits.size === 0) throw new Error('no weight edits to export');
  const ckpt = Checkpoint.open(dir);
  try {
    const names = ckpt.keys();
    const list = [...edits.values()].sort((a, b) => a.layer - b.layer || a.proj.localeCompare(b.proj));
    const r = Math.max(...list.map((m) => m.terms.length));
    const tensors = new Map<string, Tensor>();
    const modules: string[] = [];
    for (const m of list) {
      const at = matrixName(names, modelType, m.layer, m.proj);
      const [out, inDim] = outIn(ckpt.get(at.tensor), at.layout);
      checkTerms(m, at.tensor, out, inDim);
      const A = new Float32Array(r * inDim);
      const B = new Float32Array(out * r);
      m.terms.forEach((t, i) => {
        A.set(t.k, i * inDim);
        for (let o = 0; o < out; o++) B[o * r + i] = t.strength * t.u[o]!;
      });
      tensors.set(`${PEFT_PREFIX}${at.module}.lora_A.weight`, fromStorage(A, [r, inDim], 'f32'));
      tensors.set(`${PEFT_PREFIX}${at.module}.lora_B.weight`, fromStorage(B, [out, r], 'f32'));
      modules.push(at.module);
    }
    const config: Record<string, unknown> = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: baseModel,
      revision: null,
      inference_mode: true,
      r,
      lora_alpha: r,
      lora_dropout: 0.0,
      target_modules: modules,
      bias: 'none',
      fan_in_fan_out: modelType === 'gpt2',
      use_rslora: false,
      init_lora_weights: true,
      modules_to_save: null,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: {},
      alpha_pattern: {},
    };
    return { config, tensors, r, modules };
  } finally {
    ckpt.close();
  }
}

export interface PeftReport {
  out: string;
  r: number;
  lora_alpha: number;
  modules: string[];
  files: string[];
}

export function writePeftAdapter(out: string, adapter: PeftAdapter, provenance: Record<string, unknown>): PeftReport {
  intoNewFolder(out, () => {
    writeSafetensors(join(out, ADAPTER_WEIGHTS), adapter.tensors, { format: 'pt', steerling_edit: JSON.stringify(provenance) });
    writeFileAtomic(join(out, ADAPTER_CONFIG), JSON.stringify(adapter.config, null, 2) + '\n');
  });
  return { out, r: adapter.r, lora_alpha: adapter.config['lora_alpha'] as number, modules: adapter.modules, files: [ADAPTER_CONFIG, ADAPTER_WEIGHTS] };
}
