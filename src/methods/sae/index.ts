// SAE features as steering directions (method `sae`).
export { saeFeature, saeFor, SAE_FEATURE_OPTIONS, SAE_OPTION, type SaeFeatureOptions } from './method.js';
