// Interventions at named hook sites, and the positions they act on.
//
//   const iv = new AddIntervention('layers.3.resid_post', direction, { strength: 4 });
//   generate(model, prompts, { hooks: hooksFor([iv], model.arch.layers) });
export * from './interventions.js';
export * from './positions.js';
export * from './apply.js';
export * from './weight-edit.js';
export * from './registry.js';
