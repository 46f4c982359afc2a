// YaPO: sparse steering vectors in an SAE's latent space (method `yapo`).
export { yapo, trainYapo, yapoLoss, activeLatents, latentTensors, YAPO_DEFAULTS, YAPO_OPTIONS, type YapoOptions } from './method.js';
