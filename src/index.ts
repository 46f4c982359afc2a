// steerling: find, learn, evaluate and ship steering interventions for language models.
export * from './tensor/index.js';
export { backendName, setBackend, withBackend } from './backend/registry.js';
