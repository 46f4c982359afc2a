// All front-end ops. Each op validates its inputs, dispatches to the active backend's kernel and
// records its gradient rule when an input requires one.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';
export * from './softmax.js';
export * from './norm.js';
export * from './rope.js';
export * from './embedding.js';
export * from './attention.js';
export * from './loss.js';
