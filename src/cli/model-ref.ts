// What `--model` means: see src/api/model-ref.ts (the library's loadModel resolves the same way).
export { modelRef, ORGANISM_DIR } from '../api/model-ref.js';
