// What the library exposes of src/sae (`import { sae } from 'steerling'`): the index, plus one
// training run end to end and the corpus readers.
export * from './index.js';
export { runSae, SAE_TOKEN_BUDGET, type SaeRun, type SaeRunOptions } from './run.js';
export { readCorpusTexts, holdOut } from './corpus.js';
export { inspectFeatures, featureText, featureHtml, type FeatureReport, type FeatureContext } from './inspect.js';
export { maxPreActivations, pickFeature, decoderDirection, type PickedFeature } from './feature.js';
