// `--control-vector FILE[:SCALE]` (generate): apply a llama.cpp control vector (from llama.cpp's
// cvector-generator, repeng, EasySteer or `steerling export gguf`) as llama.cpp does: direction.N
// added to the output of block N at every position, times SCALE (default 1).
import { existsSync } from 'node:fs';
import { readGGUF } from '../export/gguf.js';
import { controlVectorSites, LLAMA_CPP_ARCH } from '../export/control-vector.js';
import { AddIntervention, type Intervention } from '../intervene/interventions.js';
import { fromStorage } from '../tensor/tensor.js';
import type { DecoderModel } from '../models/decoder.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseControlVectorSpec(spec: string): { path: string; scale: number } {
  const i = spec.lastIndexOf(':');
  if (i > 0 && NUMBER.test(spec.slice(i + 1)) && !existsSync(spec)) {
    const scale = Number(spec.slice(i + 1));
    if (!Number.isFinite(scale)) throw new Error(`--control-vector ${spec}: the scale ${spec.slice(i + 1)} is not a finite number`);
    return { path: spec.slice(0, i), scale };
  }
  return { path: spec, scale: 1 };
}

export function loadControlVectors(specs: readonly string[], model: DecoderModel, force = false): Intervention[] {
  return specs.flatMap((raw) => {
    const { path, scale } = parseControlVectorSpec(raw);
    if (!existsSync(path)) throw new Error(`--control-vector: file ${path} does not exist`);
    const file = readGGUF(path);
    const hint = file.metadata.get('controlvector.model_hint');
    const ours = LLAMA_CPP_ARCH[model.arch.modelType];
    if (!force && hint?.type === 'string' && ours && hint.value !== ours) {
      throw new Error(`--control-vector ${path}: it was made for a ${hint.value} model, this one is ${ours} in llama.cpp's terms; pass --force if you know better`);
    }
    const sites = controlVectorSites(file, model.arch.hidden, model.arch.layers, scale);
    if (sites.length === 0) throw new Error(`--control-vector ${path}: no direction.N tensor falls inside this model's ${model.arch.layers} layers`);
    return sites.map((s) => new AddIntervention(s.site, fromStorage(s.vector, [s.vector.length], 'f32'), { strength: 1 }));
  });
}
