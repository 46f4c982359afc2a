// LinEAS: end-to-end coordinate-wise affine steering maps (see method.ts).
export { lineas, lineasSites } from './method.js';
export { LINEAS_OPTIONS, parseLineasOptions, type LineasOptions } from './options.js';
export { trainLineas, lineasLoss, targetActivations, identityMaps, LINEAS_DEFAULTS } from './train.js';
export { w2Squared, w2Loss, sortColumns } from './w2.js';
export { proxSparseGroup, type Sparsity } from './prox.js';
export { lineasTexts } from './data.js';
