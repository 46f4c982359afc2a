// Model loading I/O: find a model, read its config, weights and tokenizer.
//
//   import { openModelFiles } from './io/index.js';
//   const m = await openModelFiles('HuggingFaceTB/SmolLM2-135M-Instruct'); // local path, HF cache, or
//                                                                         // { allowDownload: true }
//   m.config.numLayers;                                   // typed, normalised config.json
//   const emb = m.checkpoint.get('model.embed_tokens.weight'); // Tensor, dtype as stored (bf16 stays bf16)
//   const ids = m.tokenizer!.encode('Once upon a time');
//   m.eosTokenIds;                                        // stop ids from generation_config.json
//
// Pieces, usable alone: SafetensorsFile / Checkpoint (read), writeSafetensors (write),
// parseModelConfig / loadModelConfig, loadGenerationConfig, resolveModel / findInCache.
export { SafetensorsFile, type TensorSource, type OpenOptions, type TensorInfo, type SafetensorsDType } from './safetensors.js';
export { parseHeader, parseHeaderLength, MAX_HEADER_BYTES, ST_DTYPE_SIZE, type SafetensorsHeader } from './safetensors-header.js';
export { writeSafetensors, type WriteOptions } from './safetensors-write.js';
export { Checkpoint, SINGLE_FILE, INDEX_FILE } from './checkpoint.js';
export { loadModelConfig, parseModelConfig, SUPPORTED_MODEL_TYPES, type ModelConfig, type ModelType, type LayerType } from './config.js';
export { loadGenerationConfig, parseGenerationConfig, type GenerationDefaults } from './generation.js';
export { resolveModel, resolveModelSync, findInCache, hubCacheDir, isRepoId, repoFolderName, type ResolveOptions, type ResolvedModel, type CacheHit } from './resolve.js';
export { openModelFiles, type ModelFiles } from './model-files.js';
export { loadTokenizer, Tokenizer } from '../tokenizer/index.js';
