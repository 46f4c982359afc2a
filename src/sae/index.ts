// Sparse autoencoders over one hook site: the model (sae.ts), its training (train.ts), the token
// activations it reads (tokens.ts), its figures (metrics.ts), its file (file.ts), inspection
// (inspect.ts) and features as steering directions (feature.ts).
export { initSae, topkMask, encode, decode, reconstruct, encodeTensor, decodeTensor, saeTensors, checkSaeSite, type Sae, type SaeActivation, type SaeParams } from './sae.js';
export { trainSae, geometricMedian, inputScaleOf, SAE_DEFAULTS, type SaeTrainOptions, type SaeState, type StepInfo } from './train.js';
export { tokenActivations, budgetTexts, type TokenRows } from './tokens.js';
export { saeMetrics, reconstructionStats, spliceHooks, meanNextTokenLoss, forEachCode, type SaeMetrics } from './metrics.js';
export { saveSae, loadSae, saveSaeCheckpoint, loadSaeCheckpoint, saeMeta, checkSaeFits, SAE_FORMAT, type SaeMeta, type SaeFile } from './file.js';
